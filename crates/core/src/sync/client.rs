//! The client side of the automerge-repo protocol, sans IO: it turns frames from the server
//! into events and documents into frames, and keeps one `sync::State` per document. The app
//! drives it over a browser WebSocket; tests drive it over tokio. It never drops a change:
//! what the server has not acknowledged is offered again on every connection.

use super::wire::{Wire, WireError, PROTOCOL_VERSION};
use crate::DocId;
use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, AutomergeError};
use std::collections::BTreeMap;

/// What a frame from the server means to the caller.
#[derive(Debug)]
pub enum Event {
    /// The handshake is done: documents may sync now.
    Connected,
    /// A sync message for `doc`: apply it with [`Client::receive`].
    Sync(DocId, sync::Message),
    /// The server has no such document for us (or may not share it).
    Unavailable(DocId),
    /// The server refused us and is closing the connection.
    Refused(String),
    /// The server refused these changes of `doc` and goes on syncing everything else: set
    /// them aside ([`super::set_aside`]) and rebuild the document without them.
    ChangesRefused {
        doc: DocId,
        changes: Vec<automerge::ChangeHash>,
        zh: String,
        en: String,
    },
    /// Nothing for the caller (gossip the client does not use).
    Nothing,
}

#[derive(Debug)]
pub enum ClientError {
    Wire(WireError),
    /// A frame the protocol does not allow at this point.
    Protocol(&'static str),
    BadSyncMessage,
    Automerge(AutomergeError),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Wire(e) => write!(f, "{e}"),
            ClientError::Protocol(what) => f.write_str(what),
            ClientError::BadSyncMessage => f.write_str("malformed sync message"),
            ClientError::Automerge(e) => write!(f, "{e}"),
        }
    }
}

pub struct Client {
    me: String,
    server: Option<String>,
    states: BTreeMap<DocId, sync::State>,
}

impl Client {
    /// `me` is the peer id the server assigned this device at joining.
    pub fn new(me: &str) -> Client {
        Client {
            me: me.to_owned(),
            server: None,
            states: BTreeMap::new(),
        }
    }

    /// Takes up a document's sync state saved by [`Client::saved_state`], so the first
    /// message after a restart asks only for what is missing. Damaged state is ignored: the
    /// sync then starts from nothing, which costs bytes but loses nothing.
    pub fn restore(&mut self, doc: DocId, saved: &[u8]) {
        if let Ok(state) = sync::State::decode(saved) {
            self.states.insert(doc, state);
        }
    }

    /// What to persist of a document's sync state (the heads both sides had in common).
    pub fn saved_state(&self, doc: &DocId) -> Option<Vec<u8>> {
        self.states.get(doc).map(sync::State::encode)
    }

    /// The first frame of every connection.
    pub fn join(&self) -> Vec<u8> {
        Wire::Join {
            sender: self.me.clone(),
            versions: vec![PROTOCOL_VERSION.to_owned()],
        }
        .encode()
    }

    pub fn connected(&self) -> bool {
        self.server.is_some()
    }

    /// The connection ended: keep only what survives a reconnect (the shared heads), so
    /// nothing still marked in flight blocks the next exchange.
    pub fn disconnected(&mut self) {
        self.server = None;
        for state in self.states.values_mut() {
            if let Ok(fresh) = sync::State::decode(&state.encode()) {
                *state = fresh;
            }
        }
    }

    pub fn handle(&mut self, frame: &[u8]) -> Result<Event, ClientError> {
        let msg = Wire::decode(frame).map_err(ClientError::Wire)?;
        match msg {
            Wire::Peer {
                sender, version, ..
            } => {
                if version != PROTOCOL_VERSION {
                    return Err(ClientError::Protocol("unsupported protocol version"));
                }
                self.server = Some(sender);
                Ok(Event::Connected)
            }
            Wire::Sync { doc, data, .. } | Wire::Request { doc, data, .. } => {
                if self.server.is_none() {
                    return Err(ClientError::Protocol("sync before the handshake"));
                }
                let m = sync::Message::decode(&data).map_err(|_| ClientError::BadSyncMessage)?;
                Ok(Event::Sync(doc, m))
            }
            Wire::DocUnavailable { doc, .. } => Ok(Event::Unavailable(doc)),
            Wire::Error { message } => Ok(Event::Refused(message)),
            Wire::Refused {
                doc,
                changes,
                zh,
                en,
                ..
            } => Ok(Event::ChangesRefused {
                doc,
                // A hash that does not parse names nothing this device holds.
                changes: changes.iter().filter_map(|h| h.parse().ok()).collect(),
                zh,
                en,
            }),
            Wire::Join { .. } | Wire::Leave { .. } | Wire::Other { .. } => Ok(Event::Nothing),
        }
    }

    /// Applies a received sync message to `doc`. Received changes land in `doc`; the caller
    /// stores whatever `doc.get_changes(&heads_before)` returns.
    pub fn receive(
        &mut self,
        id: DocId,
        doc: &mut Automerge,
        msg: sync::Message,
    ) -> Result<(), ClientError> {
        let state = self.states.entry(id).or_default();
        doc.receive_sync_message(state, msg)
            .map_err(ClientError::Automerge)
    }

    /// Starts `doc`'s sync afresh: after a rebuild its history is not what the server was
    /// told it was.
    pub fn forget(&mut self, id: &DocId) {
        self.states.remove(id);
    }

    /// The next frame to send for `doc`, if it has anything to say.
    pub fn outgoing(&mut self, id: DocId, doc: &Automerge) -> Option<Vec<u8>> {
        let server = self.server.clone()?;
        let state = self.states.entry(id).or_default();
        let msg = doc.generate_sync_message(state)?;
        Some(
            Wire::Sync {
                doc: id,
                sender: self.me.clone(),
                target: server,
                data: msg.encode(),
            }
            .encode(),
        )
    }

    /// Both sides hold exactly the same changes of `doc`.
    pub fn in_step(&self, id: &DocId, doc: &Automerge) -> bool {
        self.states
            .get(id)
            .and_then(|s| s.their_heads.as_ref())
            .is_some_and(|theirs| *theirs == doc.get_heads())
    }

    /// How many changes of `doc` the server is not known to hold yet.
    pub fn waiting(&self, id: &DocId, doc: &Automerge) -> usize {
        let shared = self
            .states
            .get(id)
            .map(|s| s.shared_heads.clone())
            .unwrap_or_default();
        // Heads we no longer hold (a damaged store) would make get_changes fail to find a
        // base; count everything then, which over-reports rather than hides.
        doc.get_changes(&shared).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{genesis, DocKind};
    use automerge::transaction::Transactable;
    use automerge::ROOT;

    /// A stand-in server: one document and one sync state, speaking the wire protocol.
    struct Server {
        doc: Automerge,
        state: sync::State,
    }

    impl Server {
        fn answer(&mut self, id: DocId, frame: &[u8]) -> Vec<Vec<u8>> {
            match Wire::decode(frame).unwrap() {
                Wire::Join { sender, versions } => {
                    assert_eq!(versions, ["1"]);
                    vec![Wire::Peer {
                        sender: "server".into(),
                        target: sender,
                        version: "1".into(),
                    }
                    .encode()]
                }
                Wire::Sync { data, sender, .. } => {
                    let m = sync::Message::decode(&data).unwrap();
                    self.doc.receive_sync_message(&mut self.state, m).unwrap();
                    self.doc
                        .generate_sync_message(&mut self.state)
                        .map(|m| {
                            Wire::Sync {
                                doc: id,
                                sender: "server".into(),
                                target: sender,
                                data: m.encode(),
                            }
                            .encode()
                        })
                        .into_iter()
                        .collect()
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn edit(doc: &mut Automerge, key: &str) {
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, key, 1)?;
            Ok(())
        })
        .unwrap();
    }

    /// Runs the exchange until neither side has anything to say.
    fn settle(client: &mut Client, server: &mut Server, id: DocId, doc: &mut Automerge) -> usize {
        let mut frames = 0;
        while let Some(out) = client.outgoing(id, doc) {
            for reply in server.answer(id, &out) {
                frames += 1;
                match client.handle(&reply).unwrap() {
                    Event::Sync(d, m) => client.receive(d, doc, m).unwrap(),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        frames
    }

    #[test]
    fn a_client_and_server_reach_the_same_heads() {
        let id = DocId([7; 16]);
        let mut server = Server {
            doc: genesis(&DocKind::PROFILE),
            state: sync::State::new(),
        };
        edit(&mut server.doc, "from_server");
        let mut doc = genesis(&DocKind::PROFILE);
        edit(&mut doc, "from_client");

        let mut client = Client::new("p-1");
        assert!(
            client.outgoing(id, &doc).is_none(),
            "nothing before the handshake"
        );
        let peer = server.answer(id, &client.join()).remove(0);
        assert!(matches!(client.handle(&peer).unwrap(), Event::Connected));
        assert_eq!(client.waiting(&id, &doc), 2);
        settle(&mut client, &mut server, id, &mut doc);
        assert_eq!(doc.get_heads(), server.doc.get_heads());
        assert!(client.in_step(&id, &doc));
        assert_eq!(client.waiting(&id, &doc), 0);
    }

    #[test]
    fn a_restored_state_sends_only_what_is_new() {
        let id = DocId([8; 16]);
        let mut server = Server {
            doc: genesis(&DocKind::PROFILE),
            state: sync::State::new(),
        };
        let mut doc = genesis(&DocKind::PROFILE);
        for i in 0..50 {
            edit(&mut doc, &format!("k{i}"));
        }
        let mut client = Client::new("p-1");
        let peer = server.answer(id, &client.join()).remove(0);
        client.handle(&peer).unwrap();
        settle(&mut client, &mut server, id, &mut doc);
        let saved = client.saved_state(&id).unwrap();

        // A new session of the app, one more change, a new server connection.
        edit(&mut doc, "late");
        let mut client = Client::new("p-1");
        client.restore(id, &saved);
        server.state = sync::State::decode(&server.state.encode()).unwrap();
        assert_eq!(client.waiting(&id, &doc), 1);
        let peer = server.answer(id, &client.join()).remove(0);
        client.handle(&peer).unwrap();
        let first = client.outgoing(id, &doc).unwrap();
        let Wire::Sync { data, .. } = Wire::decode(&first).unwrap() else {
            panic!("expected sync");
        };
        let m = sync::Message::decode(&data).unwrap();
        assert!(m.changes.len() <= 1, "sent {} changes", m.changes.len());
        for reply in server.answer(id, &first) {
            if let Event::Sync(d, m) = client.handle(&reply).unwrap() {
                client.receive(d, &mut doc, m).unwrap();
            }
        }
        settle(&mut client, &mut server, id, &mut doc);
        assert_eq!(doc.get_heads(), server.doc.get_heads());
    }

    #[test]
    fn a_refusal_reaches_the_caller_with_its_reason() {
        let mut client = Client::new("p-1");
        let frame = Wire::Error {
            message: "write rule broken".into(),
        }
        .encode();
        assert!(
            matches!(client.handle(&frame).unwrap(), Event::Refused(r) if r == "write rule broken")
        );
        let early = Wire::Sync {
            doc: DocId([1; 16]),
            sender: "server".into(),
            target: "p-1".into(),
            data: vec![],
        }
        .encode();
        assert!(client.handle(&early).is_err());
    }
}
