//! What a person may do with a proposal now, as the commands would allow it: views render
//! this and derive no lifecycle rule of their own.

use super::model::{read, State};
use crate::doc::Writer;
use crate::read::map_at;
use crate::{Millis, Role};
use automerge::{Automerge, ReadDoc, ROOT};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    /// The author rewrites title and body (`edit`), until voting opens.
    pub edit: bool,
    pub publish: bool,
    pub withdraw: bool,
    /// Support it for a vote (`support`); false once one has.
    pub support: bool,
    /// Cast or change one's ballot (`cast`).
    pub vote: bool,
    pub comment: bool,
    /// Staff: the window and the bar (`set_window`), closing early, assisted ballots,
    /// hiding comments, the outcome.
    pub set_window: bool,
    pub close_early: bool,
    pub assist: bool,
    pub hide_comment: bool,
    pub outcome: bool,
    /// Whether the app shows the results: once one has voted or the vote has closed. A
    /// courtesy so early results do not sway anyone, not secrecy: ballots are open.
    pub see_results: bool,
    pub supported: bool,
    pub voted: bool,
}

pub fn actions(doc: &Automerge, who: &Writer, now: Millis) -> Actions {
    let Some(p) = read(doc) else {
        return Actions::default();
    };
    let state = p.state(now);
    let me = who.member.as_str();
    let has = |root: &str| {
        map_at(doc, &ROOT, root).is_some_and(|m| doc.get(&m, me).ok().flatten().is_some())
    };
    let (supported, voted) = (has("supports"), has("ballots") || has("assisted"));
    let author = p.author == who.member;
    let staff = who.role == Role::Staff;
    let before_voting = matches!(state, State::Draft | State::Discussion | State::Scheduled);
    let open = matches!(state, State::Discussion | State::Scheduled);
    let finished = matches!(state, State::Closed | State::Adopted | State::Rejected);
    Actions {
        edit: author && before_voting,
        publish: author && state == State::Draft,
        withdraw: author && before_voting,
        support: open && !supported,
        vote: state == State::Voting,
        comment: !matches!(state, State::Draft | State::Withdrawn),
        set_window: staff && open,
        close_early: staff && state == State::Voting,
        assist: staff && state == State::Voting,
        hide_comment: staff,
        outcome: staff && matches!(state, State::Adopted | State::Rejected),
        see_results: voted || finished,
        supported,
        voted,
    }
}
