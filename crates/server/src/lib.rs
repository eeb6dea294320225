//! linli-server: serves the built PWA, lets members join by invite, and syncs documents
//! through samod, checking at its door who may read and write what (DESIGN.md, Sync). Its
//! own records (members, tokens, actor bindings) live in SQLite, never in a document.

pub mod api;
mod batch;
mod certify;
pub mod db;
mod directory;
mod facts;
pub mod gate;
pub mod limits;
mod outgoing;
pub mod seed;
mod seed_patrol;
mod seed_points;
mod seed_proposals;
mod static_files;
pub mod storage;
mod sync;
#[doc(hidden)]
pub mod testdir;

use automerge::ActorId;
use axum::routing::get;
use axum::Router;
use db::Db;
pub use gate::Clock;
use gate::Gate;
use linli_core::Millis;
use samod::{AcceptorHandle, PeerId, Repo, ShareConfig};
use std::path::Path;
use std::sync::Arc;
use storage::SqliteStorage;

/// The member id the server's own actor is bound to (core's: the write rules know it).
pub use linli_core::doc::SERVER_MEMBER;

pub struct Server {
    pub db: Arc<Db>,
    pub gate: Arc<Gate>,
    repo: Repo,
    storage: SqliteStorage,
    acceptor: AcceptorHandle,
    /// The actor the server writes its documents with, fresh each start.
    actor: ActorId,
    /// Facts whose delivery to members is recorded.
    watched: outgoing::Watched,
    /// The month every community's points are certified through, once this run has seen
    /// it so (the points documents say it for good; this spares reading them each second).
    certified: std::sync::Mutex<Option<String>>,
    /// Wrong invite codes per address (`limits.rs`).
    pub(crate) join_failures: limits::Failures,
    /// Open sync connections per member and device (`limits.rs`).
    pub(crate) connections: Arc<limits::Connections>,
    /// When changes first reached the server, committed a batch at a time.
    pub(crate) receipts: batch::Batcher<db::Receipts>,
    /// Each member's turn at the door's judging, and how long one message may take.
    pub(crate) judging: limits::Judging,
    judge_budget_ms: std::sync::atomic::AtomicU64,
    /// Connections the frame rate has slowed since the server started.
    throttled: std::sync::atomic::AtomicUsize,
}

/// The server's clock: the time the server records is the one deadlines trust.
pub fn system_clock() -> Clock {
    Arc::new(api::now)
}

/// The system's clock moved ahead by the milliseconds `file` holds, read again every 100 ms
/// (an unreadable read keeps the last value): end-to-end tests move a running server past a
/// vote's close. Whoever can write the file sets the time every vote trusts, so it is for
/// tests alone, and the server says so when it starts.
pub fn offset_clock(file: std::path::PathBuf) -> Clock {
    use std::sync::atomic::{AtomicI64, Ordering};
    tracing::warn!(file = %file.display(), "the server's clock follows a test's offset file");
    let ahead = Arc::new(AtomicI64::new(0));
    let read = move || {
        std::fs::read_to_string(&file)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
    };
    ahead.store(read().unwrap_or(0), Ordering::Relaxed);
    let writer = ahead.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Some(ms) = read() {
            writer.store(ms, Ordering::Relaxed);
        }
    });
    Arc::new(move || Millis(api::now().0 + ahead.load(Ordering::Relaxed)))
}

impl Server {
    /// Opens the stores in `data` and starts the sync engine.
    pub async fn start(data: &Path, clock: Clock) -> Result<Arc<Server>, String> {
        let db = Arc::new(Db::open(data).map_err(|e| format!("{e:?}"))?);
        let watched = outgoing::Watched::load(db.watched().map_err(|e| format!("{e:?}"))?);
        let storage = SqliteStorage::open(data).map_err(|e| e.to_string())?;
        let gate = Arc::new(Gate::load(db.clone(), clock).map_err(|e| format!("{e:?}"))?);
        let policy_gate = gate.clone();
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_peer_id(PeerId::from(SERVER_MEMBER))
            .with_share_policy(move |doc: samod::DocumentId, peer: PeerId| {
                share(policy_gate.clone(), doc, peer)
            })
            .load()
            .await;
        let acceptor = repo
            .make_acceptor(samod::Url::parse("ws://linli/sync").expect("a constant url parses"))
            .map_err(|_| "the repo stopped while starting".to_owned())?;
        let actor = ActorId::random();
        db.bind_actors(SERVER_MEMBER, &[actor.to_hex_string()], gate.now())
            .map_err(|e| format!("{e:?}"))?;
        let receipts = {
            let db = db.clone();
            batch::Batcher::start("receipts", 1_024, move |b: &[db::Receipts]| {
                db.record_receipts(b).map_err(|e| format!("{e:?}"))
            })
            .map_err(|e| e.to_string())?
        };
        Ok(Arc::new(Server {
            receipts,
            db,
            gate,
            repo,
            storage,
            acceptor,
            actor,
            watched,
            certified: std::sync::Mutex::new(None),
            join_failures: limits::Failures::new(limits::JOIN_FAILURES, limits::JOIN_WINDOW),
            connections: Arc::default(),
            judging: limits::Judging::default(),
            judge_budget_ms: (limits::JUDGE_BUDGET.as_millis() as u64).into(),
            throttled: 0.into(),
        }))
    }

    /// Unloads the documents nobody has used for `idle_for` (no device syncing them, no
    /// handle held, nothing being written); they come back from storage when asked for.
    /// Returns how many left memory.
    pub fn unload_idle(&self, idle_for: std::time::Duration) -> usize {
        self.repo.unload_idle(idle_for)
    }

    /// Loads a document, writing its kind's genesis first if the store lacks it, and lets
    /// go of it (for the memory benchmark: touching many documents once).
    #[doc(hidden)]
    pub async fn touch(&self, doc: linli_core::DocId, kind: &linli_core::DocKind) -> bool {
        directory::ensure(&self.repo, &self.storage, doc, kind)
            .await
            .is_some()
    }

    /// How many documents samod holds in memory.
    pub fn loaded_documents(&self) -> usize {
        self.repo.loaded_documents()
    }

    /// For drills: the document store behaves as on a full disk, or has space again
    /// (`SqliteStorage::simulate_full_disk`).
    #[doc(hidden)]
    pub fn simulate_full_disk(&self, full: bool) {
        self.storage.simulate_full_disk(full);
    }

    /// How many connections the frame rate has slowed since the server started.
    pub fn throttled_connections(&self) -> usize {
        self.throttled.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How long judging one message may take before its connection is closed.
    pub fn judge_budget(&self) -> std::time::Duration {
        let ms = self
            .judge_budget_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        std::time::Duration::from_millis(ms)
    }

    /// For tests: a budget short enough for an ordinary message to overrun it.
    pub fn set_judge_budget(&self, budget: std::time::Duration) {
        self.judge_budget_ms.store(
            budget.as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    pub fn now(&self) -> Millis {
        self.gate.now()
    }

    /// The API, the sync endpoint, and (given `dist`) the built app.
    pub fn router(self: &Arc<Self>, dist: Option<&Path>) -> Router {
        let app = api::router()
            .route("/api/sync/{community}", get(sync::upgrade))
            .with_state(self.clone());
        match dist {
            Some(d) => app.merge(static_files::router(d)),
            None => app,
        }
    }

    /// Waits until samod has written everything it holds, then stops it.
    pub async fn stop(&self) {
        self.acceptor.close();
        self.repo.stop().await;
    }

    /// Joins a person by invite: a member with one device, known to the gate and listed in
    /// the community's directory.
    pub async fn join(&self, code: &str, display_name: &str) -> Result<db::Joined, db::DbError> {
        let (db, now) = (self.db.clone(), self.now());
        let (code, name) = (code.to_owned(), display_name.to_owned());
        let joined = tokio::task::spawn_blocking(move || db.join(&code, &name, now))
            .await
            .map_err(|e| db::DbError::Store(e.to_string()))??;
        self.gate.add_member(&db::MemberRow {
            id: joined.member.clone(),
            community: joined.community.clone(),
            display_name: joined.display_name.clone(),
            role: joined.role.clone(),
            revoked: false,
        });
        let member = [(joined.community.clone(), joined.member.clone())];
        let world = linli_core::registry::World::members(&member);
        for (id, scope) in linli_core::registry::docs(&world) {
            if let Some(kind) = scope.kind() {
                directory::seed_genesis(&self.storage, id, kind).await;
            }
        }
        self.list_member(
            &joined.community,
            joined.member.clone(),
            joined.display_name.clone(),
            joined.role.clone(),
        )
        .await;
        Ok(joined)
    }

    /// Makes sure every document a member may read exists before any peer can ask for it
    /// (every module's documents for this month and the next, every member's), and lists
    /// every member in their community's directory.
    pub async fn prepare_directories(&self) -> Result<(), String> {
        self.gate.rebuild().map_err(|e| format!("{e:?}"))?;
        let now = self.now();
        let next = linli_core::Millis(now.0 + 31 * linli_core::Millis::DAY);
        let records = self
            .gate
            .records(vec![now.month(), next.month()])
            .map_err(|e| format!("{e:?}"))?;
        for (id, scope) in linli_core::registry::docs(&records.world()) {
            if let Some(kind) = scope.kind() {
                directory::seed_genesis(&self.storage, id, kind).await;
            }
        }
        let members = self.db.all_members().map_err(|e| format!("{e:?}"))?;
        for c in &records.communities {
            let id = linli_core::access::directory_id(c);
            let handle = directory::ensure(
                &self.repo,
                &self.storage,
                id,
                &linli_core::DocKind::DIRECTORY,
            )
            .await
            .ok_or("cannot open a directory")?;
            let listed: Vec<linli_core::MemberId> = handle
                .with_document_async(|d| {
                    linli_core::directory::members(d)
                        .into_iter()
                        .map(|m| m.id)
                        .collect()
                })
                .await
                .map_err(|_| "the repo stopped")?;
            for m in members.iter().filter(|m| m.community == *c) {
                if listed.contains(&m.id) {
                    // Assignments made while the server was down reach the directory now.
                    self.relist_assignments(c, m.id.clone()).await;
                } else {
                    self.list_member(c, m.id.clone(), m.display_name.clone(), m.role.clone())
                        .await;
                }
            }
        }
        Ok(())
    }
}

/// samod's share decision for one document and peer: the current one at once, then a new
/// one whenever the gate's scopes change (samod ignores repeats). Members ask for what they
/// want: the server never announces documents, and every readable document exists from the
/// start (see `directory::seed_genesis`), so it never needs to ask a member for one.
fn share(
    gate: Arc<Gate>,
    doc: samod::DocumentId,
    peer: PeerId,
) -> impl futures::Stream<Item = ShareConfig> + Send + 'static {
    use linli_core::access::Access;
    let id = <[u8; 16]>::try_from(doc.as_bytes())
        .ok()
        .map(linli_core::DocId);
    let changes = gate.watch();
    futures::stream::unfold((gate, changes, true), move |(gate, mut changes, first)| {
        let peer = peer.clone();
        async move {
            if !first && changes.changed().await.is_err() {
                return None;
            }
            let access = match id {
                Some(id) => gate.access(peer.as_str(), id).await,
                None => Access::None,
            };
            tracing::debug!(peer = %peer, ?access, "share decision");
            let config = match access {
                Access::None => ShareConfig::none(),
                Access::Read => ShareConfig::read_only().with_announce(false),
                Access::Write => ShareConfig::read_write().with_announce(false),
            };
            Some((config, (gate, changes, false)))
        }
    })
}

/// Serves until `shutdown` resolves, then lets requests under way finish and flushes samod.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    dist: Option<&Path>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = server.router(dist);
    let ticker = facts::start(server.clone()).await;
    let sweeper = tokio::spawn(sweep(Arc::downgrade(&server)));
    // The caller's address, for the limits on guessing (`limits.rs`).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let out = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    ticker.abort();
    sweeper.abort();
    server.stop().await;
    out
}

/// How long a document nobody syncs, reads or writes stays in memory.
pub const IDLE: std::time::Duration = std::time::Duration::from_secs(5 * 60);
/// How often idle documents are looked for.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// Unloads idle documents every [`SWEEP_EVERY`]: memory follows what is in use, not how
/// many documents the city has (a profile per member, a help document per month).
async fn sweep(server: std::sync::Weak<Server>) {
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        let Some(server) = server.upgrade() else {
            return;
        };
        let unloaded = server.unload_idle(IDLE);
        if unloaded > 0 {
            tracing::info!(
                unloaded,
                loaded = server.loaded_documents(),
                "idle documents left memory"
            );
        }
    }
}
