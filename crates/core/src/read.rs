//! Small typed readers over automerge values. Every reader returns `None` for a missing or
//! mistyped value, so one odd record never breaks a view of many.

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value};

pub fn str_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        (Value::Object(ObjType::Text), id) => doc.text(id).ok(),
        _ => None,
    }
}

pub fn i64_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Int(i) => Some(*i),
            ScalarValue::Uint(u) => i64::try_from(*u).ok(),
            ScalarValue::Timestamp(t) => Some(*t),
            _ => None,
        },
        _ => None,
    }
}

pub fn u64_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<u64> {
    i64_at(doc, obj, key).and_then(|i| u64::try_from(i).ok())
}

pub fn bool_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<bool> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Boolean(b) => Some(*b),
            _ => None,
        },
        _ => None,
    }
}

/// The map stored at `key`, if it is one.
pub fn map_at(doc: &Automerge, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

/// One field of a map, as [`each_field`] hands it over.
pub enum FieldRef<'a> {
    Str(&'a str),
    Int(i64),
    Bool(bool),
    Obj(ObjId),
    Other,
}

/// Visits every field of map `obj` in one pass. Reading a record field by field costs a
/// lookup each; a list of thousands of records reads this way instead.
pub fn each_field(doc: &Automerge, obj: &ObjId, mut f: impl FnMut(&str, FieldRef<'_>)) {
    use automerge::{ScalarValueRef, ValueRef};
    for item in doc.map_range(obj, ..) {
        let v = match &item.value {
            ValueRef::Object(_) => FieldRef::Obj(item.id()),
            ValueRef::Scalar(ScalarValueRef::Str(s)) => FieldRef::Str(s),
            ValueRef::Scalar(ScalarValueRef::Int(i)) => FieldRef::Int(*i),
            ValueRef::Scalar(ScalarValueRef::Uint(u)) => FieldRef::Int(*u as i64),
            ValueRef::Scalar(ScalarValueRef::Boolean(b)) => FieldRef::Bool(*b),
            ValueRef::Scalar(_) => FieldRef::Other,
        };
        f(&item.key, v);
    }
}

/// The records of root map `root` (`<root>/<id>` maps), with their ids, in key order. One
/// pass over the map: a lookup per record would cost one more seek each.
pub fn records(doc: &Automerge, root: &str) -> Vec<(String, ObjId)> {
    let Some(map) = map_at(doc, &automerge::ROOT, root) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    each_field(doc, &map, |id, v| {
        if let FieldRef::Obj(rec) = v {
            out.push((id.to_owned(), rec));
        }
    });
    out
}
