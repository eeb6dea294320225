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
