//! Deliberation's commands. Each checks the write rules and the proposal's state first and
//! writes one change; a refusal changes nothing. Times are the caller's clock: a claim, which
//! the offline vote rule (`tally`) judges against the server's close marker.

use super::model::{read, Decision, Proposal, State};
use super::rules::{RECORD, RULES};
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::map_at;
use crate::rules::{DocContext, Record};
use crate::{LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ROOT};

pub const TITLE_MAX: usize = 80;
pub const BODY_MAX: usize = 2000;
pub const OPTION_MAX: usize = 40;
pub const OPTIONS_MAX: usize = 10;
/// Options are stored one per line.
pub const OPTIONS_MAX_CHARS: usize = OPTIONS_MAX * (OPTION_MAX + 1);
pub const COMMENT_MAX: usize = 500;
pub const REASON_MAX: usize = 200;
/// The longest stored ballot: every option's index, comma-separated.
pub const CHOICE_MAX: usize = 3 * OPTIONS_MAX;

/// What an author fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalDraft {
    pub title: String,
    pub body: String,
    pub decision: Decision,
}

/// A proposal's body: trimmed, and within its limit (it may be empty).
fn checked_body(body: &str) -> Result<String> {
    let body = body.trim();
    if body.chars().count() > BODY_MAX {
        return Err(LinliError::TooLong {
            field: Field::Details,
            max: BODY_MAX,
        });
    }
    Ok(body.to_owned())
}

fn no_ctx() -> DocContext {
    DocContext::default()
}

fn record_of(p: &Proposal) -> Record {
    Record {
        author: Some(p.author.clone()),
        created_now: false,
    }
}

fn root(doc: &Automerge, name: &str) -> Result<ObjId> {
    map_at(doc, &ROOT, name).ok_or_else(|| LinliError::Damaged(format!("no {name} map")))
}

fn found(doc: &Automerge) -> Result<(Proposal, ObjId)> {
    let p = read(doc).ok_or(LinliError::NotFound)?;
    let obj = map_at(doc, &root(doc, "proposal")?, RECORD).ok_or(LinliError::NotFound)?;
    Ok((p, obj))
}

/// Writes the proposal into its (new) document, unpublished: a draft only its author sees
/// as theirs until `publish`.
pub fn create(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    draft: &ProposalDraft,
) -> Result<Option<ChangeHash>> {
    if read(doc).is_some() {
        return Err(LinliError::AlreadyExists);
    }
    let creating = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    for field in ["title", "body", "decision", "options", "max_choices"] {
        RULES.authorize_in(writer, &no_ctx(), &creating, &["proposal", RECORD, field])?;
    }
    let title = check_text(Field::Title, &draft.title, TITLE_MAX)?;
    let body = checked_body(&draft.body)?;
    let (options, max) = draft.decision.validated()?;
    let slot = root(doc, "proposal")?;
    let (_, hash) = transact(doc, now, |tx| {
        let p = tx.put_object(&slot, RECORD, ObjType::Map)?;
        tx.put(&p, "author", writer.member.as_str())?;
        tx.put(&p, "created_at", now.0)?;
        tx.put(&p, "decision", draft.decision.as_str())?;
        tx.put(&p, "options", options.join("\n"))?;
        tx.put(&p, "max_choices", max as i64)?;
        tx.put(&p, "title", title.as_str())?;
        tx.put(&p, "body", body.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

/// The author opens it for discussion.
pub fn publish(doc: &mut Automerge, writer: &Writer, now: Millis) -> Result<Option<ChangeHash>> {
    author_sets(doc, writer, now, "published_at", |s| match s {
        State::Draft => Ok(()),
        _ => Err(LinliError::WrongState),
    })
}

/// The author withdraws it, before voting opens.
pub fn withdraw(doc: &mut Automerge, writer: &Writer, now: Millis) -> Result<Option<ChangeHash>> {
    author_sets(doc, writer, now, "withdrawn_at", |s| match s {
        State::Draft | State::Discussion | State::Scheduled => Ok(()),
        _ => Err(LinliError::VotingOpened),
    })
}

fn author_sets(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    field: &str,
    allowed: impl FnOnce(State) -> Result<()>,
) -> Result<Option<ChangeHash>> {
    let (p, obj) = found(doc)?;
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record_of(&p),
        &["proposal", RECORD, field],
    )?;
    allowed(p.state(now))?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&obj, field, now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Staff set the voting window and the bar it must clear (percentages of the community's
/// members at the close, and of the ballots cast for it to pass).
pub fn set_window(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    opens: Millis,
    closes: Millis,
    quorum_pct: i64,
    threshold_pct: i64,
) -> Result<Option<ChangeHash>> {
    let grace_hours = read(doc).map_or(super::DEFAULT_GRACE_HOURS, |p| p.grace.0 / Millis::HOUR);
    schedule(
        doc,
        writer,
        now,
        &Window {
            opens,
            closes,
            quorum_pct,
            threshold_pct,
            grace_hours,
        },
    )
}

/// A vote's arrangements, as staff set them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub opens: Millis,
    pub closes: Millis,
    pub quorum_pct: i64,
    pub threshold_pct: i64,
    /// The community's grace period, fixed in the vote (`index::settings`).
    pub grace_hours: i64,
}

/// Staff set the window, the bar it must clear and its grace period, all checked first and
/// written in one change.
pub fn schedule(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    w: &Window,
) -> Result<Option<ChangeHash>> {
    let (p, obj) = found(doc)?;
    for field in [
        "opens_at",
        "closes_at",
        "quorum_pct",
        "threshold_pct",
        "grace_hours",
    ] {
        RULES.authorize_in(
            writer,
            &no_ctx(),
            &record_of(&p),
            &["proposal", RECORD, field],
        )?;
    }
    before_voting(&p, now)?;
    if w.closes <= w.opens || w.closes <= now {
        return Err(LinliError::OutOfRange {
            field: Field::Window,
        });
    }
    if !(0..=100).contains(&w.quorum_pct) || !(1..=100).contains(&w.threshold_pct) {
        return Err(LinliError::OutOfRange {
            field: Field::Quorum,
        });
    }
    check_grace(w.grace_hours)?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&obj, "opens_at", w.opens.0)?;
        tx.put(&obj, "closes_at", w.closes.0)?;
        tx.put(&obj, "quorum_pct", w.quorum_pct)?;
        tx.put(&obj, "threshold_pct", w.threshold_pct)?;
        tx.put(&obj, "grace_hours", w.grace_hours)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Staff's arrangements for a vote change only while it is in discussion or scheduled.
fn before_voting(p: &Proposal, now: Millis) -> Result<()> {
    match p.state(now) {
        State::Discussion | State::Scheduled => Ok(()),
        State::Draft | State::Withdrawn => Err(LinliError::WrongState),
        _ => Err(LinliError::VotingOpened),
    }
}

/// A grace period of one hour to two weeks.
pub(super) fn check_grace(hours: i64) -> Result<()> {
    if (1..=super::model::MAX_GRACE_HOURS).contains(&hours) {
        Ok(())
    } else {
        Err(LinliError::OutOfRange {
            field: Field::Grace,
        })
    }
}

/// Staff close the vote early, with a reason; the server's close marker follows.
pub fn close_early(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    reason: &str,
) -> Result<Option<ChangeHash>> {
    let (p, obj) = found(doc)?;
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record_of(&p),
        &["proposal", RECORD, "closed_early"],
    )?;
    if p.state(now) != State::Voting {
        return Err(LinliError::WrongState);
    }
    let reason = check_text(Field::Reason, reason, REASON_MAX)?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&obj, "closed_early", reason.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

/// A member supports it while it is in discussion.
pub fn support(doc: &mut Automerge, writer: &Writer, now: Millis) -> Result<Option<ChangeHash>> {
    let (p, _) = found(doc)?;
    let me = writer.member.as_str();
    RULES.authorize(writer, &no_ctx(), &["supports", me])?;
    if !matches!(p.state(now), State::Discussion | State::Scheduled) {
        return Err(LinliError::WrongState);
    }
    let supports = root(doc, "supports")?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&supports, me, now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// A member casts (or changes) their ballot: one value under their own id. Refused outside
/// the window by this device's clock; a ballot that reaches the server late is still taken
/// and derived as not counted (`tally`).
pub fn cast(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    choice: &[String],
) -> Result<Option<ChangeHash>> {
    let (p, _) = found(doc)?;
    let me = writer.member.as_str();
    RULES.authorize(writer, &no_ctx(), &["ballots", me])?;
    let stored = ballot_value(&p, now, choice)?;
    let ballots = root(doc, "ballots")?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&ballots, me, stored.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

/// Staff record a ballot for a resident with no phone, under their own name. The resident's
/// own ballot, if they ever cast one, replaces it.
pub fn assist(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    resident: &MemberId,
    choice: &[String],
) -> Result<Option<ChangeHash>> {
    let (p, _) = found(doc)?;
    RULES.authorize(writer, &no_ctx(), &["assisted", resident.as_str()])?;
    debug_assert_eq!(writer.role, Role::Staff);
    let stored = format!(
        "{}|{}",
        ballot_value(&p, now, choice)?,
        writer.member.as_str()
    );
    let assisted = root(doc, "assisted")?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&assisted, resident.as_str(), stored.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

fn ballot_value(p: &Proposal, now: Millis, choice: &[String]) -> Result<String> {
    if p.state(now) != State::Voting {
        return Err(LinliError::NotVoting);
    }
    p.decision.check(choice)?;
    Ok(choice.join(","))
}

/// A comment, or a reply to one (one level deep), under `id`, a fresh random id the caller
/// made.
pub fn comment(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    parent: Option<&str>,
    text: &str,
) -> Result<Option<ChangeHash>> {
    let (p, _) = found(doc)?;
    if matches!(p.state(now), State::Draft | State::Withdrawn) {
        return Err(LinliError::WrongState);
    }
    let creating = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    RULES.authorize_in(writer, &no_ctx(), &creating, &["comments", id, "text"])?;
    let text = check_text(Field::Message, text, COMMENT_MAX)?;
    let comments = root(doc, "comments")?;
    if map_at(doc, &comments, id).is_some() {
        return Err(LinliError::AlreadyExists);
    }
    if let Some(parent) = parent {
        // Replies go one level deep: a reply names a top-level comment.
        let top = super::model::comments(doc)
            .into_iter()
            .any(|c| c.id == parent && c.parent.is_none());
        if !top {
            return Err(LinliError::NotFound);
        }
    }
    let (_, hash) = transact(doc, now, |tx| {
        let c = tx.put_object(&comments, id, ObjType::Map)?;
        tx.put(&c, "author", writer.member.as_str())?;
        tx.put(&c, "created_at", now.0)?;
        tx.put_object(&c, "hidden", ObjType::Map)?;
        if let Some(parent) = parent {
            tx.put(&c, "parent", parent)?;
        }
        tx.put(&c, "text", text.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

/// Staff hide a comment, with a reason shown in its place.
pub fn hide_comment(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    reason: &str,
) -> Result<Option<ChangeHash>> {
    let comments = root(doc, "comments")?;
    let c = map_at(doc, &comments, id).ok_or(LinliError::NotFound)?;
    let me = writer.member.as_str();
    RULES.authorize(writer, &no_ctx(), &["comments", id, "hidden", me])?;
    let reason = check_text(Field::Reason, reason, REASON_MAX)?;
    let hidden = map_at(doc, &c, "hidden").ok_or(LinliError::NotFound)?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&hidden, me, reason.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

/// The author rewrites the title and body, until voting opens: what people vote on never
/// changes under them.
pub fn edit(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    title: &str,
    body: &str,
) -> Result<Option<ChangeHash>> {
    let (p, obj) = found(doc)?;
    for field in ["title", "body"] {
        RULES.authorize_in(
            writer,
            &no_ctx(),
            &record_of(&p),
            &["proposal", RECORD, field],
        )?;
    }
    match p.state(now) {
        State::Draft | State::Discussion | State::Scheduled => {}
        State::Withdrawn => return Err(LinliError::WrongState),
        _ => return Err(LinliError::VotingOpened),
    }
    let title = check_text(Field::Title, title, TITLE_MAX)?;
    let body = checked_body(body)?;
    let body = body.as_str();
    let (_, hash) = transact(doc, now, |tx| {
        if p.title != title {
            tx.put(&obj, "title", title.as_str())?;
        }
        if p.body != body {
            tx.put(&obj, "body", body)?;
        }
        Ok(())
    })?;
    Ok(hash)
}

/// A comment's author rewrites it; the page marks it edited.
pub fn edit_comment(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    text: &str,
) -> Result<Option<ChangeHash>> {
    let comments = root(doc, "comments")?;
    let old = super::model::comments(doc)
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(LinliError::NotFound)?;
    let c = map_at(doc, &comments, id).ok_or(LinliError::NotFound)?;
    let record = Record {
        author: Some(old.author.clone()),
        created_now: false,
    };
    for field in ["text", "edited_at"] {
        RULES.authorize_in(writer, &no_ctx(), &record, &["comments", id, field])?;
    }
    let text = check_text(Field::Message, text, COMMENT_MAX)?;
    if text == old.text {
        return Ok(None);
    }
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&c, "text", text.as_str())?;
        tx.put(&c, "edited_at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Staff write what was decided once the result is certified, and later what was done
/// about it: each an entry of its own, so updates from two desks never overwrite each other.
pub fn record_outcome(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    text: &str,
) -> Result<Option<ChangeHash>> {
    let (p, _) = found(doc)?;
    let key = super::model::outcome_key(now, &writer.member);
    RULES.authorize(writer, &no_ctx(), &["outcome", &key])?;
    if !matches!(p.state(now), State::Adopted | State::Rejected) {
        return Err(LinliError::WrongState);
    }
    let text = check_text(Field::Details, text, BODY_MAX)?;
    let outcome = root(doc, "outcome")?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&outcome, key.as_str(), text.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}
