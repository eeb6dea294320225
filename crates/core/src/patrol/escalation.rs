//! An escalation (社区吹哨、部门报到): the case a worker opened, and the steps the addressed
//! department, the worker and staff took on it. Its status is a fold of the steps; its
//! deadlines run from the server's receipt times, never a device's claim, and "overdue" is
//! derived at a time, never stored.

use super::desk::Deadlines;
use super::model::{string_enum, Category, Position};
use super::rules::{steps_of, ESCALATION_RULES as RULES};
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::{each_field, map_at, records, FieldRef};
use crate::rules::{DocContext, Record};
use crate::{Lang, LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ReadDoc, ROOT};

pub const NOTE_MAX: usize = 300;

string_enum!(
    StepKind {
        Acknowledged = "acknowledged" / "已签收" / "Acknowledged",
        InProgress = "in_progress" / "办理中" / "In progress",
        Resolved = "resolved" / "已办结" / "Resolved",
        NotResponsible = "not_responsible" / "退回：非本部门职责" / "Returned: not responsible",
        Confirmed = "confirmed" / "网格员确认解决" / "Fix confirmed",
        Reopened = "reopened" / "网格员重新打开" / "Reopened",
        Reassigned = "reassigned" / "社区改派" / "Reassigned",
    }
);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    Reported,
    Acknowledged,
    InProgress,
    Resolved,
    /// Returned by the department as not its responsibility: staff reassign it.
    Returned,
    /// The worker confirmed the fix.
    Closed,
    Reopened,
    /// Staff sent it on to another department (a new escalation carries on).
    Reassigned,
}

impl CaseStatus {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CaseStatus::Reported => lang.pick("已上报", "Reported"),
            CaseStatus::Acknowledged => lang.pick("已签收", "Acknowledged"),
            CaseStatus::InProgress => lang.pick("办理中", "In progress"),
            CaseStatus::Resolved => lang.pick("已办结，待确认", "Resolved, to confirm"),
            CaseStatus::Returned => lang.pick("已退回，待改派", "Returned, to reassign"),
            CaseStatus::Closed => lang.pick("已解决", "Closed"),
            CaseStatus::Reopened => lang.pick("已重新打开", "Reopened"),
            CaseStatus::Reassigned => lang.pick("已改派", "Reassigned"),
        }
    }

    /// Still the department's to act on: the clock runs.
    pub fn open(self) -> bool {
        matches!(
            self,
            CaseStatus::Reported
                | CaseStatus::Acknowledged
                | CaseStatus::InProgress
                | CaseStatus::Reopened
        )
    }

    /// What `kind` makes of this status, if it applies at all.
    fn then(self, kind: &StepKind) -> Option<CaseStatus> {
        use CaseStatus as S;
        Some(match (self, kind) {
            (S::Reported, StepKind::Acknowledged) => S::Acknowledged,
            (S::Reported | S::Acknowledged | S::Reopened, StepKind::InProgress) => S::InProgress,
            (s, StepKind::Resolved) if s.open() => S::Resolved,
            (s, StepKind::NotResponsible) if s.open() => S::Returned,
            (S::Resolved, StepKind::Confirmed) => S::Closed,
            (S::Resolved, StepKind::Reopened) => S::Reopened,
            (S::Returned, StepKind::Reassigned) => S::Reassigned,
            _ => return None,
        })
    }
}

/// What the worker (or staff, reassigning) opens a case with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseDraft {
    pub category: Category,
    pub description: String,
    pub position: Position,
    pub grid: String,
    /// The patrol document and observation it came from (`<doc>/<patrol>/<observation>`).
    pub patrol: String,
    pub department: String,
    /// The escalation it carries on from, when staff reassign a returned one.
    pub origin: Option<String>,
    pub deadlines: Deadlines,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub author: MemberId,
    pub kind: StepKind,
    pub note: String,
    pub at: Millis,
    pub department: Option<String>,
    /// When it reached the server, once published.
    pub received: Option<Millis>,
    /// Whether it changed the status (a step two officers took apart counts once).
    pub applied: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    pub author: MemberId,
    pub category: Category,
    pub description: String,
    pub position: Position,
    pub grid: String,
    pub patrol: String,
    pub department: String,
    pub origin: Option<String>,
    /// The worker's claimed time.
    pub reported_at: Millis,
    /// When the case reached the server: every deadline runs from here.
    pub received: Option<Millis>,
    pub deadlines: Deadlines,
    /// Claimed time, then id: the same order on every replica.
    pub steps: Vec<Step>,
    pub status: CaseStatus,
}

/// Which deadline an open case has missed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Late {
    Acknowledge,
    Resolve,
}

impl Case {
    pub fn ack_due(&self) -> Option<Millis> {
        self.received
            .map(|r| Millis(r.0 + i64::from(self.deadlines.ack_hours) * Millis::HOUR))
    }

    pub fn resolve_due(&self) -> Option<Millis> {
        self.received
            .map(|r| Millis(r.0 + i64::from(self.deadlines.resolve_hours) * Millis::HOUR))
    }

    /// The deadline this case has missed at `now`, if it is open and past one. A case the
    /// server has not received yet has no clock running: its department cannot know of it.
    pub fn late(&self, now: Millis) -> Option<Late> {
        if !self.status.open() {
            return None;
        }
        if self.resolve_due().is_some_and(|d| now > d) {
            return Some(Late::Resolve);
        }
        let acked = self
            .steps
            .iter()
            .any(|s| s.applied && s.kind != StepKind::Reopened);
        (!acked && self.ack_due().is_some_and(|d| now > d)).then_some(Late::Acknowledge)
    }
}

/// The overdue set at `now`: each open case past a deadline, the longest overdue first.
pub fn overdue(cases: &[Case], now: Millis) -> Vec<(&Case, Late)> {
    let mut out: Vec<(&Case, Late, Millis)> = cases
        .iter()
        .filter_map(|c| {
            let late = c.late(now)?;
            let due = match late {
                Late::Acknowledge => c.ack_due(),
                Late::Resolve => c.resolve_due(),
            }?;
            Some((c, late, due))
        })
        .collect();
    crate::sort::by(&mut out, |a, b| {
        a.2.cmp(&b.2).then_with(|| a.0.id.cmp(&b.0.id))
    });
    out.into_iter().map(|(c, l, _)| (c, l)).collect()
}

/// The escalation document's case, with its steps folded, if it has one that reads.
pub fn read_case(doc: &Automerge) -> Option<Case> {
    let (id, rec) = records(doc, "case").into_iter().next()?;
    let mut author = None;
    let mut c = Case {
        id,
        author: MemberId(String::new()),
        category: Category::Unknown(String::new()),
        description: String::new(),
        position: Position::Unavailable,
        grid: String::new(),
        patrol: String::new(),
        department: String::new(),
        origin: None,
        reported_at: Millis(0),
        received: None,
        deadlines: Deadlines::default(),
        steps: Vec::new(),
        status: CaseStatus::Reported,
    };
    each_field(doc, &rec, |k, v| match (k, v) {
        ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
        ("category", FieldRef::Str(s)) => c.category = Category::parse(s),
        ("description", FieldRef::Str(s)) => c.description = s.to_owned(),
        ("position", FieldRef::Str(s)) => c.position = Position::parse(s),
        ("grid", FieldRef::Str(s)) => c.grid = s.to_owned(),
        ("patrol", FieldRef::Str(s)) => c.patrol = s.to_owned(),
        ("department", FieldRef::Str(s)) => c.department = s.to_owned(),
        ("origin", FieldRef::Str(s)) => c.origin = Some(s.to_owned()),
        ("at", FieldRef::Int(i)) => c.reported_at = Millis(i),
        ("ack_hours", FieldRef::Int(i)) => c.deadlines.ack_hours = i.clamp(1, 720) as u32,
        ("resolve_hours", FieldRef::Int(i)) => {
            c.deadlines.resolve_hours = i.clamp(1, 90 * 24) as u32
        }
        _ => {}
    });
    c.author = author?;
    let step_recs = records(doc, "steps");
    let mut objs = vec![rec];
    objs.extend(step_recs.iter().map(|(_, o)| o.clone()));
    let received = crate::receipts::created_received(doc, &objs);
    c.received = received[0];
    for ((sid, obj), received) in step_recs.iter().zip(&received[1..]) {
        let mut s = Step {
            id: sid.clone(),
            author: MemberId(String::new()),
            kind: StepKind::Unknown(String::new()),
            note: String::new(),
            at: Millis(0),
            department: None,
            received: *received,
            applied: false,
        };
        let mut who = None;
        each_field(doc, obj, |k, v| match (k, v) {
            ("author", FieldRef::Str(x)) => who = MemberId::parse(x).ok(),
            ("kind", FieldRef::Str(x)) => s.kind = StepKind::parse(x),
            ("note", FieldRef::Str(x)) => s.note = x.to_owned(),
            ("at", FieldRef::Int(i)) => s.at = Millis(i),
            ("department", FieldRef::Str(x)) => s.department = Some(x.to_owned()),
            _ => {}
        });
        if let Some(who) = who {
            s.author = who;
            c.steps.push(s);
        }
    }
    crate::sort::by(&mut c.steps, |a, b| {
        a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id))
    });
    for s in &mut c.steps {
        if let Some(next) = c.status.then(&s.kind) {
            c.status = next;
            s.applied = true;
        }
    }
    Some(c)
}

/// The ids of the reassignments that took effect on the case, folded as [`read_case`] folds
/// the steps but reading only each step's kind and time. Sync asks this of every case a
/// device holds; reading no more keeps it quick, and keeps the whole case reader out of the
/// app's first load.
pub(crate) fn reassignments(doc: &Automerge) -> Vec<String> {
    let Some((_, rec)) = records(doc, "case").into_iter().next() else {
        return Vec::new();
    };
    let mut authored = false;
    each_field(doc, &rec, |k, v| {
        if let ("author", FieldRef::Str(s)) = (k, v) {
            authored = MemberId::parse(s).is_ok();
        }
    });
    if !authored {
        return Vec::new();
    }
    let mut steps = Vec::new();
    for (id, obj) in records(doc, "steps") {
        let (mut who, mut kind, mut at) = (false, None, Millis(0));
        each_field(doc, &obj, |k, v| match (k, v) {
            ("author", FieldRef::Str(x)) => who = MemberId::parse(x).is_ok(),
            ("kind", FieldRef::Str(x)) => kind = Some(StepKind::parse(x)),
            ("at", FieldRef::Int(i)) => at = Millis(i),
            _ => {}
        });
        if who {
            steps.push((at, id, kind.unwrap_or(StepKind::Unknown(String::new()))));
        }
    }
    crate::sort::by(&mut steps, |a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut status = CaseStatus::Reported;
    let mut out = Vec::new();
    for (_, id, kind) in steps {
        if let Some(next) = status.then(&kind) {
            status = next;
            if kind == StepKind::Reassigned {
                out.push(id);
            }
        }
    }
    out
}

/// Opens the case in a new escalation document, as the reporting worker (or staff, for a
/// reassignment), in one change.
pub fn open_case(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    key: &str,
    draft: &CaseDraft,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(key)?;
    let new = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    RULES.authorize_in(writer, &DocContext::default(), &new, &["case", key])?;
    if read_case(doc).is_some() {
        return Err(LinliError::AlreadyExists);
    }
    if matches!(draft.category, Category::Unknown(_)) {
        return Err(LinliError::BadId);
    }
    let description = check_text(
        Field::Description,
        &draft.description,
        super::DESCRIPTION_MAX,
    )?;
    check_text(Field::Department, &draft.department, super::rules::REF_MAX)?;
    draft.deadlines.check()?;
    let cases = map_at(doc, &ROOT, "case").ok_or(LinliError::Damaged("no case map".into()))?;
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&cases, key, ObjType::Map)?;
        tx.put(&rec, "author", writer.member.as_str())?;
        tx.put(&rec, "category", draft.category.as_str())?;
        tx.put(&rec, "description", description.as_str())?;
        tx.put(&rec, "position", draft.position.encode())?;
        tx.put(&rec, "at", now.0)?;
        tx.put(&rec, "grid", draft.grid.as_str())?;
        tx.put(&rec, "patrol", draft.patrol.as_str())?;
        tx.put(&rec, "department", draft.department.as_str())?;
        if let Some(o) = &draft.origin {
            tx.put(&rec, "origin", o.as_str())?;
        }
        tx.put(&rec, "ack_hours", i64::from(draft.deadlines.ack_hours))?;
        tx.put(
            &rec,
            "resolve_hours",
            i64::from(draft.deadlines.resolve_hours),
        )?;
        Ok(())
    })?;
    Ok(hash)
}

/// A step as the person fills it in: its kind, the note, and for a reassignment the
/// department it goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepDraft<'a> {
    pub kind: StepKind,
    pub note: &'a str,
    pub to: Option<&'a str>,
}

/// Takes a step on the case: an officer of the addressed department (`posting` is the
/// department the device's member works for) acknowledges, progresses, resolves or
/// returns it; the reporting worker confirms the fix or reopens it; staff reassign a
/// returned case to `to`. Every officer step, a reopening and a reassignment need a note.
pub fn act(
    doc: &mut Automerge,
    writer: &Writer,
    posting: Option<&str>,
    now: Millis,
    sid: &str,
    draft: &StepDraft,
) -> Result<Option<ChangeHash>> {
    let StepDraft { kind, note, to } = draft.clone();
    MemberId::parse(sid)?;
    let case = read_case(doc).ok_or(LinliError::NotFound)?;
    if !steps_of(&writer.role).contains(&kind.as_str()) {
        return Err(LinliError::Forbidden {
            path: format!("steps/{sid}/kind"),
        });
    }
    match writer.role {
        Role::Officer if posting != Some(case.department.as_str()) => {
            return Err(LinliError::OtherDepartment)
        }
        Role::GridWorker if writer.member != case.author => {
            return Err(LinliError::Forbidden {
                path: format!("steps/{sid}"),
            })
        }
        _ => {}
    }
    let new = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    RULES.authorize_in(writer, &DocContext::default(), &new, &["steps", sid])?;
    if case.status.then(&kind).is_none() {
        return Err(LinliError::StepNotNow);
    }
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(LinliError::TooLong {
            field: Field::Note,
            max: NOTE_MAX,
        });
    }
    if note.is_empty() && kind != StepKind::Confirmed {
        return Err(LinliError::Empty(Field::Note));
    }
    let to = match (&kind, to) {
        (StepKind::Reassigned, Some(d)) if d != case.department => {
            Some(check_text(Field::Department, d, super::rules::REF_MAX)?)
        }
        (StepKind::Reassigned, _) => return Err(LinliError::Empty(Field::Department)),
        _ => None,
    };
    let steps = map_at(doc, &ROOT, "steps").ok_or(LinliError::Damaged("no steps map".into()))?;
    if doc.get(&steps, sid)?.is_some() {
        return Err(LinliError::AlreadyExists);
    }
    // Never before the step it follows on this device, whatever its clock says.
    let at = case
        .steps
        .last()
        .map_or(now, |l| Millis(now.0.max(l.at.0 + 1)));
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&steps, sid, ObjType::Map)?;
        tx.put(&rec, "author", writer.member.as_str())?;
        tx.put(&rec, "kind", kind.as_str())?;
        if !note.is_empty() {
            tx.put(&rec, "note", note)?;
        }
        tx.put(&rec, "at", at.0)?;
        if let Some(d) = &to {
            tx.put(&rec, "department", d.as_str())?;
        }
        Ok(())
    })?;
    Ok(hash)
}
