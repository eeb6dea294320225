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

use super::model::{read, Decision};
use crate::read::{bool_at, i64_at, map_at, str_at};
use crate::{MemberId, Millis};
use automerge::legacy::{Key, OpType};
use automerge::{
    ActorId, Automerge, ChangeHash, ChangeMetadata, ObjId, ReadDoc, ScalarValue, ScalarValueRef,
    ValueRef, ROOT,
};
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// One ballot as cast: by the member, or by staff for them (`assisted_by`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cast {
    pub member: MemberId,
    pub choice: Vec<String>,
    /// The time its device claimed (the change's own time).
    pub claimed_at: Millis,
    pub hash: ChangeHash,
    pub assisted_by: Option<MemberId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Each choice's token and how many counted ballots picked it.
    pub counts: Vec<(String, usize)>,
    /// The counted ballot of each member who has one.
    pub counted: BTreeMap<MemberId, Cast>,
    /// Ballots that do not count, and why. (Earlier ballots a member changed are neither:
    /// they are in `history`.)
    pub excluded: Vec<(Cast, Exclusion)>,
    /// Every ballot cast, in the document's causal order.
    pub history: Vec<Cast>,
    /// Members at the close, once the server has closed the vote.
    pub members: Option<usize>,
    pub quorum_met: Option<bool>,
    pub passed: Option<bool>,
    /// No certificate yet: every replica with these changes shows this, but it may change.
    pub provisional: bool,
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

/// The document's change log as the rule reads it: each change's hash, claimed time, parents
/// and ops' numbers, in causal order. Metadata only: rebuilding every change with its ops is
/// what made the tally slow, and most changes of a vote are one ballot each, which the
/// ballots map itself already shows.
struct Log<'a> {
    meta: Vec<ChangeMetadata<'a>>,
    /// Each actor's changes as (first op, last op, index into `meta`), by first op.
    by_actor: HashMap<ActorId, Vec<(u64, u64, usize)>>,
}

impl<'a> Log<'a> {
    fn of(doc: &'a Automerge) -> Log<'a> {
        let meta = doc.get_changes_meta(&[]);
        let mut by_actor: HashMap<ActorId, Vec<(u64, u64, usize)>> = HashMap::new();
        for (i, m) in meta.iter().enumerate() {
            by_actor
                .entry(m.actor.as_ref().clone())
                .or_default()
                .push((m.start_op, m.max_op, i));
        }
        for changes in by_actor.values_mut() {
            changes.sort_unstable();
        }
        Log { meta, by_actor }
    }

    /// The index of the change that wrote op `counter` of `actor`.
    fn change_of(&self, counter: u64, actor: &ActorId) -> Option<usize> {
        let changes = self.by_actor.get(actor)?;
        let at = changes.partition_point(|(start, _, _)| *start <= counter);
        let (start, end, i) = *changes.get(at.checked_sub(1)?)?;
        (start..=end).contains(&counter).then_some(i)
    }

    fn change_of_op(&self, id: &ObjId) -> Option<usize> {
        match id {
            ObjId::Id(counter, actor, _) => self.change_of(*counter, actor),
            ObjId::Root => None,
        }
    }

    fn ops_in(&self, i: usize) -> u64 {
        let m = &self.meta[i];
        (m.max_op + 1).saturating_sub(m.start_op)
    }
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

/// Every ballot cast into the document (the history is the log).
pub fn casts(doc: &Automerge) -> Vec<Cast> {
    casts_in(doc, &Log::of(doc))
}

/// A ballot's value as stored: which map it sits in says whose ballot it is, and a value in
/// `assisted` never passes for the member's own, whatever it says.
pub(super) fn cast_of(
    key: &str,
    value: &str,
    assisted: bool,
    at: Millis,
    hash: ChangeHash,
) -> Option<Cast> {
    let (choice, by) = if assisted {
        // Split where the door's `Signed` shape splits: at the last bar.
        let (choice, by) = value.rsplit_once('|')?;
        (choice, Some(MemberId::parse(by).ok()?))
    } else {
        (value, None)
    };
    Some(Cast {
        member: MemberId::parse(key).ok()?,
        choice: choice.split(',').map(str::to_owned).collect(),
        claimed_at: at,
        hash,
        assisted_by: by,
    })
}

/// Beyond this many changes to read whole, one walk of the log is cheaper than a lookup each.
const FETCH_ONE_BY_ONE: usize = 32;

/// The ballots, in two passes. The live values of `ballots` and `assisted` (conflicts
/// included), each placed in its change by its op's number; then the few changes holding
/// more ops than live ballots (a ballot changed later, a comment, staff's window), which
/// alone are fetched whole and read op by op for the ballots they overwrote.
fn casts_in(doc: &Automerge, log: &Log) -> Vec<Cast> {
    let (Some(ballots), Some(assisted)) = (
        map_at(doc, &ROOT, "ballots"),
        map_at(doc, &ROOT, "assisted"),
    ) else {
        return Vec::new();
    };
    // Each with (change, op counter), to be put in the log's order.
    let mut found: Vec<((usize, u64), Cast)> = Vec::new();
    let mut live_in = vec![0u64; log.meta.len()];
    for (map, is_assisted) in [(&ballots, false), (&assisted, true)] {
        for item in doc.map_range(map, ..) {
            let values: Vec<(String, ObjId)> = if item.conflict {
                doc.get_all(map, item.key.as_ref())
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(v, id)| v.into_string().ok().map(|s| (s, id)))
                    .collect()
            } else {
                match &item.value {
                    ValueRef::Scalar(ScalarValueRef::Str(v)) => vec![(v.to_string(), item.id())],
                    _ => Vec::new(),
                }
            };
            for (value, id) in values {
                let ObjId::Id(counter, _, _) = id else {
                    continue;
                };
                let Some(i) = log.change_of_op(&id) else {
                    continue;
                };
                live_in[i] += 1;
                let m = &log.meta[i];
                if let Some(cast) =
                    cast_of(&item.key, &value, is_assisted, Millis(m.timestamp), m.hash)
                {
                    found.push(((i, counter), cast));
                }
            }
        }
    }
    let live: HashSet<(usize, u64)> = found.iter().map(|(at, _)| *at).collect();
    let unaccounted: Vec<ChangeHash> = (0..log.meta.len())
        .filter(|&i| live_in[i] < log.ops_in(i))
        .map(|i| log.meta[i].hash)
        .collect();
    // Compared as automerge's own ids: no string per op.
    let parse = |o: &ObjId| o.to_string().parse::<automerge::legacy::ObjectId>().ok();
    // A few fetched one by one; many, in one walk of the log (automerge's bundle would do
    // both in one, but costs the app's wasm about 20 KB gzipped).
    let whole: Vec<automerge::Change> = if unaccounted.len() <= FETCH_ONE_BY_ONE {
        unaccounted
            .iter()
            .filter_map(|h| doc.get_change_by_hash(h))
            .collect()
    } else {
        let wanted: HashSet<ChangeHash> = unaccounted.into_iter().collect();
        doc.get_changes(&[])
            .into_iter()
            .filter(|c| wanted.contains(&c.hash()))
            .collect()
    };
    if let (Some(ballots), Some(assisted)) = (parse(&ballots), parse(&assisted)) {
        for c in &whole {
            let Some(i) = log.change_of(c.start_op().get(), c.actor_id()) else {
                continue;
            };
            let decoded = c.decode();
            for (n, op) in decoded.operations.iter().enumerate() {
                let (Key::Map(key), OpType::Put(ScalarValue::Str(value))) = (&op.key, &op.action)
                else {
                    continue;
                };
                let is_assisted = if op.obj == ballots {
                    false
                } else if op.obj == assisted {
                    true
                } else {
                    continue;
                };
                let counter = c.start_op().get() + n as u64;
                if live.contains(&(i, counter)) {
                    continue;
                }
                if let Some(cast) =
                    cast_of(key, value, is_assisted, Millis(c.timestamp()), c.hash())
                {
                    found.push(((i, counter), cast));
                }
            }
        }
    }
    // Put in the log's order by their places alone, each cast then moved once.
    let mut order: Vec<((usize, u64), usize)> = found
        .iter()
        .enumerate()
        .map(|(n, (at, _))| (*at, n))
        .collect();
    order.sort_unstable();
    let mut slots: Vec<Option<Cast>> = found.into_iter().map(|(_, c)| Some(c)).collect();
    order
        .into_iter()
        .filter_map(|(_, n)| slots[n].take())
        .collect()
}

/// The changes that depend on `root` (and `root` itself): a device that made one had seen it.
fn descendants(log: &Log, root: ChangeHash) -> HashSet<ChangeHash> {
    let mut seen = HashSet::from([root]);
    // Causal order: parents before children.
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
    let history = casts_in(doc, &log);
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
    // Each member's counted ballot, as its place in `history`.
    let mut best: HashMap<&MemberId, usize> = HashMap::new();
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
            excluded.push((cast.clone(), why));
            continue;
        }
        // A choice this decision does not take (a doctored client) counts for nothing.
        if p.decision.check_in(&tokens, &cast.choice).is_err() {
            continue;
        }
        let better = match best.get(&cast.member).map(|&b| &history[b]) {
            None => true,
            // One's own ballot replaces one recorded for one.
            Some(b) if b.assisted_by.is_some() != cast.assisted_by.is_some() => {
                cast.assisted_by.is_none()
            }
            Some(b) => (cast.claimed_at, cast.hash) > (b.claimed_at, b.hash),
        };
        if better {
            best.insert(&cast.member, n);
        }
    }
    // Sorted as places first: sorting the casts themselves moves every one of them.
    let mut places: Vec<usize> = best.into_values().collect();
    places.sort_unstable_by(|a, b| history[*a].member.cmp(&history[*b].member));
    let best: BTreeMap<MemberId, Cast> = places
        .into_iter()
        .map(|n| (history[n].member.clone(), history[n].clone()))
        .collect();
    let mut counts: Vec<(String, usize)> = tokens.iter().map(|t| (t.clone(), 0)).collect();
    for cast in best.values() {
        for c in &cast.choice {
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
        .excluded
        .iter()
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
