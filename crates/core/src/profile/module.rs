//! The profile's place in the registry: one per member, written by that member, read by
//! their neighbours.

use crate::access::{member_docs, profile_id, Access, Reader, Scope};
use crate::registry::{none_followed, none_learned, Kind, Module, Serving, World};
use crate::{DocId, DocKind, Millis};

pub const MODULE: Module = Module {
    name: "profile",
    kinds: &[Kind {
        kind: DocKind::PROFILE,
        roots: &["fields", "skills"],
        rules: Some(&super::RULES),
        access,
        receipts: false,
    }],
    held,
    follows: none_followed,
};

/// What the server alone does with this module's documents (kept out of the app's wasm).
pub const SERVING: Serving = Serving {
    module: &MODULE,
    docs,
    learns: none_learned,
    schedules: crate::registry::none_scheduled,
    facts: &[],
};

fn access(reader: &Reader, scope: &Scope) -> Access {
    match scope {
        Scope::Member { subject, .. } if *subject == reader.member => Access::Write,
        _ => Access::Read,
    }
}

fn docs(world: &World, out: &mut Vec<(DocId, Scope)>) {
    for (c, m) in world.members {
        out.extend(member_docs(c, m));
    }
}

fn held(reader: &Reader, _: Millis, out: &mut Vec<(DocId, DocKind)>) {
    out.push((
        profile_id(&reader.community, &reader.member),
        DocKind::PROFILE,
    ));
}
