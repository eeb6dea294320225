//! Points' place in the registry: one points document per community, which every member
//! holds (residents read their balance and history offline) and only staff and the server
//! write, by its rules.

use super::{KIND, ROOTS, RULES};
use crate::access::{members_write, Reader, Scope};
use crate::registry::{
    community_doc, none_followed, none_learned, none_scheduled, Kind, Module, Serving, World,
};
use crate::{CommunityId, DocId, DocKind, Millis};

pub const MODULE: Module = Module {
    name: "points",
    kinds: &[Kind {
        kind: KIND,
        roots: ROOTS,
        rules: Some(&RULES),
        // Every member writes under the rules, which give residents nothing: a resident's
        // change is refused alone, in words, and the rest of the connection goes on.
        access: members_write,
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
    schedules: none_scheduled,
    facts: &[],
};

/// The community's one points document.
pub fn doc_id(community: &CommunityId) -> DocId {
    community_doc(community, &KIND, "").0
}

fn docs(world: &World, out: &mut Vec<(DocId, Scope)>) {
    for c in world.communities {
        out.push(community_doc(c, &KIND, ""));
    }
}

fn held(reader: &Reader, _: Millis, out: &mut Vec<(DocId, DocKind)>) {
    out.push((doc_id(&reader.community), KIND));
}
