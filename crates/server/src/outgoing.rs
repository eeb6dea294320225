//! What a connection's outgoing side does to samod's frames before they reach the device:
//! it asks for the parents the door is waiting for, and it notes when the device is sent a
//! fact the server wrote (a vote's close marker), which rule 4 of the offline vote rule
//! trusts where it would never trust a device's claim.

use crate::Server;
use automerge::{sync, Automerge, Change, ChangeHash};
use linli_core::sync::Wire;
use linli_core::{DocId, MemberId};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// The changes each document's door is waiting for, shared with the connection's outgoing
/// side: samod never saw the changes that need them, so it cannot ask for them itself.
#[derive(Clone, Default)]
pub(crate) struct Missing(Arc<Mutex<HashMap<DocId, Vec<ChangeHash>>>>);

impl Missing {
    pub(crate) fn set(&self, doc: DocId, hashes: Vec<ChangeHash>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if hashes.is_empty() {
            map.remove(&doc);
        } else {
            map.insert(doc, hashes);
        }
    }

    fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    fn of(&self, doc: &DocId) -> Option<Vec<ChangeHash>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(doc)
            .cloned()
    }
}

/// The changes the server wrote as facts, by document, while it records who is sent them.
/// Shared with the writing of a fact, which adds its changes before samod can send them.
#[derive(Clone, Default)]
pub(crate) struct Watched(Arc<RwLock<HashMap<DocId, HashSet<ChangeHash>>>>);

impl Watched {
    pub(crate) fn load(rows: Vec<(String, String)>) -> Watched {
        let w = Watched::default();
        for (doc, hash) in rows {
            if let (Ok(doc), Ok(hash)) = (DocId::parse(&doc), hash.parse()) {
                w.add(doc, [hash]);
            }
        }
        w
    }

    pub(crate) fn add(&self, doc: DocId, hashes: impl IntoIterator<Item = ChangeHash>) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        map.entry(doc).or_default().extend(hashes);
    }

    pub(crate) fn remove(&self, doc: &DocId) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(doc);
    }

    fn is_empty(&self) -> bool {
        self.0.read().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    pub(crate) fn contains(&self, doc: &DocId) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(doc)
    }

    /// Whether `msg` for `doc` carries one of the watched changes. A chunk that is no
    /// single change (a bundle, a whole document: what samod sends a device lacking much
    /// of the document) is looked inside.
    fn carried(&self, doc: &DocId, msg: &sync::Message) -> bool {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        let Some(hashes) = map.get(doc) else {
            return false;
        };
        msg.changes.iter().any(|chunk| {
            if let Ok(c) = Change::from_bytes(chunk.to_vec()) {
                return hashes.contains(&c.hash());
            }
            let mut scratch = Automerge::new();
            let _ = scratch.load_incremental(chunk);
            hashes
                .iter()
                .any(|h| scratch.get_change_meta_by_hash(h).is_some())
        })
    }
}

/// One connection's outgoing side.
pub(crate) struct Outgoing {
    srv: Arc<Server>,
    missing: Missing,
    member: MemberId,
    /// Documents this connection's delivery is already recorded for.
    noted: HashSet<DocId>,
}

impl Outgoing {
    pub(crate) fn new(srv: Arc<Server>, missing: Missing, member: MemberId) -> Outgoing {
        Outgoing {
            srv,
            missing,
            member,
            noted: HashSet::new(),
        }
    }

    /// samod's frame, as the device is to be sent it.
    pub(crate) fn frame(&mut self, frame: Vec<u8>) -> Vec<u8> {
        if self.missing.is_empty() && self.srv.watched.is_empty() {
            return frame;
        }
        let Ok(Wire::Sync {
            doc,
            sender,
            target,
            data,
        }) = Wire::decode(&frame)
        else {
            return frame;
        };
        let asks = self.missing.of(&doc);
        let note = !self.noted.contains(&doc);
        if asks.is_none() && !note {
            return frame;
        }
        let Ok(mut msg) = sync::Message::decode(&data) else {
            return frame;
        };
        if note && self.srv.watched.carried(&doc, &msg) {
            self.noted.insert(doc);
            self.record_delivery(doc);
        }
        let Some(asks) = asks else {
            return frame;
        };
        // What automerge itself would ask for, had it been shown the changes that wait;
        // sorted and unique, as the encoding demands (it panics otherwise).
        msg.need.extend(asks);
        msg.need.sort();
        msg.need.dedup();
        Wire::Sync {
            doc,
            sender,
            target,
            data: msg.encode(),
        }
        .encode()
    }

    /// On disk soon after: certification comes a grace period (days) later.
    fn record_delivery(&self, doc: DocId) {
        let (db, at, member) = (self.srv.db.clone(), self.srv.now(), self.member.clone());
        tokio::task::spawn_blocking(move || {
            if let Err(e) = db.record_delivery(&doc.to_string(), member.as_str(), at) {
                tracing::error!(error = ?e, "cannot record a delivery");
            }
        });
    }
}
