//! The points document as read: the rates in force at a time, the catalogue, and staff's
//! entries. A record missing what every one of its kind has is skipped, never the whole.

use crate::follow::Followed;
use crate::read::{bool_at, each_field, i64_at, records, str_at, FieldRef};
use crate::{MemberId, Millis};
use automerge::{Automerge, ObjId};

/// What each kind of fact pays, from `from` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rates {
    pub from: Millis,
    /// The version's record id: orders two versions from the same time.
    pub id: String,
    /// A help request confirmed done, to its helper.
    pub help: i64,
    /// A ballot counted in a certified result, to its voter.
    pub vote: i64,
    /// An adopted proposal, to its author.
    pub adopted: i64,
    /// The most one member earns in a month from helping the same neighbour, so two people
    /// cannot farm each other.
    pub pair_cap: i64,
}

impl Rates {
    /// The community's rates before staff set any.
    pub fn default_rates() -> Rates {
        Rates {
            from: Millis(i64::MIN),
            id: String::new(),
            help: 10,
            vote: 2,
            adopted: 20,
            pair_cap: 30,
        }
    }
}

/// An item of the community's catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub price: i64,
    pub retired: bool,
}

/// One of staff's entries, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffEntry {
    /// A member spent `price` points on `item` (its name and price as they stood then).
    Redeem {
        member: MemberId,
        item: String,
        name: String,
        price: i64,
    },
    /// An amount given or taken back, never without a reason.
    Correct {
        member: MemberId,
        amount: i64,
        reason: String,
    },
    /// Points for each member who came to a community activity.
    Award {
        event: String,
        amount: i64,
        members: Vec<MemberId>,
    },
}

/// Every version of the rates, oldest first.
fn rate_versions(doc: &Automerge) -> Vec<Rates> {
    let mut out: Vec<Rates> = records(doc, "rates")
        .into_iter()
        .filter_map(|(id, r)| {
            Some(Rates {
                from: Millis(i64_at(doc, &r, "from")?),
                help: i64_at(doc, &r, "help")?,
                vote: i64_at(doc, &r, "vote")?,
                adopted: i64_at(doc, &r, "adopted")?,
                pair_cap: i64_at(doc, &r, "pair_cap")?,
                id,
            })
        })
        .collect();
    crate::sort::by(&mut out, |a, b| (a.from, &a.id).cmp(&(b.from, &b.id)));
    out
}

/// The rates in force at each time: a version applies from its date forward, so a change
/// never rewrites what was earned before it.
pub struct RateBook {
    versions: Vec<Rates>,
}

impl RateBook {
    pub fn of(doc: &Automerge) -> RateBook {
        let mut versions = vec![Rates::default_rates()];
        versions.extend(rate_versions(doc));
        RateBook { versions }
    }

    pub fn at(&self, at: Millis) -> &Rates {
        let n = self.versions.partition_point(|r| r.from <= at);
        &self.versions[n.saturating_sub(1)]
    }
}

/// The rates in force at `at`.
pub fn rates_at(doc: &Automerge, at: Millis) -> Rates {
    RateBook::of(doc).at(at).clone()
}

/// The catalogue, by name.
pub fn catalogue(doc: &Automerge) -> Vec<Item> {
    let mut items: Vec<Item> = records(doc, "catalogue")
        .into_iter()
        .filter_map(|(id, r)| {
            Some(Item {
                name: str_at(doc, &r, "name")?,
                price: i64_at(doc, &r, "price")?,
                retired: bool_at(doc, &r, "retired").unwrap_or(false),
                id,
            })
        })
        .collect();
    crate::sort::by(&mut items, |a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    items
}

/// Staff's entries with their record ids, authors and times. Each record is read in one
/// pass over its fields: a year's entries are thousands, and a lookup per field was most
/// of the ledger's time.
pub fn staff_entries(doc: &Automerge) -> Vec<(String, MemberId, Millis, StaffEntry)> {
    staff_records(doc)
        .into_iter()
        .map(|r| (r.id, r.by, r.at, r.entry))
        .collect()
}

/// One of staff's entries as written, with its record's object id: the change that
/// created it tells whether a certificate holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffRecord {
    pub id: String,
    pub record: ObjId,
    pub by: MemberId,
    pub at: Millis,
    pub entry: StaffEntry,
}

pub(super) fn staff_records(doc: &Automerge) -> Vec<StaffRecord> {
    records(doc, "entries")
        .into_iter()
        .filter_map(|(id, r)| read_staff(doc, &id, &r))
        .collect()
}

/// Staff's entries read once and then following the points document's changes: after one
/// more entry only that record is read again.
pub fn follow_staff(doc: &Automerge) -> Followed<StaffRecord> {
    Followed::new(doc, "entries", read_staff)
}

fn read_staff(doc: &Automerge, id: &str, r: &ObjId) -> Option<StaffRecord> {
    let (mut by, mut at, mut kind, mut member) = (None, None, None, None);
    let (mut amount, mut item, mut name, mut reason, mut members) = (None, None, None, None, None);
    each_field(doc, r, |key, v| match (key, v) {
        ("author", FieldRef::Str(s)) => by = MemberId::parse(s).ok(),
        ("at", FieldRef::Int(t)) => at = Some(Millis(t)),
        ("kind", FieldRef::Str(s)) => kind = Some(s.to_owned()),
        ("member", FieldRef::Str(s)) => member = MemberId::parse(s).ok(),
        ("amount", FieldRef::Int(n)) => amount = Some(n),
        ("item", FieldRef::Str(s)) => item = Some(s.to_owned()),
        ("name", FieldRef::Str(s)) => name = Some(s.to_owned()),
        ("reason", FieldRef::Str(s)) => reason = Some(s.to_owned()),
        ("members", FieldRef::Str(s)) => members = Some(s.to_owned()),
        _ => {}
    });
    let entry = match kind?.as_str() {
        "redeem" => StaffEntry::Redeem {
            member: member?,
            item: item?,
            name: name?,
            price: amount?,
        },
        "correct" => StaffEntry::Correct {
            member: member?,
            amount: amount?,
            reason: reason?,
        },
        "award" => StaffEntry::Award {
            event: name?,
            amount: amount?,
            members: members?
                .split(',')
                .filter_map(|m| MemberId::parse(m).ok())
                .collect(),
        },
        _ => return None,
    };
    Some(StaffRecord {
        id: id.to_owned(),
        record: r.clone(),
        by: by?,
        at: at?,
        entry,
    })
}
