//! A fixture module for the server's tests of mechanisms that no shipped module uses yet:
//! documents scoped by grid and by department, a fact the scheduler writes, and published
//! receipt times. Built only with the `testkit` feature; its kinds are never frozen.

use crate::access::{department_doc, grid_doc, members_write, never, Scope};
use crate::doc::transact;
use crate::error::Field;
use crate::read::map_at;
use crate::registry::{
    community_doc, keys_written, none_followed, none_held, Fact, FactEnv, Kind, Module, Scheduled,
    Serving, World,
};
use crate::rules::{Reach, Rule, Seg, Shape, Who, WriteRules};
use crate::{DocId, DocKind, LinliError, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};

/// A community board: members write notes, the server writes marks and receipts.
pub const BOARD: DocKind = DocKind::named("probe_board");
/// A grid's log, per grid and month.
pub const GRID: DocKind = DocKind::named("probe_grid");
/// A department's own document.
pub const DEPARTMENT: DocKind = DocKind::named("probe_department");
/// A case across audiences, learned from the record on the board that opened it.
pub const CASE: DocKind = DocKind::named("probe_case");

const NOTES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("notes"), Seg::Any],
            who: Who::Anyone,
            reach: Reach::Exact,
            shape: Shape::Text {
                field: Field::Note,
                max: 100,
            },
        },
        Rule {
            path: &[Seg::Key("marks"), Seg::Any],
            who: Who::Server,
            reach: Reach::Exact,
            shape: Shape::Int,
        },
        crate::receipts::RULE,
        // A case a member opens on the board, addressed to a department.
        Rule {
            path: &[Seg::Key("cases"), Seg::Any],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Map,
        },
        Rule {
            path: &[Seg::Key("cases"), Seg::Any, Seg::Key("author")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Any,
        },
        Rule {
            path: &[Seg::Key("cases"), Seg::Any, Seg::Key("department")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Text {
                field: Field::Note,
                max: 40,
            },
        },
    ],
};

/// Every test kit kind starts with the same root maps, so one table of rules serves them.
const ROOTS: &[&str] = &["notes", "marks", "receipts", "cases"];

pub const MODULE: Module = Module {
    name: "testkit",
    kinds: &[
        Kind {
            kind: BOARD,
            roots: ROOTS,
            rules: Some(&NOTES),
            access: members_write,
            receipts: true,
        },
        Kind {
            kind: CASE,
            roots: ROOTS,
            rules: Some(&NOTES),
            access: never,
            receipts: false,
        },
        Kind {
            kind: GRID,
            roots: ROOTS,
            rules: Some(&NOTES),
            access: never,
            receipts: false,
        },
        Kind {
            kind: DEPARTMENT,
            roots: ROOTS,
            rules: None,
            access: never,
            receipts: false,
        },
    ],
    held: none_held,
    follows: none_followed,
};

/// What the server alone does with this module's documents (kept out of the app's wasm).
pub const SERVING: Serving = Serving {
    module: &MODULE,
    docs,
    learns,
    schedules,
    facts: &[Fact {
        name: "probe.mark",
        write: mark,
    }],
};

pub fn board_id(community: &crate::CommunityId) -> DocId {
    DocId::derive(community, BOARD.as_str(), "")
}

fn docs(world: &World, out: &mut Vec<(DocId, Scope)>) {
    for c in world.communities {
        out.push(community_doc(c, &BOARD, ""));
    }
    for (c, grid) in world.grids {
        for month in world.months {
            out.push(grid_doc(c, &GRID, grid, month));
        }
    }
    for d in world.departments {
        out.push(department_doc(&DEPARTMENT, d));
    }
}

/// The document of the case opened on the board as record `id`.
pub fn case_id(community: &crate::CommunityId, id: &str) -> DocId {
    DocId::derive(community, CASE.as_str(), id)
}

/// Each case record the changes created: its document, shared by its author (read from the
/// record the door judged, never from the id), the community's staff and the department's
/// officers.
fn learns(
    scope: &Scope,
    _: &DocId,
    view: &Automerge,
    changes: &[automerge::Change],
) -> Vec<(DocId, Scope)> {
    let Scope::Community { community, kind } = scope else {
        return Vec::new();
    };
    if *kind != BOARD {
        return Vec::new();
    }
    let Some(cases) = map_at(view, &ROOT, "cases") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in keys_written(&cases, changes) {
        let Some(record) = map_at(view, &cases, &key) else {
            continue;
        };
        let author = crate::read::str_at(view, &record, "author")
            .and_then(|a| crate::MemberId::parse(&a).ok());
        let department = crate::read::str_at(view, &record, "department");
        if let (Some(reporter), Some(department)) = (author, department) {
            out.push((
                case_id(community, &key),
                Scope::Case {
                    community: community.clone(),
                    kind: CASE,
                    reporter,
                    department,
                },
            ));
        }
    }
    out
}

/// A board note under `due:<key>` holding a time asks for the mark `<key>` then.
fn schedules(
    scope: &Scope,
    id: &DocId,
    view: &Automerge,
    changes: &[automerge::Change],
) -> Vec<Scheduled> {
    if scope.kind() != Some(&BOARD) {
        return Vec::new();
    }
    let Some(notes) = map_at(view, &ROOT, "notes") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in keys_written(&notes, changes) {
        let Some(mark) = key.strip_prefix("due:") else {
            continue;
        };
        let due = crate::read::str_at(view, &notes, &key).and_then(|v| v.parse::<i64>().ok());
        if let Some(due) = due {
            out.push(Scheduled {
                doc: *id,
                fact: "probe.mark",
                payload: mark.to_owned(),
                due: Millis(due),
            });
        }
    }
    out
}

/// The fact: `marks[payload]` = the server's time of writing.
fn mark(doc: &mut Automerge, env: &FactEnv, payload: &str) -> Result<Option<Millis>> {
    let now = env.now;
    let marks = map_at(doc, &ROOT, "marks").ok_or(LinliError::Damaged("no marks".into()))?;
    transact(doc, now, |tx| {
        tx.put(&marks, payload, now.0)?;
        Ok(())
    })?;
    Ok(None)
}

/// When the fact `key` was written, if it has been.
pub fn marked(doc: &Automerge, key: &str) -> Option<Millis> {
    let marks = map_at(doc, &ROOT, "marks")?;
    crate::read::i64_at(doc, &marks, key).map(Millis)
}
