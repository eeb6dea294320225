//! Patrol's write rules, for the door and the commands alike. Only a patrol's author writes
//! inside it (a record's `author` is written once, at creation); only the addressed
//! department's officers (whom the access table alone lets write an escalation) take an
//! escalation's officer steps; only the server writes the indexes and receipt times; a
//! resident writes only reports of their own, in their own document.

use super::commands::{ACTION_MAX, DESCRIPTION_MAX, TEAM_MAX};
use super::escalation::NOTE_MAX;
use super::model::{Category, Duty, Outcome};
use super::reports::{ReportStatus, PLACE_MAX};
use crate::error::Field;
use crate::rules::{Reach, Rule, Seg, Shape, Who, WriteRules};
use crate::Role;

const WORKER: &[Role] = &[Role::GridWorker];
const STAFF: &[Role] = &[Role::Staff];
const OFFICER: &[Role] = &[Role::Officer];
const RESIDENT: &[Role] = &[Role::Resident];
const CASE_OPENERS: &[Role] = &[Role::GridWorker, Role::Staff];
const STEP_TAKERS: &[Role] = &[Role::Officer, Role::GridWorker, Role::Staff];
const ANSWERERS: &[Role] = &[Role::GridWorker, Role::Staff];

/// A track chunk's most bytes: about 5,000 fixes.
pub const TRACK_CHUNK_MAX: usize = 32 * 1024;
/// Ids of places and departments, and references to records, stay this short.
pub const REF_MAX: usize = 140;
/// An encoded position or step: kind, time, latitude, longitude, accuracy.
pub const STEP_MAX: usize = 80;

const fn text(field: Field, max: usize) -> Shape {
    Shape::Text { field, max }
}

const fn rule(path: &'static [Seg], who: Who, shape: Shape) -> Rule {
    Rule {
        path,
        who,
        reach: Reach::Exact,
        shape,
    }
}

const P: Seg = Seg::Key("patrols");
const O: Seg = Seg::Key("observations");
const A: Seg = Seg::Any;

pub const PATROL_RULES: WriteRules = WriteRules {
    rules: &[
        rule(&[P, A], Who::NewRecordBy(WORKER), Shape::Map),
        rule(&[P, A, Seg::Key("author")], Who::NewRecord, Shape::Any),
        rule(
            &[P, A, Seg::Key("team")],
            Who::NewRecord,
            text(Field::Team, TEAM_MAX),
        ),
        rule(&[P, A, Seg::Key("steps")], Who::NewRecord, Shape::Map),
        rule(&[P, A, Seg::Key("track")], Who::NewRecord, Shape::Map),
        rule(&[P, A, O], Who::NewRecord, Shape::Map),
        rule(
            &[P, A, Seg::Key("steps"), A],
            Who::Author,
            text(Field::Note, STEP_MAX),
        ),
        rule(
            &[P, A, Seg::Key("track"), A],
            Who::Author,
            Shape::Bytes {
                max: TRACK_CHUNK_MAX,
            },
        ),
        rule(&[P, A, O, A], Who::Author, Shape::Map),
        rule(&[P, A, O, A, Seg::Key("at")], Who::Author, Shape::Int),
        rule(
            &[P, A, O, A, Seg::Key("position")],
            Who::Author,
            text(Field::Place, STEP_MAX),
        ),
        rule(
            &[P, A, O, A, Seg::Key("duty")],
            Who::Author,
            Shape::OneOf(Duty::STORED),
        ),
        rule(
            &[P, A, O, A, Seg::Key("category")],
            Who::Author,
            Shape::OneOf(Category::STORED),
        ),
        rule(
            &[P, A, O, A, Seg::Key("description")],
            Who::Author,
            text(Field::Description, DESCRIPTION_MAX),
        ),
        rule(
            &[P, A, O, A, Seg::Key("outcome")],
            Who::Author,
            Shape::OneOf(Outcome::STORED),
        ),
        rule(
            &[P, A, O, A, Seg::Key("action")],
            Who::Author,
            text(Field::Action, ACTION_MAX),
        ),
        rule(
            &[P, A, O, A, Seg::Key("department")],
            Who::Author,
            text(Field::Department, REF_MAX),
        ),
        rule(
            &[P, A, O, A, Seg::Key("report")],
            Who::Author,
            text(Field::Note, REF_MAX),
        ),
    ],
};

const C: Seg = Seg::Key("case");
const S: Seg = Seg::Key("steps");

const OFFICER_STEPS: &[&str] = &["acknowledged", "in_progress", "resolved", "not_responsible"];
const WORKER_STEPS: &[&str] = &["confirmed", "reopened"];
const STAFF_STEPS: &[&str] = &["reassigned"];

pub const ESCALATION_RULES: WriteRules = WriteRules {
    rules: &[
        rule(&[C, A], Who::NewRecordBy(CASE_OPENERS), Shape::Map),
        rule(&[C, A, Seg::Key("author")], Who::NewRecord, Shape::Any),
        rule(
            &[C, A, Seg::Key("category")],
            Who::NewRecord,
            Shape::OneOf(Category::STORED),
        ),
        rule(
            &[C, A, Seg::Key("description")],
            Who::NewRecord,
            text(Field::Description, DESCRIPTION_MAX),
        ),
        rule(
            &[C, A, Seg::Key("position")],
            Who::NewRecord,
            text(Field::Place, STEP_MAX),
        ),
        rule(&[C, A, Seg::Key("at")], Who::NewRecord, Shape::Int),
        rule(
            &[C, A, Seg::Key("grid")],
            Who::NewRecord,
            text(Field::Grid, REF_MAX),
        ),
        rule(
            &[C, A, Seg::Key("patrol")],
            Who::NewRecord,
            text(Field::Note, REF_MAX),
        ),
        rule(
            &[C, A, Seg::Key("department")],
            Who::NewRecord,
            text(Field::Department, REF_MAX),
        ),
        rule(
            &[C, A, Seg::Key("origin")],
            Who::NewRecord,
            text(Field::Note, REF_MAX),
        ),
        rule(&[C, A, Seg::Key("ack_hours")], Who::NewRecord, Shape::Int),
        rule(
            &[C, A, Seg::Key("resolve_hours")],
            Who::NewRecord,
            Shape::Int,
        ),
        rule(&[S, A], Who::NewRecordBy(STEP_TAKERS), Shape::Map),
        rule(&[S, A, Seg::Key("author")], Who::NewRecord, Shape::Any),
        rule(
            &[S, A, Seg::Key("kind")],
            Who::NewRecordBy(OFFICER),
            Shape::OneOf(OFFICER_STEPS),
        ),
        rule(
            &[S, A, Seg::Key("kind")],
            Who::NewRecordBy(WORKER),
            Shape::OneOf(WORKER_STEPS),
        ),
        rule(
            &[S, A, Seg::Key("kind")],
            Who::NewRecordBy(STAFF),
            Shape::OneOf(STAFF_STEPS),
        ),
        rule(
            &[S, A, Seg::Key("note")],
            Who::NewRecord,
            text(Field::Note, NOTE_MAX),
        ),
        rule(&[S, A, Seg::Key("at")], Who::NewRecord, Shape::Int),
        rule(
            &[S, A, Seg::Key("department")],
            Who::NewRecordBy(STAFF),
            text(Field::Department, REF_MAX),
        ),
        crate::receipts::RULE,
    ],
};

pub const DESK_RULES: WriteRules = WriteRules {
    rules: &[
        rule(
            &[Seg::Key("settings"), Seg::Key("ack_hours")],
            Who::Roles(STAFF),
            Shape::Int,
        ),
        rule(
            &[Seg::Key("settings"), Seg::Key("resolve_hours")],
            Who::Roles(STAFF),
            Shape::Int,
        ),
        rule(
            &[Seg::Key("inbox"), A],
            Who::Server,
            text(Field::Note, REF_MAX),
        ),
        rule(
            &[Seg::Key("assign"), A],
            Who::Roles(STAFF),
            text(Field::Grid, REF_MAX),
        ),
    ],
};

const R: Seg = Seg::Key("reports");
const N: Seg = Seg::Key("answers");

pub const REPORT_RULES: WriteRules = WriteRules {
    rules: &[
        rule(&[R, A], Who::NewRecordBy(RESIDENT), Shape::Map),
        rule(&[R, A, Seg::Key("author")], Who::NewRecord, Shape::Any),
        rule(
            &[R, A, Seg::Key("category")],
            Who::NewRecord,
            Shape::OneOf(Category::STORED),
        ),
        rule(
            &[R, A, Seg::Key("description")],
            Who::NewRecord,
            text(Field::Description, DESCRIPTION_MAX),
        ),
        rule(
            &[R, A, Seg::Key("place")],
            Who::NewRecord,
            text(Field::Place, PLACE_MAX),
        ),
        rule(
            &[R, A, Seg::Key("grid")],
            Who::NewRecord,
            text(Field::Grid, REF_MAX),
        ),
        rule(&[R, A, Seg::Key("at")], Who::NewRecord, Shape::Int),
        rule(&[N, A], Who::NewRecordBy(ANSWERERS), Shape::Map),
        rule(&[N, A, Seg::Key("author")], Who::NewRecord, Shape::Any),
        rule(
            &[N, A, Seg::Key("report")],
            Who::NewRecord,
            text(Field::Note, REF_MAX),
        ),
        rule(
            &[N, A, Seg::Key("status")],
            Who::NewRecord,
            Shape::OneOf(ReportStatus::STORED),
        ),
        rule(
            &[N, A, Seg::Key("note")],
            Who::NewRecord,
            text(Field::Action, ACTION_MAX),
        ),
        rule(&[N, A, Seg::Key("at")], Who::NewRecord, Shape::Int),
    ],
};

/// The step kinds each role takes, as stored (a test keeps them in step with the enum).
pub(super) fn steps_of(role: &Role) -> &'static [&'static str] {
    match role {
        Role::Officer => OFFICER_STEPS,
        Role::GridWorker => WORKER_STEPS,
        Role::Staff => STAFF_STEPS,
        _ => &[],
    }
}
