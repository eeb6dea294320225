//! Document kinds, their schema version, and the deterministic genesis change of each.

use crate::{LinliError, Result};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ObjType, ReadDoc, ROOT};
use std::borrow::Cow;

/// The schema this build writes. A document with a higher number was written by a newer app:
/// it is read, but not written, until the app updates.
pub const SCHEMA_VERSION: u64 = 1;

/// The one actor every genesis change is made by, so genesis changes are byte-identical.
const GENESIS_ACTOR: &[u8; 16] = b"linli/genesis/v1";

/// The schema number genesis writes. Frozen: genesis bytes never change once shipped (a new
/// genesis would be a second change with the genesis actor's seq 1, and automerge refuses
/// the pair, so devices on two versions could never merge). A newer schema raises `schema`
/// with an ordinary change, and adds root maps through a deterministic migration change.
const GENESIS_SCHEMA: u64 = 1;

/// A document's kind: the name every document of it stores at its root. The kinds this build
/// knows are those the module registry declares (`registry::kind`); any other name was
/// written by a newer version, and such a document is opened read-only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocKind(Cow<'static, str>);

impl DocKind {
    pub const DIRECTORY: DocKind = DocKind::named("directory");
    pub const HELP: DocKind = DocKind::named("help");
    pub const HELP_PRIVATE: DocKind = DocKind::named("help_private");
    pub const STAFF: DocKind = DocKind::named("staff");
    pub const PROFILE: DocKind = DocKind::named("profile");

    /// A kind a module declares.
    pub const fn named(name: &'static str) -> DocKind {
        DocKind(Cow::Borrowed(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn parse(s: &str) -> DocKind {
        crate::registry::kinds()
            .find(|k| k.kind.as_str() == s)
            .map(|k| k.kind.clone())
            .unwrap_or_else(|| DocKind(Cow::Owned(s.to_owned())))
    }

    /// Whether a module of this build declares the kind.
    pub fn is_known(&self) -> bool {
        crate::registry::kind(self).is_some()
    }

    /// Every kind this build knows.
    pub fn known() -> impl Iterator<Item = DocKind> {
        crate::registry::kinds().map(|k| k.kind.clone())
    }

    /// The root maps every document of this kind starts with. Records hang below these, so
    /// no two writers ever race to create a root container. Part of genesis: frozen once a
    /// kind has shipped (see `GENESIS_SCHEMA`).
    pub fn root_maps(&self) -> &'static [&'static str] {
        crate::registry::kind(self)
            .map(|k| k.roots)
            .unwrap_or_default()
    }
}

/// Stored by name (the server keeps the scopes it learned).
impl serde::Serialize for DocKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for DocKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        Ok(DocKind::parse(&s))
    }
}

/// The first change of every document of `kind`: fixed actor, time zero, the schema version,
/// the kind and the root maps. Two devices that create the same document apart produce the
/// same bytes, so their root maps are one and the same object after a merge. The document
/// comes back under a fresh random actor: nobody ever writes as the genesis actor.
pub fn genesis(kind: &DocKind) -> Automerge {
    genesis_with(kind, kind.root_maps())
}

/// The genesis of `kind` with these root maps: for a module's own tests before the module is
/// in the registry (its genesis is frozen only once it ships).
pub fn genesis_with(kind: &DocKind, roots: &[&str]) -> Automerge {
    let mut doc = Automerge::new().with_actor(ActorId::from(&GENESIS_ACTOR[..]));
    let mut tx = doc.transaction();
    // Writing a fresh in-memory document cannot fail; a failure would be a bug in automerge.
    tx.put(ROOT, "schema", GENESIS_SCHEMA)
        .expect("genesis writes to a new document");
    tx.put(ROOT, "kind", kind.as_str())
        .expect("genesis writes to a new document");
    for name in roots {
        tx.put_object(ROOT, *name, ObjType::Map)
            .expect("genesis writes to a new document");
    }
    tx.commit_with(CommitOptions::default().with_time(0));
    doc.set_actor(ActorId::random());
    doc
}

/// The actor of every genesis change; a change by it is genuine only if it is a genesis.
pub fn genesis_actor() -> ActorId {
    ActorId::from(&GENESIS_ACTOR[..])
}

/// Whether `change` is exactly the genesis change of `kind`.
pub fn is_genesis(kind: &DocKind, change: &automerge::Change) -> bool {
    let reference = genesis(kind);
    reference
        .get_change_by_hash(&change.hash())
        .is_some_and(|c| c.actor_id() == &genesis_actor())
}

/// The kind and schema version a document declares.
pub fn header(doc: &Automerge) -> Result<(DocKind, u64)> {
    let kind = crate::read::str_at(doc, &ROOT, "kind")
        .ok_or(LinliError::Damaged("document has no kind".into()))?;
    let schema = crate::read::u64_at(doc, &ROOT, "schema")
        .ok_or(LinliError::Damaged("document has no schema version".into()))?;
    Ok((DocKind::parse(&kind), schema))
}

/// Refuses to write into a document a newer app made: it may hold fields this build would
/// misread or clobber.
pub fn check_writable(doc: &Automerge) -> Result<()> {
    let (_, schema) = header(doc)?;
    if schema > SCHEMA_VERSION {
        return Err(LinliError::SchemaTooNew {
            found: schema,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Whether the document holds its root map `name` (the genesis change has been applied).
pub fn has_root(doc: &Automerge, name: &str) -> bool {
    matches!(
        doc.get(ROOT, name),
        Ok(Some((automerge::Value::Object(ObjType::Map), _)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kinds shipped builds declare (the test kit's fixtures are never frozen).
    fn shipped() -> impl Iterator<Item = DocKind> {
        crate::registry::MODULES
            .iter()
            .filter(|m| m.name != "testkit")
            .flat_map(|m| m.kinds.iter().map(|k| k.kind.clone()))
    }

    #[test]
    fn genesis_is_byte_identical_for_every_kind() {
        for kind in shipped() {
            let a = genesis(&kind).save();
            let b = genesis(&kind).save();
            assert_eq!(a, b, "{kind:?}");
            let mut a = genesis(&kind);
            let mut b = genesis(&kind);
            let ca = a.get_changes(&[]);
            let cb = b.get_changes(&[]);
            assert_eq!(ca.len(), 1);
            assert_eq!(ca[0].raw_bytes(), cb[0].raw_bytes());
            assert_eq!(header(&a).unwrap(), (kind.clone(), SCHEMA_VERSION));
            for root in kind.root_maps() {
                assert!(has_root(&b, root));
            }
            // Merging two apart-made geneses leaves one set of roots, not two.
            a.merge(&mut b).unwrap();
            assert_eq!(a.get_heads(), b.get_heads());
        }
    }

    /// Genesis must never change: these hashes are what every shipped device holds. If this
    /// fails, a change to genesis (or `root_maps`) would strand every existing document.
    #[test]
    fn genesis_is_frozen() {
        let pinned: Vec<(DocKind, String)> = shipped()
            .map(|k| {
                let doc = genesis(&k);
                let hash = doc.get_changes(&[])[0].hash().to_string();
                (k, hash)
            })
            .collect();
        let expected = include_str!("genesis_hashes.txt");
        let actual: String = pinned
            .iter()
            .map(|(k, h)| format!("{} {h}\n", k.as_str()))
            .collect();
        assert_eq!(
            actual, expected,
            "genesis changed: it must stay byte-identical forever"
        );
    }

    #[test]
    fn nobody_writes_as_the_genesis_actor() {
        let a = genesis(&DocKind::HELP);
        let b = genesis(&DocKind::HELP);
        assert_ne!(a.get_actor(), &ActorId::from(&GENESIS_ACTOR[..]));
        assert_ne!(a.get_actor(), b.get_actor());
    }

    #[test]
    fn kinds_of_a_newer_version_are_kept_by_name() {
        assert!(!DocKind::parse("ballot").is_known());
        assert_eq!(DocKind::parse("ballot").as_str(), "ballot");
        for k in DocKind::known() {
            assert_eq!(DocKind::parse(k.as_str()), k);
        }
    }

    #[test]
    fn a_newer_schema_is_read_only() {
        let mut doc = genesis(&DocKind::PROFILE);
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "schema", SCHEMA_VERSION + 1)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(
            check_writable(&doc),
            Err(LinliError::SchemaTooNew {
                found: SCHEMA_VERSION + 1,
                known: SCHEMA_VERSION
            })
        );
    }
}
