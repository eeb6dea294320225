//! Every ballot cast into a proposal, read back from the change log: the history the offline
//! vote rule judges. Reading it is most of a tally's work, so it reads as little as it can:
//! the log's metadata, the live values of the ballot maps, and whole only the few changes
//! that hold more than the ballots still live.

use crate::read::map_at;
use crate::{MemberId, Millis};
use automerge::legacy::{Key, OpType};
use automerge::{
    ActorId, Automerge, ChangeHash, ChangeMetadata, ObjId, ReadDoc, ScalarValue, ScalarValueRef,
    ValueRef, ROOT,
};
use std::collections::{HashMap, HashSet};

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

/// The casts in the log's causal order, each with its member's place among every member who
/// cast (in member order), so the tally can keep one ballot per member in a plain vector.
pub(super) struct History {
    pub casts: Vec<Cast>,
    pub ranks: Vec<usize>,
    pub members: usize,
}

/// The document's change log as the rule reads it: each change's hash, claimed time, parents
/// and ops' numbers, in causal order. Metadata only: rebuilding every change with its ops is
/// what made the tally slow, and most changes of a vote are one ballot each, which the
/// ballots map itself already shows.
pub(super) struct Log<'a> {
    pub meta: Vec<ChangeMetadata<'a>>,
    /// Each actor's run in `spans`, whose entries are (first op, last op, index into `meta`)
    /// by actor and then by first op: one vector, not one per actor of a 20,000-voter log.
    actors: HashMap<ActorId, (usize, usize)>,
    spans: Vec<(u64, u64, usize)>,
}

impl<'a> Log<'a> {
    pub fn of(doc: &'a Automerge) -> Log<'a> {
        let meta = doc.get_changes_meta(&[]);
        let mut slots: HashMap<ActorId, usize> = HashMap::new();
        let mut keyed: Vec<(usize, u64, u64, usize)> = Vec::with_capacity(meta.len());
        for (i, m) in meta.iter().enumerate() {
            let actor: &ActorId = &m.actor;
            let slot = match slots.get(actor) {
                Some(s) => *s,
                None => {
                    let s = slots.len();
                    slots.insert(actor.clone(), s);
                    s
                }
            };
            keyed.push((slot, m.start_op, m.max_op, i));
        }
        keyed.sort_unstable();
        let mut runs = vec![(0, 0); slots.len()];
        for (at, &(slot, ..)) in keyed.iter().enumerate() {
            if at == 0 || keyed[at - 1].0 != slot {
                runs[slot].0 = at;
            }
            runs[slot].1 = at + 1;
        }
        let actors = slots.into_iter().map(|(a, s)| (a, runs[s])).collect();
        let spans = keyed.into_iter().map(|(_, a, b, i)| (a, b, i)).collect();
        Log {
            meta,
            actors,
            spans,
        }
    }

    /// The index of the change that wrote op `counter` of `actor`.
    pub fn change_of(&self, counter: u64, actor: &ActorId) -> Option<usize> {
        let (from, to) = *self.actors.get(actor)?;
        let changes = &self.spans[from..to];
        let at = changes.partition_point(|(start, _, _)| *start <= counter);
        let (start, end, i) = *changes.get(at.checked_sub(1)?)?;
        (start..=end).contains(&counter).then_some(i)
    }

    pub fn change_of_op(&self, id: &ObjId) -> Option<usize> {
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

/// Every ballot cast into the document (the history is the log).
pub fn casts(doc: &Automerge) -> Vec<Cast> {
    read(doc, &Log::of(doc)).casts
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
pub(super) fn read(doc: &Automerge, log: &Log) -> History {
    let (Some(ballots), Some(assisted)) = (
        map_at(doc, &ROOT, "ballots"),
        map_at(doc, &ROOT, "assisted"),
    ) else {
        return History {
            casts: Vec::new(),
            ranks: Vec::new(),
            members: 0,
        };
    };
    // Each with (change, op counter), to be put in the log's order.
    let mut found: Vec<((usize, u64), Cast)> = Vec::new();
    let mut live_in = vec![0u64; log.meta.len()];
    // The ballots map's values come first and in key order (automerge keeps a map's keys
    // sorted), which lets `ranks` place most members by a merge.
    let mut in_key_order = 0;
    for (map, is_assisted) in [(&ballots, false), (&assisted, true)] {
        for item in doc.map_range(map, ..) {
            let mut add = |value: &str, id: &ObjId| {
                let Some(i) = log.change_of_op(id) else {
                    return;
                };
                live_in[i] += 1;
                let (ObjId::Id(counter, _, _), m) = (id, &log.meta[i]) else {
                    return;
                };
                if let Some(cast) =
                    cast_of(&item.key, value, is_assisted, Millis(m.timestamp), m.hash)
                {
                    found.push(((i, *counter), cast));
                }
            };
            if item.conflict {
                for (v, id) in doc.get_all(map, item.key.as_ref()).unwrap_or_default() {
                    if let Ok(v) = v.into_string() {
                        add(&v, &id);
                    }
                }
            } else if let ValueRef::Scalar(ScalarValueRef::Str(v)) = &item.value {
                add(v, &item.id());
            }
        }
        if !is_assisted {
            in_key_order = found.len();
        }
    }
    let unaccounted: Vec<usize> = (0..log.meta.len())
        .filter(|&i| live_in[i] < log.ops_in(i))
        .collect();
    let overwritten = overwritten(doc, log, &unaccounted, &found, &ballots, &assisted);
    found.extend(overwritten);

    let members: Vec<&str> = found.iter().map(|(_, c)| c.member.as_str()).collect();
    let (ranks, count) = ranks(&members, in_key_order);
    // Put in the log's order by their places alone, each cast then moved once.
    let mut order: Vec<((usize, u64), usize)> = found
        .iter()
        .enumerate()
        .map(|(n, (at, _))| (*at, n))
        .collect();
    order.sort_unstable();
    let mut slots: Vec<Option<Cast>> = found.into_iter().map(|(_, c)| Some(c)).collect();
    let ranks = order.iter().map(|(_, n)| ranks[*n]).collect();
    let casts = order
        .into_iter()
        .filter_map(|(_, n)| slots[n].take())
        .collect();
    History {
        casts,
        ranks,
        members: count,
    }
}

/// The ballots that later ones overwrote, read op by op from the changes in `unaccounted`
/// (those holding more ops than live ballots), each with its place.
fn overwritten(
    doc: &Automerge,
    log: &Log,
    unaccounted: &[usize],
    live: &[((usize, u64), Cast)],
    ballots: &ObjId,
    assisted: &ObjId,
) -> Vec<((usize, u64), Cast)> {
    if unaccounted.is_empty() {
        return Vec::new();
    }
    let mut wanted = vec![false; log.meta.len()];
    for &i in unaccounted {
        wanted[i] = true;
    }
    // Only the live ops of the changes read whole: the rest are never asked about.
    let live: HashSet<(usize, u64)> = live
        .iter()
        .map(|(at, _)| *at)
        .filter(|(i, _)| wanted[*i])
        .collect();
    // A few fetched one by one; many, in one walk of the log (automerge's bundle would do
    // both in one, but costs the app's wasm about 20 KB gzipped).
    let whole: Vec<automerge::Change> = if unaccounted.len() <= FETCH_ONE_BY_ONE {
        unaccounted
            .iter()
            .filter_map(|&i| doc.get_change_by_hash(&log.meta[i].hash))
            .collect()
    } else {
        let hashes: HashSet<ChangeHash> = unaccounted.iter().map(|&i| log.meta[i].hash).collect();
        doc.get_changes(&[])
            .into_iter()
            .filter(|c| hashes.contains(&c.hash()))
            .collect()
    };
    // Compared as automerge's own ids: no string per op.
    let parse = |o: &ObjId| o.to_string().parse::<automerge::legacy::ObjectId>().ok();
    let (Some(ballots), Some(assisted)) = (parse(ballots), parse(assisted)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
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
            if let Some(cast) = cast_of(key, value, is_assisted, Millis(c.timestamp()), c.hash()) {
                found.push(((i, counter), cast));
            }
        }
    }
    found
}

/// Each member's place among the distinct members of `members`, in member order, and how
/// many there are. The first `sorted` are expected in order (a map's keys, repeated where
/// its values conflict) and are placed by one merge; the rest, few, by a search. Were they
/// ever out of order, every member is placed by the search: slower, never wrong.
pub(super) fn ranks(members: &[&str], sorted: usize) -> (Vec<usize>, usize) {
    let sorted = if members[..sorted].windows(2).all(|w| w[0] <= w[1]) {
        sorted
    } else {
        0
    };
    let (run, rest) = members.split_at(sorted);
    let mut others = rest.to_vec();
    others.sort_unstable();
    others.dedup();
    let mut all: Vec<&str> = Vec::with_capacity(run.len() + others.len());
    fn push<'a>(all: &mut Vec<&'a str>, m: &'a str) {
        if all.last() != Some(&m) {
            all.push(m);
        }
    }
    let mut out = Vec::with_capacity(members.len());
    let mut j = 0;
    for m in run {
        while j < others.len() && others[j] < *m {
            push(&mut all, others[j]);
            j += 1;
        }
        push(&mut all, m);
        out.push(all.len() - 1);
    }
    for o in &others[j..] {
        push(&mut all, o);
    }
    for m in rest {
        out.push(all.binary_search(m).unwrap_or_default());
    }
    (out, all.len())
}

#[cfg(test)]
mod tests {
    use super::ranks;
    use proptest::prelude::*;

    /// What `ranks` must give: each member's place in the sorted, distinct list.
    fn plain(members: &[&str]) -> (Vec<usize>, usize) {
        let mut all = members.to_vec();
        all.sort_unstable();
        all.dedup();
        let places = members.iter().map(|m| all.binary_search(m).unwrap());
        (places.collect(), all.len())
    }

    proptest! {
        /// Whatever the lists hold, in order or not, a member's place is its place among all.
        #[test]
        fn a_member_is_placed_where_member_order_puts_it(
            mut run in proptest::collection::vec("m_[a-e]{1,2}", 0..12),
            rest in proptest::collection::vec("m_[a-e]{1,2}", 0..6),
            keep_order in any::<bool>(),
        ) {
            if keep_order {
                crate::sort::by(&mut run, Ord::cmp);
            }
            let members: Vec<&str> = run.iter().chain(&rest).map(String::as_str).collect();
            prop_assert_eq!(ranks(&members, run.len()), plain(&members));
        }
    }
}
