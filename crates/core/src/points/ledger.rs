//! The ledger: a pure fold of the documents into entries. Every replica holding the same
//! documents derives the same entries, the same caps and the same flags, whatever order it
//! merged them in, because nothing here depends on the order documents arrive or on a
//! device's own state: entries are sorted by (time, id) before anything is counted.

use super::model::{staff_records, RateBook, StaffEntry, StaffRecord};
use crate::deliberation;
use crate::follow::Followed;
use crate::help;
use crate::read::map_at;
use crate::{MemberId, Millis};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ReadDoc, ROOT};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What earned (or spent) an entry, and where to find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Helped the requester of this request (in the help document `doc`), who confirmed
    /// it done.
    Help {
        doc: String,
        request: String,
        requester: MemberId,
    },
    /// A ballot counted in this proposal's certified result.
    Vote {
        proposal: String,
    },
    /// This proposal, which the member wrote, was adopted.
    Adopted {
        proposal: String,
    },
    Redeem {
        item: String,
        name: String,
    },
    Correct {
        reason: String,
    },
    Award {
        event: String,
    },
}

/// One movement of one member's points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Derived from the fact that caused it: the same fact never pays twice.
    pub id: String,
    pub member: MemberId,
    pub at: Millis,
    pub amount: i64,
    pub source: Source,
    /// Help paid less than the rate (perhaps nothing): the month's cap for this pair.
    pub capped: bool,
    /// A redemption that took the balance below zero: kept, and shown to staff.
    pub overdraft: bool,
}

/// The documents the ledger folds, each with its document id: the community's points
/// document, its help documents (any months), and its proposals (by proposal id).
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    pub points: Option<(&'a str, &'a Automerge)>,
    pub help: &'a [(&'a str, &'a Automerge)],
    pub proposals: &'a [(&'a str, &'a Automerge)],
}

/// Balances the server certified, and what it had folded into them: a device folds only
/// what the certificate does not hold, so old documents need not stay on the phone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Opening {
    /// The month (`YYYY-MM`, the city's time) the balances run through; empty for none.
    pub through: String,
    /// The certificate's cut: a fact it does not hold that claims an earlier time (made
    /// offline, synced late) is booked here, in the open period, and never lost.
    pub cut: Millis,
    pub balances: BTreeMap<MemberId, i64>,
    /// The heads of each document the server folded, by document id.
    pub heads: BTreeMap<String, Vec<ChangeHash>>,
    /// The proposals whose every fact these balances hold ([`proposal_held`] on the
    /// server's copy when it certified): a device need not read them at all, not even the
    /// first time, when it has nothing of its own to tell it so. Their heads are not in
    /// `heads`: nothing of them is left to fold, so nothing needs telling apart.
    pub held: BTreeSet<String>,
}

/// Which of a document's facts from before the cut an opening leaves to fold.
enum Left {
    /// Every fact: no certificate, or one that folded nothing of this document.
    All,
    /// Those whose change is not among the certified heads' ancestors: each such change's
    /// operations, as its actor's counters from its first op to its last. An op's own id
    /// tells its change this way; asking automerge for the change of every fact's op was
    /// most of a phone's update.
    Changes(HashMap<ActorId, Vec<(u64, u64)>>),
    /// None from before the cut: the device lacks changes the certificate holds, so it
    /// cannot tell which of those facts are in it. Counting them could count them twice;
    /// they come back once the document is in step.
    Behind,
}

fn left(opening: &Opening, id: &str, doc: &Automerge) -> Left {
    let Some(heads) = opening.heads.get(id) else {
        return Left::All;
    };
    if heads.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return Left::Behind;
    }
    let mut ops: HashMap<ActorId, Vec<(u64, u64)>> = HashMap::new();
    for c in doc.get_changes_meta(heads) {
        let span = (c.start_op, c.max_op);
        ops.entry(c.actor.into_owned()).or_default().push(span);
    }
    Left::Changes(ops)
}

/// Whether a fact written by `op`, claiming the time `at`, is left to fold. A certificate
/// holds only facts claiming a time before its cut, so one claiming the cut or later is
/// always left, even on a device behind the certificate.
fn folds(left: &Left, opening: &Opening, op: Option<&ObjId>, at: Millis) -> bool {
    if at >= opening.cut {
        return true;
    }
    match left {
        Left::All => true,
        Left::Behind => false,
        Left::Changes(ops) => match op {
            Some(ObjId::Id(counter, actor, _)) => ops
                .get(actor)
                .is_some_and(|spans| spans.iter().any(|(a, b)| (a..=b).contains(&counter))),
            _ => false,
        },
    }
}

/// A fact the certificate does not hold, booked no earlier than its cut.
fn booked(mut e: Entry, opening: &Opening) -> Entry {
    e.at = e.at.max(opening.cut);
    e
}

/// Keeps the facts `opening` does not hold, each booked no earlier than its cut.
fn after(
    opening: &Opening,
    id: &str,
    doc: &Automerge,
    facts: Vec<(Entry, Option<ObjId>)>,
) -> Vec<Entry> {
    let left = left(opening, id, doc);
    facts
        .into_iter()
        .filter(|(e, op)| folds(&left, opening, op.as_ref(), e.at))
        .map(|(e, _)| booked(e, opening))
        .collect()
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    opening: Opening,
    /// Sorted by (at, id).
    entries: Vec<Entry>,
}

fn entry(id: String, member: MemberId, at: Millis, amount: i64, source: Source) -> Entry {
    Entry {
        id,
        member,
        at,
        amount,
        source,
        capped: false,
        overdraft: false,
    }
}

/// What one help document's settled requests earn beyond `opening`, before rates and
/// caps. A document's facts depend on it and the opening alone, so a device may keep them
/// by its heads and read again only the documents that changed.
pub fn help_facts(id: &str, doc: &Automerge, opening: &Opening) -> Vec<Entry> {
    let facts = help::settled(doc)
        .into_iter()
        .filter(|r| r.helper != r.requester)
        .map(|r| {
            let eid = format!("help/{}", r.id);
            let source = Source::Help {
                doc: id.to_owned(),
                request: r.id,
                requester: r.requester,
            };
            let e = entry(eid, r.helper, r.confirmed_at, 0, source);
            (e, Some(r.confirmed_op))
        })
        .collect();
    after(opening, id, doc, facts)
}

/// What one proposal earns once certified, beyond `opening`: each counted voter, and its
/// author if adopted, all booked by the certificate's change.
pub fn proposal_facts(id: &str, doc: &Automerge, opening: &Opening) -> Vec<Entry> {
    // The certificate holds every fact of it, and keeps no heads to tell them by.
    if opening.held.contains(id) {
        return Vec::new();
    }
    let Some(p) = deliberation::read(doc) else {
        return Vec::new();
    };
    let Some(cert) = &p.certified else {
        return Vec::new();
    };
    // Every fact of a proposal is booked by the certificate's change, at its time: when the
    // opening holds it, the tally need not run at all.
    let op = map_at(doc, &ROOT, "facts")
        .and_then(|f| doc.get(&f, "cert_at").ok().flatten())
        .map(|(_, op)| op);
    if !folds(&left(opening, id, doc), opening, op.as_ref(), cert.at) {
        return Vec::new();
    }
    let mut facts: Vec<Entry> = deliberation::tally(doc)
        .counted()
        .map(|cast| {
            let source = Source::Vote {
                proposal: id.to_owned(),
            };
            let eid = format!("vote/{id}/{}", cast.member.as_str());
            entry(eid, cast.member.clone(), cert.at, 0, source)
        })
        .collect();
    if cert.passed {
        let source = Source::Adopted {
            proposal: id.to_owned(),
        };
        facts.push(entry(format!("adopted/{id}"), p.author, cert.at, 0, source));
    }
    facts.into_iter().map(|e| booked(e, opening)).collect()
}

/// Whether `opening` holds every fact of this proposal: its vote was certified before the
/// cut by a change among the certified heads' ancestors. A vote is certified once, and a
/// later certificate folds on from an earlier one's heads, so a device that saw this once
/// need not read the proposal again for any opening through the same month or later.
pub fn proposal_held(id: &str, doc: &Automerge, opening: &Opening) -> bool {
    if opening.held.contains(id) {
        return true;
    }
    let Some(cert) = deliberation::read(doc).and_then(|p| p.certified) else {
        return false;
    };
    let op = map_at(doc, &ROOT, "facts")
        .and_then(|f| doc.get(&f, "cert_at").ok().flatten())
        .map(|(_, op)| op);
    let left = left(opening, id, doc);
    op.is_some() && matches!(left, Left::Changes(_)) && !folds(&left, opening, op.as_ref(), cert.at)
}

/// Whether `opening` holds proposal `id` whole without reading it: the certificate says so
/// ([`Opening::held`]), or this device found it held ([`proposal_held`]) by a certificate
/// through `held_through` (`YYYY-MM`, empty for never). Every later certificate folds on
/// from an earlier one's heads, so one through the same month or later holds it too, as
/// long as it folded the proposal at all. An earlier certificate, or none, may not: it is
/// read again.
pub fn still_held(id: &str, held_through: &str, opening: &Opening) -> bool {
    opening.held.contains(id)
        || (!held_through.is_empty()
            && held_through <= opening.through.as_str()
            && opening.heads.contains_key(id))
}

/// Staff's entries in the points document beyond `opening`, as written.
pub fn staff_facts(id: &str, doc: &Automerge, opening: &Opening) -> Vec<Entry> {
    staff_facts_of(id, doc, opening, staff_records(doc))
}

/// [`staff_facts`], from entries already read (a [`follow_staff`]ed set that `doc` has
/// been brought to): after one more entry, only that one was read again.
///
/// [`follow_staff`]: super::follow_staff
pub fn followed_staff_facts(
    id: &str,
    doc: &Automerge,
    opening: &Opening,
    followed: &Followed<StaffRecord>,
) -> Vec<Entry> {
    staff_facts_of(id, doc, opening, followed.values().cloned())
}

fn staff_facts_of(
    id: &str,
    doc: &Automerge,
    opening: &Opening,
    records: impl IntoIterator<Item = StaffRecord>,
) -> Vec<Entry> {
    let mut facts = Vec::new();
    for StaffRecord {
        id: eid,
        record,
        at,
        entry: e,
        ..
    } in records
    {
        let op = Some(record);
        match e {
            StaffEntry::Redeem {
                member,
                item,
                name,
                price,
            } => {
                let source = Source::Redeem { item, name };
                let e = entry(format!("staff/{eid}"), member, at, -price, source);
                facts.push((e, op));
            }
            StaffEntry::Correct {
                member,
                amount,
                reason,
            } => {
                let source = Source::Correct { reason };
                let e = entry(format!("staff/{eid}"), member, at, amount, source);
                facts.push((e, op));
            }
            StaffEntry::Award {
                event,
                amount,
                members,
            } => {
                for m in members {
                    let id = format!("staff/{eid}/{}", m.as_str());
                    let source = Source::Award {
                        event: event.clone(),
                    };
                    facts.push((entry(id, m, at, amount, source), op.clone()));
                }
            }
        }
    }
    after(opening, id, doc, facts)
}

/// Every entry the sources' facts earn beyond `opening`, before rates, caps and flags.
fn facts(opening: &Opening, sources: &Sources<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for (id, doc) in sources.help {
        out.extend(help_facts(id, doc, opening));
    }
    for (id, doc) in sources.proposals {
        out.extend(proposal_facts(id, doc, opening));
    }
    if let Some((id, doc)) = sources.points {
        out.extend(staff_facts(id, doc, opening));
    }
    out
}

/// The same id from two documents (a request copied into two months, say) pays once: the
/// earliest, then the least, so every replica keeps the same one.
fn dedup(entries: &mut Vec<Entry>) {
    // One sort, in the ledger's order (time, id), puts each id's earliest first.
    crate::sort::by(entries, |a, b| {
        (a.at, &a.id, &a.member, a.amount).cmp(&(b.at, &b.id, &b.member, b.amount))
    });
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity(entries.len());
        entries.iter().map(|e| seen.insert(e.id.as_str())).collect()
    };
    let mut keep = keep.into_iter();
    entries.retain(|_| keep.next().unwrap_or(false));
}

/// Folds the documents into the ledger from the start.
pub fn fold(sources: &Sources<'_>) -> Ledger {
    fold_from(&Opening::default(), sources)
}

/// Folds what `opening` does not hold onto its balances.
pub fn fold_from(opening: &Opening, sources: &Sources<'_>) -> Ledger {
    let empty = Automerge::new();
    let rates = RateBook::of(sources.points.map_or(&empty, |(_, d)| d));
    fold_facts(opening, &rates, facts(opening, sources))
}

/// Folds facts already read beyond `opening` (from [`help_facts`], [`proposal_facts`] and
/// [`staff_facts`], in any order, seen any number of times) onto it, under `rates`.
pub fn fold_facts(opening: &Opening, rates: &RateBook, mut entries: Vec<Entry>) -> Ledger {
    dedup(&mut entries);
    // Amounts, caps and flags are worked out over borrowed ids first and written back after:
    // a year's ledger is tens of thousands of entries, and a clone or a month's name per
    // entry was most of the fold.
    let mut worked: Vec<(i64, bool, bool)> = Vec::with_capacity(entries.len());
    {
        let mut pairs: HashMap<(&str, &str, i64), i64> = HashMap::new();
        let mut balances: HashMap<&str, i64> = opening
            .balances
            .iter()
            .map(|(m, b)| (m.as_str(), *b))
            .collect();
        for e in &entries {
            let r = rates.at(e.at);
            let (amount, capped) = match &e.source {
                Source::Help { requester, .. } => {
                    let (y, m, _) = e.at.civil_date_china();
                    let month = y * 12 + i64::from(m);
                    let key = (e.member.as_str(), requester.as_str(), month);
                    let used = pairs.entry(key).or_insert(0);
                    let amount = r.help.min(r.pair_cap - *used).max(0);
                    *used += amount;
                    (amount, amount < r.help)
                }
                Source::Vote { .. } => (r.vote, false),
                Source::Adopted { .. } => (r.adopted, false),
                _ => (e.amount, false),
            };
            let balance = balances.entry(e.member.as_str()).or_insert(0);
            *balance += amount;
            let overdraft = matches!(e.source, Source::Redeem { .. }) && *balance < 0;
            worked.push((amount, capped, overdraft));
        }
    }
    for (e, (amount, capped, overdraft)) in entries.iter_mut().zip(worked) {
        e.amount = amount;
        e.capped = capped;
        e.overdraft = overdraft;
    }
    Ledger {
        opening: opening.clone(),
        entries,
    }
}

impl Ledger {
    /// Every entry, by time then id.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The member's balance: what was certified, plus every entry since.
    pub fn balance(&self, member: &MemberId) -> i64 {
        let opened = self.opening.balances.get(member).copied().unwrap_or(0);
        opened + self.history(member).map(|e| e.amount).sum::<i64>()
    }

    /// The member's entries, oldest first.
    pub fn history(&self, member: &MemberId) -> impl Iterator<Item = &Entry> + '_ {
        let member = member.clone();
        self.entries.iter().filter(move |e| e.member == member)
    }

    /// Redemptions that took a balance below zero, for staff.
    pub fn flagged(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.entries.iter().filter(|e| e.overdraft)
    }

    /// Every member's balance, the opening's members included.
    pub fn balances(&self) -> BTreeMap<MemberId, i64> {
        let mut out = self.opening.balances.clone();
        for e in &self.entries {
            *out.entry(e.member.clone()).or_insert(0) += e.amount;
        }
        out
    }

    /// What each member earned in `month` (spending left out), most first, then by id:
    /// the month's leaderboard before names and opt-outs.
    pub fn earned_in(&self, month: &str) -> Vec<(MemberId, i64)> {
        let mut by: BTreeMap<&MemberId, i64> = BTreeMap::new();
        for e in &self.entries {
            if e.amount > 0 && e.at.month() == month {
                *by.entry(&e.member).or_insert(0) += e.amount;
            }
        }
        let mut out: Vec<(MemberId, i64)> = by.into_iter().map(|(m, n)| (m.clone(), n)).collect();
        crate::sort::by(&mut out, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// The member's net movement in each month that has any, oldest first.
    pub fn monthly(&self, member: &MemberId) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = Vec::new();
        for e in self.history(member) {
            let month = e.at.month();
            match out.last_mut() {
                Some((m, n)) if *m == month => *n += e.amount,
                _ => out.push((month, e.amount)),
            }
        }
        out
    }

    /// What the server certifies at `cut`, the end of `through`, given the heads of the
    /// documents it folded: every balance from the entries before the cut. An entry at the
    /// cut or later is left out even though the heads hold it, so a device folding onto the
    /// certificate keeps it, at its own time: this month's history and leaderboard stay
    /// whole, and the balances equal this ledger's.
    pub fn closing(
        &self,
        through: &str,
        cut: Millis,
        heads: BTreeMap<String, Vec<ChangeHash>>,
    ) -> Opening {
        let mut balances = self.opening.balances.clone();
        for e in self.entries.iter().filter(|e| e.at < cut) {
            *balances.entry(e.member.clone()).or_insert(0) += e.amount;
        }
        Opening {
            through: through.to_owned(),
            cut,
            balances,
            heads,
            held: BTreeSet::new(),
        }
    }
}
