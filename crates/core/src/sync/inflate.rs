//! How large a sync message's changes become once automerge inflates them, found before it
//! does. automerge inflates a compressed change, and a document's or bundle's DEFLATE
//! columns, with no limit: a 204 KB message whose one chunk inflated to 200 MB took the
//! server's memory from 156 to 623 MB. The door walks the chunks' headers and inflates each
//! compressed part into a counter, stopping at a budget, so refusing costs at most the
//! budget's worth of inflating and never holds the result.

use std::io::Read;

/// What one message's changes may inflate to. A year of a busy community's help saved as
/// one document is a few MB inflated; this leaves room for ten times that.
pub const MAX_INFLATED: u64 = 64 << 20;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const HASH_LEN: usize = 32;
/// The bit of a column's spec that says its data is DEFLATE-compressed.
pub(super) const DEFLATE_BIT: u32 = 0b1000;

/// Why a message's chunks were not let in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inflation {
    /// Inflated, they would pass the budget.
    TooLarge,
    /// Not chunks automerge writes: a header, a length or a compressed stream that does not
    /// read.
    Unreadable,
}

/// The inflated size of `bytes`, one or more automerge chunks back to back (as
/// `load_incremental` reads them), or why it is not let in. Work is linear in the bytes
/// plus at most `budget` bytes inflated.
pub fn inflated_size(bytes: &[u8], budget: u64) -> Result<u64, Inflation> {
    let mut total: u64 = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (kind, body, after) = chunk(rest)?;
        let left = budget.checked_sub(total).ok_or(Inflation::TooLarge)?;
        total += match kind {
            // A change: its columns are never compressed (automerge refuses them).
            1 => body.len() as u64,
            2 => inflate_len(body, left)?,
            0 => columns_len(body, ColumnsOf::Document, left)?,
            3 => columns_len(body, ColumnsOf::Bundle, left)?,
            _ => return Err(Inflation::Unreadable),
        };
        if total > budget {
            return Err(Inflation::TooLarge);
        }
        rest = after;
    }
    Ok(total)
}

/// One chunk's type, body and what follows it.
pub(super) fn chunk(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), Inflation> {
    let mut r = Cursor(bytes);
    if r.take(4)? != MAGIC {
        return Err(Inflation::Unreadable);
    }
    r.take(4)?; // checksum: automerge checks it
    let kind = r.take(1)?[0];
    let len = r.len()?;
    let body = r.take(len)?;
    Ok((kind, body, r.0))
}

enum ColumnsOf {
    Document,
    Bundle,
}

/// A document's or bundle's size with its compressed columns inflated: the prefix as it
/// is, then each column group's metadata and data.
fn columns_len(body: &[u8], of: ColumnsOf, budget: u64) -> Result<u64, Inflation> {
    let mut r = Cursor(body);
    match of {
        ColumnsOf::Document => {
            r.actors()?;
            r.hashes()?;
            let changes = r.columns()?;
            let ops = r.columns()?;
            let mut total = (body.len() - r.0.len()) as u64;
            for meta in [changes, ops] {
                total += r.column_data(&meta, budget.saturating_sub(total))?;
            }
            // The head indices that follow are small and never compressed.
            Ok(total + r.0.len() as u64)
        }
        ColumnsOf::Bundle => {
            r.hashes()?;
            r.actors()?;
            let mut total = (body.len() - r.0.len()) as u64;
            for _ in 0..2 {
                let start = r.0.len();
                let meta = r.columns()?;
                total += (start - r.0.len()) as u64;
                total += r.column_data(&meta, budget.saturating_sub(total))?;
            }
            Ok(total + r.0.len() as u64)
        }
    }
}

/// A raw DEFLATE stream inflated, if it inflates to at most `budget` bytes.
pub(super) fn inflate(compressed: &[u8], budget: u64) -> Result<Vec<u8>, Inflation> {
    let mut out = Vec::new();
    flate2::bufread::DeflateDecoder::new(compressed)
        .take(budget + 1)
        .read_to_end(&mut out)
        .map_err(|_| Inflation::Unreadable)?;
    if out.len() as u64 > budget {
        return Err(Inflation::TooLarge);
    }
    Ok(out)
}

/// The inflated length of a raw DEFLATE stream, reading at most `budget + 1` bytes of it.
fn inflate_len(compressed: &[u8], budget: u64) -> Result<u64, Inflation> {
    let mut inflater = flate2::bufread::DeflateDecoder::new(compressed).take(budget + 1);
    let n =
        std::io::copy(&mut inflater, &mut std::io::sink()).map_err(|_| Inflation::Unreadable)?;
    if n > budget {
        Err(Inflation::TooLarge)
    } else {
        Ok(n)
    }
}

pub(super) struct Cursor<'a>(pub(super) &'a [u8]);

impl<'a> Cursor<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], Inflation> {
        if n > self.0.len() {
            return Err(Inflation::Unreadable);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    pub(super) fn leb(&mut self) -> Result<u64, Inflation> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Inflation::Unreadable)
    }

    /// A length that fits what is left.
    pub(super) fn len(&mut self) -> Result<usize, Inflation> {
        let n = self.leb()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.0.len())
            .ok_or(Inflation::Unreadable)
    }

    pub(super) fn actors(&mut self) -> Result<(), Inflation> {
        for _ in 0..self.count(1)? {
            let n = self.len()?;
            self.take(n)?;
        }
        Ok(())
    }

    pub(super) fn hashes(&mut self) -> Result<(), Inflation> {
        let n = self.count(HASH_LEN)?;
        self.take(n * HASH_LEN)?;
        Ok(())
    }

    /// A count of items each at least `each` bytes long: one that cannot fit is refused
    /// before it is looped over.
    pub(super) fn count(&mut self, each: usize) -> Result<usize, Inflation> {
        let n = self.leb()?;
        usize::try_from(n)
            .ok()
            .filter(|n| n.saturating_mul(each) <= self.0.len())
            .ok_or(Inflation::Unreadable)
    }

    /// A column group's metadata: each column's spec and data length.
    pub(super) fn columns(&mut self) -> Result<Vec<(u32, usize)>, Inflation> {
        let n = self.count(2)?;
        let mut meta = Vec::with_capacity(n);
        for _ in 0..n {
            let spec = u32::try_from(self.leb()?).map_err(|_| Inflation::Unreadable)?;
            let len = usize::try_from(self.leb()?).map_err(|_| Inflation::Unreadable)?;
            meta.push((spec, len));
        }
        Ok(meta)
    }

    /// The inflated size of a column group's data, which follows here.
    fn column_data(&mut self, meta: &[(u32, usize)], budget: u64) -> Result<u64, Inflation> {
        let mut total: u64 = 0;
        for &(spec, len) in meta {
            let data = self.take(len)?;
            total += if spec & DEFLATE_BIT != 0 {
                inflate_len(data, budget.saturating_sub(total))?
            } else {
                len as u64
            };
            if total > budget {
                return Err(Inflation::TooLarge);
            }
        }
        Ok(total)
    }
}

/// A compressed change chunk (automerge's type 2) around `body`, with a zero checksum: what
/// the tests of this bound send, in core and at the server's door.
#[doc(hidden)]
pub fn compressed_chunk(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(body).expect("writing to memory");
    let data = e.finish().expect("writing to memory");
    let mut out = MAGIC.to_vec();
    out.extend([0, 0, 0, 0, 2]);
    let mut n = data.len() as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { b } else { b | 0x80 });
        if n == 0 {
            break;
        }
    }
    out.extend(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{Automerge, AutomergeError, ROOT};

    /// A document whose text repeats: its columns deflate well.
    fn doc(ops: usize) -> Automerge {
        let mut d = Automerge::new();
        d.transact::<_, _, AutomergeError>(|tx| {
            for i in 0..ops {
                tx.put(ROOT, format!("key{i}"), "the same words again and again")?;
            }
            Ok(())
        })
        .unwrap();
        d
    }

    #[test]
    fn what_automerge_writes_is_measured_as_it_inflates() {
        let d = doc(2_000);
        let change = d.get_changes(&[]).pop().unwrap();
        // The change automerge compresses in memory, and the same change as it is.
        let raw = change.raw_bytes().to_vec();
        let mut compressed = change.clone();
        let packed = compressed.bytes().to_vec();
        assert!(packed.len() < raw.len(), "the change compresses");
        // A chunk's header (magic, checksum, type, length) is not counted.
        let body = |n: usize| (n - 16) as u64..n as u64;
        let inflated = inflated_size(&packed, MAX_INFLATED).unwrap();
        assert!(
            body(raw.len()).contains(&inflated),
            "{inflated} for {}",
            raw.len()
        );
        let plain = inflated_size(&raw, MAX_INFLATED).unwrap();
        assert!(
            body(raw.len()).contains(&plain),
            "{plain} for {}",
            raw.len()
        );
        // A whole document (deflated columns), and every kind back to back.
        let saved = d.save();
        let whole = inflated_size(&saved, MAX_INFLATED).unwrap();
        assert!(whole > saved.len() as u64, "{whole} <= {}", saved.len());
        let joined = [packed.clone(), saved.clone(), raw.clone()].concat();
        assert_eq!(
            inflated_size(&joined, MAX_INFLATED),
            Ok(inflated + whole + plain)
        );
        // Below what they inflate to, refused.
        assert_eq!(inflated_size(&saved, whole - 1), Err(Inflation::TooLarge));
        assert_eq!(inflated_size(&joined, whole), Err(Inflation::TooLarge));
        // An empty message is nothing.
        assert_eq!(inflated_size(&[], 0), Ok(0));
    }

    #[test]
    fn a_bomb_is_refused_after_inflating_no_more_than_the_budget() {
        // 256 MB of zeros deflate to about 250 KB.
        let zeros = vec![0u8; 256 << 20];
        let bomb = super::compressed_chunk(&zeros);
        assert!(bomb.len() < 300 << 10, "{}", bomb.len());
        assert_eq!(inflated_size(&bomb, MAX_INFLATED), Err(Inflation::TooLarge));
        // And automerge would have taken the trouble: it is a readable stream.
        assert_eq!(inflated_size(&bomb, 1 << 30), Ok(256 << 20));
    }

    #[test]
    fn bytes_that_are_no_chunks_are_unreadable() {
        let raw = doc(3).save();
        for bad in [
            &b"not a chunk at all"[..],
            &raw[..raw.len() - 1],
            &[0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 9, 0][..],
            // A length of 2^63.
            &[
                0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                0x80, 0x80, 0x01,
            ][..],
        ] {
            assert_eq!(
                inflated_size(bad, MAX_INFLATED),
                Err(Inflation::Unreadable),
                "{bad:?}"
            );
        }
        // A compressed chunk whose stream is garbage.
        let mut junk = super::compressed_chunk(b"x");
        let last = junk.len() - 1;
        junk[last - 1] = 0xff;
        junk[last] = 0xff;
        assert!(inflated_size(&junk, MAX_INFLATED).is_err());
    }
}
