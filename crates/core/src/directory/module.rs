//! The directory's place in the registry: one per community, read by its members, written
//! by the server alone; holding it leads a device to its neighbours' profiles.

use crate::access::{directory_id, members_read, profile_id, Reader};
use crate::registry::{community_doc, none_learned, Kind, Module, Serving, World};
use crate::{DocId, DocKind, Millis};
use automerge::Automerge;

/// A device holds at most this many neighbours' profiles.
pub const MAX_PROFILES: usize = 500;

pub const MODULE: Module = Module {
    name: "directory",
    kinds: &[Kind {
        kind: DocKind::DIRECTORY,
        roots: &["members", "grids", "departments", "documents"],
        rules: None,
        access: members_read,
        receipts: false,
    }],
    held,
    follows,
};

/// What the server alone does with this module's documents (kept out of the app's wasm).
pub const SERVING: Serving = Serving {
    module: &MODULE,
    docs,
    learns: none_learned,
    schedules: crate::registry::none_scheduled,
    facts: &[],
};

fn docs(world: &World, out: &mut Vec<(DocId, crate::access::Scope)>) {
    for c in world.communities {
        out.push(community_doc(c, &DocKind::DIRECTORY, ""));
    }
}

fn held(reader: &Reader, _: Millis, out: &mut Vec<(DocId, DocKind)>) {
    out.push((directory_id(&reader.community), DocKind::DIRECTORY));
}

/// Every listed neighbour's profile (read-only), so the neighbours page works offline.
fn follows(
    reader: &Reader,
    _: &DocKind,
    _: &DocId,
    doc: &Automerge,
    out: &mut Vec<(DocId, DocKind)>,
) {
    for m in super::members(doc).into_iter().take(MAX_PROFILES) {
        out.push((profile_id(&reader.community, &m.id), DocKind::PROFILE));
    }
}
