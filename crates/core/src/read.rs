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
    // Maps only, as `map_at` reads a record: a list or text where a record belongs is not one.
    doc.map_range(&map, ..)
        .filter(|item| matches!(item.value, automerge::ValueRef::Object(ObjType::Map)))
        .map(|item| (item.key.to_string(), item.id()))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::deliberation::index::{listed, Listed};
    use crate::directory::{members, DirMember};
    use crate::read::{i64_at, map_at, str_at};
    use crate::{MemberId, Millis, Role};
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, Automerge, ObjType, ReadDoc, ROOT};
    use proptest::prelude::*;

    /// One field as a record may hold it: right, mistyped, or absent.
    #[derive(Clone, Debug)]
    enum Field {
        Absent,
        Str(String),
        Int(i64),
        Text(String),
    }

    fn field() -> impl Strategy<Value = Field> {
        prop_oneof![
            Just(Field::Absent),
            "(m_[a-c]{1,3}|x y|resident|staff|grid_worker|)".prop_map(Field::Str),
            any::<i64>().prop_map(Field::Int),
            "[a-c]{0,3}".prop_map(Field::Text),
        ]
    }

    /// A record under its key: a map with two fields, or a list where a map belongs.
    fn record() -> impl Strategy<Value = (String, bool, Field, Field)> {
        (
            "(p[0-9]{1,2}|m_[a-c]{1,2}|Bad Id|)",
            prop::bool::weighted(0.9),
            field(),
            field(),
        )
    }

    fn doc(root: &str, keys: [&str; 2], records: &[(String, bool, Field, Field)]) -> Automerge {
        let mut doc = AutoCommit::new();
        let map = doc.put_object(ROOT, root, ObjType::Map).unwrap();
        for (id, is_map, a, b) in records {
            if !is_map {
                doc.put_object(&map, id.as_str(), ObjType::List).unwrap();
                continue;
            }
            let rec = doc.put_object(&map, id.as_str(), ObjType::Map).unwrap();
            for (key, f) in keys.iter().zip([a, b]) {
                match f {
                    Field::Absent => {}
                    Field::Str(s) => doc.put(&rec, *key, s.as_str()).unwrap(),
                    Field::Int(i) => doc.put(&rec, *key, *i).unwrap(),
                    Field::Text(t) => {
                        let text = doc.put_object(&rec, *key, ObjType::Text).unwrap();
                        doc.splice_text(&text, 0, 0, t).unwrap();
                    }
                }
            }
        }
        Automerge::load(&doc.save()).unwrap()
    }

    proptest! {
        /// The index's one-pass reader lists what a lookup per field read: the same entries,
        /// odd ones (lists, bad ids, mistyped or missing fields) skipped alike. A text author
        /// was read before and is not now: the index's write rules never let one in.
        #[test]
        fn the_index_read_in_one_pass_lists_what_lookups_list(
            records in prop::collection::vec(record(), 0..12),
        ) {
            let index = doc("items", ["author", "created_at"], &records);
            let items = map_at(&index, &ROOT, "items").unwrap();
            let by_lookup: Vec<Listed> = index
                .keys(&items)
                .filter(|id| crate::deliberation::index::valid_id(id))
                .filter_map(|id| {
                    let item = map_at(&index, &items, &id)?;
                    let author = match index.get(&item, "author").unwrap()? {
                        (automerge::Value::Scalar(_), _) => str_at(&index, &item, "author")?,
                        _ => return None,
                    };
                    Some(Listed {
                        author: MemberId::parse(&author).ok()?,
                        created_at: Millis(i64_at(&index, &item, "created_at").unwrap_or(0)),
                        id,
                    })
                })
                .collect();
            prop_assert_eq!(listed(&index), by_lookup);
        }

        /// The directory's one-pass reader lists the members a lookup per field listed.
        #[test]
        fn the_directory_read_in_one_pass_lists_what_lookups_list(
            records in prop::collection::vec(record(), 0..12),
        ) {
            let dir = doc("members", ["name", "role"], &records);
            let map = map_at(&dir, &ROOT, "members").unwrap();
            let scalar = |rec: &automerge::ObjId, key: &str| match dir.get(rec, key).unwrap() {
                Some((automerge::Value::Scalar(_), _)) => str_at(&dir, rec, key),
                _ => None,
            };
            let mut by_lookup: Vec<DirMember> = dir
                .keys(&map)
                .filter_map(|id| {
                    let rec = map_at(&dir, &map, &id)?;
                    Some(DirMember {
                        id: MemberId::parse(&id).ok()?,
                        name: scalar(&rec, "name")?,
                        role: Role::parse(&scalar(&rec, "role").unwrap_or_default()),
                    })
                })
                .collect();
            crate::sort::by(&mut by_lookup, |a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
            prop_assert_eq!(members(&dir), by_lookup);
        }
    }
}
