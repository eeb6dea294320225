//! Help's place in the registry: a help document per community and month, every member
//! writing under help's rules; a private document per accepted request and chosen helper,
//! which the server learns of from the acceptance it admitted.

use crate::access::{members_write, never, pairs_of, Reader, Scope};
use crate::registry::{community_doc, Kind, Module, Serving, World};
use crate::{DocId, DocKind, Millis};
use automerge::{Automerge, Change};

pub const MODULE: Module = Module {
    name: "help",
    kinds: &[
        Kind {
            kind: DocKind::HELP,
            roots: &["requests"],
            rules: Some(&super::RULES),
            access: members_write,
            receipts: false,
        },
        Kind {
            kind: DocKind::HELP_PRIVATE,
            roots: &["contacts", "messages"],
            rules: Some(&crate::help_private::RULES),
            // Only ever as a pair's document.
            access: never,
            receipts: false,
        },
    ],
    held,
    follows,
};

/// What the server alone does with this module's documents (kept out of the app's wasm).
pub const SERVING: Serving = Serving {
    module: &MODULE,
    docs,
    learns,
    schedules: crate::registry::none_scheduled,
    facts: &[],
};

fn docs(world: &World, out: &mut Vec<(DocId, Scope)>) {
    for c in world.communities {
        for month in world.months {
            out.push(community_doc(c, &DocKind::HELP, month));
        }
    }
}

fn held(reader: &Reader, now: Millis, out: &mut Vec<(DocId, DocKind)>) {
    for id in super::recent_docs(&reader.community, now) {
        out.push((id, DocKind::HELP));
    }
}

/// The private document of every request where this member is the requester or the
/// chosen helper.
fn follows(
    reader: &Reader,
    kind: &DocKind,
    id: &DocId,
    doc: &Automerge,
    out: &mut Vec<(DocId, DocKind)>,
) {
    if *kind != DocKind::HELP {
        return;
    }
    for r in super::requests(doc) {
        let Some(helper) = r.accepted.clone() else {
            continue;
        };
        if r.author == reader.member || helper == reader.member {
            let private = crate::help_private::doc_id(&reader.community, id, &r.id, &helper);
            out.push((private, DocKind::HELP_PRIVATE));
        }
    }
}

/// A new request or an acceptance decides who shares the request's private document.
fn learns(scope: &Scope, id: &DocId, view: &Automerge, changes: &[Change]) -> Vec<(DocId, Scope)> {
    match scope {
        Scope::Community { community, kind } if *kind == DocKind::HELP => {
            let touched = super::touched(view, changes);
            if touched.is_empty() {
                Vec::new()
            } else {
                pairs_of(community, id, touched)
            }
        }
        _ => Vec::new(),
    }
}
