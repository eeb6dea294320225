//! The ledger: a pure fold of the documents into entries. Every replica holding the same
//! documents derives the same entries, the same caps and the same flags, whatever order it
//! merged them in, because nothing here depends on the order documents arrive or on a
//! device's own state: entries are sorted by (time, id) before anything is counted.

use super::model::{staff_entries, RateBook, StaffEntry};
use crate::deliberation;
use crate::help;
use crate::{MemberId, Millis};
use automerge::Automerge;
use std::collections::{BTreeMap, HashMap};

/// What earned (or spent) an entry, and where to find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Helped the requester of this request, who confirmed it done.
    Help {
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

/// The documents the ledger folds: the community's points document, its help documents
/// (any months), and its proposals with their ids.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    pub points: Option<&'a Automerge>,
    pub help: &'a [&'a Automerge],
    pub proposals: &'a [(&'a str, &'a Automerge)],
}

/// Balances certified through the end of a month: a device folds only what came after,
/// so old help and proposal documents need not stay on the phone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Opening {
    /// The last month (`YYYY-MM`, the city's time) the balances include.
    pub through: String,
    pub balances: BTreeMap<MemberId, i64>,
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

/// What one help document's settled requests earn, before rates and caps. Each document's
/// facts depend on that document alone, so a device may keep them by its heads and read
/// again only the documents that changed.
pub fn help_facts(doc: &Automerge) -> Vec<Entry> {
    help::settled(doc)
        .into_iter()
        .filter(|r| r.helper != r.requester)
        .map(|r| {
            let id = format!("help/{}", r.id);
            let source = Source::Help {
                request: r.id,
                requester: r.requester,
            };
            entry(id, r.helper, r.confirmed_at, 0, source)
        })
        .collect()
}

/// What one proposal earns once certified: each counted voter, and its author if adopted.
pub fn proposal_facts(id: &str, doc: &Automerge) -> Vec<Entry> {
    let Some(p) = deliberation::read(doc) else {
        return Vec::new();
    };
    let Some(cert) = &p.certified else {
        return Vec::new();
    };
    let mut out: Vec<Entry> = deliberation::tally(doc)
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
        out.push(entry(format!("adopted/{id}"), p.author, cert.at, 0, source));
    }
    out
}

/// Staff's entries in the points document, as written.
pub fn staff_facts(doc: &Automerge) -> Vec<Entry> {
    let mut out = Vec::new();
    for (id, _by, at, e) in staff_entries(doc) {
        match e {
            StaffEntry::Redeem {
                member,
                item,
                name,
                price,
            } => {
                let source = Source::Redeem { item, name };
                out.push(entry(format!("staff/{id}"), member, at, -price, source));
            }
            StaffEntry::Correct {
                member,
                amount,
                reason,
            } => {
                let source = Source::Correct { reason };
                out.push(entry(format!("staff/{id}"), member, at, amount, source));
            }
            StaffEntry::Award {
                event,
                amount,
                members,
            } => {
                for m in members {
                    let eid = format!("staff/{id}/{}", m.as_str());
                    let source = Source::Award {
                        event: event.clone(),
                    };
                    out.push(entry(eid, m, at, amount, source));
                }
            }
        }
    }
    out
}

/// Every entry the sources' facts earn, before rates, caps and flags, in no order.
fn facts(sources: &Sources<'_>) -> Vec<Entry> {
    let mut out = Vec::new();
    for doc in sources.help {
        out.extend(help_facts(doc));
    }
    for (id, doc) in sources.proposals {
        out.extend(proposal_facts(id, doc));
    }
    if let Some(doc) = sources.points {
        out.extend(staff_facts(doc));
    }
    out
}

/// The same id from two documents (a request copied into two months, say) pays once: the
/// earliest, then the least, so every replica keeps the same one.
fn dedup(entries: &mut Vec<Entry>) {
    entries.sort_by(|a, b| {
        (&a.id, a.at, &a.member, a.amount).cmp(&(&b.id, b.at, &b.member, b.amount))
    });
    entries.dedup_by(|later, first| later.id == first.id);
    entries.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
}

/// Folds the documents into the ledger from the start.
pub fn fold(sources: &Sources<'_>) -> Ledger {
    fold_from(&Opening::default(), sources)
}

/// Folds what came after `opening`'s month onto its balances.
pub fn fold_from(opening: &Opening, sources: &Sources<'_>) -> Ledger {
    let rates = RateBook::of(sources.points.unwrap_or(&Automerge::new()));
    fold_facts(opening, &rates, facts(sources))
}

/// Folds facts already read (from [`help_facts`], [`proposal_facts`] and [`staff_facts`],
/// in any order, seen any number of times) onto `opening`, under `rates`.
pub fn fold_facts(opening: &Opening, rates: &RateBook, mut entries: Vec<Entry>) -> Ledger {
    // Deduplicated before the cut, so a fact seen in two months pays where a full fold pays.
    dedup(&mut entries);
    entries.retain(|e| opening.through.is_empty() || e.at.month() > opening.through);
    let mut pairs: HashMap<(MemberId, MemberId, String), i64> = HashMap::new();
    let mut balances: HashMap<MemberId, i64> = opening
        .balances
        .iter()
        .map(|(m, b)| (m.clone(), *b))
        .collect();
    for e in &mut entries {
        let r = rates.at(e.at);
        match &e.source {
            Source::Help { requester, .. } => {
                let key = (e.member.clone(), requester.clone(), e.at.month());
                let used = pairs.entry(key).or_insert(0);
                e.amount = r.help.min(r.pair_cap - *used).max(0);
                e.capped = e.amount < r.help;
                *used += e.amount;
            }
            Source::Vote { .. } => e.amount = r.vote,
            Source::Adopted { .. } => e.amount = r.adopted,
            _ => {}
        }
        let balance = balances.entry(e.member.clone()).or_insert(0);
        *balance += e.amount;
        e.overdraft = matches!(e.source, Source::Redeem { .. }) && *balance < 0;
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
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
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

    /// The balances through the end of `month`, as the server certifies them: folding the
    /// rest onto this gives the same balances as folding everything.
    pub fn closing(&self, month: &str) -> Opening {
        let mut balances = self.opening.balances.clone();
        for e in self
            .entries
            .iter()
            .filter(|e| e.at.month().as_str() <= month)
        {
            *balances.entry(e.member.clone()).or_insert(0) += e.amount;
        }
        Opening {
            through: month.to_owned(),
            balances,
        }
    }
}
