//! Identifiers. Document ids use automerge-repo's form (16 bytes, base58check) so any
//! automerge-repo peer can name them; ids a device may need before anyone sends it the
//! document are derived from what they stand for.

use crate::{LinliError, Result};
use sha2::{Digest, Sha256};
use std::fmt;

/// A member, as the server assigned it on joining (or the device, in the local sandbox).
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct MemberId(pub String);

impl MemberId {
    /// Member ids become map keys in documents (`offers[member]`), so they are kept plain:
    /// ASCII letters, digits, `-` and `_`, 1 to 64 of them.
    pub fn parse(s: &str) -> Result<MemberId> {
        if is_slug(s) {
            Ok(MemberId(s.to_owned()))
        } else {
            Err(LinliError::BadId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A community (社区), by a short stable slug such as `huqian-2`.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct CommunityId(pub String);

impl CommunityId {
    pub fn parse(s: &str) -> Result<CommunityId> {
        if is_slug(s) {
            Ok(CommunityId(s.to_owned()))
        } else {
            Err(LinliError::BadId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn is_slug(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An automerge-repo document id: 16 bytes, written as base58check.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(pub [u8; 16]);

impl DocId {
    /// The id of the document of `kind` for `community` and `period` (a month such as
    /// `2026-11`, a record id, or empty for one-per-community documents). Every device
    /// computes the same id, so two devices offline at the turn of a month open the same
    /// next-month document instead of two rival ones.
    pub fn derive(community: &CommunityId, kind: &str, period: &str) -> DocId {
        let mut h = Sha256::new();
        for part in ["linli/doc/v1", community.as_str(), kind, period] {
            h.update((part.len() as u32).to_be_bytes());
            h.update(part.as_bytes());
        }
        let digest = h.finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        DocId(id)
    }

    pub fn parse(s: &str) -> Result<DocId> {
        let raw = bs58::decode(s).into_vec().map_err(|_| LinliError::BadId)?;
        if raw.len() != 20 {
            return Err(LinliError::BadId);
        }
        let (body, sum) = raw.split_at(16);
        if checksum(body) != sum {
            return Err(LinliError::BadId);
        }
        let mut id = [0u8; 16];
        id.copy_from_slice(body);
        Ok(DocId(id))
    }
}

/// base58check's checksum: the first four bytes of a double SHA-256.
fn checksum(body: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(body));
    [twice[0], twice[1], twice[2], twice[3]]
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = self.0.to_vec();
        raw.extend_from_slice(&checksum(&self.0));
        f.write_str(&bs58::encode(raw).into_string())
    }
}

impl fmt::Debug for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocId({self})")
    }
}

impl serde::Serialize for DocId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DocId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DocId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn huqian() -> CommunityId {
        CommunityId::parse("huqian-2").unwrap()
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let a = DocId::derive(&huqian(), "help", "2026-11");
        assert_eq!(a, DocId::derive(&huqian(), "help", "2026-11"));
        assert_ne!(a, DocId::derive(&huqian(), "help", "2026-12"));
        assert_ne!(a, DocId::derive(&huqian(), "points", "2026-11"));
        // Length-prefixing keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(
            DocId::derive(&huqian(), "ab", "c"),
            DocId::derive(&huqian(), "a", "bc")
        );
    }

    #[test]
    fn doc_ids_round_trip_through_base58check() {
        let id = DocId::derive(&huqian(), "help", "2026-11");
        let text = id.to_string();
        assert_eq!(DocId::parse(&text).unwrap(), id);
        // A typo breaks the checksum instead of naming another document.
        let mut typo = text.into_bytes();
        typo[3] = if typo[3] == b'2' { b'3' } else { b'2' };
        assert!(DocId::parse(std::str::from_utf8(&typo).unwrap()).is_err());
    }

    #[test]
    fn member_ids_are_plain_slugs() {
        assert!(MemberId::parse("m_01-ab").is_ok());
        assert!(MemberId::parse("").is_err());
        assert!(MemberId::parse("a/b").is_err());
        assert!(MemberId::parse(&"x".repeat(65)).is_err());
    }
}
