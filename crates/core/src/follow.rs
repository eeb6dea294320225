//! Records that follow a document's changes: derived once, then only the records a batch of
//! changes touched are read again. A view hears of every batch a device receives or writes;
//! deriving a month of 5,000 help requests again each time took 66 ms at opt-level 3, and
//! reading one record takes about 25 µs. Which records a batch touched comes from the
//! operations of the changes since the heads last followed: each names the object it
//! changes, and the object's parents name its record. (automerge's `diff` between the two
//! heads walks the whole document: 25 ms for one change among 5,000 requests.)

use crate::read::{each_field, map_at, FieldRef};
use crate::tree::{Fields, Tree};
use automerge::legacy::{Key, ObjectId, OpId};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, Prop, ReadDoc, ROOT};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Reads one record (its id and its map) into a value, or `None` when it does not read.
pub type Reader<T> = fn(&Automerge, &str, &ObjId) -> Option<T>;

/// The same reader, over a [`Tree`] of every record read in one pass.
pub type TreeReader<T> = fn(&Tree, &str, &ObjId) -> Option<T>;

/// The records under one map at the document's root (`requests`, `patrols`, `items`), as of
/// the heads last followed.
#[derive(Clone, Debug)]
pub struct Followed<T> {
    root: &'static str,
    read: Reader<T>,
    read_whole: Option<TreeReader<T>>,
    heads: Vec<ChangeHash>,
    records: BTreeMap<String, T>,
}

impl<T> Followed<T> {
    /// Every record under `root`, read once.
    pub fn new(doc: &Automerge, root: &'static str, read: Reader<T>) -> Self {
        Self::start(doc, root, read, None)
    }

    /// [`Followed::new`], reading every record whole from one pass over the document (a
    /// [`Tree`]) and a touched record alone from the document.
    pub fn with_tree(
        doc: &Automerge,
        root: &'static str,
        read: Reader<T>,
        read_whole: TreeReader<T>,
    ) -> Self {
        Self::start(doc, root, read, Some(read_whole))
    }

    fn start(
        doc: &Automerge,
        root: &'static str,
        read: Reader<T>,
        read_whole: Option<TreeReader<T>>,
    ) -> Self {
        let mut followed = Followed {
            root,
            read,
            read_whole,
            heads: Vec::new(),
            records: BTreeMap::new(),
        };
        followed.read_all(doc);
        followed
    }

    /// Brings the records to `doc`'s heads, reading again only those the changes since the
    /// last call touched (all of them if the root map itself was set). Returns how many were
    /// read. A document that is not the followed one grown since is read whole.
    pub fn update(&mut self, doc: &Automerge) -> usize {
        let heads = doc.get_heads();
        if heads == self.heads {
            return 0;
        }
        // A document that is not the one followed grown (a device's copy rebuilt without
        // refused changes, another database opened) is read whole.
        let grown = self
            .heads
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some());
        let Some(map) = map_at(doc, &ROOT, self.root).filter(|_| grown) else {
            return self.read_all(doc);
        };
        let mut touched = BTreeSet::new();
        // The record each object changed belongs to, found once per object.
        let mut owners: HashMap<(u64, ActorId), Option<String>> = HashMap::new();
        for change in doc.get_changes(&self.heads) {
            for op in change.decode().operations {
                let (ObjectId::Id(OpId(counter, actor)), key) = (&op.obj, &op.key) else {
                    if matches!(&op.key, Key::Map(k) if k.as_str() == self.root) {
                        return self.read_all(doc);
                    }
                    continue;
                };
                let obj = ObjId::Id(*counter, actor.clone(), 0);
                if obj == map {
                    if let Key::Map(id) = key {
                        touched.insert(id.to_string());
                    }
                    continue;
                }
                let owner = owners
                    .entry((*counter, actor.clone()))
                    .or_insert_with(|| record_holding(doc, &map, &obj));
                if let Some(id) = owner {
                    touched.insert(id.clone());
                }
            }
        }
        for id in &touched {
            let record = match doc.get(&map, id.as_str()) {
                Ok(Some((automerge::Value::Object(_), obj))) => (self.read)(doc, id, &obj),
                _ => None,
            };
            match record {
                Some(r) => self.records.insert(id.clone(), r),
                None => self.records.remove(id),
            };
        }
        self.heads = heads;
        touched.len()
    }

    /// The records, in id order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.records.values()
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.records.get(id)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn read_all(&mut self, doc: &Automerge) -> usize {
        self.records.clear();
        if let Some(map) = map_at(doc, &ROOT, self.root) {
            let read = self.read;
            let records = &mut self.records;
            match self.read_whole {
                Some(read_whole) => {
                    let tree = Tree::of(doc, &map);
                    tree.fields(&map, &mut |id, v| {
                        if let FieldRef::Obj(obj) = v {
                            if let Some(r) = read_whole(&tree, id, &obj) {
                                records.insert(id.to_owned(), r);
                            }
                        }
                    });
                }
                None => each_field(doc, &map, |id, v| {
                    if let FieldRef::Obj(obj) = v {
                        if let Some(r) = read(doc, id, &obj) {
                            records.insert(id.to_owned(), r);
                        }
                    }
                }),
            }
        }
        self.heads = doc.get_heads();
        self.records.len()
    }
}

/// The id of the record under `map` that holds object `obj`, however deep; `None` for an
/// object outside the records or no longer in the document (its removal is an operation on
/// an object that still is, so the record is read again for that one).
fn record_holding(doc: &Automerge, map: &ObjId, obj: &ObjId) -> Option<String> {
    doc.parents(obj)
        .ok()?
        .find(|parent| parent.obj == *map)
        .and_then(|parent| match parent.prop {
            Prop::Map(id) => Some(id),
            Prop::Seq(_) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutomergeError, ObjType};
    use proptest::prelude::*;

    /// A record as the tests read it: its title and the members under its `offers` map.
    #[derive(Clone, Debug, PartialEq)]
    struct Rec {
        title: String,
        offers: Vec<String>,
    }

    fn read(doc: &Automerge, _id: &str, obj: &ObjId) -> Option<Rec> {
        let title = crate::read::str_at(doc, obj, "title")?;
        let offers = map_at(doc, obj, "offers")
            .map(|o| doc.keys(&o).collect())
            .unwrap_or_default();
        Some(Rec { title, offers })
    }

    /// What a full derive gives: the followed records must always equal it.
    fn derived(doc: &Automerge) -> Vec<(String, Rec)> {
        let f = Followed::new(doc, "requests", read);
        f.records.into_iter().collect()
    }

    #[derive(Clone, Debug)]
    enum Edit {
        Post(u8, String),
        Retitle(u8, String),
        Offer(u8, u8),
        Withdraw(u8, u8),
        Remove(u8),
        Unrelated(u8),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (0..8u8, "[a-c]{1,3}").prop_map(|(r, t)| Edit::Post(r, t)),
            (0..8u8, "[d-f]{1,3}").prop_map(|(r, t)| Edit::Retitle(r, t)),
            (0..8u8, 0..4u8).prop_map(|(r, m)| Edit::Offer(r, m)),
            (0..8u8, 0..4u8).prop_map(|(r, m)| Edit::Withdraw(r, m)),
            (0..8u8).prop_map(Edit::Remove),
            (0..8u8).prop_map(Edit::Unrelated),
        ]
    }

    fn apply(doc: &mut Automerge, e: &Edit) {
        let _ = doc.transact::<_, _, AutomergeError>(|tx| {
            let requests = match tx.get(ROOT, "requests")? {
                Some((_, id)) => id,
                None => tx.put_object(ROOT, "requests", ObjType::Map)?,
            };
            let rec = |tx: &mut automerge::transaction::Transaction, r: u8| {
                tx.get(&requests, format!("r{r}"))
                    .ok()
                    .flatten()
                    .map(|(_, id)| id)
            };
            match e {
                Edit::Post(r, t) => {
                    let obj = tx.put_object(&requests, format!("r{r}"), ObjType::Map)?;
                    tx.put(&obj, "title", t.as_str())?;
                    tx.put_object(&obj, "offers", ObjType::Map)?;
                }
                Edit::Retitle(r, t) => {
                    if let Some(obj) = rec(tx, *r) {
                        tx.put(&obj, "title", t.as_str())?;
                    }
                }
                Edit::Offer(r, m) | Edit::Withdraw(r, m) => {
                    let offers = rec(tx, *r).and_then(|o| tx.get(&o, "offers").ok().flatten());
                    if let Some((_, offers)) = offers {
                        if matches!(e, Edit::Offer(..)) {
                            tx.put(&offers, format!("m{m}"), true)?;
                        } else {
                            tx.delete(&offers, format!("m{m}"))?;
                        }
                    }
                }
                Edit::Remove(r) => {
                    tx.delete(&requests, format!("r{r}"))?;
                }
                Edit::Unrelated(n) => {
                    tx.put(ROOT, "elsewhere", i64::from(*n))?;
                }
            }
            Ok(())
        });
    }

    proptest! {
        /// Several replicas edit, merge in random orders, and a follower on one of them
        /// updated after each step always holds what a full derive holds.
        #[test]
        fn following_equals_deriving_again(
            steps in proptest::collection::vec((0..3usize, edit(), proptest::option::of(0..3usize)), 1..40)
        ) {
            let mut replicas = vec![Automerge::new(); 3];
            for (i, r) in replicas.iter_mut().enumerate() {
                r.set_actor(automerge::ActorId::from(vec![i as u8 + 1]));
            }
            let mut followed = Followed::new(&replicas[0], "requests", read);
            for (at, e, merge_from) in &steps {
                apply(&mut replicas[*at], e);
                if let Some(from) = merge_from {
                    let other = replicas[*from].clone();
                    replicas[0].merge(&mut other.clone()).unwrap();
                }
                followed.update(&replicas[0]);
                let followed_now: Vec<(String, Rec)> = followed
                    .records
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                prop_assert_eq!(followed_now, derived(&replicas[0]));
            }
        }
    }

    #[test]
    fn a_document_that_lost_changes_is_read_whole() {
        let mut doc = Automerge::new();
        apply(&mut doc, &Edit::Post(1, "a".into()));
        let older = doc.fork();
        apply(&mut doc, &Edit::Post(2, "b".into()));
        let mut f = Followed::new(&doc, "requests", read);
        assert_eq!(f.len(), 2);
        // The device's copy rebuilt without the second change.
        assert_eq!(f.update(&older), 1, "read whole: one record");
        assert_eq!(f.len(), 1);
        assert!(f.get("r2").is_none());
    }

    #[test]
    fn one_change_reads_one_record_again() {
        let mut doc = Automerge::new();
        for r in 0..50 {
            apply(&mut doc, &Edit::Post(r % 8, format!("t{r}")));
        }
        for r in 0..8 {
            apply(&mut doc, &Edit::Post(r, "x".into()));
        }
        let mut f = Followed::new(&doc, "requests", read);
        assert_eq!(f.len(), 8);
        assert_eq!(f.update(&doc), 0, "nothing new, nothing read");
        apply(&mut doc, &Edit::Offer(3, 1));
        assert_eq!(f.update(&doc), 1);
        assert_eq!(f.get("r3").unwrap().offers, vec!["m1".to_owned()]);
        apply(&mut doc, &Edit::Unrelated(1));
        assert_eq!(f.update(&doc), 0, "a change outside the records reads none");
        apply(&mut doc, &Edit::Remove(3));
        assert_eq!(f.update(&doc), 1);
        assert!(f.get("r3").is_none());
    }
}
