//! The module registry: the one place that knows which modules exist.
//!
//! Each module declares itself in its own folder (a `MODULE` constant): its document kinds
//! with their root maps (genesis), write rules and access rule; the documents the server
//! knows of from its records; the documents a member holds and follows; what the server
//! learns from changes it admits; and the facts the server writes. The server's gate and
//! seeding, the app's sync manager and the door all read from here, so adding a module is
//! a folder in core, a folder in the app, and one line in [`MODULES`].

use crate::access::{Access, Reader, Scope};
use crate::rules::WriteRules;
use crate::{CommunityId, DocId, DocKind, MemberId, Millis, Result};
use automerge::{Automerge, Change, ChangeHash};
use std::collections::HashMap;

/// One document kind, as its module declares it.
pub struct Kind {
    pub kind: DocKind,
    /// The root maps genesis creates. Frozen once the kind has shipped: every device's
    /// genesis of this kind must stay byte-identical (see `schema::genesis`).
    pub roots: &'static [&'static str],
    /// What members may write, path by path. `None`: members write nothing (the directory).
    pub rules: Option<&'static WriteRules>,
    /// Who reads and writes a document of this kind scoped to a community or a member
    /// (grid, department, pair and case scopes carry their own audience).
    pub access: fn(&Reader, &Scope) -> Access,
    /// The server publishes the time each admitted change first reached it into this
    /// document's `receipts` root map (`crate::receipts`), for rules that must not trust a
    /// device's clock.
    pub receipts: bool,
}

/// What the server's records say exists: the documents each module derives from them.
pub struct World<'a> {
    pub communities: &'a [CommunityId],
    pub members: &'a [(CommunityId, MemberId)],
    /// Each community's grids.
    pub grids: &'a [(CommunityId, String)],
    pub departments: &'a [String],
    /// The months (`YYYY-MM`) of the monthly documents to know.
    pub months: &'a [String],
}

impl<'a> World<'a> {
    /// The records of members who just joined, and nothing else: their own documents.
    pub fn members(members: &'a [(CommunityId, MemberId)]) -> World<'a> {
        World {
            communities: &[],
            members,
            grids: &[],
            departments: &[],
            months: &[],
        }
    }
}

/// The keys of `map` that `changes` wrote (`view` holds them), once each, in order: what a
/// module's `learns` or `schedules` looks at.
pub fn keys_written(map: &automerge::ObjId, changes: &[Change]) -> Vec<String> {
    let map = map.to_string();
    let mut keys: Vec<String> = Vec::new();
    for c in changes {
        for op in c.decode().operations {
            if let automerge::legacy::Key::Map(key) = &op.key {
                if op.obj.to_string() == map && !keys.iter().any(|k| k == key.as_str()) {
                    keys.push(key.to_string());
                }
            }
        }
    }
    keys
}

/// A fact only the server writes, at a time it chose (a close marker at a vote's close):
/// the scheduler stores `(document, fact name, payload, due time)` and calls `write` when
/// the time comes, under the server's own writer.
/// `write` returns when to run again, if the fact has more to write later (a vote's
/// certificate, a grace period after its close marker).
pub struct Fact {
    pub name: &'static str,
    pub write: fn(&mut Automerge, &FactEnv, &str) -> Result<Option<Millis>>,
}

/// What the server knows when it writes a fact: its time, the community's members then (a
/// vote's quorum is a share of them), when it first sent each member's devices a change it
/// wrote into the document, and when it first heard of each of the document's changes (a
/// device named it in its heads, or sent it).
#[derive(Default)]
pub struct FactEnv {
    pub now: Millis,
    pub members: usize,
    pub delivered: HashMap<MemberId, Millis>,
    pub received: HashMap<ChangeHash, Millis>,
}

/// A fact a module asks the server to write later, learned from a change the door admitted
/// (a vote's close at the window staff set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    pub doc: DocId,
    pub fact: &'static str,
    pub payload: String,
    pub due: Millis,
}

/// Documents, each with its kind (what a device holds).
pub type Held = Vec<(DocId, DocKind)>;
/// Documents, each with its scope (what the server knows).
pub type Scoped = Vec<(DocId, Scope)>;

pub struct Module {
    pub name: &'static str,
    pub kinds: &'static [Kind],
    /// The documents a member's device holds from the start, at time `now`.
    pub held: fn(&Reader, Millis, &mut Held),
    /// The documents a held document of this module leads a member to hold (the private
    /// document of a pair they belong to, a neighbour's profile).
    pub follows: fn(&Reader, &DocKind, &DocId, &Automerge, &mut Held),
}

/// What the server alone does with a module's documents. Apart from [`Module`] because the
/// app reads [`MODULES`]: a function pointer there is an entry in the wasm's function
/// table, which keeps it, and all it calls, in the first load; the app never names
/// [`SERVING`], so none of these reach it.
pub struct Serving {
    pub module: &'static Module,
    /// Every derived document the server knows of, with its scope.
    pub docs: fn(&World, &mut Scoped),
    /// Documents the server learns of from changes it admitted into `doc` (already in
    /// `view`): scoped from what the server judged, never from an id a client claims.
    pub learns: fn(&Scope, &DocId, &Automerge, &[Change]) -> Scoped,
    /// Facts to write later, from changes the server admitted into the document.
    pub schedules: fn(&Scope, &DocId, &Automerge, &[Change]) -> Vec<Scheduled>,
    pub facts: &'static [Fact],
}

/// Every module, in the order the app lists them.
pub const MODULES: &[&Module] = &[
    &crate::directory::MODULE,
    &crate::profile::MODULE,
    &crate::help::MODULE,
    &crate::deliberation::MODULE,
    &crate::staff::MODULE,
    &crate::points::MODULE,
    &crate::patrol::MODULE,
    #[cfg(feature = "testkit")]
    &crate::testkit::MODULE,
];

/// Every module's server side, in [`MODULES`]' order.
pub const SERVING: &[&Serving] = &[
    &crate::directory::SERVING,
    &crate::profile::SERVING,
    &crate::help::SERVING,
    &crate::deliberation::SERVING,
    &crate::staff::SERVING,
    &crate::points::SERVING,
    &crate::patrol::SERVING,
    #[cfg(feature = "testkit")]
    &crate::testkit::SERVING,
];

/// The declared kinds of every module.
pub fn kinds() -> impl Iterator<Item = &'static Kind> {
    MODULES.iter().flat_map(|m| m.kinds.iter())
}

/// The declaration of `kind`, if some module of this build declares it. A kind no module
/// declares was written by a newer app (or is not a Linli document).
pub fn kind(kind: &DocKind) -> Option<&'static Kind> {
    kinds().find(|k| k.kind == *kind)
}

/// Every document the server knows of from its records.
pub fn docs(world: &World) -> Vec<(DocId, Scope)> {
    let mut out = Vec::new();
    for m in SERVING {
        (m.docs)(world, &mut out);
    }
    out
}

/// The documents a member's device holds from the start.
pub fn held(reader: &Reader, now: Millis) -> Vec<(DocId, DocKind)> {
    let mut out = Vec::new();
    for m in MODULES {
        (m.held)(reader, now, &mut out);
    }
    out
}

/// The documents `doc` (of `kind`, held by this member) leads them to hold.
pub fn follows(
    reader: &Reader,
    kind: &DocKind,
    id: &DocId,
    doc: &Automerge,
) -> Vec<(DocId, DocKind)> {
    let mut out = Vec::new();
    for m in MODULES
        .iter()
        .filter(|m| m.kinds.iter().any(|k| k.kind == *kind))
    {
        (m.follows)(reader, kind, id, doc, &mut out);
    }
    out
}

/// What the server learns from changes it admitted into `id`.
pub fn learns(
    scope: &Scope,
    id: &DocId,
    view: &Automerge,
    changes: &[Change],
) -> Vec<(DocId, Scope)> {
    let Some(kind) = scope.kind() else {
        return Vec::new();
    };
    SERVING
        .iter()
        .filter(|m| m.module.kinds.iter().any(|k| k.kind == *kind))
        .flat_map(|m| (m.learns)(scope, id, view, changes))
        .collect()
}

/// The facts admitted changes into `id` ask the server to write later.
pub fn schedules(
    scope: &Scope,
    id: &DocId,
    view: &Automerge,
    changes: &[Change],
) -> Vec<Scheduled> {
    let Some(kind) = scope.kind() else {
        return Vec::new();
    };
    SERVING
        .iter()
        .filter(|m| m.module.kinds.iter().any(|k| k.kind == *kind))
        .flat_map(|m| (m.schedules)(scope, id, view, changes))
        .collect()
}

/// The server fact called `name`.
pub fn fact(name: &str) -> Option<&'static Fact> {
    SERVING
        .iter()
        .flat_map(|m| m.facts.iter())
        .find(|f| f.name == name)
}

/// For a module with nothing to follow, learn or hold.
pub fn none_held(_: &Reader, _: Millis, _: &mut Vec<(DocId, DocKind)>) {}
pub fn none_followed(
    _: &Reader,
    _: &DocKind,
    _: &DocId,
    _: &Automerge,
    _: &mut Vec<(DocId, DocKind)>,
) {
}
pub fn none_learned(_: &Scope, _: &DocId, _: &Automerge, _: &[Change]) -> Vec<(DocId, Scope)> {
    Vec::new()
}
pub fn none_scheduled(_: &Scope, _: &DocId, _: &Automerge, _: &[Change]) -> Vec<Scheduled> {
    Vec::new()
}

/// A document one per community (`period` empty) or per community and period.
pub fn community_doc(community: &CommunityId, kind: &DocKind, period: &str) -> (DocId, Scope) {
    (
        DocId::derive(community, kind.as_str(), period),
        Scope::Community {
            community: community.clone(),
            kind: kind.clone(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_kind_is_declared_once_with_its_rules_matching_its_roots() {
        let mut seen = HashSet::new();
        for k in kinds() {
            assert!(seen.insert(k.kind.clone()), "{:?} declared twice", k.kind);
            assert!(!k.roots.is_empty(), "{:?} has no root maps", k.kind);
            assert!(
                !k.receipts || k.roots.contains(&crate::receipts::ROOT_MAP),
                "{:?} publishes receipts without a `receipts` root map",
                k.kind
            );
            let server = crate::doc::Writer::server();
            assert!(
                !k.receipts
                    || k.rules.is_some_and(|r| r
                        .authorize(
                            &server,
                            &Default::default(),
                            &[crate::receipts::ROOT_MAP, "h"]
                        )
                        .is_ok()),
                "{:?} publishes receipts its rules refuse",
                k.kind
            );
            // A rule must start at a root map genesis made (anything else is unreachable), or
            // be one plain value at the root itself: never a map made there on first use.
            for rule in k.rules.map(|r| r.rules).unwrap_or_default() {
                let plain = !matches!(
                    rule.shape,
                    crate::rules::Shape::Map | crate::rules::Shape::Any
                ) && rule.reach == crate::rules::Reach::Exact;
                match rule.path.first() {
                    Some(crate::rules::Seg::Key(key))
                        if rule.path.len() == 1
                            && plain
                            && !k.roots.contains(key)
                            && !["schema", "kind"].contains(key) => {}
                    Some(crate::rules::Seg::Key(root)) => assert!(
                        k.roots.contains(root),
                        "{:?}: a rule starts at {root}, which genesis never makes",
                        k.kind
                    ),
                    other => panic!("{:?}: a rule starts at {other:?}", k.kind),
                }
            }
        }
        let mut facts = HashSet::new();
        let served: Vec<&str> = SERVING.iter().map(|s| s.module.name).collect();
        let modules: Vec<&str> = MODULES.iter().map(|m| m.name).collect();
        assert_eq!(served, modules, "every module serves, once, in order");
        for f in SERVING.iter().flat_map(|m| m.facts.iter()) {
            assert!(facts.insert(f.name), "fact {} declared twice", f.name);
        }
    }

    #[test]
    fn a_kind_no_module_declares_is_unknown() {
        assert!(kind(&DocKind::parse("ballot")).is_none());
        assert!(kind(&DocKind::HELP).is_some());
    }
}
