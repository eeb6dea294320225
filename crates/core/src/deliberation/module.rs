//! Deliberation's place in the registry: the community's index of proposals, which every
//! member holds, and one document per proposal, which the server learns of from the index
//! entry it admitted; the close marker and the certificate the server writes on its own
//! clock, scheduled from the window staff set.

use super::index::{self, INDEX, INDEX_ROOTS, INDEX_RULES};
use super::tally::{self, Cast};
use super::{doc_id, KIND, ROOTS, RULES};
use crate::access::{members_write, Reader, Scope};
use crate::read::map_at;
use crate::registry::{
    community_doc, keys_written, none_learned, Fact, FactEnv, Held, Kind, Module, Scheduled,
    Scoped, Serving, World,
};
use crate::{DocId, DocKind, Millis, Result};
use automerge::{Automerge, Change, ROOT};

/// The fact that closes a vote and, a grace period later, certifies it.
pub const CLOSE: &str = "deliberation.close";

pub const MODULE: Module = Module {
    name: "deliberation",
    kinds: &[
        Kind {
            kind: INDEX,
            roots: INDEX_ROOTS,
            rules: Some(&INDEX_RULES),
            access: members_write,
            receipts: false,
        },
        Kind {
            kind: KIND,
            roots: ROOTS,
            rules: Some(&RULES),
            access: members_write,
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
    schedules,
    facts: &[Fact {
        name: CLOSE,
        write: close_or_certify,
    }],
};

/// The community's index.
pub fn index_id(community: &crate::CommunityId) -> DocId {
    community_doc(community, &INDEX, "").0
}

fn docs(world: &World, out: &mut Scoped) {
    for c in world.communities {
        out.push(community_doc(c, &INDEX, ""));
    }
}

fn held(reader: &Reader, _: Millis, out: &mut Held) {
    out.push((index_id(&reader.community), INDEX));
}

/// Every proposal the index lists.
fn follows(reader: &Reader, kind: &DocKind, _: &DocId, doc: &Automerge, out: &mut Held) {
    if *kind != INDEX {
        return;
    }
    for item in index::listed(doc) {
        out.push((doc_id(&reader.community, &item.id), KIND));
    }
}

/// A new index entry makes its proposal's document known, scoped to the community.
fn learns(scope: &Scope, id: &DocId, view: &Automerge, changes: &[Change]) -> Scoped {
    let Scope::Community { community, kind } = scope else {
        return Vec::new();
    };
    if *kind != INDEX {
        return none_learned(scope, id, view, changes);
    }
    let Some(items) = map_at(view, &ROOT, "items") else {
        return Vec::new();
    };
    keys_written(&items, changes)
        .into_iter()
        .filter(|key| index::valid_id(key) && map_at(view, &items, key).is_some())
        .map(|key| {
            (
                doc_id(community, &key),
                Scope::Community {
                    community: community.clone(),
                    kind: KIND,
                },
            )
        })
        .collect()
}

/// Staff setting a window, or closing early, asks for the close at that time (at once for
/// an early close). The fact reads the document again when it runs, so a window moved
/// later only makes an earlier run find nothing to do yet.
fn schedules(scope: &Scope, id: &DocId, view: &Automerge, changes: &[Change]) -> Vec<Scheduled> {
    if scope.kind() != Some(&KIND) {
        return Vec::new();
    }
    let Some(record) =
        map_at(view, &ROOT, "proposal").and_then(|p| map_at(view, &p, super::rules::RECORD))
    else {
        return Vec::new();
    };
    let written = keys_written(&record, changes);
    let Some(p) = super::read(view) else {
        return Vec::new();
    };
    let due = if written.iter().any(|k| k == "closed_early") {
        Millis(0)
    } else if written.iter().any(|k| k == "closes_at") {
        match p.closes_at {
            Some(at) => at,
            None => return Vec::new(),
        }
    } else {
        return Vec::new();
    };
    vec![Scheduled {
        doc: *id,
        fact: CLOSE,
        payload: String::new(),
        due,
    }]
}

/// At the close, the close marker; a grace period after it, the certificate. Returns when
/// to run again, if there is more to write.
fn close_or_certify(doc: &mut Automerge, env: &FactEnv, _: &str) -> Result<Option<Millis>> {
    let Some(p) = super::read(doc) else {
        return Ok(None);
    };
    if p.withdrawn_at.is_some() || p.certified.is_some() {
        return Ok(None);
    }
    match &p.closed {
        None => {
            let due = match (&p.closed_early, p.closes_at) {
                (Some(_), _) => env.now,
                (None, Some(at)) => at,
                (None, None) => return Ok(None),
            };
            if env.now < due {
                return Ok(Some(due));
            }
            tally::write_close(doc, env.now, env.members)?;
            Ok(Some(Millis(env.now.0 + p.grace.0)))
        }
        Some(close) => {
            let due = Millis(close.at.0 + p.grace.0);
            if env.now < due {
                return Ok(Some(due));
            }
            tally::certify(doc, env.now, |cast| sent_close(env, cast))?;
            Ok(None)
        }
    }
}

/// Rule 4: a ballot that reached the server after one of its writer's devices had been
/// sent the close marker (staff's, for one they recorded for a resident). The server's
/// record of what it sent, never the device's claim.
fn sent_close(env: &FactEnv, cast: &Cast) -> bool {
    let writer = cast.assisted_by.as_ref().unwrap_or(&cast.member);
    match (env.delivered.get(writer), env.received.get(&cast.hash)) {
        (Some(sent), Some(arrived)) => arrived > sent,
        _ => false,
    }
}
