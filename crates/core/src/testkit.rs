//! A fixture module for the server's tests of mechanisms that no shipped module uses yet:
//! documents scoped by grid and by department, a fact the scheduler writes, and published
//! receipt times. Built only with the `testkit` feature; its kinds are never frozen.

use crate::access::{department_doc, grid_doc, members_write, never, Scope};
use crate::doc::transact;
use crate::error::Field;
use crate::read::map_at;
use crate::registry::{
    community_doc, none_followed, none_held, none_learned, Fact, Kind, Module, World,
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
    ],
};

pub const MODULE: Module = Module {
    name: "testkit",
    kinds: &[
        Kind {
            kind: BOARD,
            roots: &["notes", "marks", "receipts"],
            rules: Some(&NOTES),
            access: members_write,
            receipts: true,
        },
        Kind {
            kind: GRID,
            roots: &["notes", "marks", "receipts"],
            rules: Some(&NOTES),
            access: never,
            receipts: false,
        },
        Kind {
            kind: DEPARTMENT,
            roots: &["notes", "marks", "receipts"],
            rules: None,
            access: never,
            receipts: false,
        },
    ],
    docs,
    held: none_held,
    follows: none_followed,
    learns: none_learned,
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

/// The fact: `marks[payload]` = the server's time of writing.
fn mark(doc: &mut Automerge, now: Millis, payload: &str) -> Result<()> {
    let marks = map_at(doc, &ROOT, "marks").ok_or(LinliError::Damaged("no marks".into()))?;
    transact(doc, now, |tx| {
        tx.put(&marks, payload, now.0)?;
        Ok(())
    })?;
    Ok(())
}

/// When the fact `key` was written, if it has been.
pub fn marked(doc: &Automerge, key: &str) -> Option<Millis> {
    let marks = map_at(doc, &ROOT, "marks")?;
    crate::read::i64_at(doc, &marks, key).map(Millis)
}
