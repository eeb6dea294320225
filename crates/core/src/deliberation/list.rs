//! The community's proposals as the list shows them: one row per proposal document, in the
//! order people need them (votes closing soonest first).

use super::model::{outcomes, read, ready_for_vote, supporters, State};
use crate::read::map_at;
use crate::{MemberId, Millis};
use automerge::{Automerge, ChangeHash, ReadDoc, ROOT};
use std::cmp::Ordering;
use std::collections::HashMap;

/// `Hash`: the list keys its rows by their whole content, so a row redraws when it changes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Row {
    /// The proposal's id in the community's index.
    pub id: String,
    pub title: String,
    pub author: MemberId,
    pub state: State,
    pub created_at: Millis,
    pub opens_at: Option<Millis>,
    pub closes_at: Option<Millis>,
    pub supports: usize,
    /// Enough members support it: staff see it first.
    pub ready: bool,
    /// Members with a ballot in (their own or one staff recorded).
    pub ballots: usize,
    /// Certified, and staff have not written what was decided yet.
    pub needs_outcome: bool,
}

/// What the list needs to know of the community: its members now, and the share of them
/// whose support makes a proposal ready for a vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Community {
    pub members: usize,
    pub support_pct: i64,
}

/// The row of proposal `id`, or none if `me` should not see it in the list (someone else's
/// draft) or it has not arrived yet.
pub fn row(doc: &Automerge, id: &str, me: &MemberId, now: Millis, c: Community) -> Option<Row> {
    let p = read(doc)?;
    let state = p.state(now);
    if state == State::Draft && p.author != *me {
        return None;
    }
    let keys = |root: &str| -> Vec<String> {
        map_at(doc, &ROOT, root)
            .map(|m| doc.keys(&m).collect())
            .unwrap_or_default()
    };
    let mut voters = keys("ballots");
    voters.extend(keys("assisted"));
    voters.sort_unstable();
    voters.dedup();
    Some(Row {
        id: id.to_owned(),
        title: p.title.clone(),
        author: p.author.clone(),
        state,
        created_at: p.created_at,
        opens_at: p.opens_at,
        closes_at: p.closes_at,
        supports: supporters(doc).len(),
        ready: state == State::Discussion && ready_for_vote(doc, c.members, c.support_pct),
        ballots: voters.len(),
        needs_outcome: matches!(state, State::Adopted | State::Rejected)
            && outcomes(doc).is_empty(),
    })
}

/// The list's sections, in order.
fn rank(s: State) -> u8 {
    match s {
        State::Voting => 0,
        State::Scheduled => 1,
        State::Discussion => 2,
        State::Draft => 3,
        State::Closed => 4,
        State::Adopted | State::Rejected => 5,
        State::Withdrawn => 6,
    }
}

/// Votes closing soonest first, then votes about to open, proposals in discussion (the ready
/// ones first, then the most supported), one's drafts, and the decided, newest first.
pub fn order(a: &Row, b: &Row) -> Ordering {
    rank(a.state).cmp(&rank(b.state)).then_with(|| {
        let newest = b.created_at.cmp(&a.created_at);
        match a.state {
            State::Voting => a.closes_at.cmp(&b.closes_at),
            State::Scheduled => a.opens_at.cmp(&b.opens_at),
            State::Discussion => b
                .ready
                .cmp(&a.ready)
                .then(b.supports.cmp(&a.supports))
                .then(newest),
            State::Closed | State::Adopted | State::Rejected => b.closes_at.cmp(&a.closes_at),
            _ => newest,
        }
        .then_with(|| a.id.cmp(&b.id))
    })
}

/// Staff's queue: proposals ready for a vote, and results waiting for an outcome.
pub fn staff_queue(rows: &[Row]) -> Vec<&Row> {
    rows.iter().filter(|r| r.ready || r.needs_outcome).collect()
}

/// The list's rows kept by each proposal's heads: after a change to one proposal only its
/// row is read again, with any whose vote opened or closed since the last reading.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    me: Option<MemberId>,
    kept: HashMap<String, Kept>,
}

#[derive(Clone, Debug)]
struct Kept {
    heads: Vec<ChangeHash>,
    at: Millis,
    community: Community,
    row: Option<Row>,
}

impl Kept {
    /// Whether the row still holds at `now`: no change, the same community, and no opening
    /// or closing passed since it was read.
    fn holds(&self, heads: &[ChangeHash], now: Millis, c: Community) -> bool {
        let passed = |t: Option<Millis>| t.is_some_and(|t| self.at < t && t <= now);
        self.heads == heads
            && self.community == c
            && !self
                .row
                .as_ref()
                .is_some_and(|r| passed(r.opens_at) || passed(r.closes_at))
    }
}

impl Rows {
    /// Reads proposal `id`'s row again unless the kept one still holds.
    pub fn refresh(&mut self, id: &str, doc: &Automerge, me: &MemberId, now: Millis, c: Community) {
        if self.me.as_ref() != Some(me) {
            self.kept.clear();
            self.me = Some(me.clone());
        }
        let heads = doc.get_heads();
        if self.kept.get(id).is_some_and(|k| k.holds(&heads, now, c)) {
            return;
        }
        let kept = Kept {
            row: row(doc, id, me, now, c),
            heads,
            at: now,
            community: c,
        };
        self.kept.insert(id.to_owned(), kept);
    }

    /// The rows of `ids` (those refreshed), in the list's order; others are forgotten.
    pub fn list<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) -> Vec<Row> {
        let ids: std::collections::HashSet<&str> = ids.into_iter().collect();
        self.kept.retain(|id, _| ids.contains(id.as_str()));
        let mut rows: Vec<Row> = self.kept.values().filter_map(|k| k.row.clone()).collect();
        crate::sort::by(&mut rows, order);
        rows
    }
}
