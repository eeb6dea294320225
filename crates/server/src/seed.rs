//! The demo community a fresh server starts with, so a new user sees a living app at once.

use crate::db::{Db, DbResult};
use crate::Server;
use linli_core::{directory, CommunityId, DocKind, Millis, Role};

pub const DEMO_ID: &str = "huqian-2";
pub const DEMO_NAME: &str = "湖前第二社区";

/// Seeds the demo community if the store is empty; returns one invite code per role.
pub fn seed_if_empty(db: &Db, now: Millis) -> DbResult<Option<Vec<(Role, String)>>> {
    if !db.is_empty()? {
        return Ok(None);
    }
    let id = CommunityId(DEMO_ID.to_owned());
    db.create_community(&id, DEMO_NAME, now)?;
    let codes = Role::KNOWN
        .into_iter()
        .map(|role| db.create_invite(&id, &role, now).map(|code| (role, code)))
        .collect::<DbResult<Vec<_>>>()?;
    Ok(Some(codes))
}

const GRIDS: [(&str, &str); 3] = [
    ("g1", "湖前第一网格"),
    ("g2", "湖前第二网格"),
    ("g3", "湖前第三网格"),
];

const DEPARTMENTS: [(&str, &str); 4] = [
    ("housing", "住建局"),
    ("water", "水务集团"),
    ("enforcement", "综合行政执法局"),
    ("civil", "民政局"),
];

/// The demo community's documents: its grids and departments in the directory.
pub async fn seed_documents(server: &Server) {
    let c = CommunityId(DEMO_ID.to_owned());
    let id = linli_core::access::directory_id(&c);
    let Some(handle) =
        crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::Directory).await
    else {
        tracing::error!("cannot open the demo directory");
        return;
    };
    let done = server
        .write_directory(&handle, |d, now| {
            for (id, name) in GRIDS {
                directory::set_grid(d, now, id, name)?;
            }
            for (id, name) in DEPARTMENTS {
                directory::set_department(d, now, id, name)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = done {
        tracing::error!(error = ?e, "cannot seed the demo directory");
    }
}
