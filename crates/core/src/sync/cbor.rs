//! The slice of CBOR (RFC 8949) the automerge-repo wire protocol uses: maps with text keys,
//! text, byte strings, arrays, integers, floats, booleans and null. Small on purpose: the
//! app carries it in its wasm, and a general CBOR crate would cost more than it gives.

/// One decoded CBOR value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Uint(u64),
    /// A negative integer, as CBOR's `-1 - n`.
    Neg(u64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Bool(bool),
    Null,
    Undefined,
    Float(f64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CborError {
    Truncated,
    /// A construct this codec does not read (tags, reserved values, nesting too deep).
    Unsupported(u8),
    BadText,
    TrailingBytes,
    /// A map names the same key twice: readers disagree on which copy counts.
    DuplicateKey,
    /// An array or map of more than [`MAX_ENTRIES`].
    TooManyEntries,
}

/// Nesting deeper than this is refused: no wire message needs it, and it bounds recursion
/// on bytes a stranger sent.
const MAX_DEPTH: usize = 16;

/// Entries one array or map may hold. The protocol's largest is a refusal's list of change
/// hashes, a round's worth at most (`door::MAX_CHANGES`); a frame of a million one-byte
/// entries is no message, and each entry costs an allocation.
pub const MAX_ENTRIES: usize = 1 << 16;

impl Value {
    pub fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a text key in a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, value);
    out
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

fn write(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Uint(n) => head(out, 0, *n),
        Value::Neg(n) => head(out, 1, *n),
        Value::Bytes(b) => {
            head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Text(s) => {
            head(out, 3, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            for item in items {
                write(out, item);
            }
        }
        Value::Map(entries) => {
            head(out, 5, entries.len() as u64);
            for (k, v) in entries {
                write(out, k);
                write(out, v);
            }
        }
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Null => out.push(0xf6),
        Value::Undefined => out.push(0xf7),
        Value::Float(f) => {
            out.push(0xfb);
            out.extend(f.to_be_bytes());
        }
    }
}

/// Decodes exactly one value filling all of `bytes`.
pub fn decode(bytes: &[u8]) -> Result<Value, CborError> {
    let mut r = Reader { bytes, at: 0 };
    let v = r.value(0)?;
    if r.at != bytes.len() {
        return Err(CborError::TrailingBytes);
    }
    Ok(v)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// What a head byte announces: a definite length, or an indefinite one ended by 0xff.
enum Len {
    Definite(u64),
    Indefinite,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], CborError> {
        let end = self.at.checked_add(n).ok_or(CborError::Truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or(CborError::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, CborError> {
        Ok(self.take(1)?[0])
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn arg(&mut self, info: u8) -> Result<Len, CborError> {
        let n = match info {
            0..=23 => info as u64,
            24 => self.byte()? as u64,
            25 => u16::from_be_bytes(self.take(2)?.try_into().unwrap()) as u64,
            26 => u32::from_be_bytes(self.take(4)?.try_into().unwrap()) as u64,
            27 => u64::from_be_bytes(self.take(8)?.try_into().unwrap()),
            31 => return Ok(Len::Indefinite),
            other => return Err(CborError::Unsupported(other)),
        };
        Ok(Len::Definite(n))
    }

    fn definite(&mut self, info: u8) -> Result<u64, CborError> {
        match self.arg(info)? {
            Len::Definite(n) => Ok(n),
            Len::Indefinite => Err(CborError::Unsupported(info)),
        }
    }

    /// Reads a length that must fit what is left of the input (a huge claimed length is
    /// refused before anything is allocated for it).
    fn length(&mut self, n: u64) -> Result<usize, CborError> {
        let left = self.bytes.len() - self.at;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= left)
            .ok_or(CborError::Truncated)
    }

    fn at_break(&mut self) -> bool {
        if self.peek() == Some(0xff) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn string_bytes(&mut self, major: u8, info: u8) -> Result<Vec<u8>, CborError> {
        match self.arg(info)? {
            Len::Definite(n) => {
                let n = self.length(n)?;
                Ok(self.take(n)?.to_vec())
            }
            Len::Indefinite => {
                let mut out = Vec::new();
                while !self.at_break() {
                    let b = self.byte()?;
                    if b >> 5 != major {
                        return Err(CborError::Unsupported(b));
                    }
                    let n = self.definite(b & 0x1f)?;
                    let n = self.length(n)?;
                    out.extend_from_slice(self.take(n)?);
                }
                Ok(out)
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError::Unsupported(0));
        }
        let b = self.byte()?;
        let (major, info) = (b >> 5, b & 0x1f);
        Ok(match major {
            0 => Value::Uint(self.definite(info)?),
            1 => Value::Neg(self.definite(info)?),
            2 => Value::Bytes(self.string_bytes(2, info)?),
            3 => Value::Text(
                String::from_utf8(self.string_bytes(3, info)?).map_err(|_| CborError::BadText)?,
            ),
            4 => {
                let mut items = Vec::new();
                match self.arg(info)? {
                    Len::Definite(n) => {
                        // Every item takes at least one byte.
                        for _ in 0..entries(self.length(n)?)? {
                            items.push(self.value(depth + 1)?);
                        }
                    }
                    Len::Indefinite => {
                        while !self.at_break() {
                            entries(items.len() + 1)?;
                            items.push(self.value(depth + 1)?);
                        }
                    }
                }
                Value::Array(items)
            }
            5 => {
                let mut entries = Vec::new();
                match self.arg(info)? {
                    Len::Definite(n) => {
                        for _ in 0..self::entries(self.length(n)?)? {
                            let k = self.value(depth + 1)?;
                            entries.push((k, self.value(depth + 1)?));
                        }
                    }
                    Len::Indefinite => {
                        while !self.at_break() {
                            self::entries(entries.len() + 1)?;
                            let k = self.value(depth + 1)?;
                            entries.push((k, self.value(depth + 1)?));
                        }
                    }
                }
                // A set of the keys' encodings: linear in the frame, where comparing each
                // key with every other took minutes of a core for one 4 MiB frame.
                let mut seen = std::collections::HashSet::with_capacity(entries.len());
                if !entries.iter().all(|(k, _)| seen.insert(encode(k))) {
                    return Err(CborError::DuplicateKey);
                }
                Value::Map(entries)
            }
            7 => match info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                23 => Value::Undefined,
                25 => Value::Float(half(u16::from_be_bytes(self.take(2)?.try_into().unwrap()))),
                26 => Value::Float(f32::from_be_bytes(self.take(4)?.try_into().unwrap()) as f64),
                27 => Value::Float(f64::from_be_bytes(self.take(8)?.try_into().unwrap())),
                other => return Err(CborError::Unsupported(other)),
            },
            // Tags (major 6) carry nothing the protocol needs.
            _ => return Err(CborError::Unsupported(b)),
        })
    }
}

/// `n` if an array or map may hold that many entries.
fn entries(n: usize) -> Result<usize, CborError> {
    if n > MAX_ENTRIES {
        Err(CborError::TooManyEntries)
    } else {
        Ok(n)
    }
}

/// An IEEE half-precision float, as cbor-x may write small counts.
fn half(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_like_the_rfc_examples() {
        // RFC 8949, Appendix A.
        assert_eq!(encode(&Value::Uint(0)), [0x00]);
        assert_eq!(encode(&Value::Uint(24)), [0x18, 0x18]);
        assert_eq!(encode(&Value::Uint(1000)), [0x19, 0x03, 0xe8]);
        assert_eq!(encode(&Value::Neg(9)), [0x29]);
        assert_eq!(encode(&Value::text("IETF")), b"\x64IETF");
        assert_eq!(
            encode(&Value::Map(vec![(Value::text("a"), Value::Uint(1))])),
            [0xa1, 0x61, b'a', 0x01]
        );
    }

    #[test]
    fn reads_indefinite_lengths_and_half_floats() {
        // RFC 8949, Appendix A: (_ h'0102', h'030405') and {_ "a": 1, "b": [_ 2, 3]}.
        let chunks = [0x5f, 0x42, 1, 2, 0x43, 3, 4, 5, 0xff];
        assert_eq!(decode(&chunks), Ok(Value::Bytes(vec![1, 2, 3, 4, 5])));
        let map = [
            0xbf, 0x61, b'a', 0x01, 0x61, b'b', 0x9f, 0x02, 0x03, 0xff, 0xff,
        ];
        let v = decode(&map).unwrap();
        assert_eq!(v.get("a"), Some(&Value::Uint(1)));
        assert_eq!(
            v.get("b"),
            Some(&Value::Array(vec![Value::Uint(2), Value::Uint(3)]))
        );
        assert_eq!(decode(&[0xf9, 0x3c, 0x00]), Ok(Value::Float(1.0)));
        assert_eq!(
            decode(&[0xf9, 0x00, 0x01]),
            Ok(Value::Float(5.960464477539063e-8))
        );
    }

    #[test]
    fn refuses_what_it_cannot_trust() {
        assert_eq!(decode(&[0x62, b'a']), Err(CborError::Truncated));
        assert_eq!(decode(&[0x00, 0x00]), Err(CborError::TrailingBytes));
        assert_eq!(decode(&[0x62, 0xff, 0xfe]), Err(CborError::BadText));
        // A claimed length of 2^64-1 items must not allocate.
        let huge = [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode(&huge), Err(CborError::Truncated));
        let deep = vec![0x81; 100];
        assert!(decode(&deep).is_err());
        assert_eq!(decode(&[0xc1, 0x00]), Err(CborError::Unsupported(0xc1)));
        // {"type": "ephemeral", "type": "sync"}: one reader sees each.
        let twice = encode(&Value::Map(vec![
            (Value::text("type"), Value::text("ephemeral")),
            (Value::text("type"), Value::text("sync")),
        ]));
        assert_eq!(decode(&twice), Err(CborError::DuplicateKey));
    }

    /// A map of as many keys as a container may hold, the last one repeated: about 2 × 10⁹
    /// comparisons pairwise, one pass with a set. One key more is refused before it is read.
    #[test]
    fn a_huge_map_is_read_in_one_pass_and_its_repeated_key_still_caught() {
        let mut entries: Vec<(Value, Value)> = (0..MAX_ENTRIES as u64 - 1)
            .map(|i| (Value::Text(format!("k{i}")), Value::Uint(i)))
            .collect();
        let fine = encode(&Value::Map(entries.clone()));
        assert!(matches!(decode(&fine), Ok(Value::Map(m)) if m.len() == MAX_ENTRIES - 1));
        entries.push((Value::text("k0"), Value::Uint(0)));
        assert_eq!(
            decode(&encode(&Value::Map(entries.clone()))),
            Err(CborError::DuplicateKey)
        );
        entries.push((Value::text("one more"), Value::Uint(0)));
        assert_eq!(
            decode(&encode(&Value::Map(entries))),
            Err(CborError::TooManyEntries)
        );
    }

    #[test]
    fn arrays_hold_so_many_entries_whatever_their_length_says() {
        let full = Value::Array(vec![Value::Null; MAX_ENTRIES]);
        assert_eq!(decode(&encode(&full)).as_ref(), Ok(&full));
        let over = encode(&Value::Array(vec![Value::Null; MAX_ENTRIES + 1]));
        assert_eq!(decode(&over), Err(CborError::TooManyEntries));
        // The same without a length: an indefinite array, ended by a break.
        let mut open = vec![0x9f];
        open.extend(std::iter::repeat_n(0xf6, MAX_ENTRIES + 1));
        open.push(0xff);
        assert_eq!(decode(&open), Err(CborError::TooManyEntries));
        open.remove(1);
        assert!(matches!(decode(&open), Ok(Value::Array(a)) if a.len() == MAX_ENTRIES));
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<u64>().prop_map(Value::Uint),
            any::<u64>().prop_map(Value::Neg),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
            ".{0,20}".prop_map(Value::Text),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
            any::<i32>().prop_map(|f| Value::Float(f as f64 / 7.0)),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(".{0,8}", inner, 0..6).prop_map(|m| {
                    Value::Map(m.into_iter().map(|(k, v)| (Value::Text(k), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trips(v in value()) {
            prop_assert_eq!(decode(&encode(&v)), Ok(v));
        }

        #[test]
        fn never_panics_on_noise(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }
    }
}
