//! Help's commands. Each checks the write rules and the request's state first, and writes
//! one change; a refusal changes nothing.

use super::model::{read_request, Category, Request, Status, Urgency};
use super::{DEFAULT_EXPIRY_DAYS, RULES};
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::map_at;
use crate::rules::{DocContext, Record};
use crate::{LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ROOT};

pub const TITLE_MAX: usize = 80;
pub const DETAILS_MAX: usize = 500;
pub const PLACE_MAX: usize = 30;
pub const NOTE_MAX: usize = 100;
pub const REASON_MAX: usize = 200;

/// What a person fills in to ask for help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestDraft {
    pub category: Category,
    pub title: String,
    pub details: String,
    pub urgency: Urgency,
    /// Coarse: a building or unit, never an exact address.
    pub place: String,
    pub needed_by: Option<Millis>,
    /// Days until it expires; `None` for the default week.
    pub expires_in_days: Option<i64>,
}

fn requests_map(doc: &Automerge) -> Result<ObjId> {
    map_at(doc, &ROOT, "requests").ok_or_else(|| LinliError::Damaged("no requests map".into()))
}

/// The request and its record object, or `NotFound`.
fn find(doc: &Automerge, id: &str) -> Result<(Request, ObjId)> {
    let req = read_request(doc, id).ok_or(LinliError::NotFound)?;
    let obj = map_at(doc, &requests_map(doc)?, id).ok_or(LinliError::NotFound)?;
    Ok((req, obj))
}

fn record(req: &Request) -> Record {
    Record {
        author: Some(req.author.clone()),
        created_now: false,
    }
}

fn no_ctx() -> DocContext {
    DocContext::default()
}

/// Posts a request under `id`, a fresh random id the caller made (core reads no
/// randomness). The record and every child map are written in this one change.
pub fn post_request(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    draft: &RequestDraft,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(id)?; // record ids follow the plain form of member ids
    let new = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    RULES.authorize_in(writer, &no_ctx(), &new, &["requests", id])?;
    let title = check_text(Field::Title, &draft.title, TITLE_MAX)?;
    let details = draft.details.trim();
    if details.chars().count() > DETAILS_MAX {
        return Err(LinliError::TooLong {
            field: Field::Details,
            max: DETAILS_MAX,
        });
    }
    let place = check_text(Field::Place, &draft.place, PLACE_MAX)?;
    if matches!(draft.category, Category::Unknown(_))
        || matches!(draft.urgency, Urgency::Unknown(_))
    {
        return Err(LinliError::BadId);
    }
    let days = draft.expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS);
    if !(1..=30).contains(&days) {
        return Err(LinliError::OutOfRange {
            field: Field::Expiry,
        });
    }
    if draft.needed_by.is_some_and(|t| t < now) {
        return Err(LinliError::OutOfRange {
            field: Field::NeededBy,
        });
    }
    let requests = requests_map(doc)?;
    if doc.get(&requests, id)?.is_some() {
        return Err(LinliError::BadId);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&requests, id, ObjType::Map)?;
        tx.put(&rec, "author", writer.member.as_str())?;
        tx.put(&rec, "created_at", now.0)?;
        tx.put(&rec, "category", draft.category.as_str())?;
        tx.put(&rec, "title", title.as_str())?;
        tx.put(&rec, "details", details)?;
        tx.put(&rec, "urgency", draft.urgency.as_str())?;
        tx.put(&rec, "place", place.as_str())?;
        if let Some(t) = draft.needed_by {
            tx.put(&rec, "needed_by", t.0)?;
        }
        tx.put(&rec, "expires_at", now.0 + days * Millis::DAY)?;
        for map in super::rules::MEMBER_MAPS {
            tx.put_object(&rec, map, ObjType::Map)?;
        }
        Ok(())
    })?;
    Ok(hash)
}

/// Offers to help (or updates the note of an offer). Not on one's own request, and only
/// while the request still looks for helpers.
pub fn offer(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    note: &str,
) -> Result<Option<ChangeHash>> {
    let (req, rec) = find(doc, id)?;
    let me = writer.member.as_str();
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record(&req),
        &["requests", id, "offers", me],
    )?;
    if req.author == writer.member {
        return Err(LinliError::OwnRequest);
    }
    if !req.status(now).is_open() {
        return Err(LinliError::RequestClosed);
    }
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(LinliError::TooLong {
            field: Field::Note,
            max: NOTE_MAX,
        });
    }
    let [offers, offered_at, withdrawn] =
        member_maps(doc, &rec, ["offers", "offered_at", "withdrawn"])?;
    let first = req.offer_of(&writer.member).is_none();
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&offers, me, note)?;
        if first {
            tx.put(&offered_at, me, now.0)?;
        }
        tx.put(&withdrawn, me, false)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Withdraws one's offer, unless it was already chosen.
pub fn withdraw_offer(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    let (req, rec) = find(doc, id)?;
    let me = writer.member.as_str();
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record(&req),
        &["requests", id, "withdrawn", me],
    )?;
    if req.offer_of(&writer.member).is_none_or(|o| o.withdrawn) {
        return Err(LinliError::NoSuchOffer);
    }
    if req.accepted.as_ref() == Some(&writer.member) {
        return Err(LinliError::AlreadyAccepted);
    }
    let [withdrawn] = member_maps(doc, &rec, ["withdrawn"])?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&withdrawn, me, true)?;
        Ok(())
    })?;
    Ok(hash)
}

/// The requester chooses one offer. A second acceptance is refused; acceptances made on
/// two devices apart are resolved by the rule in [`read_request`].
pub fn accept(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    helper: &MemberId,
) -> Result<Option<ChangeHash>> {
    let (req, rec) = find(doc, id)?;
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record(&req),
        &["requests", id, "accepts", helper.as_str()],
    )?;
    match req.status(now) {
        Status::Cancelled | Status::Done => return Err(LinliError::RequestClosed),
        Status::Accepted | Status::HelperDone => return Err(LinliError::AlreadyAccepted),
        // An expired request is extended first ("is this still needed?").
        Status::Expired => return Err(LinliError::RequestClosed),
        Status::Open | Status::Offered => {}
    }
    if req.offer_of(helper).is_none_or(|o| o.withdrawn) {
        return Err(LinliError::NoSuchOffer);
    }
    let accepts = map_at(doc, &rec, "accepts").ok_or(LinliError::NotFound)?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&accepts, helper.as_str(), now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// The chosen helper says the help was given; the requester then confirms.
pub fn mark_done(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    let (req, rec) = find(doc, id)?;
    let me = writer.member.as_str();
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record(&req),
        &["requests", id, "done", me],
    )?;
    if req.accepted.as_ref() != Some(&writer.member) {
        return Err(LinliError::NotChosen);
    }
    if req.status(now) != Status::Accepted {
        return Err(LinliError::RequestClosed);
    }
    let [done] = member_maps(doc, &rec, ["done"])?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&done, me, now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// The record's per-member maps, created with it.
fn member_maps<const N: usize>(
    doc: &Automerge,
    rec: &ObjId,
    names: [&str; N],
) -> Result<[ObjId; N]> {
    let mut out = Vec::with_capacity(N);
    for name in names {
        out.push(map_at(doc, rec, name).ok_or(LinliError::NotFound)?);
    }
    out.try_into().map_err(|_| LinliError::NotFound)
}

/// Sets one of the author's time fields of request `id` after `allowed` has judged the
/// request's status: the common shape of confirming, cancelling and extending.
fn author_sets(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    field: &str,
    value: Millis,
    allowed: impl FnOnce(Status) -> Result<()>,
) -> Result<Option<ChangeHash>> {
    let (req, rec) = find(doc, id)?;
    RULES.authorize_in(writer, &no_ctx(), &record(&req), &["requests", id, field])?;
    allowed(req.status(now))?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&rec, field, value.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// The requester confirms the help was given (whether or not the helper marked it first).
pub fn confirm(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    author_sets(doc, writer, now, id, "confirmed_at", now, |s| match s {
        Status::Accepted | Status::HelperDone => Ok(()),
        Status::Open | Status::Offered | Status::Expired => Err(LinliError::NotChosen),
        Status::Done | Status::Cancelled => Err(LinliError::RequestClosed),
    })
}

/// The requester cancels; not once it is done.
pub fn cancel(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    author_sets(doc, writer, now, id, "cancelled_at", now, still_open)
}

/// "Still needed": the requester moves the expiry `days` from now.
pub fn extend(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    days: i64,
) -> Result<Option<ChangeHash>> {
    let until = Millis(now.0 + days * Millis::DAY);
    author_sets(doc, writer, now, id, "expires_at", until, |s| {
        still_open(s)?;
        if !(1..=30).contains(&days) {
            return Err(LinliError::OutOfRange {
                field: Field::Expiry,
            });
        }
        Ok(())
    })
}

/// Refuses once a request is done or cancelled.
fn still_open(s: Status) -> Result<()> {
    match s {
        Status::Done | Status::Cancelled => Err(LinliError::RequestClosed),
        _ => Ok(()),
    }
}

/// Staff hide a request, with a reason residents' reports are answered by.
pub fn hide(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    reason: &str,
) -> Result<Option<ChangeHash>> {
    let (req, rec) = find(doc, id)?;
    let me = writer.member.as_str();
    RULES.authorize_in(
        writer,
        &no_ctx(),
        &record(&req),
        &["requests", id, "hidden", me],
    )?;
    debug_assert_eq!(writer.role, Role::Staff);
    let reason = check_text(Field::Reason, reason, REASON_MAX)?;
    let [hidden, hidden_at] = member_maps(doc, &rec, ["hidden", "hidden_at"])?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&hidden, me, reason.as_str())?;
        tx.put(&hidden_at, me, now.0)?;
        Ok(())
    })?;
    Ok(hash)
}
