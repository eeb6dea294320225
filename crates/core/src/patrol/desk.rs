//! The community's patrol desk: the deadlines staff set for escalations, the server's index
//! of residents' reports (so workers and staff know whose reports to hold), and the grid
//! staff assign a report to when its resident named none.

use super::rules::DESK_RULES as RULES;
use crate::doc::{transact, Writer};
use crate::error::Field;
use crate::read::{each_field, i64_at, map_at, FieldRef};
use crate::rules::DocContext;
use crate::{LinliError, MemberId, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ReadDoc, ROOT};

/// How long a department has: to acknowledge, and to resolve, from the case's receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    pub ack_hours: u32,
    pub resolve_hours: u32,
}

impl Default for Deadlines {
    /// Acknowledge within a day, resolve within a week.
    fn default() -> Self {
        Deadlines {
            ack_hours: 24,
            resolve_hours: 7 * 24,
        }
    }
}

impl Deadlines {
    pub fn check(&self) -> Result<()> {
        if (1..=720).contains(&self.ack_hours)
            && (1..=90 * 24).contains(&self.resolve_hours)
            && self.ack_hours <= self.resolve_hours
        {
            Ok(())
        } else {
            Err(LinliError::OutOfRange {
                field: Field::Deadlines,
            })
        }
    }
}

/// The deadlines staff set, or the defaults.
pub fn deadlines(doc: &Automerge) -> Deadlines {
    let mut d = Deadlines::default();
    if let Some(s) = map_at(doc, &ROOT, "settings") {
        if let Some(h) = i64_at(doc, &s, "ack_hours") {
            d.ack_hours = h.clamp(1, 720) as u32;
        }
        if let Some(h) = i64_at(doc, &s, "resolve_hours") {
            d.resolve_hours = h.clamp(1, 90 * 24) as u32;
        }
    }
    d
}

pub fn set_deadlines(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    d: Deadlines,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, &DocContext::default(), &["settings", "ack_hours"])?;
    d.check()?;
    let s = map_at(doc, &ROOT, "settings").ok_or(LinliError::Damaged("no settings".into()))?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&s, "ack_hours", i64::from(d.ack_hours))?;
        tx.put(&s, "resolve_hours", i64::from(d.resolve_hours))?;
        Ok(())
    })?;
    Ok(hash)
}

/// A resident's report as the desk lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxEntry {
    /// `<member>/<report id>`.
    pub key: String,
    pub member: MemberId,
    pub report: String,
    /// The grid it reached: staff's assignment, or else the one the resident named.
    pub grid: Option<String>,
}

/// Every report the server indexed, by key.
pub fn inbox(doc: &Automerge) -> Vec<InboxEntry> {
    let assigned = map_at(doc, &ROOT, "assign");
    let Some(map) = map_at(doc, &ROOT, "inbox") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    each_field(doc, &map, |key, v| {
        let FieldRef::Str(named) = v else { return };
        let Some((member, report)) = key.split_once('/') else {
            return;
        };
        let Ok(member) = MemberId::parse(member) else {
            return;
        };
        out.push(InboxEntry {
            key: key.to_owned(),
            member,
            report: report.to_owned(),
            grid: (!named.is_empty()).then(|| named.to_owned()),
        });
    });
    if let Some(a) = assigned {
        for e in &mut out {
            if let Some(g) = crate::read::str_at(doc, &a, &e.key) {
                e.grid = Some(g);
            }
        }
    }
    out
}

/// Staff send a report to a grid (one the resident did not name, or the wrong one).
pub fn assign_report(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    key: &str,
    grid: &str,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, &DocContext::default(), &["assign", key])?;
    MemberId::parse(grid)?;
    if !inbox(doc).iter().any(|e| e.key == key) {
        return Err(LinliError::NotFound);
    }
    let a = map_at(doc, &ROOT, "assign").ok_or(LinliError::Damaged("no assign".into()))?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&a, key, grid)?;
        Ok(())
    })?;
    Ok(hash)
}

/// The server's fact: a report `payload` = `<member> <report> <grid or ->` in the inbox.
pub(super) fn index_report(doc: &mut Automerge, now: Millis, payload: &str) -> Result<()> {
    let mut parts = payload.split(' ');
    let (Some(member), Some(report), Some(grid)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(LinliError::Damaged(format!("bad inbox payload {payload}")));
    };
    let map = map_at(doc, &ROOT, "inbox").ok_or(LinliError::Damaged("no inbox".into()))?;
    let key = format!("{member}/{report}");
    if doc.get(&map, key.as_str())?.is_some() {
        return Ok(());
    }
    let grid = if grid == "-" { "" } else { grid };
    transact(doc, now, |tx| {
        tx.put(&map, key.as_str(), grid)?;
        Ok(())
    })?;
    Ok(())
}
