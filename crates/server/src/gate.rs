//! What the server knows of documents and peers, so it can answer samod's share policy and
//! the door: which scope a document id has, which member a peer id is, which member an actor
//! id belongs to. Scopes come from the server's own records (derived ids it recomputes,
//! documents members claimed), never from what a client says a document is.

use crate::db::{Db, DbResult, MemberRow};
use linli_core::access::{self, Access, Reader, Scope};
use linli_core::{CommunityId, DocId, MemberId, Millis};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

/// Month documents are known this far back and ahead of today.
const MONTHS_BACK: i64 = 24;
const MONTHS_AHEAD: i64 = 2;
/// An unknown id re-reads the records at most this often (anyone can send random ids).
const REBUILD_EVERY: Duration = Duration::from_secs(5);

pub struct Gate {
    db: Arc<Db>,
    clock: Clock,
    scopes: RwLock<HashMap<DocId, Scope>>,
    peers: RwLock<HashMap<String, Reader>>,
    actors: RwLock<HashMap<String, MemberId>>,
    rebuilt: RwLock<Instant>,
    /// Ticks whenever a scope changes, so samod's share decisions follow (a helper chosen
    /// after asking for the private document, say).
    changed: tokio::sync::watch::Sender<u64>,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

/// `YYYY-MM` for the months from `back` before to `ahead` after the month of `now`.
fn months_around(now: Millis, back: i64, ahead: i64) -> Vec<String> {
    let (y, m, _) = now.civil_date_china();
    let index = y * 12 + (m as i64 - 1);
    (index - back..=index + ahead)
        .map(|i| format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1))
        .collect()
}

impl Gate {
    pub fn load(db: Arc<Db>, clock: Clock) -> DbResult<Gate> {
        let gate = Gate {
            db,
            clock,
            scopes: RwLock::default(),
            peers: RwLock::default(),
            actors: RwLock::default(),
            rebuilt: RwLock::new(Instant::now()),
            changed: tokio::sync::watch::Sender::new(0),
        };
        gate.rebuild()?;
        *write(&gate.actors) = gate
            .db
            .actor_bindings()?
            .into_iter()
            .map(|(a, m)| (a, MemberId(m)))
            .collect();
        Ok(gate)
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    /// What the records say exists, for the registry's modules to derive documents from.
    pub fn records(&self, months: Vec<String>) -> DbResult<Records> {
        let communities = self.db.communities()?;
        let mut grids = Vec::new();
        for c in &communities {
            for (grid, _) in self.db.grids(c)? {
                grids.push((c.clone(), grid));
            }
        }
        Ok(Records {
            members: self
                .db
                .all_members()?
                .into_iter()
                .map(|m| (m.community, m.id))
                .collect(),
            departments: self.db.departments()?.into_iter().map(|d| d.id).collect(),
            communities,
            grids,
            months,
        })
    }

    /// Re-reads communities, members and claimed documents from the records.
    pub fn rebuild(&self) -> DbResult<()> {
        let records = self.records(months_around(self.now(), MONTHS_BACK, MONTHS_AHEAD))?;
        let mut scopes: HashMap<DocId, Scope> = linli_core::registry::docs(&records.world())
            .into_iter()
            .collect();
        for (doc, community, a, b) in self.db.pairs()? {
            if let Ok(id) = DocId::parse(&doc) {
                let scope = Scope::Pair {
                    community,
                    kind: linli_core::DocKind::HELP_PRIVATE,
                    members: [a, b],
                };
                scopes.insert(id, scope);
            }
        }
        for (doc, scope) in self.db.learned()? {
            match (DocId::parse(&doc), serde_json::from_str::<Scope>(&scope)) {
                (Ok(id), Ok(scope)) => {
                    scopes.insert(id, scope);
                }
                _ => tracing::error!(%doc, "a learned document's record does not read"),
            }
        }
        for (doc, owner) in self.db.personal_docs()? {
            // A claim never overrides what the server knows a document to be.
            if let Ok(id) = DocId::parse(&doc) {
                scopes.entry(id).or_insert(Scope::Personal { owner });
            }
        }
        // Merged, not replaced: a scope recorded while the records were being read (a
        // member joining, a pair opening) must not vanish until the next rebuild.
        {
            let mut current = write(&self.scopes);
            for (id, scope) in scopes {
                current.insert(id, scope);
            }
        }
        *write(&self.rebuilt) = Instant::now();
        self.tick();
        Ok(())
    }

    /// A member joined: their documents are known from now on.
    pub fn add_member(&self, m: &MemberRow) {
        let member = [(m.community.clone(), m.id.clone())];
        let world = linli_core::registry::World::members(&member);
        write(&self.scopes).extend(linli_core::registry::docs(&world));
        self.tick();
    }

    fn tick(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// A receiver that wakes on every scope change.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Pins a peer id to the member whose token opened the connection. Peer ids are the
    /// server's own (one per device), so the mapping never changes.
    pub fn connect(&self, peer: &str, reader: Reader) {
        write(&self.peers).insert(peer.to_owned(), reader);
    }

    pub fn peer(&self, peer: &str) -> Option<Reader> {
        read(&self.peers).get(peer).cloned()
    }

    /// The scope of a document, re-reading the records (at most every few seconds) for an
    /// id not seen yet: a member who joined through another process, a new month.
    pub async fn scope(self: &Arc<Self>, doc: DocId) -> Option<Scope> {
        if let Some(s) = read(&self.scopes).get(&doc) {
            return Some(s.clone());
        }
        if read(&self.rebuilt).elapsed() >= REBUILD_EVERY {
            let gate = self.clone();
            match tokio::task::spawn_blocking(move || gate.rebuild()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = ?e, "cannot re-read the records"),
                Err(e) => tracing::error!(error = %e, "cannot re-read the records"),
            }
        }
        read(&self.scopes).get(&doc).cloned()
    }

    pub async fn access(self: &Arc<Self>, peer: &str, doc: DocId) -> Access {
        let Some(reader) = self.peer(peer) else {
            return Access::None;
        };
        match self.scope(doc).await {
            Some(scope) => access::access(&reader, &scope),
            None => Access::None,
        }
    }

    /// A fresh random id the server minted becomes `owner`'s personal document (the only
    /// way one is made: an id sent over sync is never claimed, since derived ids the
    /// server does not know yet could be squatted that way).
    pub async fn claim_personal(&self, doc: DocId, owner: &MemberId) -> DbResult<Scope> {
        let db = self.db.clone();
        let (id, who, now) = (doc.to_string(), owner.clone(), self.now());
        let owner = tokio::task::spawn_blocking(move || db.claim_personal(&id, &who, now))
            .await
            .map_err(|e| crate::db::DbError::Store(e.to_string()))??;
        let scope = Scope::Personal { owner };
        let kept = write(&self.scopes).entry(doc).or_insert(scope).clone();
        self.tick();
        Ok(kept)
    }

    /// Records documents a module learned of from admitted changes; returns those that are
    /// new. A learned document's scope never changes (a pair document's id names the
    /// helper), and nothing learned takes over a document the server already knows.
    pub async fn learn(&self, pairs: Vec<(DocId, Scope)>) -> DbResult<Vec<(DocId, Scope)>> {
        let changed: Vec<(DocId, Scope)> = {
            let scopes = read(&self.scopes);
            pairs
                .into_iter()
                .filter(|(id, _)| !scopes.contains_key(id))
                .collect()
        };
        for (id, scope) in &changed {
            if let Scope::Pair {
                community, members, ..
            } = scope
            {
                let db = self.db.clone();
                let (doc, c, [a, b]) = (id.to_string(), community.clone(), members.clone());
                tokio::task::spawn_blocking(move || db.set_pair(&doc, &c, &a, &b))
                    .await
                    .map_err(|e| crate::db::DbError::Store(e.to_string()))??;
            } else {
                let db = self.db.clone();
                let doc = id.to_string();
                let json = serde_json::to_string(scope)
                    .map_err(|e| crate::db::DbError::Store(e.to_string()))?;
                tokio::task::spawn_blocking(move || db.learn(&doc, &json))
                    .await
                    .map_err(|e| crate::db::DbError::Store(e.to_string()))??;
            }
            write(&self.scopes).insert(*id, scope.clone());
        }
        if !changed.is_empty() {
            self.tick();
        }
        Ok(changed)
    }

    pub fn bound(&self, actor: &automerge::ActorId) -> Option<MemberId> {
        read(&self.actors).get(&actor.to_hex_string()).cloned()
    }

    /// Binds new actors to `member` in the store. Returns the first actor that turned out to
    /// be someone else's (another connection bound it a moment earlier).
    pub async fn bind(
        &self,
        member: &MemberId,
        actors: &[automerge::ActorId],
    ) -> DbResult<Option<String>> {
        let db = self.db.clone();
        let hex: Vec<String> = actors.iter().map(|a| a.to_hex_string()).collect();
        let (who, now) = (member.as_str().to_owned(), self.now());
        let bindings = tokio::task::spawn_blocking(move || db.bind_actors(&who, &hex, now))
            .await
            .map_err(|e| crate::db::DbError::Store(e.to_string()))??;
        let mut cache = write(&self.actors);
        let mut foreign = None;
        for (actor, owner) in bindings {
            if owner != member.as_str() && foreign.is_none() {
                foreign = Some(actor.clone());
            }
            cache.insert(actor, MemberId(owner));
        }
        Ok(foreign)
    }
}

/// The server's records, owned, as the registry's `World` borrows them.
pub struct Records {
    pub communities: Vec<CommunityId>,
    pub members: Vec<(CommunityId, MemberId)>,
    pub grids: Vec<(CommunityId, String)>,
    pub departments: Vec<String>,
    pub months: Vec<String>,
}

impl Records {
    pub fn world(&self) -> linli_core::registry::World<'_> {
        linli_core::registry::World {
            communities: &self.communities,
            members: &self.members,
            grids: &self.grids,
            departments: &self.departments,
            months: &self.months,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_cross_year_boundaries() {
        // 2026-01-15 in China.
        let jan = Millis(1_768_435_200_000);
        assert_eq!(months_around(jan, 1, 1), ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(months_around(jan, 13, 0)[0], "2024-12");
    }
}
