//! The grid worker's commands on a patrol document. Each checks the write rules and the
//! patrol's state first and writes one change; a refusal changes nothing.

use super::model::{
    read_patrol, Category, Duty, Outcome, Patrol, PatrolStatus, Position, Step, StepKind,
};
use super::rules::{PATROL_RULES as RULES, TRACK_CHUNK_MAX};
use super::track::{encode, TrackFix};
use crate::directory::Place;
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::map_at;
use crate::rules::{DocContext, Record};
use crate::{LinliError, MemberId, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};

pub const TEAM_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 500;
pub const ACTION_MAX: usize = 300;

/// What a worker logs on the spot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservationDraft {
    pub duty: Duty,
    pub category: Category,
    pub description: String,
    pub position: Position,
    pub outcome: OutcomeDraft,
    /// The resident's report this answers (`<member>/<report id>`).
    pub report: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutcomeDraft {
    /// Solved on the spot: what was done.
    Resolved { action: String },
    /// Escalated to a department serving the community.
    Escalated { department: String },
}

fn patrols_map(doc: &Automerge) -> Result<ObjId> {
    map_at(doc, &ROOT, "patrols").ok_or_else(|| LinliError::Damaged("no patrols map".into()))
}

/// The patrol and its record object, or `NotFound`.
fn find(doc: &Automerge, id: &str) -> Result<(Patrol, ObjId)> {
    let patrol = read_patrol(doc, id).ok_or(LinliError::NotFound)?;
    let obj = map_at(doc, &patrols_map(doc)?, id).ok_or(LinliError::NotFound)?;
    Ok((patrol, obj))
}

fn child(doc: &Automerge, rec: &ObjId, name: &str) -> Result<ObjId> {
    map_at(doc, rec, name).ok_or_else(|| LinliError::Damaged(format!("no {name} map")))
}

fn own(writer: &Writer, patrol: &Patrol, path: &[&str]) -> Result<()> {
    let record = Record {
        author: Some(patrol.author.clone()),
        created_now: false,
    };
    RULES.authorize_in(writer, &DocContext::default(), &record, path)
}

/// Starts a patrol under `id` (a fresh random id the caller made), with its first step and
/// every child map in this one change.
pub fn start_patrol(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    team: &str,
    position: Position,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(id)?;
    let new = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    RULES.authorize_in(writer, &DocContext::default(), &new, &["patrols", id])?;
    let team = team.trim();
    if team.chars().count() > TEAM_MAX {
        return Err(LinliError::TooLong {
            field: Field::Team,
            max: TEAM_MAX,
        });
    }
    let patrols = patrols_map(doc)?;
    if doc.get(&patrols, id)?.is_some() {
        return Err(LinliError::AlreadyExists);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&patrols, id, ObjType::Map)?;
        tx.put(&rec, "author", writer.member.as_str())?;
        tx.put(&rec, "team", team)?;
        let steps = tx.put_object(&rec, "steps", ObjType::Map)?;
        tx.put_object(&rec, "track", ObjType::Map)?;
        tx.put_object(&rec, "observations", ObjType::Map)?;
        tx.put(&steps, "s0", Step::encode(&StepKind::Start, now, &position))?;
        Ok(())
    })?;
    Ok(hash)
}

/// Pauses, resumes or ends a patrol. Ending an ended patrol, pausing one not running or
/// resuming one not paused is refused.
pub fn step(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    patrol: &str,
    step_id: &str,
    kind: StepKind,
    position: Position,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(step_id)?;
    let (p, rec) = find(doc, patrol)?;
    own(writer, &p, &["patrols", patrol, "steps", step_id])?;
    match (p.status, &kind) {
        (PatrolStatus::Ended, _) => return Err(LinliError::PatrolEnded),
        (PatrolStatus::Running, StepKind::Pause) | (_, StepKind::End) => {}
        (PatrolStatus::Paused, StepKind::Resume) => {}
        (PatrolStatus::Paused, StepKind::Pause) => return Err(LinliError::PatrolNotRunning),
        _ => return Err(LinliError::StepNotNow),
    }
    let steps = child(doc, &rec, "steps")?;
    if doc.get(&steps, step_id)?.is_some() {
        return Err(LinliError::AlreadyExists);
    }
    // A step never sorts before the one it follows, whatever this device's clock says.
    let at = p.steps.last().map_or(now, |l| Millis(now.0.max(l.at.0)));
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&steps, step_id, Step::encode(&kind, at, &position))?;
        Ok(())
    })?;
    Ok(hash)
}

/// Stores a stretch of the track as one chunk, keyed by its first fix's time. A patrol
/// that has ended takes no more track.
pub fn add_track(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    patrol: &str,
    suffix: &str,
    fixes: &[TrackFix],
) -> Result<Option<ChangeHash>> {
    let Some(first) = fixes.first() else {
        return Ok(None);
    };
    let key = format!("{:013}-{suffix}", first.at.0.max(0));
    let (p, rec) = find(doc, patrol)?;
    own(writer, &p, &["patrols", patrol, "track", &key])?;
    if p.status == PatrolStatus::Ended {
        return Err(LinliError::PatrolEnded);
    }
    let bytes = encode(fixes);
    if bytes.len() > TRACK_CHUNK_MAX {
        return Err(LinliError::OutOfRange {
            field: Field::Place,
        });
    }
    let track = child(doc, &rec, "track")?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&track, key.as_str(), ScalarValue::Bytes(bytes))?;
        Ok(())
    })?;
    Ok(hash)
}

/// Logs an observation inside a running patrol. An escalation names a department that
/// serves the community (`serving`, from the directory); the worker then opens its case
/// with `escalation::open_case` in the document `escalation_id` derives from `oid`.
pub fn observe(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    patrol: &str,
    oid: &str,
    draft: &ObservationDraft,
    serving: &[Place],
) -> Result<Option<ChangeHash>> {
    MemberId::parse(oid)?;
    let (p, rec) = find(doc, patrol)?;
    own(writer, &p, &["patrols", patrol, "observations", oid])?;
    if p.status != PatrolStatus::Running {
        return Err(LinliError::PatrolNotRunning);
    }
    if matches!(draft.duty, Duty::Unknown(_)) || matches!(draft.category, Category::Unknown(_)) {
        return Err(LinliError::BadId);
    }
    let description = check_text(Field::Description, &draft.description, DESCRIPTION_MAX)?;
    let (outcome, action, department) = match &draft.outcome {
        OutcomeDraft::Resolved { action } => (
            Outcome::Resolved,
            check_text(Field::Action, action, ACTION_MAX)?,
            None,
        ),
        OutcomeDraft::Escalated { department } => {
            if !serving.iter().any(|d| d.id == *department) {
                return Err(LinliError::Empty(Field::Department));
            }
            (Outcome::Escalated, String::new(), Some(department.clone()))
        }
    };
    let observations = child(doc, &rec, "observations")?;
    if doc.get(&observations, oid)?.is_some() {
        return Err(LinliError::AlreadyExists);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let o = tx.put_object(&observations, oid, ObjType::Map)?;
        tx.put(&o, "at", now.0)?;
        tx.put(&o, "position", draft.position.encode())?;
        tx.put(&o, "duty", draft.duty.as_str())?;
        tx.put(&o, "category", draft.category.as_str())?;
        tx.put(&o, "description", description.as_str())?;
        tx.put(&o, "outcome", outcome.as_str())?;
        if !action.is_empty() {
            tx.put(&o, "action", action.as_str())?;
        }
        if let Some(d) = &department {
            tx.put(&o, "department", d.as_str())?;
        }
        if let Some(r) = &draft.report {
            tx.put(&o, "report", r.as_str())?;
        }
        Ok(())
    })?;
    Ok(hash)
}
