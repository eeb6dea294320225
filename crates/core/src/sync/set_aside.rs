//! What a device does with changes the server refused (DESIGN.md, "Write rules, and who
//! checks them"): it keeps them, rebuilds the document without them under a new actor id,
//! and shows the person what they wrote in them. Sending them again would be refused again,
//! and a document whose history holds them can never be in step with the server.

use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc, ScalarValue};

/// A document rebuilt without some of its changes.
pub struct Rebuilt {
    pub doc: Automerge,
    /// The changes taken out: the refused ones and every change built on them, in the
    /// order the document held them.
    pub removed: Vec<Change>,
}

/// Rebuilds `doc` without `refused` and what depends on them, under `actor` (a new one:
/// the old actor's sequence numbers now have gaps the server will never fill). `None` when
/// the document holds none of them (already rebuilt, or a refusal meant for another copy).
pub fn without(doc: &Automerge, refused: &[ChangeHash], actor: ActorId) -> Option<Rebuilt> {
    let all = doc.get_changes(&[]);
    // Genesis is never taken out, whatever a server says: without it nothing else stands.
    let genesis = crate::schema::genesis_actor();
    let mut out: Vec<ChangeHash> = refused
        .iter()
        .filter(|h| {
            doc.get_change_by_hash(h)
                .is_some_and(|c| *c.actor_id() != genesis)
        })
        .copied()
        .collect();
    if out.is_empty() {
        return None;
    }
    // `get_changes` lists parents before children, so one pass finds every descendant.
    for c in &all {
        if !out.contains(&c.hash()) && c.deps().iter().any(|d| out.contains(d)) {
            out.push(c.hash());
        }
    }
    let (removed, kept): (Vec<Change>, Vec<Change>) =
        all.into_iter().partition(|c| out.contains(&c.hash()));
    let mut rebuilt = Automerge::new().with_actor(actor);
    rebuilt.apply_changes(kept).ok()?;
    Some(Rebuilt {
        doc: rebuilt,
        removed,
    })
}

/// The text a person wrote in a change: every string it puts, in order, so what was
/// refused can be shown and copied.
pub fn texts(change: &Change) -> Vec<String> {
    change
        .clone()
        .decode()
        .operations
        .into_iter()
        .filter_map(|op| match op.action {
            automerge::legacy::OpType::Put(ScalarValue::Str(s)) if !s.trim().is_empty() => {
                Some(s.to_string())
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutomergeError, ROOT};

    fn put(doc: &mut Automerge, key: &str, value: &str) -> ChangeHash {
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, key, value)?;
            Ok(())
        })
        .unwrap();
        doc.get_heads()[0]
    }

    #[test]
    fn the_refused_change_and_its_descendants_leave_and_the_rest_stays() {
        let mut doc = Automerge::new();
        let a = put(&mut doc, "a", "first");
        // Another device's change, concurrent with what follows.
        let mut other = doc.fork();
        let c = put(&mut other, "c", "elsewhere");
        let b = put(&mut doc, "b", "refused text");
        let d = put(&mut doc, "d", "built on it");
        doc.merge(&mut other).unwrap();

        let actor = ActorId::random();
        let out = without(&doc, &[b], actor.clone()).unwrap();
        let removed: Vec<ChangeHash> = out.removed.iter().map(Change::hash).collect();
        assert_eq!(removed, vec![b, d]);
        assert!(out.doc.get_change_by_hash(&a).is_some());
        assert!(out.doc.get_change_by_hash(&c).is_some());
        assert_eq!(out.doc.get(ROOT, "b").unwrap(), None);
        assert_eq!(out.doc.get_actor(), &actor);
        assert_eq!(texts(&out.removed[0]), vec!["refused text".to_owned()]);
        // Nothing to take out: nothing to rebuild.
        assert!(without(&out.doc, &[b], ActorId::random()).is_none());
        // A genesis named as refused stays.
        let g = crate::schema::genesis(&crate::DocKind::PROFILE);
        let head = g.get_heads()[0];
        assert!(without(&g, &[head], ActorId::random()).is_none());
    }
}
