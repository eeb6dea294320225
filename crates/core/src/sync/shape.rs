//! The parts of a sync message that automerge reads besides its changes: heads, needs and
//! the Bloom filters of `have`. automerge trusts them (a filter with entries and no bits
//! divides by zero; a huge probe count allocates without bound), so the door checks every
//! one before the server's copy of the document ever sees the message.

use automerge::sync::Message;

/// More heads than this is no honest document: each head is a writer who has not yet
/// seen another's change, and a community document has at most a few hundred writers.
pub const MAX_HEADS: usize = 1024;
/// Hashes a peer may ask for in one message.
pub const MAX_NEED: usize = 4096;
/// automerge sends one `have` per message; a few leave room for other implementations.
pub const MAX_HAVES: usize = 8;
/// automerge builds its filters with 7 probes and 10 bits an entry (a 1 % false-positive
/// rate); these bounds leave other implementations room while bounding the work a filter
/// costs per change.
pub const MAX_PROBES: u64 = 64;
pub const MAX_BITS_PER_ENTRY: u64 = 64;

/// Why a sync message was not let in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadShape {
    TooManyHeads,
    TooManyNeeds,
    TooManyHaves,
    BadBloom,
    /// A list of hashes not in strictly ascending order, as automerge always writes them:
    /// automerge reads such a list as it comes, then asserts it sorted when it encodes it
    /// again, and a hash asked for twice in `need` panics its `generate_sync_message`.
    Unordered,
}

impl std::fmt::Display for BadShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BadShape::TooManyHeads => "too many heads",
            BadShape::TooManyNeeds => "too many hashes asked for",
            BadShape::TooManyHaves => "too many have entries",
            BadShape::BadBloom => "a Bloom filter automerge cannot use",
            BadShape::Unordered => "a list of hashes out of order or repeated",
        })
    }
}

/// Checks what automerge will read of `msg` apart from its changes (the door judges those).
pub fn check(msg: &Message) -> Result<(), BadShape> {
    if msg.heads.len() > MAX_HEADS {
        return Err(BadShape::TooManyHeads);
    }
    if msg.need.len() > MAX_NEED {
        return Err(BadShape::TooManyNeeds);
    }
    if msg.have.len() > MAX_HAVES {
        return Err(BadShape::TooManyHaves);
    }
    for have in &msg.have {
        if have.last_sync.len() > MAX_HEADS {
            return Err(BadShape::TooManyHeads);
        }
        bloom_ok(&have.bloom.to_bytes())?;
    }
    let ascending = |h: &[automerge::ChangeHash]| h.windows(2).all(|w| w[0] < w[1]);
    let ordered = ascending(&msg.heads)
        && ascending(&msg.need)
        && msg.have.iter().all(|h| ascending(&h.last_sync));
    if !ordered {
        return Err(BadShape::Unordered);
    }
    Ok(())
}

/// A filter's wire form is empty (no entries) or three LEB128 numbers (entries, bits per
/// entry, probes) and the bits. automerge reduces every probe modulo the bit count, so a
/// filter with entries needs at least one bit, and probes are bounded.
fn bloom_ok(bytes: &[u8]) -> Result<(), BadShape> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut rest = bytes;
    let mut next = || leb128(&mut rest).ok_or(BadShape::BadBloom);
    let (entries, bits_per_entry, probes) = (next()?, next()?, next()?);
    if entries == 0 {
        return Ok(());
    }
    let ok = (1..=MAX_BITS_PER_ENTRY).contains(&bits_per_entry)
        && (1..=MAX_PROBES).contains(&probes)
        && !rest.is_empty();
    if ok {
        Ok(())
    } else {
        Err(BadShape::BadBloom)
    }
}

fn leb128(bytes: &mut &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, AutomergeError, ROOT};

    /// The frame a reviewer sent: one `have` whose filter has one entry and zero bits per
    /// entry. automerge 0.12 decodes it, then divides by zero when it uses it.
    const ZERO_BIT_BLOOM: [u8; 10] = [0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00];

    #[test]
    fn the_ten_byte_frame_is_caught() {
        let msg = Message::decode(&ZERO_BIT_BLOOM).expect("automerge decodes it");
        assert_eq!(check(&msg), Err(BadShape::BadBloom));
    }

    #[test]
    fn honest_messages_pass() {
        let mut a = Automerge::new();
        for i in 0..50 {
            a.transact::<_, _, AutomergeError>(|tx| {
                tx.put(ROOT, format!("k{i}"), i)?;
                Ok(())
            })
            .unwrap();
        }
        let mut b = Automerge::new();
        let (mut sa, mut sb) = (automerge::sync::State::new(), automerge::sync::State::new());
        // A few rounds both ways: every message each side sends is one the door must take.
        for _ in 0..6 {
            if let Some(m) = a.generate_sync_message(&mut sa) {
                let m = Message::decode(&m.encode()).unwrap();
                assert_eq!(check(&m), Ok(()));
                b.receive_sync_message(&mut sb, m).unwrap();
            }
            if let Some(m) = b.generate_sync_message(&mut sb) {
                let m = Message::decode(&m.encode()).unwrap();
                assert_eq!(check(&m), Ok(()), "{m:?}");
                a.receive_sync_message(&mut sa, m).unwrap();
            }
        }
        assert_eq!(a.get_heads(), b.get_heads());
    }

    /// Found by fuzzing (`tests/fuzz-regressions/sync_message/crash-need-twice`): a
    /// hash the server holds asked for twice panics automerge's `generate_sync_message`,
    /// in samod's task, outside the door.
    #[test]
    fn hashes_out_of_order_or_twice_are_caught() {
        let mut a = Automerge::new();
        let mut heads = Vec::new();
        for i in 0..2 {
            let mut fork = a.fork();
            fork.transact::<_, _, AutomergeError>(|tx| {
                tx.put(ROOT, "k", i)?;
                Ok(())
            })
            .unwrap();
            heads.extend(fork.get_heads());
            a.merge(&mut fork).unwrap();
        }
        crate::sort::by(&mut heads, Ord::cmp);
        let msg = |heads: Vec<automerge::ChangeHash>, need: Vec<automerge::ChangeHash>| Message {
            heads,
            need,
            have: vec![],
            changes: automerge::sync::ChunkList::empty(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        assert_eq!(check(&msg(heads.clone(), heads.clone())), Ok(()));
        let backwards: Vec<_> = heads.iter().rev().copied().collect();
        assert_eq!(
            check(&msg(backwards.clone(), vec![])),
            Err(BadShape::Unordered)
        );
        assert_eq!(check(&msg(vec![], backwards)), Err(BadShape::Unordered));
        let twice = vec![heads[0], heads[0]];
        assert_eq!(check(&msg(vec![], twice)), Err(BadShape::Unordered));
    }

    #[test]
    fn filters_automerge_cannot_use_are_caught() {
        assert_eq!(bloom_ok(&[]), Ok(()));
        assert_eq!(bloom_ok(&[0, 10, 7]), Ok(()));
        assert_eq!(bloom_ok(&[1, 10, 7, 0xff, 0x03]), Ok(()));
        assert_eq!(bloom_ok(&[1, 0, 7]), Err(BadShape::BadBloom));
        assert_eq!(bloom_ok(&[1, 10, 0, 0xff, 0x03]), Err(BadShape::BadBloom));
        // 2^32 - 1 probes: automerge would reserve 16 GiB for them.
        assert_eq!(
            bloom_ok(&[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff]),
            Err(BadShape::BadBloom)
        );
        assert_eq!(bloom_ok(&[0x80]), Err(BadShape::BadBloom));
    }
}
