//! Deliberation (社区议事): proposals, discussion, supports and community votes that count
//! even when cast with no signal.
//!
//! One document per proposal, its id derived from a random id its author's device made, so
//! it can be written offline. Each member's ballot is one value under their own id
//! (`ballots[member]`), changeable until the close; every ballot cast stays in the change
//! log, which `history` reads back. Whether a ballot counts is the
//! offline vote rule of `tally`, a pure function of the document.
//!
//! The community's index of proposals (`index`) is how the server learns of a proposal's
//! document; `module` declares both kinds and the server's close and certificate.
//!
//! A secret ballot is a later step. Ballots here are open to the community's members (the
//! app says so on the ballot). A secret one would keep each voter's ballot out of the shared
//! document, in a document of their own that only they and the server read; at the close the
//! server would publish into the proposal only the tally and the list of who voted (so one
//! person, one vote still holds and turnout is checkable), never who chose what.

mod actions;
mod commands;
mod history;
pub mod index;
pub mod list;
mod model;
pub mod module;
mod rules;
pub mod tally;

pub use actions::{actions, Actions};
pub use commands::{
    assist, cast, close_early, comment, create, edit, edit_comment, hide_comment, publish,
    record_outcome, schedule, set_window, support, withdraw, ProposalDraft, Window, BODY_MAX,
    CHOICE_MAX, COMMENT_MAX, OPTIONS_MAX, OPTION_MAX, REASON_MAX, TITLE_MAX,
};
pub use model::{
    comments, comments_of, follow_comments, outcomes, read, ready_for_vote, supporters,
    supports_needed, Comment, Decision, Outcome, Proposal, State, DEFAULT_GRACE_HOURS,
    DEFAULT_QUORUM_PCT, DEFAULT_SUPPORT_PCT, DEFAULT_THRESHOLD_PCT, FOR_AGAINST, MAX_GRACE_HOURS,
};
pub use module::{index_id, MODULE, SERVING};
pub use rules::{DECISIONS, RULES};
pub use tally::{certify, tally, write_close, Cast, Certificate, Close, Exclusion, Tally};

use crate::{CommunityId, DocId, DocKind};

/// A proposal's kind.
pub const KIND: DocKind = DocKind::named("proposal");

/// The root maps a proposal document starts with.
pub const ROOTS: &[&str] = &[
    "proposal", "comments", "supports", "ballots", "assisted", "outcome", "facts",
];

/// The document of proposal `id` (a random id its author's device made).
pub fn doc_id(community: &CommunityId, id: &str) -> DocId {
    DocId::derive(community, KIND.as_str(), id)
}

#[cfg(test)]
mod tests;
