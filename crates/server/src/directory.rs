//! The server's writes: the documents only it writes (the directory), and the demo seed.
//! It writes through samod's handle, so members receive the change like any other.

use crate::storage::SqliteStorage;
use crate::Server;
use automerge::ActorId;
use linli_core::schema::genesis;
use linli_core::{directory, DocId, DocKind, MemberId, Millis, Role};
use samod::storage::{Storage, StorageKey};
use samod::{DocHandle, DocumentId, Repo};

/// Puts the genesis of document `id` into storage unless it holds something of it already.
/// samod cannot create a document under a chosen id, so it loads this when first asked.
/// Every document a member may read exists this way from the start: samod leaves a
/// read-only peer that asks for a document it lacks without any answer.
/// Waits for space if the disk is full.
pub async fn seed_genesis(storage: &SqliteStorage, id: DocId, kind: &DocKind) {
    let _ = seed(storage, id, kind, Full::Wait).await;
}

/// As `seed_genesis`, but fails at once on a full disk: for the door, which can refuse.
pub async fn try_seed_genesis(
    storage: &SqliteStorage,
    id: DocId,
    kind: &DocKind,
) -> Result<(), String> {
    seed(storage, id, kind, Full::Fail).await
}

enum Full {
    Wait,
    Fail,
}

async fn seed(
    storage: &SqliteStorage,
    id: DocId,
    kind: &DocKind,
    full: Full,
) -> Result<(), String> {
    let key = |parts: &[&str]| StorageKey::from_parts(parts.iter().map(|s| s.to_string())).ok();
    let name = id.to_string();
    let (Some(prefix), Some(snapshot)) = (key(&[&name]), key(&[&name, "snapshot", "genesis"]))
    else {
        return Ok(());
    };
    if !storage.load_range(prefix).await.is_empty() {
        return Ok(());
    }
    let bytes = genesis(kind).save();
    match full {
        Full::Wait => {
            storage.put(snapshot, bytes).await;
            Ok(())
        }
        Full::Fail => storage
            .try_put(snapshot, bytes)
            .await
            .map_err(|e| e.to_string()),
    }
}

/// Whether storage holds anything of document `id`.
pub async fn stored(storage: &SqliteStorage, id: DocId) -> bool {
    let Ok(prefix) = StorageKey::from_parts([id.to_string()]) else {
        return false;
    };
    !storage.load_range(prefix).await.is_empty()
}

/// The server's handle on document `id`, started from its genesis if it has none. Call
/// before any peer asks for the id (see `seed_genesis`).
pub async fn ensure(
    repo: &Repo,
    storage: &SqliteStorage,
    id: DocId,
    kind: &DocKind,
) -> Option<DocHandle> {
    seed_genesis(storage, id, kind).await;
    let did = DocumentId::try_from(id.0.to_vec()).ok()?;
    repo.find(did).await.ok().flatten()
}

impl Server {
    /// Writes with the server's own actor (bound to no member, so no client can use it).
    pub(crate) async fn write_as_server<T: Send + 'static>(
        &self,
        handle: &DocHandle,
        f: impl FnOnce(&mut automerge::Automerge, Millis) -> linli_core::Result<T> + Send + 'static,
    ) -> linli_core::Result<T> {
        let actor: ActorId = self.actor.clone();
        let now = self.now();
        handle
            .with_document_async(move |d| {
                d.set_actor(actor);
                f(d, now)
            })
            .await
            .map_err(|_| linli_core::LinliError::Damaged("the repo has stopped".into()))?
    }

    pub(crate) async fn list_member(
        &self,
        community: &linli_core::CommunityId,
        id: MemberId,
        name: String,
        role: Role,
    ) {
        let dir = linli_core::access::directory_id(community);
        let Some(handle) = ensure(&self.repo, &self.storage, dir, &DocKind::DIRECTORY).await else {
            tracing::error!(community = %community.as_str(), "cannot open the directory");
            return;
        };
        let assigned = self.assignments_of(&id);
        let done = self
            .write_as_server(&handle, move |d, now| {
                directory::add_member(d, now, &id, &name, &role)?;
                let (grids, department) = assigned;
                directory::set_assignments(d, now, &id, &grids, department.as_deref())
            })
            .await;
        if let Err(e) = done {
            tracing::error!(error = ?e, "cannot list a member in the directory");
        }
    }

    /// A member's grids and department, as the records say (nothing, if they do not read).
    fn assignments_of(&self, id: &MemberId) -> (Vec<String>, Option<String>) {
        // One row, not the whole member list: the start lists every member this way.
        let row = self.db.member(id).ok().flatten();
        match row.map(|m| self.db.reader(&m)) {
            Some(Ok(r)) => (r.grids, r.posting.map(|p| p.department)),
            _ => (Vec::new(), None),
        }
    }

    /// Writes a listed member's assignments into their community's directory again (after
    /// an assignment changed), so their devices hold the documents it opens.
    pub async fn relist_assignments(&self, community: &linli_core::CommunityId, id: MemberId) {
        let dir = linli_core::access::directory_id(community);
        let Some(handle) = ensure(&self.repo, &self.storage, dir, &DocKind::DIRECTORY).await else {
            return;
        };
        let (grids, department) = self.assignments_of(&id);
        let done = self
            .write_as_server(&handle, move |d, now| {
                directory::set_assignments(d, now, &id, &grids, department.as_deref())
            })
            .await;
        if let Err(e) = done {
            if e != linli_core::LinliError::NotFound {
                tracing::error!(error = ?e, "cannot write a member's assignments");
            }
        }
    }
}

impl Server {
    /// Files a member's report about a help request of their own community.
    pub(crate) async fn file_report(
        &self,
        by: &crate::db::MemberRow,
        req: &crate::api::ReportRequest,
    ) -> linli_core::Result<()> {
        let scope = self.gate.scope(req.doc).await;
        let ours = matches!(
            &scope,
            Some(linli_core::access::Scope::Community { community, kind })
                if *community == by.community && *kind == DocKind::HELP
        );
        if !ours {
            return Err(linli_core::LinliError::NotFound);
        }
        let id = linli_core::access::staff_id(&by.community);
        let handle = ensure(&self.repo, &self.storage, id, &DocKind::STAFF)
            .await
            .ok_or_else(|| linli_core::LinliError::Damaged("no staff document".into()))?;
        let (rid, member, doc, request, reason) = (
            req.id.clone(),
            by.id.clone(),
            req.doc,
            req.request.clone(),
            req.reason.clone(),
        );
        self.write_as_server(&handle, move |d, now| {
            linli_core::staff::file_report(d, now, &rid, &member, &doc, &request, &reason)
                .map(|_| ())
        })
        .await
    }
}
