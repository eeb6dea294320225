//! Facts only the server writes, by its own clock: facts scheduled for a time (a vote's close
//! marker), and receipt times published into the documents whose kind asks for them.
//!
//! Monthly certificates of points (`certify.rs`) are due work too.
//!
//! Both wait in SQLite until written, and [`Server::run_due`] runs when the server starts
//! and then every second: a fact that fell due while the server was down is written at
//! start, and nothing waits on a task that a restart lost.

use crate::db::DbError;
use crate::Server;
use automerge::{ChangeHash, ReadDoc};
use linli_core::{registry, DocId, Millis};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How often due facts are looked for.
const TICK: Duration = Duration::from_secs(1);
/// Receipts published per tick, so a backlog never holds the server for long.
const RECEIPTS_PER_TICK: usize = 2_000;

/// What one run wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub facts: usize,
    pub receipts: usize,
    /// Points documents given a monthly certificate.
    pub certified: usize,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DbError> + Send + 'static,
) -> Result<T, DbError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DbError::Store(e.to_string()))?
}

impl Server {
    /// Schedules the module fact `fact` (a name the registry knows) for document `doc` at
    /// server time `due`.
    pub async fn schedule(
        &self,
        doc: DocId,
        fact: &str,
        payload: &str,
        due: Millis,
    ) -> Result<(), String> {
        if registry::fact(fact).is_none() {
            return Err(format!("no module declares the fact {fact}"));
        }
        let db = self.db.clone();
        let (doc, fact, payload) = (doc.to_string(), fact.to_owned(), payload.to_owned());
        blocking(move || db.schedule_fact(&doc, &fact, &payload, due))
            .await
            .map_err(|e| format!("{e:?}"))
    }

    /// Writes every fact due by the server's clock, and publishes waiting receipts.
    pub async fn run_due(&self) -> Written {
        let mut written = Written::default();
        match self.write_due_facts().await {
            Ok(n) => written.facts = n,
            Err(e) => tracing::error!(error = ?e, "cannot read the schedule"),
        }
        match self.publish_receipts().await {
            Ok(n) => written.receipts = n,
            Err(e) => tracing::error!(error = ?e, "cannot read the receipts to publish"),
        }
        written.certified = self.certify_points().await;
        written
    }

    async fn write_due_facts(&self) -> Result<usize, DbError> {
        let (db, now) = (self.db.clone(), self.now());
        let due = blocking(move || db.due_facts(now)).await?;
        let mut n = 0;
        for (key, doc, fact, payload) in due {
            let Some(fact) = registry::fact(&fact) else {
                tracing::error!(%key, "a scheduled fact no module of this build declares");
                continue;
            };
            let Some(handle) = self.handle_of(&doc).await else {
                tracing::error!(%key, "a scheduled fact for a document the server does not know");
                continue;
            };
            let write = fact.write;
            let env = self.fact_env(&doc).await?;
            let (watched, id) = (self.watched.clone(), DocId::parse(&doc).ok());
            let written = self
                .write_as_server(&handle, move |d, now| {
                    let before = d.get_heads();
                    let env = registry::FactEnv { now, ..env };
                    let again = write(d, &env, &payload)?;
                    let new: Vec<ChangeHash> =
                        d.get_changes(&before).iter().map(|c| c.hash()).collect();
                    // Watched before samod can send them: a device sent the close marker
                    // the moment it is written must be on record (rule 4).
                    if let Some(id) = id {
                        watched.add(id, new.iter().copied());
                    }
                    Ok((again, new.iter().map(|h| h.to_string()).collect::<Vec<_>>()))
                })
                .await;
            match written {
                Ok((again, new)) => {
                    self.watch(&doc, new, again.is_none()).await?;
                    let (db, at, k) = (self.db.clone(), self.now(), key.clone());
                    blocking(move || match again {
                        Some(due) => db.reschedule(&k, due),
                        None => db.fact_written(&k, at),
                    })
                    .await?;
                    n += 1;
                }
                Err(e) => tracing::error!(%key, error = ?e, "cannot write a scheduled fact"),
            }
        }
        Ok(n)
    }

    /// Writes each waiting receipt into its document once the document holds the change
    /// (samod may not have applied it yet: it waits for the next tick).
    async fn publish_receipts(&self) -> Result<usize, DbError> {
        let db = self.db.clone();
        let waiting = blocking(move || db.unpublished_receipts(RECEIPTS_PER_TICK)).await?;
        let mut by_doc: BTreeMap<String, Vec<(String, Millis)>> = BTreeMap::new();
        for (doc, hash, at) in waiting {
            by_doc.entry(doc).or_default().push((hash, at));
        }
        let mut n = 0;
        for (doc, receipts) in by_doc {
            let Some(handle) = self.handle_of(&doc).await else {
                continue;
            };
            let published = self
                .write_as_server(&handle, move |d, now| {
                    let present: Vec<(automerge::ChangeHash, Millis)> = receipts
                        .iter()
                        .filter_map(|(h, at)| h.parse().ok().map(|h| (h, *at)))
                        .filter(|(h, _)| d.get_change_by_hash(h).is_some())
                        .collect();
                    linli_core::receipts::publish(d, now, &present)?;
                    Ok(present
                        .iter()
                        .map(|(h, _)| h.to_string())
                        .collect::<Vec<_>>())
                })
                .await;
            match published {
                Ok(hashes) if !hashes.is_empty() => {
                    n += hashes.len();
                    let db = self.db.clone();
                    blocking(move || db.receipts_published(&hashes)).await?;
                }
                Ok(_) => {}
                Err(e) => tracing::error!(%doc, error = ?e, "cannot publish receipts"),
            }
        }
        Ok(n)
    }

    /// What a fact for `doc` is told: the community's members now, who was sent the facts
    /// the server wrote into it and when, and when it first heard of each of its changes.
    async fn fact_env(&self, doc: &str) -> Result<registry::FactEnv, DbError> {
        let members = self.members_of(doc).await;
        let (db, key) = (self.db.clone(), doc.to_owned());
        let (delivered, received) =
            blocking(move || Ok((db.deliveries(&key)?, db.first_heard(&key)?))).await?;
        Ok(registry::FactEnv {
            now: self.now(),
            members,
            delivered: delivered
                .into_iter()
                .filter_map(|(m, at)| linli_core::MemberId::parse(&m).ok().map(|m| (m, at)))
                .collect(),
            received: received
                .into_iter()
                .filter_map(|(h, at)| h.parse().ok().map(|h| (h, at)))
                .collect(),
        })
    }

    /// Records who is sent the changes a fact just wrote, until the document's facts are
    /// all written.
    async fn watch(&self, doc: &str, new: Vec<String>, done: bool) -> Result<(), DbError> {
        let Ok(id) = DocId::parse(doc) else {
            return Ok(());
        };
        let (db, key) = (self.db.clone(), doc.to_owned());
        if done {
            self.watched.remove(&id);
            return blocking(move || db.unwatch(&key)).await;
        }
        self.watched
            .add(id, new.iter().filter_map(|h| h.parse().ok()));
        blocking(move || db.watch_fact_changes(&key, &new)).await
    }

    /// How many members the community of `doc` has now (0 for a document of no community).
    async fn members_of(&self, doc: &str) -> usize {
        let Ok(id) = DocId::parse(doc) else {
            return 0;
        };
        let community = match self.gate.scope(id).await {
            Some(
                linli_core::access::Scope::Community { community, .. }
                | linli_core::access::Scope::Member { community, .. }
                | linli_core::access::Scope::Grid { community, .. }
                | linli_core::access::Scope::Pair { community, .. }
                | linli_core::access::Scope::Case { community, .. },
            ) => community,
            _ => return 0,
        };
        let db = self.db.clone();
        blocking(move || db.all_members())
            .await
            .map(|all| {
                all.iter()
                    .filter(|m| m.community == community && !m.revoked)
                    .count()
            })
            .unwrap_or(0)
    }

    /// The server's handle on a document it knows the scope of.
    async fn handle_of(&self, doc: &str) -> Option<samod::DocHandle> {
        let id = DocId::parse(doc).ok()?;
        let scope = self.gate.scope(id).await?;
        let kind = scope.kind()?.clone();
        crate::directory::ensure(&self.repo, &self.storage, id, &kind).await
    }
}

/// Runs due facts now, then every second until the server stops.
pub(crate) async fn start(server: Arc<Server>) -> tokio::task::JoinHandle<()> {
    server.run_due().await;
    let weak = Arc::downgrade(&server);
    drop(server);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(TICK).await;
            let Some(server) = weak.upgrade() else { return };
            server.run_due().await;
        }
    })
}
