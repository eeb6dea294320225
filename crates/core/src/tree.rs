//! Every map under one object, read in a single pass. automerge seeks afresh for each map
//! it is asked for, and a month of help is 5,000 records of eight maps each: seeking them
//! one by one was most of a full derive. Its document iterator walks the objects in the
//! order they are stored instead, so a list read whole reads from a [`Tree`].

use crate::read::{each_field, FieldRef};
use automerge::iter::DocItem;
use automerge::{Automerge, ObjId, ReadDoc, ScalarValueRef, ValueRef};
use std::collections::HashMap;

/// Where a reader's fields come from: the document itself, map by map, or a [`Tree`]
/// read from it. A record's reader is written once against this and reads alike from both.
pub trait Fields {
    /// Visits every field of map `obj` (the winning value of each key).
    fn fields(&self, obj: &ObjId, f: &mut dyn FnMut(&str, FieldRef<'_>));
}

impl Fields for Automerge {
    fn fields(&self, obj: &ObjId, f: &mut dyn FnMut(&str, FieldRef<'_>)) {
        each_field(self, obj, f);
    }
}

/// A field's value; text lives in the tree's one buffer.
enum Value {
    Str(Span),
    Int(i64),
    Bool(bool),
    Obj(ObjId),
    Other,
}

/// A stretch of the tree's text: a field's key or string value.
type Span = (u32, u32);

/// The fields of every map under one object, as of the document's heads when read. Keys and
/// strings share one buffer and every object's fields one list: a month of help is some
/// 100,000 fields, and an allocation each was half the time.
pub struct Tree {
    text: String,
    fields: Vec<(Span, Value)>,
    /// Each object's fields, a range of `fields` (an object's come together).
    maps: HashMap<ObjId, (usize, usize)>,
}

impl Tree {
    pub fn of(doc: &Automerge, obj: &ObjId) -> Tree {
        let mut tree = Tree {
            text: String::new(),
            fields: Vec::new(),
            maps: HashMap::new(),
        };
        let mut current: Option<(ObjId, usize)> = None;
        for item in doc.iter_at(obj, None) {
            let DocItem::Map(m) = &item.item else {
                continue;
            };
            let value = match &m.value {
                ValueRef::Object(_) => Value::Obj(m.id()),
                ValueRef::Scalar(ScalarValueRef::Str(s)) => Value::Str(tree.keep(s)),
                ValueRef::Scalar(ScalarValueRef::Int(i)) => Value::Int(*i),
                ValueRef::Scalar(ScalarValueRef::Uint(u)) => Value::Int(*u as i64),
                ValueRef::Scalar(ScalarValueRef::Boolean(b)) => Value::Bool(*b),
                ValueRef::Scalar(_) => Value::Other,
            };
            if current.as_ref().is_none_or(|(o, _)| *o != *item.obj) {
                tree.close(current.take());
                current = Some(((*item.obj).clone(), tree.fields.len()));
            }
            let key = tree.keep(&m.key);
            tree.fields.push((key, value));
        }
        tree.close(current);
        tree
    }

    fn keep(&mut self, s: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        (start, self.text.len() as u32)
    }

    fn close(&mut self, current: Option<(ObjId, usize)>) {
        if let Some((obj, start)) = current {
            self.maps.insert(obj, (start, self.fields.len()));
        }
    }

    fn str(&self, (a, b): Span) -> &str {
        &self.text[a as usize..b as usize]
    }
}

impl Fields for Tree {
    fn fields(&self, obj: &ObjId, f: &mut dyn FnMut(&str, FieldRef<'_>)) {
        let Some(&(start, end)) = self.maps.get(obj) else {
            return;
        };
        for (key, value) in &self.fields[start..end] {
            let v = match value {
                Value::Str(s) => FieldRef::Str(self.str(*s)),
                Value::Int(i) => FieldRef::Int(*i),
                Value::Bool(b) => FieldRef::Bool(*b),
                Value::Obj(o) => FieldRef::Obj(o.clone()),
                Value::Other => FieldRef::Other,
            };
            f(self.str(*key), v);
        }
    }
}
