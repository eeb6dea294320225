//! The demo community a fresh server starts with, so a new user sees a living app at once.

use crate::db::{Db, DbResult};
use crate::Server;
use linli_core::doc::Writer;
use linli_core::rules::DocContext;
use linli_core::{directory, profile, CommunityId, DocKind, Millis, Role};

pub const DEMO_ID: &str = "huqian-2";
pub const DEMO_NAME: &str = "湖前第二社区";

/// Seeds the demo community if the store is empty; returns one invite code per role.
pub fn seed_if_empty(db: &Db, now: Millis) -> DbResult<Option<Vec<(Role, String)>>> {
    if !db.is_empty()? {
        return Ok(None);
    }
    let id = CommunityId(DEMO_ID.to_owned());
    db.create_community(&id, DEMO_NAME, now)?;
    for (grid, name) in GRIDS {
        db.create_grid(&id, grid, name)?;
    }
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

/// Neighbours already there when a new user joins, with what they offer.
const NEIGHBOURS: [(&str, &str, &[&str]); 3] = [
    (
        "王阿姨",
        "住 3 幢，退休教师，白天一般在家。",
        &["辅导作业", "陪老人聊天"],
    ),
    (
        "陈师傅",
        "5 幢一楼，做了二十年水电。",
        &["水电维修", "借工具"],
    ),
    (
        "小林",
        "在读大学生，周末在家。",
        &["代取快递", "教手机使用"],
    ),
];

/// The demo community's documents: its grids and departments in the directory, and a few
/// neighbours with their profiles.
pub async fn seed_documents(server: &Server) {
    seed_directory(server).await;
    let c = CommunityId(DEMO_ID.to_owned());
    let Ok(code) = server.db.create_invite(&c, &Role::Resident, server.now()) else {
        tracing::error!("cannot invite the demo neighbours");
        return;
    };
    for (name, about, skills) in NEIGHBOURS {
        let Ok(joined) = server.join(&code, name).await else {
            tracing::error!("cannot seed a demo neighbour");
            continue;
        };
        let id = linli_core::access::profile_id(&c, &joined.member);
        let Some(handle) =
            crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::Profile).await
        else {
            continue;
        };
        // Written as the member would, through the same commands.
        let writer = Writer {
            member: joined.member.clone(),
            role: Role::Resident,
        };
        let ctx = DocContext {
            subject: Some(joined.member.clone()),
        };
        let done = server
            .write_as_server(&handle, move |d, now| {
                profile::set_about(d, &writer, &ctx, now, about)?;
                for (i, skill) in skills.iter().enumerate() {
                    profile::add_skill(d, &writer, &ctx, now, &format!("seed{i}"), skill)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = done {
            tracing::error!(error = ?e, "cannot seed a demo profile");
        }
    }
}

async fn seed_directory(server: &Server) {
    let c = CommunityId(DEMO_ID.to_owned());
    let id = linli_core::access::directory_id(&c);
    let Some(handle) =
        crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::Directory).await
    else {
        tracing::error!("cannot open the demo directory");
        return;
    };
    let done = server
        .write_as_server(&handle, |d, now| {
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
