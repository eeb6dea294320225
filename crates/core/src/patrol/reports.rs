//! Residents raise problems (接诉即办): each resident's own document holds what they
//! reported and the answers workers and staff gave. The resident never sees patrol
//! documents or workers' notes, only the answer written for them.

use super::model::{string_enum, Category};
use super::rules::REPORT_RULES as RULES;
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::{each_field, map_at, records, FieldRef};
use crate::rules::{DocContext, Record};
use crate::{LinliError, MemberId, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ReadDoc, ROOT};

pub const PLACE_MAX: usize = 30;

string_enum!(
    /// What a worker or staff member says of a report.
    ReportStatus {
        Seen = "seen" / "已收到，将在巡查时处理" / "Seen; on the next round",
        Done = "done" / "已处理" / "Done",
        Referred = "referred" / "已上报部门处理" / "Passed to a department",
    }
);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportDraft {
    pub category: Category,
    pub description: String,
    /// Coarse: a building or a corner, never an exact address.
    pub place: String,
    /// The grid the resident names, if they know it; staff assign the rest.
    pub grid: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub id: String,
    pub author: MemberId,
    pub status: ReportStatus,
    pub note: String,
    pub at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: String,
    pub author: MemberId,
    pub category: Category,
    pub description: String,
    pub place: String,
    pub grid: Option<String>,
    pub at: Millis,
    /// Oldest first; the last is where it stands.
    pub answers: Vec<Answer>,
}

impl Report {
    pub fn status(&self) -> Option<&ReportStatus> {
        self.answers.last().map(|a| &a.status)
    }
}

/// Every report of the document, newest first, each with its answers.
pub fn read_reports(doc: &Automerge) -> Vec<Report> {
    let mut out: Vec<Report> = Vec::new();
    for (id, rec) in records(doc, "reports") {
        let mut r = Report {
            id,
            author: MemberId(String::new()),
            category: Category::Unknown(String::new()),
            description: String::new(),
            place: String::new(),
            grid: None,
            at: Millis(0),
            answers: Vec::new(),
        };
        let mut author = None;
        each_field(doc, &rec, |k, v| match (k, v) {
            ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
            ("category", FieldRef::Str(s)) => r.category = Category::parse(s),
            ("description", FieldRef::Str(s)) => r.description = s.to_owned(),
            ("place", FieldRef::Str(s)) => r.place = s.to_owned(),
            ("grid", FieldRef::Str(s)) if !s.is_empty() => r.grid = Some(s.to_owned()),
            ("at", FieldRef::Int(i)) => r.at = Millis(i),
            _ => {}
        });
        if let Some(a) = author {
            r.author = a;
            out.push(r);
        }
    }
    for (id, rec) in records(doc, "answers") {
        let mut report = String::new();
        let mut a = Answer {
            id,
            author: MemberId(String::new()),
            status: ReportStatus::Unknown(String::new()),
            note: String::new(),
            at: Millis(0),
        };
        let mut author = None;
        each_field(doc, &rec, |k, v| match (k, v) {
            ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
            ("report", FieldRef::Str(s)) => report = s.to_owned(),
            ("status", FieldRef::Str(s)) => a.status = ReportStatus::parse(s),
            ("note", FieldRef::Str(s)) => a.note = s.to_owned(),
            ("at", FieldRef::Int(i)) => a.at = Millis(i),
            _ => {}
        });
        if let (Some(who), Some(r)) = (author, out.iter_mut().find(|r| r.id == report)) {
            a.author = who;
            r.answers.push(a);
        }
    }
    for r in &mut out {
        crate::sort::by(&mut r.answers, |a, b| {
            a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id))
        });
    }
    crate::sort::by(&mut out, |a, b| {
        b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id))
    });
    out
}

fn new_record(writer: &Writer) -> Record {
    Record {
        author: Some(writer.member.clone()),
        created_now: true,
    }
}

/// A resident reports a problem in their own document.
pub fn file_report(
    doc: &mut Automerge,
    writer: &Writer,
    ctx: &DocContext,
    now: Millis,
    id: &str,
    draft: &ReportDraft,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(id)?;
    if ctx.subject.as_ref() != Some(&writer.member) {
        return Err(LinliError::Forbidden {
            path: format!("reports/{id}"),
        });
    }
    RULES.authorize_in(writer, ctx, &new_record(writer), &["reports", id])?;
    if matches!(draft.category, Category::Unknown(_)) {
        return Err(LinliError::BadId);
    }
    let description = check_text(
        Field::Description,
        &draft.description,
        super::DESCRIPTION_MAX,
    )?;
    let place = check_text(Field::Place, &draft.place, PLACE_MAX)?;
    if let Some(g) = &draft.grid {
        MemberId::parse(g)?;
    }
    let map = map_at(doc, &ROOT, "reports").ok_or(LinliError::Damaged("no reports".into()))?;
    if doc.get(&map, id)?.is_some() {
        return Err(LinliError::AlreadyExists);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&map, id, ObjType::Map)?;
        tx.put(&rec, "author", writer.member.as_str())?;
        tx.put(&rec, "category", draft.category.as_str())?;
        tx.put(&rec, "description", description.as_str())?;
        tx.put(&rec, "place", place.as_str())?;
        tx.put(&rec, "grid", draft.grid.as_deref().unwrap_or(""))?;
        tx.put(&rec, "at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// A worker or staff member answers report `report` with what was done.
pub fn answer(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    report: &str,
    status: ReportStatus,
    note: &str,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(id)?;
    RULES.authorize_in(
        writer,
        &DocContext::default(),
        &new_record(writer),
        &["answers", id],
    )?;
    if matches!(status, ReportStatus::Unknown(_)) {
        return Err(LinliError::BadId);
    }
    if !read_reports(doc).iter().any(|r| r.id == report) {
        return Err(LinliError::NotFound);
    }
    let note = check_text(Field::Action, note, super::ACTION_MAX)?;
    let map = map_at(doc, &ROOT, "answers").ok_or(LinliError::Damaged("no answers".into()))?;
    if doc.get(&map, id)?.is_some() {
        return Err(LinliError::AlreadyExists);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&map, id, ObjType::Map)?;
        tx.put(&rec, "author", writer.member.as_str())?;
        tx.put(&rec, "report", report)?;
        tx.put(&rec, "status", status.as_str())?;
        tx.put(&rec, "note", note.as_str())?;
        tx.put(&rec, "at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}
