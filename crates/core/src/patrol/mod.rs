//! Patrol (网格巡查): grid workers log rounds with no signal, solve problems on the spot or
//! escalate them to a city department, which reports in and resolves them; residents raise
//! problems that reach their grid's workers.
//!
//! Documents (DESIGN.md, "Documents: who writes what"):
//! - a patrol document per grid and month: its workers' patrols, each with its steps, its
//!   track (compact byte chunks) and its observations; only a patrol's author writes inside it;
//! - an escalation document per escalated observation, its id derived from the observation
//!   so the worker creates it offline; the server learns who shares it from the observation
//!   the door admitted, and publishes receipt times into it, which every deadline reads;
//! - a department document the server alone writes: the escalations addressed to it;
//! - a desk document per community: the deadlines staff set, the server's index of
//!   residents' reports, and the grids staff assign reports to;
//! - a reports document per resident: what they raised, and what workers did about it.

mod commands;
mod desk;
mod escalation;
mod model;
mod module;
mod reports;
mod rules;
mod track;
mod views;

pub use commands::{
    add_track, observe, start_patrol, step, ObservationDraft, OutcomeDraft, ACTION_MAX,
    DESCRIPTION_MAX, TEAM_MAX,
};
pub use desk::{assign_report, deadlines, inbox, set_deadlines, Deadlines, InboxEntry};
pub use escalation::{
    act, open_case, overdue, read_case, Case, CaseDraft, CaseStatus, Late, Step as CaseStep,
    StepDraft, StepKind as CaseStepKind, NOTE_MAX,
};
pub use model::{
    follow, patrols, patrols_of, read_patrol, suggest_department, Category, Duty, Observation,
    Outcome, Patrol, PatrolStatus, Position, Step, StepKind,
};
pub use module::{department_cases, MODULE, SERVING};
pub use reports::{answer, file_report, read_reports, Answer, Report, ReportDraft, ReportStatus};
pub use track::{decode, encode, segments, TrackFix, GAP_MS};
pub use views::{csv_of_day, solved_on_spot, OnSpot};

use crate::access::{department_doc, grid_doc, Scope};
use crate::{CommunityId, DocId, DocKind, MemberId, Millis};

pub const PATROL: DocKind = DocKind::named("patrol");
pub const ESCALATION: DocKind = DocKind::named("escalation");
pub const DEPARTMENT: DocKind = DocKind::named("department");
pub const DESK: DocKind = DocKind::named("patrol_desk");
pub const REPORTS: DocKind = DocKind::named("reports");

/// A grid's patrol document for the month `at` falls in.
pub fn patrol_doc(community: &CommunityId, grid: &str, at: Millis) -> (DocId, Scope) {
    grid_doc(community, &PATROL, grid, &at.month())
}

/// The escalation document of observation `key` (or of a reassignment, `<doc>/<step>`):
/// derived, so the worker creates it with no signal and the server recomputes it.
pub fn escalation_id(community: &CommunityId, key: &str) -> DocId {
    DocId::derive(community, ESCALATION.as_str(), key)
}

pub fn department_id(department: &str) -> DocId {
    department_doc(&DEPARTMENT, department).0
}

pub fn desk_id(community: &CommunityId) -> DocId {
    DocId::derive(community, DESK.as_str(), "")
}

pub fn reports_id(community: &CommunityId, member: &MemberId) -> DocId {
    DocId::derive(community, REPORTS.as_str(), member.as_str())
}

#[cfg(test)]
mod tests;
