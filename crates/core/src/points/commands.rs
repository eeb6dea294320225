//! Staff's commands on the points document. Each checks that the writer is staff and the
//! input is sound, then writes one record in one change; a refusal changes nothing. Record
//! ids are random ids the caller's device made, so a desk with bad signal writes offline.

use super::model::{catalogue, RateBook, Rates};
use super::rules::RULES;
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::map_at;
use crate::rules::{DocContext, Record};
use crate::{LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ROOT};

pub const ITEM_MAX: usize = 40;
pub const REASON_MAX: usize = 200;
/// The most one entry moves: a slip of the finger never makes a fortune.
pub const AMOUNT_MAX: i64 = 10_000;

fn root(doc: &Automerge, name: &str) -> Result<ObjId> {
    map_at(doc, &ROOT, name).ok_or_else(|| LinliError::Damaged(format!("no {name} map")))
}

/// Staff only, and a record created whole: every field checked against the rules.
fn creating(writer: &Writer, root: &str, id: &str, fields: &[&str]) -> Result<()> {
    if writer.role != Role::Staff {
        return Err(LinliError::Forbidden {
            path: format!("{root}/{id}"),
        });
    }
    if !crate::id::is_slug(id) {
        return Err(LinliError::BadId);
    }
    let record = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    for field in fields {
        RULES.authorize_in(writer, &DocContext::default(), &record, &[root, id, field])?;
    }
    Ok(())
}

fn fresh(doc: &Automerge, root_name: &str, id: &str) -> Result<ObjId> {
    let map = root(doc, root_name)?;
    if doc.get(&map, id).ok().flatten().is_some() {
        return Err(LinliError::AlreadyExists);
    }
    Ok(map)
}

fn amount(n: i64, positive: bool) -> Result<i64> {
    let ok = if positive { n > 0 } else { n != 0 };
    if ok && n.abs() <= AMOUNT_MAX {
        Ok(n)
    } else {
        Err(LinliError::OutOfRange {
            field: Field::Amount,
        })
    }
}

fn member_of(member: &MemberId, members: &[MemberId]) -> Result<()> {
    if members.contains(member) {
        Ok(())
    } else {
        Err(LinliError::NotAMember)
    }
}

/// A new version of the rates, applying from `rates.from`, which may not be in the past:
/// what was earned before it stays as it was.
pub fn set_rates(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    rates: &Rates,
) -> Result<Option<ChangeHash>> {
    creating(
        writer,
        "rates",
        id,
        &["author", "from", "help", "vote", "adopted", "pair_cap"],
    )?;
    let values = [rates.help, rates.vote, rates.adopted, rates.pair_cap];
    if rates.from < now || values.iter().any(|v| !(0..=AMOUNT_MAX).contains(v)) {
        return Err(LinliError::OutOfRange {
            field: Field::Rates,
        });
    }
    // The values already in force then would only add a version that changes nothing.
    let current = RateBook::of(doc).at(rates.from).clone();
    let paid = |r: &Rates| (r.help, r.vote, r.adopted, r.pair_cap);
    if paid(&current) == paid(rates) {
        return Ok(None);
    }
    let map = fresh(doc, "rates", id)?;
    let (_, hash) = transact(doc, now, |tx| {
        let r = tx.put_object(&map, id, ObjType::Map)?;
        tx.put(&r, "author", writer.member.as_str())?;
        tx.put(&r, "from", rates.from.0)?;
        tx.put(&r, "help", rates.help)?;
        tx.put(&r, "vote", rates.vote)?;
        tx.put(&r, "adopted", rates.adopted)?;
        tx.put(&r, "pair_cap", rates.pair_cap)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Adds an item to the catalogue, or changes one's name, price or whether it is offered.
/// A redemption copies the price it was made at, so a new price rewrites no history.
pub fn set_item(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    name: &str,
    price: i64,
    retired: bool,
) -> Result<Option<ChangeHash>> {
    let name = check_text(Field::Item, name, ITEM_MAX)?;
    let price = amount(price, true)?;
    let items = root(doc, "catalogue")?;
    let existing = map_at(doc, &items, id);
    if existing.is_none() {
        creating(
            writer,
            "catalogue",
            id,
            &["author", "name", "price", "retired"],
        )?;
    } else if writer.role != Role::Staff {
        return Err(LinliError::Forbidden {
            path: format!("catalogue/{id}"),
        });
    }
    let (_, hash) = transact(doc, now, |tx| {
        let r = match &existing {
            Some(r) => r.clone(),
            None => {
                let r = tx.put_object(&items, id, ObjType::Map)?;
                tx.put(&r, "author", writer.member.as_str())?;
                r
            }
        };
        tx.put(&r, "name", name.as_str())?;
        tx.put(&r, "price", price)?;
        tx.put(&r, "retired", retired)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Writes staff's entry `id`: its kind, time and author, then `fill`'s fields.
fn entry(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    kind: &str,
    fields: &[&str],
    fill: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &ObjId) -> Result<()>,
) -> Result<Option<ChangeHash>> {
    let mut all = vec!["author", "kind", "at"];
    all.extend_from_slice(fields);
    creating(writer, "entries", id, &all)?;
    let map = fresh(doc, "entries", id)?;
    let (_, hash) = transact(doc, now, |tx| {
        let e = tx.put_object(&map, id, ObjType::Map)?;
        tx.put(&e, "author", writer.member.as_str())?;
        tx.put(&e, "kind", kind)?;
        tx.put(&e, "at", now.0)?;
        fill(tx, &e)
    })?;
    Ok(hash)
}

/// A member spends points on an item of the catalogue, at its price now. Recorded even if
/// it takes the balance below zero (an offline desk cannot know every balance): the ledger
/// flags it for staff on every replica.
pub fn redeem(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    member: &MemberId,
    item: &str,
    members: &[MemberId],
) -> Result<Option<ChangeHash>> {
    member_of(member, members)?;
    let it = catalogue(doc)
        .into_iter()
        .find(|i| i.id == item && !i.retired)
        .ok_or(LinliError::NoSuchItem)?;
    let fields = ["member", "item", "name", "amount"];
    entry(doc, writer, now, id, "redeem", &fields, |tx, e| {
        tx.put(e, "member", member.as_str())?;
        tx.put(e, "item", it.id.as_str())?;
        tx.put(e, "name", it.name.as_str())?;
        tx.put(e, "amount", it.price)?;
        Ok(())
    })
}

/// Staff give or take back an amount, never without a reason.
#[allow(clippy::too_many_arguments)]
pub fn correct(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    member: &MemberId,
    points: i64,
    reason: &str,
    members: &[MemberId],
) -> Result<Option<ChangeHash>> {
    member_of(member, members)?;
    let points = amount(points, false)?;
    let reason = check_text(Field::Reason, reason, REASON_MAX)?;
    let fields = ["member", "amount", "reason"];
    entry(doc, writer, now, id, "correct", &fields, |tx, e| {
        tx.put(e, "member", member.as_str())?;
        tx.put(e, "amount", points)?;
        tx.put(e, "reason", reason.as_str())?;
        Ok(())
    })
}

/// Points for each member who came to a named community activity.
#[allow(clippy::too_many_arguments)]
pub fn award(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    event: &str,
    points: i64,
    came: &[MemberId],
    members: &[MemberId],
) -> Result<Option<ChangeHash>> {
    let event = check_text(Field::Event, event, ITEM_MAX)?;
    let points = amount(points, true)?;
    if came.is_empty() {
        return Err(LinliError::Empty(Field::Member));
    }
    for m in came {
        member_of(m, members)?;
    }
    let mut came: Vec<&str> = came.iter().map(MemberId::as_str).collect();
    came.sort_unstable();
    came.dedup();
    if came.join(",").chars().count() > super::rules::MEMBERS_MAX {
        return Err(LinliError::TooLong {
            field: Field::Member,
            max: super::rules::MEMBERS_MAX,
        });
    }
    let fields = ["name", "amount", "members"];
    entry(doc, writer, now, id, "award", &fields, |tx, e| {
        tx.put(e, "name", event.as_str())?;
        tx.put(e, "amount", points)?;
        tx.put(e, "members", came.join(","))?;
        Ok(())
    })
}
