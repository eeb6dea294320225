//! The demo community a fresh server starts with, so a new user sees a living app at once.

use crate::db::{Db, DbResult};
use linli_core::{CommunityId, Millis, Role};

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
