//! How much a message's changes make automerge allocate, counted before it loads them.
//! Bytes do not bound it: a column of the same action, key or null value repeated is one
//! run-length entry, so a few kilobytes can carry millions of operations (a change inserting
//! a megabyte of text, a million operations, took 3 s to judge and 105 MB of the server's
//! memory), and one operation can claim millions of predecessors in a group column (10
//! million took 4.6 s and 1.7 GB to load). So each column group counts as its rows (the
//! longest of its run-length integer columns) plus every entry its group columns promise:
//! predecessors of operations, successors in a document, dependencies of changes.

use super::inflate::{self, Cursor, Inflation, DEFLATE_BIT, MAX_INFLATED};

/// Entries (operations, their predecessors or successors, changes and their dependencies)
/// one message may carry into judging. A month of a busy community's help, sent whole as
/// one document, is about a quarter of this; automerge holds about a hundred bytes for each.
pub const MAX_OPS: u64 = 1_000_000;

/// Column types (the low three bits of a column's spec).
const GROUP: u32 = 0;
const ACTOR: u32 = 1;
const INTEGER: u32 = 2;
const DELTA: u32 = 3;
const VALUE_META: u32 = 6;

/// The entries in `bytes`, one or more automerge chunks back to back, or why they are not
/// let in: more than `budget`, or not chunks automerge writes. Call it on bytes whose
/// inflated size is already known to be within [`MAX_INFLATED`]: work is linear in that.
pub fn op_count(bytes: &[u8], budget: u64) -> Result<u64, Inflation> {
    let mut total: u64 = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (kind, body, after) = inflate::chunk(rest)?;
        total = total.saturating_add(match kind {
            1 => change_ops(body)?,
            2 => change_ops(&inflate::inflate(body, MAX_INFLATED)?)?,
            0 => grouped_ops(body, Layout::Document)?,
            3 => grouped_ops(body, Layout::Bundle)?,
            _ => return Err(Inflation::Unreadable),
        });
        if total > budget {
            return Err(Inflation::TooLarge);
        }
        rest = after;
    }
    Ok(total)
}

/// A change's body: its header, then its operations' columns.
fn change_ops(body: &[u8]) -> Result<u64, Inflation> {
    let mut r = Cursor(body);
    r.hashes()?; // dependencies
    let actor = r.len()?;
    r.take(actor)?;
    r.leb()?; // sequence number
    r.leb()?; // first operation's counter
    r.leb()?; // time (signed, read for its length only)
    let message = r.len()?;
    r.take(message)?;
    r.actors()?; // other actors
    let meta = r.columns()?;
    entries_in(&mut r, &meta)
}

enum Layout {
    /// Actors, heads, both groups' metadata, then both groups' data.
    Document,
    /// Dependencies, actors, then each group's metadata and data.
    Bundle,
}

fn grouped_ops(body: &[u8], layout: Layout) -> Result<u64, Inflation> {
    let mut r = Cursor(body);
    match layout {
        Layout::Document => {
            r.actors()?;
            r.hashes()?;
            let changes = r.columns()?;
            let ops = r.columns()?;
            let n = entries_in(&mut r, &changes)?;
            Ok(n.saturating_add(entries_in(&mut r, &ops)?))
        }
        Layout::Bundle => {
            r.hashes()?;
            r.actors()?;
            let changes = r.columns()?;
            let n = entries_in(&mut r, &changes)?;
            let ops = r.columns()?;
            Ok(n.saturating_add(entries_in(&mut r, &ops)?))
        }
    }
}

/// A column group whose data follows here: its rows (the longest of its run-length integer
/// columns: automerge reads every column row by row) plus the entries its group columns
/// promise. A group with data but no integer column is refused: automerge writes one
/// whenever there are rows.
fn entries_in(r: &mut Cursor, meta: &[(u32, usize)]) -> Result<u64, Inflation> {
    let (mut rows, mut nested, mut counted, mut any) = (0u64, 0u64, false, false);
    for &(spec, len) in meta {
        let data = r.take(len)?;
        any |= len > 0;
        let kind = spec & 0b111;
        if !matches!(kind, GROUP | ACTOR | INTEGER | DELTA | VALUE_META) {
            continue;
        }
        let inflated;
        let data = if spec & DEFLATE_BIT != 0 {
            inflated = inflate::inflate(data, MAX_INFLATED)?;
            &inflated[..]
        } else {
            data
        };
        let (n, sum) = runs(data)?;
        if kind == GROUP {
            nested = nested.saturating_add(sum);
        } else {
            rows = rows.max(n);
            counted = true;
        }
    }
    if any && !counted {
        return Err(Inflation::Unreadable);
    }
    Ok(rows.saturating_add(nested))
}

/// The rows of a run-length encoded integer column, and the sum of its values (what a group
/// column's counts promise): runs of one value repeated, of literal values, and of nulls,
/// each headed by a signed count.
fn runs(data: &[u8]) -> Result<(u64, u64), Inflation> {
    let mut r = Cursor(data);
    let (mut rows, mut sum) = (0u64, 0u64);
    while !r.0.is_empty() {
        let n = sleb(&mut r)?;
        match n {
            1.. => {
                let v = r.leb()?;
                rows = rows.saturating_add(n.unsigned_abs());
                sum = sum.saturating_add(v.saturating_mul(n.unsigned_abs()));
            }
            0 => rows = rows.saturating_add(r.leb()?),
            _ => {
                let n = n.unsigned_abs();
                // Each literal takes at least a byte: a count past what is left is a lie.
                if n > r.0.len() as u64 {
                    return Err(Inflation::Unreadable);
                }
                for _ in 0..n {
                    sum = sum.saturating_add(r.leb()?);
                }
                rows = rows.saturating_add(n);
            }
        }
    }
    Ok((rows, sum))
}

fn sleb(r: &mut Cursor) -> Result<i64, Inflation> {
    let mut value: i64 = 0;
    let mut shift = 0;
    loop {
        let b = r.take(1)?[0];
        if shift < 64 {
            value |= i64::from(b & 0x7f) << shift;
        }
        shift += 7;
        if b & 0x80 == 0 {
            if shift < 64 && b & 0x40 != 0 {
                value |= -1 << shift;
            }
            return Ok(value);
        }
        if shift >= 70 {
            return Err(Inflation::Unreadable);
        }
    }
}

/// A change chunk (zero checksum) of one operation whose predecessor count claims `n`: what
/// the tests of this bound send, in core and at the server's door.
#[doc(hidden)]
pub fn predecessor_bomb(n: u64) -> Vec<u8> {
    let leb = |mut n: u64, out: &mut Vec<u8>| loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { b } else { b | 0x80 });
        if n == 0 {
            break;
        }
    };
    let action = [1u8, 1]; // one row: action 1
    let mut preds = vec![1u8]; // one row: a count of n
    leb(n, &mut preds);
    let mut body = vec![0u8, 1, 0xaa, 1, 1, 0, 0, 0]; // no deps, actor aa, seq, op, time, no message, no other actors
    body.push(2); // two columns
    for (spec, data) in [
        ((4 << 4) | INTEGER, &action[..]),
        (7 << 4 | GROUP, &preds[..]),
    ] {
        leb(u64::from(spec), &mut body);
        leb(data.len() as u64, &mut body);
    }
    body.extend(action);
    body.extend(&preds);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1];
    leb(body.len() as u64, &mut chunk);
    chunk.extend(body);
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    /// A document of maps, text and a list, in several changes.
    fn doc() -> AutoCommit {
        let mut d = AutoCommit::new();
        for i in 0..50 {
            d.put(ROOT, format!("k{}", i % 7), i).unwrap();
            d.commit();
        }
        let t = d.put_object(ROOT, "text", ObjType::Text).unwrap();
        d.splice_text(&t, 0, 0, "邻里互助，一起把日子过好").unwrap();
        d.commit();
        let l = d.put_object(ROOT, "list", ObjType::List).unwrap();
        for i in 0..30 {
            d.insert(&l, i, "x").unwrap();
        }
        d.delete(&l, 3).unwrap();
        d.commit();
        d
    }

    #[test]
    fn every_kind_of_chunk_counts_what_automerge_allocates() {
        let mut d = doc();
        let changes = d.get_changes(&[]);
        let ops: usize = changes.iter().map(|c| c.len()).sum();
        assert_eq!(ops, 50 + 1 + 12 + 1 + 30 + 1);
        let preds = |c: &automerge::Change| -> usize {
            c.decode().operations.iter().map(|o| o.pred.len()).sum()
        };
        let all_preds: usize = changes.iter().map(preds).sum();
        assert_eq!(all_preds, 43 + 1, "43 overwrites and one delete");
        // A change: its operations and their predecessors, plain or compressed.
        for c in &changes {
            let expected = (c.len() + preds(c)) as u64;
            assert_eq!(op_count(c.raw_bytes(), MAX_OPS), Ok(expected));
            let mut packed = c.clone();
            assert_eq!(op_count(packed.bytes().as_ref(), MAX_OPS), Ok(expected));
        }
        // A saved document (its columns deflated): the operations it holds (a delete is
        // recorded as the deleted element's successor), their successors, and the changes
        // with their dependencies (each but the first depends on the one before).
        let deps: usize = changes.iter().map(|c| c.deps().len()).sum();
        assert_eq!(deps, changes.len() - 1);
        let saved = d.save();
        let in_doc = (ops - 1 + all_preds + changes.len() + deps) as u64;
        assert_eq!(op_count(&saved, MAX_OPS), Ok(in_doc));
        let joined: Vec<u8> = changes
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(
            op_count(&[joined.as_slice(), &saved].concat(), MAX_OPS),
            Ok((ops + all_preds) as u64 + in_doc)
        );
        // A bundle of changes, as automerge's sync may send them.
        let hashes: Vec<_> = changes.iter().map(|c| c.hash()).collect();
        let bundle = d.bundle(hashes).unwrap();
        let in_bundle = op_count(bundle.bytes(), MAX_OPS).unwrap();
        assert!(in_bundle >= (ops + all_preds) as u64, "{in_bundle}");
        assert_eq!(op_count(&[], 0), Ok(0));
    }

    /// A few bytes that automerge would read into ten million predecessor entries.
    #[test]
    fn a_promise_of_ten_million_predecessors_is_too_many() {
        let chunk = predecessor_bomb(10_000_000);
        assert!(chunk.len() < 40, "{}", chunk.len());
        assert_eq!(op_count(&chunk, MAX_OPS), Err(Inflation::TooLarge));
        assert_eq!(op_count(&chunk, u64::MAX), Ok(1 + 10_000_000));
    }

    #[test]
    fn runs_and_literals_and_nulls_all_count() {
        // 3 × 7, then literals 1 2, then 4 nulls: 9 rows, whose values sum to 24.
        let column = [3, 7, 0x7e, 1, 2, 0, 4];
        assert_eq!(runs(&column), Ok((9, 24)));
        // A literal run longer than what follows.
        assert_eq!(runs(&[0x40, 1]), Err(Inflation::Unreadable));
        assert_eq!(runs(&[3]), Err(Inflation::Unreadable));
    }
}
