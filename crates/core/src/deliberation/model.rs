//! A proposal as read from its document, and its state, derived (never stored).

use super::commands::{OPTIONS_MAX, OPTION_MAX};
use super::rules::RECORD;
use crate::error::Field;
use crate::read::{i64_at, map_at, str_at, FieldRef};
use crate::tree::Fields;
use crate::{LinliError, MemberId, Millis, Result};
use automerge::{Automerge, ObjId, ReadDoc, ROOT};

/// How a vote is decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// For, against or abstain.
    ForAgainst,
    /// One option among several.
    One(Vec<String>),
    /// Up to `max` options among several.
    Several { options: Vec<String>, max: usize },
    /// A type a newer version knows.
    Unknown(String),
}

/// The choices of a for/against vote, as stored.
pub const FOR_AGAINST: [&str; 3] = ["for", "against", "abstain"];

impl Decision {
    pub fn as_str(&self) -> &str {
        match self {
            Decision::ForAgainst => "for_against",
            Decision::One(_) => "one",
            Decision::Several { .. } => "several",
            Decision::Unknown(s) => s,
        }
    }

    /// The choices a ballot picks from: their stored tokens.
    pub fn tokens(&self) -> Vec<String> {
        match self {
            Decision::ForAgainst => FOR_AGAINST.iter().map(|s| s.to_string()).collect(),
            Decision::One(o) | Decision::Several { options: o, .. } => {
                (0..o.len()).map(|i| i.to_string()).collect()
            }
            Decision::Unknown(_) => Vec::new(),
        }
    }

    /// The options to store and the most a ballot may pick, or why the draft is wrong.
    pub(super) fn validated(&self) -> Result<(Vec<String>, usize)> {
        let options = |o: &[String]| -> Result<Vec<String>> {
            let o: Vec<String> = o.iter().map(|s| s.trim().to_owned()).collect();
            if o.len() < 2 || o.len() > OPTIONS_MAX {
                return Err(LinliError::OutOfRange {
                    field: Field::Options,
                });
            }
            for (i, s) in o.iter().enumerate() {
                if s.is_empty() || s.contains('\n') || o[..i].contains(s) {
                    return Err(LinliError::OutOfRange {
                        field: Field::Options,
                    });
                }
                if s.chars().count() > OPTION_MAX {
                    return Err(LinliError::TooLong {
                        field: Field::Options,
                        max: OPTION_MAX,
                    });
                }
            }
            Ok(o)
        };
        match self {
            Decision::ForAgainst => Ok((Vec::new(), 1)),
            Decision::One(o) => Ok((options(o)?, 1)),
            Decision::Several { options: o, max } => {
                let o = options(o)?;
                if *max < 1 || *max > o.len() {
                    return Err(LinliError::OutOfRange {
                        field: Field::Options,
                    });
                }
                Ok((o, *max))
            }
            Decision::Unknown(_) => Err(LinliError::SchemaTooNew { found: 0, known: 0 }),
        }
    }

    /// Whether `choice` is a ballot this decision takes.
    pub fn check(&self, choice: &[String]) -> Result<()> {
        self.check_in(&self.tokens(), choice)
    }

    /// As `check`, against this decision's `tokens` read once (the tally checks every ballot).
    pub(super) fn check_in(&self, tokens: &[String], choice: &[String]) -> Result<()> {
        let max = match self {
            Decision::Several { max, .. } => *max,
            _ => 1,
        };
        if choice.is_empty() || choice.iter().any(|c| !tokens.contains(c)) {
            return Err(LinliError::NoSuchChoice);
        }
        if choice.len() > max || (1..choice.len()).any(|i| choice[..i].contains(&choice[i])) {
            return Err(LinliError::TooManyChoices { max });
        }
        Ok(())
    }

    fn read(kind: &str, options: &str, max: i64) -> Decision {
        let options: Vec<String> = options
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        match kind {
            "for_against" => Decision::ForAgainst,
            "one" => Decision::One(options),
            "several" => Decision::Several {
                options,
                max: max.max(1) as usize,
            },
            other => Decision::Unknown(other.to_owned()),
        }
    }
}

/// Where a proposal stands. Closed is provisional until the server's certificate fixes the
/// result as adopted or rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Draft,
    Discussion,
    /// Staff set a window that has not opened yet.
    Scheduled,
    Voting,
    Closed,
    Adopted,
    Rejected,
    Withdrawn,
}

impl State {
    /// What the list and the page call it.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            State::Draft => lang.pick("草稿", "Draft"),
            State::Discussion => lang.pick("讨论中", "In discussion"),
            State::Scheduled => lang.pick("即将投票", "Vote scheduled"),
            State::Voting => lang.pick("投票中", "Voting"),
            State::Closed => lang.pick("已截止（暂定结果）", "Closed (provisional)"),
            State::Adopted => lang.pick("已通过", "Adopted"),
            State::Rejected => lang.pick("未通过", "Rejected"),
            State::Withdrawn => lang.pick("已撤回", "Withdrawn"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub author: MemberId,
    pub created_at: Millis,
    pub title: String,
    pub body: String,
    pub decision: Decision,
    pub published_at: Option<Millis>,
    pub withdrawn_at: Option<Millis>,
    pub opens_at: Option<Millis>,
    pub closes_at: Option<Millis>,
    pub quorum_pct: i64,
    pub threshold_pct: i64,
    /// How long after the close offline ballots may still arrive: the community's grace
    /// period when staff set the window, fixed in the proposal so that a later change of the
    /// community's setting never moves a vote already scheduled.
    pub grace: Millis,
    pub closed_early: Option<String>,
    /// The server's facts, as far as they have arrived.
    pub closed: Option<super::Close>,
    pub certified: Option<super::Certificate>,
}

/// The share of members that must support a proposal before it is ready for a vote.
pub const DEFAULT_SUPPORT_PCT: i64 = 5;
pub const DEFAULT_QUORUM_PCT: i64 = 20;
pub const DEFAULT_THRESHOLD_PCT: i64 = 50;
pub const DEFAULT_GRACE_HOURS: i64 = 48;
/// The longest grace period a community may set: two weeks.
pub const MAX_GRACE_HOURS: i64 = 14 * 24;

impl Proposal {
    /// The state at `now` (a device's clock: the server's facts decide what counts).
    pub fn state(&self, now: Millis) -> State {
        if self.withdrawn_at.is_some() {
            return State::Withdrawn;
        }
        if let Some(cert) = &self.certified {
            return if cert.passed {
                State::Adopted
            } else {
                State::Rejected
            };
        }
        if self.published_at.is_none() {
            return State::Draft;
        }
        if self.closed.is_some() || self.closed_early.is_some() {
            return State::Closed;
        }
        match (self.opens_at, self.closes_at) {
            (Some(_), Some(closes)) if now >= closes => State::Closed,
            (Some(opens), Some(_)) if now >= opens => State::Voting,
            (Some(_), Some(_)) => State::Scheduled,
            _ => State::Discussion,
        }
    }
}

/// The proposal of this document, once its author has written it.
pub fn read(doc: &Automerge) -> Option<Proposal> {
    let p = map_at(doc, &map_at(doc, &ROOT, "proposal")?, RECORD)?;
    let int = |k: &str| i64_at(doc, &p, k);
    let closed = super::tally::close_marker(doc);
    let staffs_grace = Millis(
        int("grace_hours")
            .filter(|h| (1..=MAX_GRACE_HOURS).contains(h))
            .unwrap_or(DEFAULT_GRACE_HOURS)
            * Millis::HOUR,
    );
    Some(Proposal {
        author: MemberId::parse(&str_at(doc, &p, "author")?).ok()?,
        created_at: Millis(int("created_at")?),
        title: str_at(doc, &p, "title").unwrap_or_default(),
        body: str_at(doc, &p, "body").unwrap_or_default(),
        decision: Decision::read(
            &str_at(doc, &p, "decision")?,
            &str_at(doc, &p, "options").unwrap_or_default(),
            int("max_choices").unwrap_or(1),
        ),
        published_at: int("published_at").map(Millis),
        withdrawn_at: int("withdrawn_at").map(Millis),
        opens_at: int("opens_at").map(Millis),
        closes_at: int("closes_at").map(Millis),
        quorum_pct: int("quorum_pct").unwrap_or(DEFAULT_QUORUM_PCT),
        threshold_pct: int("threshold_pct").unwrap_or(DEFAULT_THRESHOLD_PCT),
        // Once closed, the grace period the close marker fixed.
        grace: closed
            .as_ref()
            .and_then(|c| c.grace)
            .unwrap_or(staffs_grace),
        closed_early: str_at(doc, &p, "closed_early"),
        closed,
        certified: super::tally::certificate(doc),
    })
}

/// A comment, or a reply (`parent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: String,
    pub author: MemberId,
    pub created_at: Millis,
    pub parent: Option<String>,
    pub text: String,
    /// Staff's reason, if hidden.
    pub hidden: Option<String>,
    pub edited: bool,
}

/// Every comment that reads, oldest first.
pub fn comments(doc: &Automerge) -> Vec<Comment> {
    comments_of(follow_comments(doc).values())
}

/// The comments, read once and then following the document's changes: a discussion of
/// thousands takes in one more without reading the others again.
pub fn follow_comments(doc: &Automerge) -> crate::follow::Followed<Comment> {
    crate::follow::Followed::with_tree(doc, "comments", read_comment, read_comment)
}

/// [`comments`], from comments already read (a [`follow_comments`] set).
pub fn comments_of<'a>(comments: impl IntoIterator<Item = &'a Comment>) -> Vec<Comment> {
    let mut out: Vec<Comment> = comments.into_iter().cloned().collect();
    crate::sort::by(&mut out, oldest_first);
    out
}

fn oldest_first(a: &Comment, b: &Comment) -> std::cmp::Ordering {
    (a.created_at, &a.id).cmp(&(b.created_at, &b.id))
}

fn read_comment<D: Fields + ?Sized>(doc: &D, id: &str, c: &ObjId) -> Option<Comment> {
    let (mut author, mut created_at, mut parent, mut text) = (None, None, None, None);
    let (mut edited, mut hidden_by) = (false, None);
    doc.fields(c, &mut |key, v| match (key, v) {
        ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
        ("created_at", FieldRef::Int(t)) => created_at = Some(Millis(t)),
        ("parent", FieldRef::Str(s)) => parent = Some(s.to_owned()),
        ("text", FieldRef::Str(s)) => text = Some(s.to_owned()),
        ("edited_at", FieldRef::Int(_)) => edited = true,
        ("hidden", FieldRef::Obj(h)) => hidden_by = Some(h),
        _ => {}
    });
    // Hidden: the reason of the first (by member id) who hid it.
    let mut hidden = None;
    if let Some(h) = hidden_by {
        let mut first = true;
        doc.fields(&h, &mut |_, v| {
            if std::mem::take(&mut first) {
                if let FieldRef::Str(s) = v {
                    hidden = Some(s.to_owned());
                }
            }
        });
    }
    Some(Comment {
        author: author?,
        created_at: created_at?,
        parent,
        text: text.unwrap_or_default(),
        edited,
        hidden,
        id: id.to_owned(),
    })
}

/// The members who support it.
pub fn supporters(doc: &Automerge) -> Vec<MemberId> {
    let Some(s) = map_at(doc, &ROOT, "supports") else {
        return Vec::new();
    };
    doc.keys(&s)
        .filter_map(|k| MemberId::parse(&k).ok())
        .collect()
}

/// How many supporters make a proposal ready for a vote: `pct` of `members`, rounded up,
/// at least one.
pub fn supports_needed(members: usize, pct: i64) -> usize {
    ((members as i64 * pct + 99) / 100).max(1) as usize
}

/// Whether enough members support it for a vote (`pct` of `members`, at least one).
pub fn ready_for_vote(doc: &Automerge, members: usize, pct: i64) -> bool {
    supporters(doc).len() >= supports_needed(members, pct)
}

/// What staff wrote about the result and what was done: oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub at: Millis,
    pub by: MemberId,
    pub text: String,
}

/// An outcome entry's key: its time, zero-padded so keys sort as times do, and its writer.
pub(super) fn outcome_key(at: Millis, by: &MemberId) -> String {
    format!("{:013}-{}", at.0.max(0), by.as_str())
}

pub fn outcomes(doc: &Automerge) -> Vec<Outcome> {
    let Some(o) = map_at(doc, &ROOT, "outcome") else {
        return Vec::new();
    };
    let mut out: Vec<Outcome> = doc
        .keys(&o)
        .filter_map(|k| {
            let (at, by) = k.split_once('-')?;
            Some(Outcome {
                at: Millis(at.parse().ok()?),
                by: MemberId::parse(by).ok()?,
                text: str_at(doc, &o, &k)?,
            })
        })
        .collect();
    crate::sort::by(&mut out, |a, b| (a.at, &a.by).cmp(&(b.at, &b.by)));
    out
}
