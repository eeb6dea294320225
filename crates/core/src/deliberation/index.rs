//! The community's list of proposals: one document per community, every member's device
//! holds it, and each entry names a proposal document by the id its author's device made.
//! The server learns of a proposal document from the entry it admitted (the help-private
//! pattern), never from a document id a device claims.

use crate::doc::{transact, Writer};
use crate::read::{each_field, i64_at, map_at, records, FieldRef};
use crate::rules::{DocContext, Reach, Record, Rule, Seg, Shape, Who, WriteRules};
use crate::{DocKind, LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT};

/// The community's index of proposals.
pub const INDEX: DocKind = DocKind::named("proposals");

pub const INDEX_ROOTS: &[&str] = &["items"];

pub const INDEX_RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("items"), Seg::Any],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Map,
        },
        Rule {
            path: &[Seg::Key("items"), Seg::Any, Seg::Key("author")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Any,
        },
        Rule {
            path: &[Seg::Key("items"), Seg::Any, Seg::Key("created_at")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Int,
        },
        // The community's settings: plain values at the root (one op each, no map made on
        // first use), staff's to write.
        Rule {
            path: &[Seg::Key("support_pct")],
            who: Who::Roles(&[Role::Staff]),
            reach: Reach::Exact,
            shape: Shape::Int,
        },
        Rule {
            path: &[Seg::Key("grace_hours")],
            who: Who::Roles(&[Role::Staff]),
            reach: Reach::Exact,
            shape: Shape::Int,
        },
    ],
};

/// What the community set for its votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The share of members whose support readies a proposal for a vote.
    pub support_pct: i64,
    /// How long after a close offline ballots may still arrive (copied into each proposal
    /// when staff set its window).
    pub grace_hours: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            support_pct: super::DEFAULT_SUPPORT_PCT,
            grace_hours: super::DEFAULT_GRACE_HOURS,
        }
    }
}

/// The community's settings, the defaults where staff set none (or wrote one out of range).
pub fn settings(index: &Automerge) -> Settings {
    let d = Settings::default();
    let pct = i64_at(index, &ROOT, "support_pct").filter(|p| (1..=100).contains(p));
    let grace =
        i64_at(index, &ROOT, "grace_hours").filter(|h| super::commands::check_grace(*h).is_ok());
    Settings {
        support_pct: pct.unwrap_or(d.support_pct),
        grace_hours: grace.unwrap_or(d.grace_hours),
    }
}

/// Staff set the community's support share and grace period; both are checked first and
/// nothing is written if either is out of range. Only a value that changes is written, so
/// two staff changing one each, apart, keep both.
pub fn set_settings(
    index: &mut Automerge,
    writer: &Writer,
    now: Millis,
    s: Settings,
) -> Result<Option<ChangeHash>> {
    for key in ["support_pct", "grace_hours"] {
        INDEX_RULES.authorize(writer, &DocContext::default(), &[key])?;
    }
    if !(1..=100).contains(&s.support_pct) {
        return Err(LinliError::OutOfRange {
            field: crate::error::Field::Support,
        });
    }
    super::commands::check_grace(s.grace_hours)?;
    let was = settings(index);
    let (_, hash) = transact(index, now, |tx| {
        if s.support_pct != was.support_pct {
            tx.put(ROOT, "support_pct", s.support_pct)?;
        }
        if s.grace_hours != was.grace_hours {
            tx.put(ROOT, "grace_hours", s.grace_hours)?;
        }
        Ok(())
    })?;
    Ok(hash)
}

/// One entry of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub author: MemberId,
    pub created_at: Millis,
}

/// Whether `id` may name a proposal: plain, like every id that becomes a map key.
pub fn valid_id(id: &str) -> bool {
    crate::id::is_slug(id)
}

/// Lists proposal `id` in the community's index: written before the proposal itself, so
/// the server knows the proposal's document by the time its changes arrive.
pub fn add(
    index: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    if !valid_id(id) {
        return Err(LinliError::BadId);
    }
    let creating = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    INDEX_RULES.authorize_in(writer, &DocContext::default(), &creating, &["items", id])?;
    let items =
        map_at(index, &ROOT, "items").ok_or_else(|| LinliError::Damaged("no items map".into()))?;
    if map_at(index, &items, id).is_some() {
        return Err(LinliError::AlreadyExists);
    }
    let (_, hash) = transact(index, now, |tx| {
        let item = tx.put_object(&items, id, ObjType::Map)?;
        tx.put(&item, "author", writer.member.as_str())?;
        tx.put(&item, "created_at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Every entry with a valid id and an author, in id order. One pass over each entry's
/// fields: points and the list read all of a year's entries at every start.
pub fn listed(index: &Automerge) -> Vec<Listed> {
    records(index, "items")
        .into_iter()
        .filter(|(id, _)| valid_id(id))
        .filter_map(|(id, item)| {
            let (mut author, mut created_at) = (None, 0);
            each_field(index, &item, |k, v| match (k, v) {
                ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
                ("created_at", FieldRef::Int(t)) => created_at = t,
                _ => {}
            });
            Some(Listed {
                id,
                author: author?,
                created_at: Millis(created_at),
            })
        })
        .collect()
}
