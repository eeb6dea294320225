//! A linli-server on loopback (in this process, or as a real process to kill) and peers that
//! speak the sync protocol to it through core's client over a real WebSocket.

use automerge::sync;
use automerge::Automerge;
use futures::{SinkExt, StreamExt};
use linli_core::schema::genesis;
use linli_core::sync::{Client, Event, Wire};
use linli_core::{CommunityId, DocId, DocKind, Millis, Role};
use linli_server::db::Joined;
use linli_server::testdir::TestDir;
use linli_server::Server;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

pub const HUQIAN: &str = "huqian-2";
pub const HUAZHONG: &str = "huazhong";

pub fn community(id: &str) -> CommunityId {
    CommunityId::parse(id).unwrap()
}

/// An in-process server with a clock the test can move forward.
pub struct TestServer {
    pub srv: Arc<Server>,
    pub addr: SocketAddr,
    offset: Arc<AtomicI64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: TestDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let (srv, offset, dir) = Self::open().await;
        Self::serve(srv, offset, dir).await
    }

    /// With the demo seeded before it serves, as `linli-server` does on an empty store, so
    /// its first due work sees the seed.
    pub async fn seeded() -> TestServer {
        let (srv, offset, dir) = Self::open().await;
        linli_server::seed::seed_places(&srv.db).unwrap();
        srv.prepare_directories().await.unwrap();
        linli_server::seed::seed_documents(&srv).await;
        Self::serve(srv, offset, dir).await
    }

    async fn open() -> (Arc<Server>, Arc<AtomicI64>, TestDir) {
        // Quiet by default: dropped test peers make samod log connection resets.
        if std::env::var_os("LINLI_TEST_DEBUG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_test_writer()
                .with_max_level(tracing::Level::DEBUG)
                .try_init();
        }
        let dir = TestDir::new("sync");
        let offset = Arc::new(AtomicI64::new(0));
        let clock = {
            let offset = offset.clone();
            Arc::new(move || Millis(linli_server::api::now().0 + offset.load(Ordering::SeqCst)))
        };
        let srv = Server::start(dir.path(), clock).await.unwrap();
        for (id, name) in [(HUQIAN, "湖前第二社区"), (HUAZHONG, "华中社区")] {
            srv.db
                .create_community(&community(id), name, srv.now())
                .unwrap();
        }
        srv.prepare_directories().await.unwrap();
        (srv, offset, dir)
    }

    async fn serve(srv: Arc<Server>, offset: Arc<AtomicI64>, dir: TestDir) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn({
            let srv = srv.clone();
            async move {
                linli_server::serve(listener, srv, None, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            }
        });
        TestServer {
            srv,
            addr,
            offset,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// Stops the server and starts another on the same data, with the same clock (moved on
    /// by `down_days` while it was down), on a new port.
    pub async fn restart(self, down_days: i64) -> TestServer {
        self.restart_after(down_days, |_| {}).await
    }

    /// Like [`TestServer::restart`], with `meanwhile` run on the data directory while the
    /// server is down (a drill's damage to the store).
    pub async fn restart_after(
        mut self,
        down_days: i64,
        meanwhile: impl FnOnce(&std::path::Path),
    ) -> TestServer {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
        self.offset
            .fetch_add(down_days * Millis::DAY, Ordering::SeqCst);
        let offset = self.offset.clone();
        let dir = std::mem::replace(&mut self._dir, TestDir::new("sync-old"));
        // The old handle must be gone before the new server opens the same stores.
        drop(self.srv);
        meanwhile(dir.path());
        let clock = {
            let offset = offset.clone();
            Arc::new(move || Millis(linli_server::api::now().0 + offset.load(Ordering::SeqCst)))
        };
        let srv = Server::start(dir.path(), clock).await.unwrap();
        Self::serve(srv, offset, dir).await
    }

    pub async fn join(&self, c: &str, role: Role, name: &str) -> Joined {
        let code = self
            .srv
            .db
            .create_invite(&community(c), &role, self.srv.now())
            .unwrap();
        self.srv.join(&code, name).await.unwrap()
    }

    /// Another device for the same member.
    pub fn add_device(&self, j: &Joined) -> Joined {
        let (peer_id, token) = self.srv.db.add_device(&j.member, self.srv.now()).unwrap();
        Joined {
            peer_id,
            token,
            ..j.clone()
        }
    }

    pub fn advance_days(&self, days: i64) {
        self.advance(days * Millis::DAY);
    }

    pub fn advance(&self, ms: i64) {
        self.offset.fetch_add(ms, Ordering::SeqCst);
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(EXCHANGE_DEADLINE, t)
                .await
                .expect("the server did not stop")
                .unwrap();
        }
    }
}

/// A script of `interop/`, the JavaScript automerge-repo peers (installed by
/// `scripts/setup --browser`). For interop.rs and load_js.rs, which include this file too.
#[allow(dead_code)]
pub fn interop_script(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop");
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").is_dir(),
        "interop/node_modules is missing: scripts/setup --browser installs it"
    );
    dir.join(name)
}

/// The sync endpoint's URL for one of a member's devices.
#[allow(dead_code)]
pub fn ws_url(ts: &TestServer, who: &Joined) -> String {
    format!("ws://{}/api/sync/{HUQIAN}?token={}", ts.addr, who.token)
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    http_as(addr, method, path, body, None).await
}

/// The same, with a member's bearer token.
pub async fn http_as(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> (u16, String) {
    http_from([127, 0, 0, 1], addr, method, path, body, token).await
}

/// The same, from another loopback address (127.0.0.2 is another caller to the server).
pub async fn http_from(
    from: [u8; 4],
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> (u16, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind((std::net::Ipv4Addr::from(from), 0).into())
        .unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("")
        .to_owned();
    (status, body)
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A server with two residents: one whose device (the last) holds her profile (the
/// document id) in step with the server, and a neighbour. The hostile tests' sender, the
/// drills' writer.
pub async fn scene(name: &str) -> (TestServer, Joined, Joined, DocId, Peer) {
    let ts = TestServer::start().await;
    let who = ts.join(HUQIAN, Role::Resident, name).await;
    let neighbour = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let mine = linli_core::access::profile_id(&community(HUQIAN), &who.member);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    phone.doc(mine, &DocKind::PROFILE);
    assert_eq!(phone.sync(&[mine]).await, Outcome::InStep);
    (ts, who, neighbour, mine, phone)
}

/// How a sync round ended.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    InStep,
    Unavailable(DocId),
    /// The server ended the connection, for this reason.
    Refused(String),
    /// The server refused these changes of `doc` and kept the connection open; the reason
    /// as "zh / en".
    ChangesRefused {
        doc: DocId,
        changes: Vec<automerge::ChangeHash>,
        reason: String,
    },
    Closed,
    /// The connection stayed open and the server sent nothing for [`SILENCE`].
    Silent,
    /// Frames kept coming for [`EXCHANGE_DEADLINE`] without the exchange ending: two sides
    /// answering each other forever. The test fails instead of hanging CI.
    Stuck {
        frames: usize,
    },
}

/// How long one exchange may take in all.
const EXCHANGE_DEADLINE: Duration = Duration::from_secs(30);

/// Counts an exchange's frames and says when it has gone on too long.
struct Deadline {
    until: tokio::time::Instant,
    frames: usize,
}

impl Deadline {
    fn start() -> Deadline {
        Deadline {
            until: tokio::time::Instant::now() + EXCHANGE_DEADLINE,
            frames: 0,
        }
    }

    /// `Some(Stuck)` once the time is up; otherwise counts one more frame.
    fn tick(&mut self) -> Option<Outcome> {
        if tokio::time::Instant::now() >= self.until {
            return Some(Outcome::Stuck {
                frames: self.frames,
            });
        }
        self.frames += 1;
        None
    }
}

impl Outcome {
    fn of(event: Event) -> Option<Outcome> {
        match event {
            Event::Unavailable(id) => Some(Outcome::Unavailable(id)),
            Event::Refused(r) => Some(Outcome::Refused(r)),
            Event::ChangesRefused {
                doc,
                changes,
                zh,
                en,
            } => Some(Outcome::ChangesRefused {
                doc,
                changes,
                reason: format!("{zh} / {en}"),
            }),
            _ => None,
        }
    }

    /// The refused changes of `id`, after checking the reason names `why`; panics on any
    /// other outcome (a closed connection above all: a refusal must not end it).
    pub fn refused_in(self, id: DocId, why: &str) -> Vec<automerge::ChangeHash> {
        match self {
            Outcome::ChangesRefused {
                doc,
                changes,
                reason,
            } => {
                assert_eq!(doc, id, "refused in another document");
                assert!(reason.contains(why), "{reason}");
                changes
            }
            other => panic!("expected changes of {id} refused, got {other:?}"),
        }
    }
}

/// A device: its documents, and a connection to the server.
pub struct Peer {
    ws: Ws,
    client: Client,
    peer_id: String,
    pub docs: HashMap<DocId, Automerge>,
    /// Bytes of protocol frames sent and received (for the benchmark).
    pub sent: usize,
    pub received: usize,
}

impl Peer {
    /// Opens a connection, or returns the HTTP status and body it was refused with.
    pub async fn connect(addr: SocketAddr, c: &str, who: &Joined) -> Result<Peer, (u16, String)> {
        Self::connect_with(addr, c, &who.token, &who.peer_id, HashMap::new()).await
    }

    pub async fn connect_with(
        addr: SocketAddr,
        c: &str,
        token: &str,
        peer_id: &str,
        docs: HashMap<DocId, Automerge>,
    ) -> Result<Peer, (u16, String)> {
        let url = format!("ws://{addr}/api/sync/{c}?token={token}");
        let (mut ws, _) = match tokio_tungstenite::connect_async(url).await {
            Ok(ok) => ok,
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                let body = res
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                return Err((res.status().as_u16(), body));
            }
            Err(e) => panic!("cannot connect: {e}"),
        };
        let mut client = Client::new(peer_id);
        ws.send(Message::Binary(client.join().into()))
            .await
            .unwrap();
        let frame = next_binary(&mut ws).await.expect("a peer message");
        assert!(matches!(client.handle(&frame).unwrap(), Event::Connected));
        Ok(Peer {
            ws,
            client,
            peer_id: peer_id.to_owned(),
            docs,
            sent: 0,
            received: 0,
        })
    }

    /// The device's copy of a document, started from genesis if it has none.
    pub fn doc(&mut self, id: DocId, kind: &DocKind) -> &mut Automerge {
        self.docs.entry(id).or_insert_with(|| genesis(kind))
    }

    /// Syncs `ids` until both sides hold the same changes, or the server says no.
    pub async fn sync(&mut self, ids: &[DocId]) -> Outcome {
        for id in ids {
            let doc = self.docs.get(id).expect("open the document first");
            if let Some(frame) = self.client.outgoing(*id, doc) {
                self.sent += frame.len();
                if self.ws.send(Message::Binary(frame.into())).await.is_err() {
                    return Outcome::Closed;
                }
            }
        }
        self.settle(ids).await
    }

    /// Reads what the server sends until `ids` are in step.
    pub async fn settle(&mut self, ids: &[DocId]) -> Outcome {
        let mut deadline = Deadline::start();
        loop {
            let done = ids.iter().all(|id| self.client.in_step(id, &self.docs[id]));
            if done {
                return Outcome::InStep;
            }
            if let Some(stuck) = deadline.tick() {
                return stuck;
            }
            let frame = match next_binary(&mut self.ws).await {
                Ok(frame) => frame,
                Err(ended) => return ended,
            };
            self.received += frame.len();
            match self.client.handle(&frame).unwrap() {
                Event::Sync(id, msg) => {
                    let doc = self.docs.entry(id).or_default();
                    self.client.receive(id, doc, msg).unwrap();
                    if let Some(out) = self.client.outgoing(id, doc) {
                        self.sent += out.len();
                        if self.ws.send(Message::Binary(out.into())).await.is_err() {
                            return Outcome::Closed;
                        }
                    }
                }
                other => {
                    if let Some(outcome) = Outcome::of(other) {
                        return outcome;
                    }
                }
            }
        }
    }

    /// Reads what the server sends until the device holds `heads` of `id`.
    pub async fn wait_for(&mut self, id: DocId, heads: &[automerge::ChangeHash]) -> Outcome {
        let mut deadline = Deadline::start();
        while self.docs[&id].get_heads() != heads {
            if let Some(stuck) = deadline.tick() {
                return stuck;
            }
            let frame = match next_binary(&mut self.ws).await {
                Ok(frame) => frame,
                Err(ended) => return ended,
            };
            if let Event::Sync(d, msg) = self.client.handle(&frame).unwrap() {
                let doc = self.docs.entry(d).or_default();
                self.client.receive(d, doc, msg).unwrap();
                if let Some(out) = self.client.outgoing(d, doc) {
                    let _ = self.ws.send(Message::Binary(out.into())).await;
                }
            }
        }
        Outcome::InStep
    }

    /// Sends a frame as it is and reports how the server answered.
    pub async fn send_raw(&mut self, frame: Vec<u8>) -> Outcome {
        if self.ws.send(Message::Binary(frame.into())).await.is_err() {
            return Outcome::Closed;
        }
        let mut deadline = Deadline::start();
        loop {
            if let Some(stuck) = deadline.tick() {
                return stuck;
            }
            let frame = match next_binary(&mut self.ws).await {
                Ok(frame) => frame,
                Err(ended) => return ended,
            };
            if let Some(outcome) = Outcome::of(self.client.handle(&frame).unwrap()) {
                return outcome;
            }
        }
    }

    /// Sends a frame and waits for no answer.
    pub async fn send_only(&mut self, frame: Vec<u8>) -> bool {
        self.ws.send(Message::Binary(frame.into())).await.is_ok()
    }

    /// Every frame the server sends for `how_long` (sync messages are taken in, as a
    /// device would), decoded; `None` if the connection closed meanwhile.
    pub async fn listen(&mut self, how_long: Duration) -> Option<Vec<Wire>> {
        let until = tokio::time::Instant::now() + how_long;
        let mut seen = Vec::new();
        loop {
            let next = tokio::time::timeout_at(until, self.ws.next()).await;
            let bytes = match next {
                Err(_) => return Some(seen),
                Ok(Some(Ok(Message::Binary(b)))) => b.to_vec(),
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(_))) => continue,
            };
            if let Ok(Event::Sync(id, msg)) = self.client.handle(&bytes) {
                let doc = self.docs.entry(id).or_default();
                self.client.receive(id, doc, msg).unwrap();
            }
            if let Ok(w) = Wire::decode(&bytes) {
                seen.push(w);
            }
        }
    }

    /// Answers the server as an automerge peer would for `how_long` and counts the frames
    /// it sent: after an exchange has ended, a quiet connection sends next to none.
    pub async fn converse(&mut self, how_long: Duration) -> usize {
        let until = tokio::time::Instant::now() + how_long;
        let mut frames = 0;
        loop {
            let next = tokio::time::timeout_at(until, self.ws.next()).await;
            let bytes = match next {
                Ok(Some(Ok(Message::Binary(b)))) => b.to_vec(),
                Ok(Some(Ok(_))) => continue,
                _ => return frames,
            };
            frames += 1;
            if let Ok(Event::Sync(id, msg)) = self.client.handle(&bytes) {
                let doc = self.docs.entry(id).or_default();
                self.client.receive(id, doc, msg).unwrap();
                if let Some(out) = self.client.outgoing(id, doc) {
                    let _ = self.ws.send(Message::Binary(out.into())).await;
                }
            }
        }
    }

    pub fn peer_id(&self) -> &str {
        &self.peer_id
    }

    /// Sends every change of `id` in one hand-made sync message, as a doctored app would
    /// even where the server said the document is read-only (an honest automerge peer then
    /// sends nothing), and reports how the server answered.
    pub async fn push_everything(&mut self, id: DocId) -> Outcome {
        let doc = &self.docs[&id];
        let msg = sync::Message {
            heads: doc.get_heads(),
            need: vec![],
            have: vec![],
            changes: doc
                .get_changes(&[])
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>()
                .into(),
            flags: None,
            version: sync::MessageVersion::V1,
        };
        let frame = Wire::Sync {
            doc: id,
            sender: self.peer_id.clone(),
            target: linli_server::SERVER_MEMBER.to_owned(),
            data: msg.encode(),
        }
        .encode();
        if self.ws.send(Message::Binary(frame.into())).await.is_err() {
            return Outcome::Closed;
        }
        let mut deadline = Deadline::start();
        loop {
            if let Some(stuck) = deadline.tick() {
                return stuck;
            }
            let frame = match next_binary(&mut self.ws).await {
                Ok(frame) => frame,
                Err(ended) => return ended,
            };
            if let Some(outcome) = Outcome::of(self.client.handle(&frame).unwrap()) {
                return outcome;
            }
        }
    }
}

/// The next binary frame, or how the wait ended: `Closed`, or `Silent` when the server sent
/// nothing for 10 s with the connection open (told apart, so a stall never reads as a close).
async fn next_binary(ws: &mut Ws) -> Result<Vec<u8>, Outcome> {
    loop {
        let next = tokio::time::timeout(SILENCE, ws.next()).await;
        match next {
            Ok(Some(Ok(Message::Binary(b)))) => return Ok(b.to_vec()),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => {
                return Err(Outcome::Closed)
            }
            Err(_) => return Err(Outcome::Silent),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// How long a peer waits for the server's next frame.
const SILENCE: Duration = Duration::from_secs(10);
