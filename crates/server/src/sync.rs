//! The sync endpoint: `GET /api/sync/{community}?token=…` upgrades to a WebSocket speaking the automerge-repo
//! protocol to samod. The token is checked before the upgrade (browsers cannot set headers
//! on a WebSocket, so it rides in the query; it is never logged), the connection is pinned
//! to the device's peer id, and every frame passes the door before samod sees it.

use crate::api::{auth_refusal, refusal};
use crate::db::DbError;
use crate::outgoing::{Missing, Outgoing};
use crate::Server;
use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use linli_core::access::{access, Access, Reader};
use linli_core::doc::Writer;
use linli_core::sync::door::{self, Refusal};
use linli_core::sync::Wire;
use linli_core::{DocId, Lang};
use samod::storage::StorageKey;
use samod::{DocHandle, PeerId, SearchState, Transport};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(serde::Deserialize)]
pub struct SyncQuery {
    token: Option<String>,
}

/// The largest frame a client may send.
const MAX_FRAME: usize = 8 << 20;

/// WebSocket close code for a policy violation (RFC 6455).
const POLICY_VIOLATION: u16 = 1008;

pub async fn upgrade(
    State(srv): State<Arc<Server>>,
    Path(community): Path<String>,
    Query(q): Query<SyncQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = q.token.unwrap_or_default();
    let db = srv.db.clone();
    let now = srv.now();
    let key = token.clone();
    let checked = tokio::task::spawn_blocking(move || db.authenticate_reader(&key, now)).await;
    let (authed, who) = match checked.unwrap_or_else(|e| Err(DbError::Store(e.to_string()))) {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return auth_refusal(e),
        Err(e) => {
            tracing::error!(error = ?e, "cannot check a token");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "存储不可用。",
                "The store is unavailable.",
            );
        }
    };
    if authed.member.community.as_str() != community {
        return refusal(
            StatusCode::FORBIDDEN,
            "other_community",
            "这台设备登记在另一个社区。",
            "This device belongs to another community.",
        );
    }
    let Ok(ws) = ws else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "not_websocket",
            "同步需要 WebSocket 连接。",
            "Sync needs a WebSocket connection.",
        );
    };
    let Some(slot) = srv.connections.take(&who.member) else {
        tracing::warn!(member = %who.member.as_str(), "sync refused: too many connections");
        return refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections",
            "这个账号同时打开的同步连接太多，请关掉其他设备或标签页后再试。",
            "Too many sync connections are open for this member; close another device or tab and try again.",
        );
    };
    srv.gate.connect(&authed.peer_id, who.clone());
    let peer = authed.peer_id;
    // A month of a busy community's help is a few hundred KB; a frame far beyond that is
    // no honest sync message, and every frame is decoded and judged.
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| async move { accept(srv, socket, peer, who, token, slot) })
}

fn accept(
    srv: Arc<Server>,
    socket: WebSocket,
    peer: String,
    who: Reader,
    token: String,
    slot: crate::limits::Slot,
) {
    tracing::info!(peer = %peer, member = %who.member.as_str(), "sync connection");
    let (ws_out, ws_in) = socket.split();
    // One queue feeds the socket: samod's frames and, on a refusal, ours.
    let (out, out_rx) = mpsc::channel::<Message>(64);
    tokio::spawn(out_rx.map(Ok).forward(ws_out));
    let missing = Missing::default();
    let mut outgoing = Outgoing::new(srv.clone(), missing.clone(), who.member.clone());
    let to_samod = out.clone().with(move |bytes: Vec<u8>| {
        let bytes = outgoing.frame(bytes);
        futures::future::ok::<_, mpsc::SendError>(Message::Binary(bytes.into()))
    });
    // Ends the connection when the watcher says so; dropped with the connection, which
    // stops the watcher.
    let (stop, stopped) = futures::channel::oneshot::channel::<()>();
    let (alive, gone) = futures::channel::oneshot::channel::<()>();
    tokio::spawn(watch(
        srv.clone(),
        token.clone(),
        who.clone(),
        peer.clone(),
        out.clone(),
        stop,
        gone,
    ));
    let door = Door {
        writer: Writer {
            member: who.member.clone(),
            role: who.role.clone(),
        },
        who,
        srv: srv.clone(),
        accepted: HashMap::new(),
        waiting: HashMap::new(),
        missing,
        unplaced: Default::default(),
        last_quiet: HashMap::new(),
        unknown: Default::default(),
        handles: HashMap::new(),
        peer: peer.clone(),
        token,
        checked_at: std::time::Instant::now(),
        rate: Default::default(),
        throttled: false,
        _alive: alive,
        _slot: slot,
    };
    let incoming = futures::stream::unfold(
        (ws_in, door, out, false),
        |(mut ws_in, mut door, mut out, ended)| async move {
            if ended {
                return None;
            }
            loop {
                let bytes = match ws_in.next().await? {
                    Ok(Message::Binary(b)) => b,
                    Ok(Message::Close(_)) => return None,
                    Ok(Message::Text(_)) => {
                        refuse(&mut out, "只接受二进制消息 / binary frames only".into()).await;
                        return None;
                    }
                    Ok(_) => continue,
                    Err(e) => return Some((Err(e), (ws_in, door, out, true))),
                };
                door.throttle().await;
                match door.check(&bytes).await {
                    Ok(checked) => {
                        if let Some(tell) = checked.tell {
                            let _ = out.send(Message::Binary(tell.into())).await;
                        }
                        if let Some(pass) = checked.pass {
                            return Some((Ok(pass), (ws_in, door, out, false)));
                        }
                    }
                    Err(reason) => {
                        tracing::warn!(peer = %door.peer, reason = %reason, "closing a sync connection");
                        refuse(&mut out, reason).await;
                        return None;
                    }
                }
            }
        },
    );
    let incoming = incoming.take_until(stopped);
    let transport = Transport::new(Box::pin(incoming), to_samod)
        .with_expected_peer_id(PeerId::from(peer.as_str()));
    if srv.acceptor.accept(transport).is_err() {
        tracing::warn!(peer = %peer, "the repo is stopping; connection dropped");
    }
}

/// How often an open connection checks its token again, writing or not.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// WebSocket close code asking the client to come back (RFC 6455 "service restart").
const COME_BACK: u16 = 1012;

/// Checks an open connection's token every few seconds: a member revoked (in another
/// process, by the CLI) stops receiving within seconds, and a changed role or community
/// ends the connection so the device comes back and is shared what the new role may see.
async fn watch(
    srv: Arc<Server>,
    token: String,
    who: Reader,
    peer: String,
    mut out: mpsc::Sender<Message>,
    stop: futures::channel::oneshot::Sender<()>,
    mut gone: futures::channel::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut gone => return,
            _ = tokio::time::sleep(WATCH_EVERY) => {}
        }
        let (db, now, key) = (srv.db.clone(), srv.now(), token.clone());
        let checked = tokio::task::spawn_blocking(move || db.authenticate_reader(&key, now)).await;
        let reason = match checked {
            Ok(Ok(Ok((_, now)))) => {
                if now == who {
                    continue;
                }
                tracing::info!(peer = %peer, "the member's role or assignments changed: reconnecting them");
                srv.gate.connect(&peer, now);
                let _ = out
                    .send(Message::Close(Some(CloseFrame {
                        code: COME_BACK,
                        reason: "role changed".into(),
                    })))
                    .await;
                let _ = stop.send(());
                return;
            }
            Ok(Ok(Err(e))) => crate::api::auth_reason(&e),
            // The store cannot answer now: try again at the next tick.
            _ => continue,
        };
        tracing::info!(peer = %peer, reason = %reason, "closing a connection whose token no longer holds");
        refuse(&mut out, reason).await;
        let _ = stop.send(());
        return;
    }
}

/// Tells the client why, then closes: the protocol's `error` message carries the reason to
/// automerge-repo peers, the close frame to anything else. Only for what ends a connection
/// (a revoked token, bytes that are no protocol message); a refused change does not.
async fn refuse(out: &mut mpsc::Sender<Message>, reason: String) {
    let _ = out
        .send(Message::Binary(
            Wire::Error { message: reason }.encode().into(),
        ))
        .await;
    let _ = out
        .send(Message::Close(Some(CloseFrame {
            code: POLICY_VIOLATION,
            reason: "refused".into(),
        })))
        .await;
}

/// One connection's checkpoint.
struct Door {
    srv: Arc<Server>,
    who: Reader,
    writer: Writer,
    peer: String,
    /// Changes this connection sent that passed, until the server's copy holds them (samod
    /// applies them a moment after the door lets them through).
    accepted: HashMap<DocId, Vec<Change>>,
    /// Chunks this connection sent whose parents had not arrived: judged again with its
    /// next message for the document, as automerge's own queue would apply them then.
    waiting: HashMap<DocId, Vec<Vec<u8>>>,
    /// The parents they wait for, asked of the sender in samod's next message.
    missing: Missing,
    /// Changes of this connection's the door refused or dropped, and each document's last
    /// message that carried no changes: see [`Door::repeats_itself`].
    unplaced: std::collections::HashSet<ChangeHash>,
    last_quiet: HashMap<DocId, Vec<u8>>,
    /// Ids the gate did not know that this connection asked about (`limits::UNKNOWN_IDS`).
    unknown: std::collections::HashSet<DocId>,
    handles: HashMap<DocId, DocHandle>,
    /// The connection's token, checked again before writes: staff revoke from another
    /// process, and an open socket must not keep writing after that.
    token: String,
    checked_at: std::time::Instant,
    /// The frames it may send (`limits::FRAMES_PER_SECOND`), and whether it has been held
    /// to that rate yet (logged once).
    rate: crate::limits::FrameRate,
    throttled: bool,
    /// Dropped with the connection: tells its watcher to stop.
    _alive: futures::channel::oneshot::Sender<()>,
    /// The connection's place under the member's and device's limits, given back with it.
    _slot: crate::limits::Slot,
}

/// How long a token check stands before a write checks it again.
const RECHECK_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// What the door lets through of one frame, and what it tells the sender.
#[derive(Default)]
struct Checked {
    /// The frame samod sees (as it came, or rewritten); `None` drops it.
    pass: Option<Vec<u8>>,
    /// A frame for the sender: the refusal of some of its changes.
    tell: Option<Vec<u8>>,
}

impl Checked {
    fn pass(frame: &[u8]) -> Checked {
        Checked {
            pass: Some(frame.to_vec()),
            tell: None,
        }
    }
}

impl Door {
    /// Judges one frame. `Err(reason)` ends the connection; everything a document's rules
    /// refuse is refused for that document alone, and the connection goes on.
    async fn check(&mut self, frame: &[u8]) -> Result<Checked, String> {
        let unreadable =
            |e: &dyn std::fmt::Display| format!("消息无法读取 / unreadable message: {e}");
        // A map with a repeated key is refused while decoding (samod would read the last
        // copy where this reads the first), so what is judged is what samod sees.
        let msg = Wire::decode(frame).map_err(|e| unreadable(&e))?;
        // Only the messages samod needs from a peer go in, and only in the sender's own
        // name and addressed to the server: ephemeral messages would be relayed to every
        // peer holding the document under whatever sender they name, and samod trusts
        // the sender and target fields it is given.
        let (doc, sender, target, data, request) = match msg {
            Wire::Join { ref sender, .. } | Wire::Leave { ref sender } => {
                return Ok(if *sender == self.peer {
                    Checked::pass(frame)
                } else {
                    Checked::default()
                });
            }
            Wire::DocUnavailable {
                ref sender,
                ref target,
                ..
            } => {
                let own = *sender == self.peer && target == crate::SERVER_MEMBER;
                return Ok(if own {
                    Checked::pass(frame)
                } else {
                    Checked::default()
                });
            }
            Wire::Sync {
                doc,
                sender,
                target,
                data,
            } => (doc, sender, target, data, false),
            Wire::Request {
                doc,
                sender,
                target,
                data,
            } => (doc, sender, target, data, true),
            Wire::Error { .. } | Wire::Peer { .. } | Wire::Refused { .. } | Wire::Other { .. } => {
                tracing::debug!(peer = %self.peer, "dropped a message samod need not see");
                return Ok(Checked::default());
            }
        };
        if sender != self.peer || target != crate::SERVER_MEMBER {
            tracing::warn!(peer = %self.peer, sender = %sender, "dropped a sync message in another's name");
            return Ok(Checked::default());
        }
        // An id the gate does not know, or a document this member may not read, never
        // reaches samod: its hub does work for every connection and document after each
        // message, so a flood of made-up ids would hold every member up. The door answers
        // as samod would, "unavailable"; its changes, if any, are dropped unjudged (were
        // they passed, samod would hold them while it asks the share policy, and apply
        // them unjudged if the answer changed meanwhile).
        let scope = self.srv.gate.scope(doc).await;
        let granted = scope
            .as_ref()
            .map_or(Access::None, |s| access(&self.who, s));
        let known = scope.is_some();
        let Some(scope) = scope.filter(|_| granted != Access::None) else {
            if !known {
                self.unknown.insert(doc);
                if self.unknown.len() > crate::limits::UNKNOWN_IDS {
                    tracing::warn!(peer = %self.peer, "closed: too many unknown document ids");
                    return Err(format!(
                        "询问了太多不存在的文档 / asked about too many documents that do not exist (over {})",
                        crate::limits::UNKNOWN_IDS
                    ));
                }
            }
            let unavailable = Wire::DocUnavailable {
                doc,
                sender: crate::SERVER_MEMBER.to_owned(),
                target: self.peer.clone(),
            };
            return Ok(Checked {
                pass: None,
                tell: Some(unavailable.encode()),
            });
        };
        let sync = match automerge::sync::Message::decode(&data) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(peer = %self.peer, doc = %doc, error = %e, "dropped an unreadable sync message");
                return Ok(self.refusal(doc, &[], &Refusal::Malformed));
            }
        };
        if let Err(e) = linli_core::sync::shape::check(&sync) {
            tracing::warn!(peer = %self.peer, doc = %doc, error = %e, "dropped a sync message");
            return Ok(self.refusal(doc, &[], &Refusal::Malformed));
        }
        tracing::debug!(peer = %self.peer, doc = %doc, changes = sync.changes.len(), "door");
        if self.srv.watched.contains(&doc) {
            self.announced(doc, &sync.heads).await;
        }
        if sync.changes.is_empty() {
            if self.repeats_itself(doc, &sync.heads, &data) {
                tracing::debug!(peer = %self.peer, doc = %doc, "dropped a repeated message");
                return Ok(Checked::default());
            }
            return Ok(Checked::pass(frame));
        }
        self.last_quiet.remove(&doc);
        if self.checked_at.elapsed() >= RECHECK_AFTER {
            self.recheck().await?;
        }
        let (admitted, tell) = self.admit(doc, &scope, granted, &sync).await?;
        let kept = automerge::sync::Message {
            changes: admitted
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>()
                .into(),
            ..sync
        };
        let data = kept.encode();
        let wire = if request {
            Wire::Request {
                doc,
                sender,
                target,
                data,
            }
        } else {
            Wire::Sync {
                doc,
                sender,
                target,
                data,
            }
        };
        Ok(Checked {
            pass: Some(wire.encode()),
            tell,
        })
    }

    /// Tells the sender which of its changes to `doc` were refused, and why.
    fn refusal(&self, doc: DocId, changes: &[ChangeHash], why: &Refusal) -> Checked {
        Checked {
            pass: None,
            tell: Some(self.refusal_frame(doc, changes, why)),
        }
    }

    fn refusal_frame(&self, doc: DocId, changes: &[ChangeHash], why: &Refusal) -> Vec<u8> {
        tracing::info!(peer = %self.peer, doc = %doc, n = changes.len(), reason = %why.reason(), "refused changes");
        Wire::Refused {
            doc,
            sender: crate::SERVER_MEMBER.to_owned(),
            target: self.peer.clone(),
            changes: changes.iter().map(|h| h.to_string()).collect(),
            zh: why.reason_in(Lang::Zh),
            en: why.reason_in(Lang::En),
        }
        .encode()
    }

    /// Checks the token again; a revoked or expired one ends the connection with the same
    /// reason the upgrade would give.
    async fn recheck(&mut self) -> Result<(), String> {
        let (db, now, token) = (self.srv.db.clone(), self.srv.now(), self.token.clone());
        let checked = tokio::task::spawn_blocking(move || db.authenticate(&token, now)).await;
        match checked {
            Ok(Ok(Ok(_))) => {
                self.checked_at = std::time::Instant::now();
                Ok(())
            }
            Ok(Ok(Err(e))) => Err(crate::api::auth_reason(&e)),
            _ => {
                Err("服务器暂时无法核对登录 / the server cannot check the sign-in right now".into())
            }
        }
    }

    /// Judges a message's changes against the server's copy and this connection's earlier
    /// admitted changes; stores what passes before samod sees it. Returns what passed, and
    /// the refusal to tell the sender if anything did not. `Err` only when the store fails.
    async fn admit(
        &mut self,
        doc: DocId,
        scope: &linli_core::access::Scope,
        granted: Access,
        sync: &automerge::sync::Message,
    ) -> Result<(Vec<Change>, Option<Vec<u8>>), String> {
        let gate = self.srv.gate.clone();
        // A handle, once found, stays good for the connection: searching costs a trip
        // through samod's hub on every message.
        if !self.handles.contains_key(&doc) {
            if let Some(h) = self.srv.handle(doc).await {
                self.handles.insert(doc, h);
            }
        }
        // The member's turn first: their devices' messages are judged one at a time.
        let turn = self.srv.judging.turn(&self.who.member).await;
        let view = match self.handles.get(&doc) {
            Some(h) => h
                .with_document_async(|d| d.fork())
                .await
                .unwrap_or_default(),
            None => Automerge::new(),
        };
        let mut pending = self.accepted.remove(&doc).unwrap_or_default();
        let mut chunks = self.waiting.remove(&doc).unwrap_or_default();
        chunks.extend(sync.changes.iter().map(<[u8]>::to_vec));
        let (writer, judged_scope, peer) = (self.writer.clone(), scope.clone(), self.peer.clone());
        let bound = gate.clone();
        // Judged on a blocking thread: the async workers answer everyone else meanwhile.
        let judging = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut view = view;
            pending.retain(|c| view.get_change_by_hash(&c.hash()).is_none());
            if !pending.is_empty() {
                let _ = view.apply_changes(pending.iter().cloned());
            }
            let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            // A fault in judging one message refuses that message, never the process.
            let judged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                door::admit(&mut view, &chunks, &writer, &judged_scope, granted, |a| {
                    bound.bound(a)
                })
            }))
            .unwrap_or_else(|_| {
                tracing::error!(peer = %peer, doc = %doc, "the door panicked on a message");
                Err(Refusal::Malformed)
            });
            (view, pending, judged)
        });
        let (view, pending, judged) = match tokio::time::timeout(self.srv.judge_budget(), judging)
            .await
        {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                tracing::error!(peer = %self.peer, doc = %doc, error = %e, "judging failed");
                return Err(store_failed_words());
            }
            // The thread finishes in its own time, still holding the member's turn.
            Err(_) => {
                tracing::warn!(peer = %self.peer, doc = %doc, "closed: a message took too long to judge");
                return Err(format!(
                        "这条消息检查太久（超过 {} 秒），连接已关闭 / this message took too long to check (over {} s); the connection is closed",
                        self.srv.judge_budget().as_secs_f32(),
                        self.srv.judge_budget().as_secs_f32()
                    ));
            }
        };
        self.accepted.insert(doc, pending);
        let mut judged = match judged {
            Ok(j) => j,
            Err(why) => {
                self.missing.set(doc, Vec::new());
                return Ok((Vec::new(), Some(self.refusal_frame(doc, &[], &why))));
            }
        };
        self.hold(doc, std::mem::take(&mut judged.waiting));
        self.unplaced(judged.refused.iter().chain(&judged.dropped));
        self.missing.set(doc, std::mem::take(&mut judged.missing));
        let mut tell = judged
            .reason
            .as_ref()
            .map(|why| self.refusal_frame(doc, &judged.refused, why));
        let mut new = judged.changes;
        if !judged.new_actors.is_empty() {
            let foreign = gate
                .bind(&self.who.member, &judged.new_actors)
                .await
                .map_err(|e| store_failed(&e))?;
            // Another connection bound one of these actors first: none of this is stored.
            if let Some(actor) = foreign {
                let hashes: Vec<ChangeHash> = new.iter().map(Change::hash).collect();
                tell = Some(self.refusal_frame(doc, &hashes, &Refusal::ForeignActor(actor)));
                new.clear();
                return Ok((new, tell));
            }
        }
        // What a module learns from these changes (who shares a request's private
        // document): recorded before the change is stored, so nothing stored lacks it.
        if !new.is_empty() {
            let learned = linli_core::registry::learns(scope, &doc, &view, &new);
            if !learned.is_empty() {
                self.srv
                    .learn(learned)
                    .await
                    .map_err(|e| store_failed(&e))?;
            }
            // And the facts they ask the server to write later (a vote's close).
            // A fact that cannot be kept is the server's fault, never the sender's: logged,
            // and the change goes on (closing would only bring the same change back).
            for s in linli_core::registry::schedules(scope, &doc, &view, &new)
                .into_iter()
                .take(MAX_SCHEDULED_PER_MESSAGE)
            {
                if let Err(e) = self.srv.schedule(s.doc, s.fact, &s.payload, s.due).await {
                    tracing::error!(doc = %doc, fact = s.fact, error = %e, "cannot keep a scheduled fact");
                }
            }
        }
        // The server's time of arrival, on disk before the change is: a fact rules that
        // depend on time can trust, where the change's own time is the device's claim.
        if !new.is_empty() {
            let receipts = crate::db::Receipts {
                doc: doc.to_string(),
                hashes: new.iter().map(|c| c.hash().to_string()).collect(),
                at: self.srv.now(),
                publish: scope
                    .kind()
                    .and_then(linli_core::registry::kind)
                    .is_some_and(|k| k.receipts),
            };
            // Committed with whatever other connections' receipts wait at the same moment.
            self.srv
                .receipts
                .write(receipts)
                .await
                .map_err(|e| store_failed(&crate::db::DbError::Store(e)))?;
        }
        self.srv.write_ahead(doc, &new).await.map_err(|e| {
            tracing::error!(doc = %doc, error = %e, changes = new.len(), "cannot store changes at the door");
            store_failed_words()
        })?;
        self.accepted
            .entry(doc)
            .or_default()
            .extend(new.iter().cloned());
        Ok((new, tell))
    }
}

impl Door {
    /// Waits until the connection's frame rate allows one more frame: the socket is not
    /// read meanwhile, so a flood slows its sender and no one else.
    async fn throttle(&mut self) {
        let wait = self.rate.take(std::time::Instant::now());
        if wait.is_zero() {
            return;
        }
        if !self.throttled {
            self.throttled = true;
            self.srv
                .throttled
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(peer = %self.peer, "a connection sends faster than the frame rate: slowed down");
        }
        tokio::time::sleep(wait).await;
    }

    /// Records the heads a device names for a document whose facts are watched, before
    /// samod answers (and perhaps sends the close marker): a ballot made offline before
    /// the close is named by its device's first message, ahead of the marker it is sent.
    async fn announced(&self, doc: DocId, heads: &[ChangeHash]) {
        if heads.is_empty() {
            return;
        }
        let (db, at) = (self.srv.db.clone(), self.srv.now());
        let hashes: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
        let key = doc.to_string();
        let done =
            tokio::task::spawn_blocking(move || db.record_announced(&key, &hashes, at)).await;
        if !matches!(done, Ok(Ok(()))) {
            tracing::error!(doc = %doc, "cannot record announced heads");
        }
    }

    /// A message with nothing new, sent again word for word while its heads name a change
    /// this connection had refused or dropped. samod's answer would be the one it gave (it
    /// needs a change it will never take), the sender would answer it the same way, and so
    /// on forever: an automerge-repo peer knows nothing of refusals and keeps the change.
    /// Nothing is lost by not passing it: samod speaks first when its copy changes.
    fn repeats_itself(&mut self, doc: DocId, heads: &[ChangeHash], data: &[u8]) -> bool {
        let again = self.last_quiet.get(&doc).is_some_and(|d| d == data);
        if !again {
            self.last_quiet.insert(doc, data.to_vec());
        }
        again && heads.iter().any(|h| self.unplaced.contains(h))
    }

    /// Remembers changes the door did not take, for [`Door::repeats_itself`]; a sender
    /// that makes the list long starts it afresh.
    fn unplaced<'a>(&mut self, hashes: impl Iterator<Item = &'a ChangeHash>) {
        for h in hashes {
            if self.unplaced.len() >= MAX_UNPLACED {
                self.unplaced.clear();
            }
            self.unplaced.insert(*h);
        }
    }

    /// Keeps chunks waiting for their parents, within the size of one frame: a sender that
    /// keeps sending orphans loses the oldest, never the server its memory.
    fn hold(&mut self, doc: DocId, chunks: Vec<Vec<u8>>) {
        if chunks.is_empty() {
            return;
        }
        let size: usize = chunks.iter().map(Vec::len).sum();
        if size > MAX_FRAME {
            tracing::warn!(peer = %self.peer, doc = %doc, size, "dropped changes waiting for their parents");
            return;
        }
        self.waiting.insert(doc, chunks);
    }
}

/// Refused or dropped changes one connection remembers.
const MAX_UNPLACED: usize = 100_000;

/// Facts one message may schedule: a module asks for a few per change at most.
const MAX_SCHEDULED_PER_MESSAGE: usize = 64;

fn store_failed(e: &DbError) -> String {
    tracing::error!(error = ?e, "the store failed at the door");
    store_failed_words()
}

fn store_failed_words() -> String {
    "服务器暂时无法保存 / the server cannot save right now".into()
}

impl Server {
    /// A copy of the server's document to judge changes on (empty if it has none yet).
    /// Never `find`: for a document the server lacks, samod asks this very connection for
    /// it, and the answer waits behind the door that is asking: a deadlock.
    pub async fn fork(&self, doc: DocId) -> Automerge {
        match self.handle(doc).await {
            Some(h) => h
                .with_document_async(|d| d.fork())
                .await
                .unwrap_or_default(),
            None => Automerge::new(),
        }
    }

    /// samod's handle on a document it holds (loading it from storage if need be), or
    /// `None` when it holds nothing of it.
    pub async fn handle(&self, doc: DocId) -> Option<DocHandle> {
        let id = samod::DocumentId::try_from(doc.0.to_vec()).ok()?;
        let (mut state, mut updates) = self.repo.search(id).ok()?;
        loop {
            match state {
                SearchState::Found(handle) => return Some(handle),
                // Not in storage: the server holds nothing of it.
                SearchState::Requesting(_) => return None,
                SearchState::Loading => {}
            }
            match tokio::time::timeout(LOAD_WAIT, updates.next()).await {
                Ok(Some(next)) => state = next,
                _ => return None,
            }
        }
    }
}

impl Server {
    /// Shares pair documents with their two members, each starting from its genesis.
    /// Records documents learned from admitted changes and seeds their genesis (once the
    /// store holds it, seeding again only reads).
    pub(crate) async fn learn(
        &self,
        learned: Vec<(DocId, linli_core::access::Scope)>,
    ) -> Result<(), DbError> {
        // Every learned document, not only those new to the gate: a seed that found the
        // disk full is tried again when the sender sends its change again (seeding one
        // already stored writes nothing).
        let all = learned.clone();
        self.gate.learn(learned).await?;
        for (id, scope) in all {
            if let Some(kind) = scope.kind() {
                crate::directory::try_seed_genesis(&self.storage, id, kind)
                    .await
                    .map_err(DbError::Store)?;
            }
        }
        Ok(())
    }

    /// Stores changes that passed the door before samod sees them. samod answers with its
    /// new heads before its own write has reached the disk, so without this a device could
    /// hear "in step" about a change a crash then loses. The key is the one samod itself
    /// writes the change under, so its own write later is the same row. All of them wait
    /// together, so they share a commit. A full disk fails this at once: the message is
    /// refused and samod never hears of its changes.
    async fn write_ahead(&self, doc: DocId, changes: &[Change]) -> Result<(), String> {
        let Ok(id) = samod::DocumentId::try_from(doc.0.to_vec()) else {
            return Ok(());
        };
        let writes = changes.iter().map(|c| {
            let key = StorageKey::incremental_path(&id, c.hash());
            self.storage.try_put(key, c.raw_bytes().to_vec())
        });
        futures::future::join_all(writes)
            .await
            .into_iter()
            .collect::<Result<(), _>>()
            .map_err(|e| e.to_string())
    }
}

/// How long the door waits for a document to load from storage.
const LOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
