//! The offline vote rule, as a pure function of the document, so every replica with the same
//! changes derives the same result and no device clock can game it:
//!
//! 1. At the close (server clock) the server writes a close marker: its time and the
//!    document's heads.
//! 2. A ballot counts if it was claimed before the close and its change does not depend on
//!    the close marker (its device had not seen the vote closed). Until the certificate, the
//!    result is provisional.
//! 3. After the grace period the server writes a certificate: the heads it counted and the
//!    ballots it excluded, each with its reason. A ballot the certificate's heads do not hold
//!    arrived too late.
//! 4. The server's own knowledge goes into the certificate's exclusions: a ballot from a
//!    member one of whose devices had already been sent the close marker (`SentClose`).
//!
//! A member's counted ballot is their latest counting one; their own replaces one staff
//! recorded for them. Every ballot cast stays in the history.

use super::history::{self, Log};
use super::model::{read, Decision};
use crate::read::{bool_at, i64_at, map_at, str_at};
use crate::{MemberId, Millis};
use automerge::{Automerge, ChangeHash, ReadDoc, ROOT};
use std::collections::{HashMap, HashSet};

pub use super::history::{casts, Cast};

/// The server's close marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    pub at: Millis,
    pub heads: Vec<ChangeHash>,
    /// The community's members at the close: the quorum's base.
    pub members: usize,
    /// The grace period as it stood at the close (none in a marker written before it was
    /// recorded: the proposal's own then).
    pub grace: Option<Millis>,
}

/// The server's certificate, which fixes the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub at: Millis,
    pub heads: Vec<ChangeHash>,
    pub excluded: Vec<(ChangeHash, Exclusion)>,
    pub passed: bool,
}

/// Why a ballot does not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exclusion {
    /// Claimed at or after the close.
    AfterClose,
    /// Its device had already received the closed vote (its change depends on the marker).
    SawClose,
    /// One of the member's devices had been sent the close marker before this ballot (the
    /// server knows what it sent to whom).
    SentClose,
    /// It reached the server after the certificate.
    TooLate,
}

impl Exclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::AfterClose => "after_close",
            Exclusion::SawClose => "saw_close",
            Exclusion::SentClose => "sent_close",
            Exclusion::TooLate => "too_late",
        }
    }

    pub fn parse(s: &str) -> Option<Exclusion> {
        [
            Exclusion::AfterClose,
            Exclusion::SawClose,
            Exclusion::SentClose,
            Exclusion::TooLate,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Each choice's token and how many counted ballots picked it.
    pub counts: Vec<(String, usize)>,
    /// The counted ballot of each member who has one, as its place in `history`, in member
    /// order. Places, not copies: a community's vote holds thousands.
    counted: Vec<usize>,
    /// Ballots that do not count, and why, as places in `history`. (Earlier ballots a member
    /// changed are neither.)
    excluded: Vec<(usize, Exclusion)>,
    /// Every ballot cast, in the document's causal order.
    pub history: Vec<Cast>,
    /// Members at the close, once the server has closed the vote.
    pub members: Option<usize>,
    pub quorum_met: Option<bool>,
    pub passed: Option<bool>,
    /// No certificate yet: every replica with these changes shows this, but it may change.
    pub provisional: bool,
}

impl Tally {
    /// The counted ballots, one per member, in member order.
    pub fn counted(&self) -> impl ExactSizeIterator<Item = &Cast> + '_ {
        self.counted.iter().map(|&n| &self.history[n])
    }

    /// How many members' ballots count.
    pub fn turnout(&self) -> usize {
        self.counted.len()
    }

    /// The member's counted ballot, if one counts.
    pub fn counted_of(&self, member: &MemberId) -> Option<&Cast> {
        let at = self
            .counted
            .binary_search_by(|&n| self.history[n].member.cmp(member))
            .ok()?;
        Some(&self.history[self.counted[at]])
    }

    /// The ballots that do not count, and why, in the log's order.
    pub fn excluded(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&Cast, Exclusion)> + ExactSizeIterator + '_ {
        self.excluded
            .iter()
            .map(|&(n, why)| (&self.history[n], why))
    }
}

fn hashes(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.parse().ok()).collect()
}

pub(super) fn close_marker(doc: &Automerge) -> Option<Close> {
    let facts = map_at(doc, &ROOT, "facts")?;
    Some(Close {
        at: Millis(i64_at(doc, &facts, "close_at")?),
        heads: hashes(&str_at(doc, &facts, "close_heads").unwrap_or_default()),
        members: i64_at(doc, &facts, "close_members").unwrap_or(0).max(0) as usize,
        grace: i64_at(doc, &facts, "close_grace").map(Millis),
    })
}

pub(super) fn certificate(doc: &Automerge) -> Option<Certificate> {
    let facts = map_at(doc, &ROOT, "facts")?;
    let excluded = str_at(doc, &facts, "cert_excluded")
        .unwrap_or_default()
        .split(',')
        .filter_map(|e| {
            let (h, why) = e.split_once(':')?;
            Some((h.parse().ok()?, Exclusion::parse(why)?))
        })
        .collect();
    Some(Certificate {
        at: Millis(i64_at(doc, &facts, "cert_at")?),
        heads: hashes(&str_at(doc, &facts, "cert_heads").unwrap_or_default()),
        excluded,
        passed: bool_at(doc, &facts, "cert_passed").unwrap_or(false),
    })
}

/// The change of the close marker: the one that wrote `facts/close_at`.
fn marker_change(doc: &Automerge, log: &Log) -> Option<ChangeHash> {
    let facts = map_at(doc, &ROOT, "facts")?;
    let (_, id) = doc.get(&facts, "close_at").ok()??;
    log.change_of_op(&id).map(|i| log.meta[i].hash)
}

/// The change in which staff closed the vote early.
fn early_close_change(doc: &Automerge, log: &Log) -> Option<ChangeHash> {
    let p = map_at(doc, &map_at(doc, &ROOT, "proposal")?, super::rules::RECORD)?;
    let (_, id) = doc.get(&p, "closed_early").ok()??;
    log.change_of_op(&id).map(|i| log.meta[i].hash)
}

/// The changes that depend on `root` (and `root` itself): a device that made one had seen it.
fn descendants(log: &Log, root: ChangeHash) -> HashSet<ChangeHash> {
    let mut seen = HashSet::from([root]);
    // One pass suffices because the log is in causal order, parents before children:
    // automerge numbers a change when it applies it, applies one only once its parents are
    // in (loading too: a saved document stores its changes so), and lists them by number.
    // The convergence property, merging in random orders, holds the tally to that.
    for m in &log.meta {
        if m.deps.iter().any(|d| seen.contains(d)) {
            seen.insert(m.hash);
        }
    }
    seen
}

/// Every change the heads `heads` hold.
fn ancestors(log: &Log, heads: &[ChangeHash]) -> HashSet<ChangeHash> {
    let deps: HashMap<ChangeHash, &[ChangeHash]> = log
        .meta
        .iter()
        .map(|m| (m.hash, m.deps.as_slice()))
        .collect();
    let mut seen: HashSet<ChangeHash> = HashSet::new();
    let mut todo: Vec<ChangeHash> = heads.to_vec();
    while let Some(h) = todo.pop() {
        if seen.insert(h) {
            if let Some(d) = deps.get(&h) {
                todo.extend(d.iter().copied());
            }
        }
    }
    seen
}

/// The tally of the document as it stands.
pub fn tally(doc: &Automerge) -> Tally {
    tally_with(doc, HashMap::new())
}

/// The tally with `extra` exclusions besides the certificate's (the server's, before it
/// certifies).
fn tally_with(doc: &Automerge, extra: HashMap<ChangeHash, Exclusion>) -> Tally {
    let Some(p) = read(doc) else {
        return Tally::default();
    };
    let log = Log::of(doc);
    let history::History {
        casts: history,
        ranks,
        members: voters,
    } = history::read(doc, &log);
    let close_at = p.closed.as_ref().map(|c| c.at).or(p.closes_at);
    // The server's marker, and staff's early close: a change made after seeing either was
    // made on a device that knew the vote had closed.
    let mut saw_close = marker_change(doc, &log).map(|m| descendants(&log, m));
    if let Some(early) = early_close_change(doc, &log) {
        saw_close
            .get_or_insert_with(HashSet::new)
            .extend(descendants(&log, early).into_iter().filter(|h| *h != early));
    }
    let held = p.certified.as_ref().map(|c| ancestors(&log, &c.heads));
    let mut server_said = extra;
    if let Some(c) = &p.certified {
        server_said.extend(c.excluded.iter().copied());
    }
    let tokens = p.decision.tokens();

    let mut excluded = Vec::new();
    // Each member's counted ballot, as its place in `history`, by the member's rank.
    let mut best: Vec<Option<usize>> = vec![None; voters];
    for (n, cast) in history.iter().enumerate() {
        let why = if held.as_ref().is_some_and(|h| !h.contains(&cast.hash)) {
            Some(Exclusion::TooLate)
        } else if let Some(why) = server_said.get(&cast.hash) {
            Some(*why)
        } else if close_at.is_some_and(|at| cast.claimed_at >= at) {
            Some(Exclusion::AfterClose)
        } else if saw_close.as_ref().is_some_and(|d| d.contains(&cast.hash)) {
            Some(Exclusion::SawClose)
        } else {
            None
        };
        if let Some(why) = why {
            excluded.push((n, why));
            continue;
        }
        // A choice this decision does not take (a doctored client) counts for nothing.
        if p.decision.check_in(&tokens, &cast.choice).is_err() {
            continue;
        }
        let slot = &mut best[ranks[n]];
        let better = match slot.map(|b| &history[b]) {
            None => true,
            // One's own ballot replaces one recorded for one.
            Some(b) if b.assisted_by.is_some() != cast.assisted_by.is_some() => {
                cast.assisted_by.is_none()
            }
            Some(b) => (cast.claimed_at, cast.hash) > (b.claimed_at, b.hash),
        };
        if better {
            *slot = Some(n);
        }
    }
    // In member order already: ranks are places in it.
    let best: Vec<usize> = best.into_iter().flatten().collect();
    let mut counts: Vec<(String, usize)> = tokens.iter().map(|t| (t.clone(), 0)).collect();
    for &n in &best {
        for c in &history[n].choice {
            if let Some(slot) = counts.iter_mut().find(|(t, _)| t == c) {
                slot.1 += 1;
            }
        }
    }
    let members = p.closed.as_ref().map(|c| c.members);
    let mut t = Tally {
        counts,
        counted: best,
        excluded,
        history,
        members,
        quorum_met: None,
        passed: None,
        provisional: p.certified.is_none(),
    };
    if let Some(m) = members {
        t.quorum_met = Some(t.counted.len() as i64 * 100 >= p.quorum_pct * m as i64);
        t.passed = Some(recount(&p, &t));
    }
    if let Some(c) = &p.certified {
        t.passed = Some(c.passed);
    }
    t
}
/// The server writes the close marker at the close (its clock): the time, the heads it
/// holds, and the community's members then.
pub fn write_close(doc: &mut Automerge, now: Millis, members: usize) -> crate::Result<()> {
    use automerge::transaction::Transactable;
    let facts = map_at(doc, &ROOT, "facts")
        .ok_or_else(|| crate::LinliError::Damaged("no facts map".into()))?;
    if close_marker(doc).is_some() {
        return Ok(());
    }
    let heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
    // The grace period is fixed here, with the close: staff's field may be written again
    // later, and must never move a certificate already due.
    let grace = read(doc).map_or(super::DEFAULT_GRACE_HOURS * Millis::HOUR, |p| p.grace.0);
    crate::doc::transact(doc, now, |tx| {
        tx.put(&facts, "close_at", now.0)?;
        tx.put(&facts, "close_heads", heads.join(","))?;
        tx.put(&facts, "close_members", members as i64)?;
        tx.put(&facts, "close_grace", grace)?;
        Ok(())
    })?;
    Ok(())
}

/// The server certifies after the grace period: the heads it counted, every ballot excluded
/// with its reason (the rule's, and `sent_close` for ballots from members whose devices it
/// had already sent the close marker), and whether it passed. Written once.
pub fn certify(
    doc: &mut Automerge,
    now: Millis,
    sent_close: impl Fn(&Cast) -> bool,
) -> crate::Result<Option<Certificate>> {
    use automerge::transaction::Transactable;
    if close_marker(doc).is_none() || certificate(doc).is_some() {
        return Ok(None);
    }
    let facts = map_at(doc, &ROOT, "facts")
        .ok_or_else(|| crate::LinliError::Damaged("no facts map".into()))?;
    let heads: Vec<String> = doc.get_heads().iter().map(|h| h.to_string()).collect();
    let sent: HashMap<ChangeHash, Exclusion> = casts(doc)
        .iter()
        .filter(|c| sent_close(c))
        .map(|c| (c.hash, Exclusion::SentClose))
        .collect();
    // Judged with the server's exclusions in place, as every replica will judge it.
    let t = tally_with(doc, sent);
    let excluded: Vec<String> = t
        .excluded()
        .map(|(c, why)| format!("{}:{}", c.hash, why.as_str()))
        .collect();
    let passed = t.passed.unwrap_or(false);
    crate::doc::transact(doc, now, |tx| {
        tx.put(&facts, "cert_at", now.0)?;
        tx.put(&facts, "cert_heads", heads.join(","))?;
        tx.put(&facts, "cert_excluded", excluded.join(","))?;
        tx.put(&facts, "cert_passed", passed)?;
        Ok(())
    })?;
    Ok(certificate(doc))
}

/// Whether a tally clears the quorum and the threshold.
fn recount(p: &super::Proposal, t: &Tally) -> bool {
    let members = p.closed.as_ref().map(|c| c.members).unwrap_or(0) as i64;
    let turnout = t.counted.len() as i64;
    if turnout * 100 < p.quorum_pct * members {
        return false;
    }
    match &p.decision {
        Decision::ForAgainst => {
            let (yes, no) = (t.counts[0].1 as i64, t.counts[1].1 as i64);
            yes + no > 0 && yes * 100 >= p.threshold_pct * (yes + no)
        }
        _ => {
            let top = t.counts.iter().map(|(_, n)| *n).max().unwrap_or(0) as i64;
            turnout > 0 && top * 100 >= p.threshold_pct * turnout
        }
    }
}
