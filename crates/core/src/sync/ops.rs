//! How many operations a message's changes hold, counted before automerge loads them.
//! Bytes do not bound operations: a column of the same action, key or null value repeated
//! is one run-length entry, so a few kilobytes can carry millions of operations, and
//! automerge holds each one it loads (a change inserting a megabyte of text, a million
//! operations, took 3 s to judge and 105 MB of the server's memory). Every operation has
//! one entry in its change's action column; the door sums that column's runs.

use super::inflate::{self, Cursor, Inflation, DEFLATE_BIT, MAX_INFLATED};

/// Operations one message may carry into judging. A month of a busy community's help,
/// sent whole as one document, is about a quarter of this; automerge holds about a hundred
/// bytes for each.
pub const MAX_OPS: u64 = 1_000_000;

/// The action column of an operation group: column 4, of integers.
const ACTION: u32 = (4 << 4) | 2;

/// The operations in `bytes`, one or more automerge chunks back to back, or why they are
/// not let in: more than `budget`, or not chunks automerge writes. Call it on bytes whose
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
    ops_in(&mut r, &meta)
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
            skip(&mut r, &changes)?;
            ops_in(&mut r, &ops)
        }
        Layout::Bundle => {
            r.hashes()?;
            r.actors()?;
            let changes = r.columns()?;
            skip(&mut r, &changes)?;
            let ops = r.columns()?;
            ops_in(&mut r, &ops)
        }
    }
}

fn skip(r: &mut Cursor, meta: &[(u32, usize)]) -> Result<(), Inflation> {
    for &(_, len) in meta {
        r.take(len)?;
    }
    Ok(())
}

/// The rows of an operation group whose data follows here. A group with data but no
/// action column is refused: honest automerge writes one whenever there are operations.
fn ops_in(r: &mut Cursor, meta: &[(u32, usize)]) -> Result<u64, Inflation> {
    let mut rows = None;
    let mut any = false;
    for &(spec, len) in meta {
        let data = r.take(len)?;
        any |= len > 0;
        if spec & !DEFLATE_BIT == ACTION {
            rows = Some(if spec & DEFLATE_BIT != 0 {
                run_rows(&inflate::inflate(data, MAX_INFLATED)?)?
            } else {
                run_rows(data)?
            });
        }
    }
    match rows {
        Some(n) => Ok(n),
        None if any => Err(Inflation::Unreadable),
        None => Ok(0),
    }
}

/// The rows of a run-length encoded integer column: runs of one value repeated, of
/// literal values, and of nulls, each headed by a signed count.
fn run_rows(data: &[u8]) -> Result<u64, Inflation> {
    let mut r = Cursor(data);
    let mut rows: u64 = 0;
    while !r.0.is_empty() {
        let n = sleb(&mut r)?;
        let run = match n {
            1.. => {
                r.leb()?;
                n.unsigned_abs()
            }
            0 => r.leb()?,
            _ => {
                let n = n.unsigned_abs();
                // Each literal takes at least a byte: a count past what is left is a lie.
                if n > r.0.len() as u64 {
                    return Err(Inflation::Unreadable);
                }
                for _ in 0..n {
                    r.leb()?;
                }
                n
            }
        };
        rows = rows.saturating_add(run);
    }
    Ok(rows)
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

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};

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
    fn every_kind_of_chunk_counts_what_automerge_counts() {
        let mut d = doc();
        let changes = d.get_changes(&[]);
        let expected: usize = changes.iter().map(|c| c.len()).sum();
        assert_eq!(expected, 50 + 1 + 12 + 1 + 30 + 1);
        for c in &changes {
            assert_eq!(op_count(c.raw_bytes(), MAX_OPS), Ok(c.len() as u64));
            let mut packed = c.clone();
            assert_eq!(
                op_count(packed.bytes().as_ref(), MAX_OPS),
                Ok(c.len() as u64)
            );
        }
        // A saved document (its columns deflated) holds each operation once, but for the
        // one delete: a document records it as the deleted element's successor.
        let saved = d.save();
        let held = expected as u64 - 1;
        assert_eq!(op_count(&saved, MAX_OPS), Ok(held));
        let joined: Vec<u8> = changes
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        assert_eq!(
            op_count(&[joined.as_slice(), &saved].concat(), MAX_OPS),
            Ok(expected as u64 + held)
        );
        // A bundle of changes, as automerge's sync may send them.
        let hashes: Vec<_> = changes.iter().map(|c| c.hash()).collect();
        let bundle = d.bundle(hashes).unwrap();
        assert_eq!(op_count(bundle.bytes(), MAX_OPS), Ok(expected as u64));
        assert_eq!(op_count(&[], 0), Ok(0));
    }

    #[test]
    fn a_million_operations_in_a_few_kilobytes_are_too_many() {
        let mut d = AutoCommit::new();
        let t = d.put_object(ROOT, "essay", ObjType::Text).unwrap();
        d.splice_text(&t, 0, 0, &"长".repeat(1 << 20)).unwrap();
        let change = d.get_last_local_change().unwrap().clone();
        assert_eq!(change.len(), (1 << 20) + 1);
        let mut packed = change.clone();
        let bytes = packed.bytes().to_vec();
        assert!(bytes.len() < 64 << 10, "{}", bytes.len());
        assert_eq!(op_count(&bytes, MAX_OPS), Err(Inflation::TooLarge));
        assert_eq!(op_count(&bytes, 2 << 20), Ok((1 << 20) + 1));
        assert_eq!(d.text(&t).unwrap().chars().count(), 1 << 20);
    }

    #[test]
    fn runs_and_literals_and_nulls_all_count() {
        // 3 × 7, then literals 1 2, then 4 nulls.
        let column = [3, 7, 0x7e, 1, 2, 0, 4];
        assert_eq!(run_rows(&column), Ok(9));
        // A literal run longer than what follows.
        assert_eq!(run_rows(&[0x40, 1]), Err(Inflation::Unreadable));
        assert_eq!(run_rows(&[3]), Err(Inflation::Unreadable));
    }
}
