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

    /// Re-reads communities, members and claimed documents from the records.
    pub fn rebuild(&self) -> DbResult<()> {
        let mut scopes = HashMap::new();
        let months = months_around(self.now(), MONTHS_BACK, MONTHS_AHEAD);
        for c in self.db.communities()? {
            scopes.extend(community_scopes(&c, &months));
            for (grid, _) in self.db.grids(&c)? {
                for m in &months {
                    scopes.extend([access::patrol_doc(&c, &grid, m)]);
                }
            }
        }
        for d in self.db.departments()? {
            scopes.extend([access::department_doc(&d.id)]);
        }
        for m in self.db.all_members()? {
            scopes.extend(access::member_docs(&m.community, &m.id));
        }
        for (doc, community, a, b) in self.db.pairs()? {
            if let Ok(id) = DocId::parse(&doc) {
                let scope = Scope::Pair {
                    community,
                    kind: linli_core::DocKind::HelpPrivate,
                    members: [a, b],
                };
                scopes.insert(id, scope);
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
        write(&self.scopes).extend(access::member_docs(&m.community, &m.id));
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

    /// Records who shares each pair document; returns those that are new. A pair document's
    /// members never change (its id names the helper), and a request never takes over a
    /// document the server already knows.
    pub async fn set_pairs(&self, pairs: Vec<(DocId, Scope)>) -> DbResult<Vec<(DocId, Scope)>> {
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

fn community_scopes(c: &CommunityId, months: &[String]) -> Vec<(DocId, Scope)> {
    let mut out = access::community_docs(c);
    for m in months {
        out.extend(access::monthly_docs(c, m));
    }
    out
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
