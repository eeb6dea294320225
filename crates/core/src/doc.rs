//! The one way core's commands write: a transaction stamped with the caller's clock, checked
//! against the document's schema first and rolled back whole if the command refuses.

use crate::{schema, MemberId, Millis, Result, Role};
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{Automerge, ChangeHash};

/// Who is writing: the member and the role the community gave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Writer {
    pub member: MemberId,
    pub role: Role,
}

/// The id the server writes its own facts under. Member ids are `m_…`, so no member can
/// ever hold it, and the server binds its own actor to it.
pub const SERVER_MEMBER: &str = "linli-server";

impl Writer {
    /// The server, writing a fact no device may forge (`Who::Server` paths).
    pub fn server() -> Writer {
        Writer {
            member: MemberId(SERVER_MEMBER.to_owned()),
            role: Role::Unknown(SERVER_MEMBER.to_owned()),
        }
    }

    pub fn is_server(&self) -> bool {
        self.member.as_str() == SERVER_MEMBER
    }
}

/// Runs `f` in one transaction. The change carries `now` as its (claimed) time. Returns the
/// hash of the new change, or `None` when the command had nothing to change.
pub fn transact<T>(
    doc: &mut Automerge,
    now: Millis,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
) -> Result<(T, Option<ChangeHash>)> {
    schema::check_writable(doc)?;
    match doc.transact_with(|_| CommitOptions::default().with_time(now.0), f) {
        Ok(ok) => Ok((ok.result, ok.hash)),
        Err(failure) => Err(failure.error),
    }
}
