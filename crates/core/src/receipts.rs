//! Receipt times: when each change first reached the server, by the server's clock.
//!
//! A device's time is its claim. The server records each change's arrival durably before it
//! acknowledges, and for kinds that declare `receipts` (see `registry::Kind`) publishes them
//! into the document itself: `receipts[<change hash>] = <ms>`, a path only the server writes.
//! A rule that depends on when something happened reads [`received_at`], never the change's
//! own timestamp.

use crate::doc::transact;
use crate::read::{i64_at, map_at};
use crate::rules::{Reach, Rule, Seg, Shape, Who};
use crate::{Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ROOT};

/// The root map receipts live in.
pub const ROOT_MAP: &str = "receipts";

/// The rule a kind publishing receipts includes in its write rules.
pub const RULE: Rule = Rule {
    path: &[Seg::Key(ROOT_MAP), Seg::Any],
    who: Who::Server,
    reach: Reach::Exact,
    shape: Shape::Int,
};

/// Writes the first receipt of each change not yet published, in one change. Returns its
/// hash, or `None` when every one was already there.
pub fn publish(
    doc: &mut Automerge,
    now: Millis,
    receipts: &[(ChangeHash, Millis)],
) -> Result<Option<ChangeHash>> {
    let Some(map) = map_at(doc, &ROOT, ROOT_MAP) else {
        return Err(crate::LinliError::Damaged("no receipts map".into()));
    };
    let fresh: Vec<(String, i64)> = receipts
        .iter()
        .map(|(h, at)| (h.to_string(), at.0))
        .filter(|(h, _)| i64_at(doc, &map, h).is_none())
        .collect();
    if fresh.is_empty() {
        return Ok(None);
    }
    let (_, hash) = transact(doc, now, |tx| {
        for (h, at) in &fresh {
            tx.put(&map, h.as_str(), *at)?;
        }
        Ok(())
    })?;
    Ok(hash)
}

/// When `change` first reached the server, once the server has published it.
pub fn received_at(doc: &Automerge, change: &ChangeHash) -> Option<Millis> {
    let map = map_at(doc, &ROOT, ROOT_MAP)?;
    i64_at(doc, &map, &change.to_string()).map(Millis)
}

/// When the change that created each object first reached the server, once published: a
/// record's receipt is its creating change's. One pass over the log's metadata serves all.
pub fn created_received(doc: &Automerge, objs: &[automerge::ObjId]) -> Vec<Option<Millis>> {
    let Some(map) = map_at(doc, &ROOT, ROOT_MAP) else {
        return vec![None; objs.len()];
    };
    let meta = doc.get_changes_meta(&[]);
    objs.iter()
        .map(|obj| {
            let automerge::ObjId::Id(counter, actor, _) = obj else {
                return None;
            };
            let change = meta
                .iter()
                .find(|m| m.actor.as_ref() == actor && (m.start_op..=m.max_op).contains(counter))?;
            i64_at(doc, &map, &change.hash.to_string()).map(Millis)
        })
        .collect()
}

#[cfg(all(test, feature = "testkit"))]
mod tests {
    use super::*;
    use crate::doc::Writer;
    use crate::rules::DocContext;

    #[test]
    fn the_first_receipt_stands_and_only_the_server_may_write_one() {
        let mut doc = crate::schema::genesis(&crate::testkit::BOARD);
        let h = doc.get_heads()[0];
        assert_eq!(received_at(&doc, &h), None);
        assert!(publish(&mut doc, Millis(5), &[(h, Millis(5))])
            .unwrap()
            .is_some());
        // Published again (a restart, a second delivery): nothing changes.
        assert!(publish(&mut doc, Millis(9), &[(h, Millis(9))])
            .unwrap()
            .is_none());
        assert_eq!(received_at(&doc, &h), Some(Millis(5)));
        let rules = crate::access::rules(&crate::testkit::BOARD).unwrap();
        let staff = Writer {
            member: crate::MemberId::parse("s1").unwrap(),
            role: crate::Role::Staff,
        };
        let path = [ROOT_MAP, "h"];
        assert!(rules
            .authorize(&staff, &DocContext::default(), &path)
            .is_err());
        assert!(rules
            .authorize(&Writer::server(), &DocContext::default(), &path)
            .is_ok());
    }
}
