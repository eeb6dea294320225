//! Patrol's place in the registry. The server knows patrol, desk, department and reports
//! documents from its records; it learns each escalation from the observation (or the
//! reassignment) the door admitted, and indexes it for its department and residents'
//! reports for the desk, as facts of its own.

use super::model::Outcome;
use super::rules::{DESK_RULES, ESCALATION_RULES, PATROL_RULES, REPORT_RULES};
use super::{
    department_id, desk_id, escalation_id, patrol_doc, reports_id, DEPARTMENT, DESK, ESCALATION,
    PATROL, REPORTS,
};
use crate::access::{department_doc, grid_doc, Access, Reader, Scope};
use crate::doc::transact;
use crate::read::{each_field, map_at, str_at, FieldRef};
use crate::registry::{keys_written, Fact, FactEnv, Held, Kind, Module, Scheduled, Serving, World};
use crate::{CommunityId, DocId, DocKind, LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, Change, ReadDoc, ROOT};

pub const MODULE: Module = Module {
    name: "patrol",
    kinds: &[
        Kind {
            kind: PATROL,
            roots: &["patrols"],
            rules: Some(&PATROL_RULES),
            // Only ever as a grid's document.
            access: crate::access::never,
            receipts: false,
        },
        Kind {
            kind: ESCALATION,
            roots: &["case", "steps", "receipts"],
            rules: Some(&ESCALATION_RULES),
            // Only ever as a case.
            access: crate::access::never,
            receipts: true,
        },
        Kind {
            kind: DEPARTMENT,
            roots: &["cases"],
            rules: None,
            access: crate::access::never,
            receipts: false,
        },
        Kind {
            kind: DESK,
            roots: &["settings", "inbox", "assign"],
            rules: Some(&DESK_RULES),
            access: desk_access,
            receipts: false,
        },
        Kind {
            kind: REPORTS,
            roots: &["reports", "answers"],
            rules: Some(&REPORT_RULES),
            access: reports_access,
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
    facts: &[
        Fact {
            name: "patrol.index",
            write: index_case,
        },
        Fact {
            name: "patrol.inbox",
            write: index_report,
        },
    ],
};

/// Staff write the desk (deadlines, assignments); grid workers read it to find reports.
fn desk_access(reader: &Reader, _: &Scope) -> Access {
    match reader.role {
        Role::Staff => Access::Write,
        Role::GridWorker => Access::Read,
        _ => Access::None,
    }
}

/// A resident's reports: theirs to write reports in, and the community's workers' and
/// staff's to answer; no other resident sees them.
fn reports_access(reader: &Reader, scope: &Scope) -> Access {
    match scope {
        Scope::Member { subject, .. } if *subject == reader.member => Access::Write,
        _ if matches!(reader.role, Role::GridWorker | Role::Staff) => Access::Write,
        _ => Access::None,
    }
}

fn docs(world: &World, out: &mut Vec<(DocId, Scope)>) {
    for c in world.communities {
        out.push(crate::registry::community_doc(c, &DESK, ""));
    }
    for (c, m) in world.members {
        out.push((
            reports_id(c, m),
            Scope::Member {
                community: c.clone(),
                kind: REPORTS,
                subject: m.clone(),
            },
        ));
    }
    for (c, grid) in world.grids {
        for month in world.months {
            out.push(grid_doc(c, &PATROL, grid, month));
        }
    }
    for d in world.departments {
        out.push(department_doc(&DEPARTMENT, d));
    }
}

/// The last month's document too: a patrol started on the 31st ends on the 1st.
fn held(reader: &Reader, now: Millis, out: &mut Held) {
    let c = &reader.community;
    match reader.role {
        Role::Resident => out.push((reports_id(c, &reader.member), REPORTS)),
        Role::GridWorker | Role::Staff => {
            out.push((desk_id(c), DESK));
            let (_, _, day) = now.civil_date_china();
            let last_month = Millis(now.0 - i64::from(day) * Millis::DAY);
            for grid in &reader.grids {
                for at in [now, last_month] {
                    out.push((patrol_doc(c, grid, at).0, PATROL));
                }
            }
        }
        Role::Officer => {
            if let Some(p) = &reader.posting {
                out.push((department_id(&p.department), DEPARTMENT));
            }
        }
        Role::Unknown(_) => {}
    }
}

fn follows(reader: &Reader, kind: &DocKind, id: &DocId, doc: &Automerge, out: &mut Held) {
    let c = &reader.community;
    if *kind == PATROL {
        let author = (reader.role != Role::Staff).then_some(&reader.member);
        for o in super::model::escalated(doc, author) {
            out.push((escalation_id(c, &o), ESCALATION));
        }
    } else if *kind == ESCALATION && reader.role != Role::Officer {
        for step in super::escalation::reassignments(doc) {
            out.push((escalation_id(c, &format!("{id}/{step}")), ESCALATION));
        }
    } else if *kind == DEPARTMENT {
        for (case, _) in department_cases(doc) {
            out.push((case, ESCALATION));
        }
    } else if *kind == DESK {
        for e in super::inbox(doc) {
            let mine = reader.role == Role::Staff
                || e.grid.as_ref().is_some_and(|g| reader.grids.contains(g));
            if mine {
                out.push((reports_id(c, &e.member), REPORTS));
            }
        }
    }
}

/// The (patrol, observation) pairs `changes` created or wrote into.
fn touched_observations(view: &Automerge, changes: &[Change]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for c in changes {
        for op in c.decode().operations {
            let Ok(obj) = view.import_obj(&op.obj.to_string()) else {
                continue;
            };
            let Ok(parents) = view.parents(&obj) else {
                continue;
            };
            let mut path: Vec<String> = parents
                .map(|p| match p.prop {
                    automerge::Prop::Map(k) => k,
                    automerge::Prop::Seq(_) => String::new(),
                })
                .collect();
            path.reverse();
            let pair = match (path.as_slice(), &op.key) {
                ([p, pid, o], automerge::legacy::Key::Map(k))
                    if p == "patrols" && o == "observations" =>
                {
                    Some((pid.clone(), k.to_string()))
                }
                ([p, pid, o, oid, ..], _) if p == "patrols" && o == "observations" => {
                    Some((pid.clone(), oid.clone()))
                }
                _ => None,
            };
            if let Some(pair) = pair {
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
    }
    out
}

/// Escalations the admitted changes opened: each observation escalated to a department,
/// with its patrol's author (read from the record the door judged) as reporter.
fn escalations_in(scope: &Scope, view: &Automerge, changes: &[Change]) -> Vec<(DocId, Scope)> {
    let Scope::Grid {
        community, kind, ..
    } = scope
    else {
        return Vec::new();
    };
    if *kind != PATROL {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (pid, oid) in touched_observations(view, changes) {
        let Some(p) = super::read_patrol(view, &pid) else {
            continue;
        };
        let Some(o) = p.observations.iter().find(|o| o.id == oid) else {
            continue;
        };
        if let (Outcome::Escalated, Some(department)) = (&o.outcome, &o.department) {
            out.push((
                escalation_id(community, &oid),
                Scope::Case {
                    community: community.clone(),
                    kind: ESCALATION,
                    reporter: p.author.clone(),
                    department: department.clone(),
                },
            ));
        }
    }
    out
}

/// Reassignments staff wrote into an escalation: each a new case for the new department,
/// shared with the same reporter.
fn reassignments_in(
    scope: &Scope,
    id: &DocId,
    view: &Automerge,
    changes: &[Change],
) -> Vec<(DocId, Scope)> {
    let Scope::Case {
        community,
        kind,
        reporter,
        ..
    } = scope
    else {
        return Vec::new();
    };
    let Some(steps) = map_at(view, &ROOT, "steps").filter(|_| *kind == ESCALATION) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for sid in keys_written(&steps, changes) {
        let Some(rec) = map_at(view, &steps, &sid) else {
            continue;
        };
        let reassigned = str_at(view, &rec, "kind").as_deref() == Some("reassigned");
        if let (true, Some(department)) = (reassigned, str_at(view, &rec, "department")) {
            out.push((
                escalation_id(community, &format!("{id}/{sid}")),
                Scope::Case {
                    community: community.clone(),
                    kind: ESCALATION,
                    reporter: reporter.clone(),
                    department,
                },
            ));
        }
    }
    out
}

fn learns(scope: &Scope, id: &DocId, view: &Automerge, changes: &[Change]) -> Vec<(DocId, Scope)> {
    let mut out = escalations_in(scope, view, changes);
    out.extend(reassignments_in(scope, id, view, changes));
    out
}

fn schedules(scope: &Scope, id: &DocId, view: &Automerge, changes: &[Change]) -> Vec<Scheduled> {
    let mut out: Vec<Scheduled> = learns(scope, id, view, changes)
        .into_iter()
        .filter_map(|(case, s)| match s {
            Scope::Case {
                community,
                department,
                ..
            } => Some(Scheduled {
                doc: department_id(&department),
                fact: "patrol.index",
                payload: format!("{} {case}", community.as_str()),
                due: Millis(0),
            }),
            _ => None,
        })
        .collect();
    if let Scope::Member {
        community,
        kind,
        subject,
    } = scope
    {
        if *kind == REPORTS {
            if let Some(reports) = map_at(view, &ROOT, "reports") {
                for rid in keys_written(&reports, changes) {
                    let Some(rec) = map_at(view, &reports, &rid) else {
                        continue;
                    };
                    let grid = str_at(view, &rec, "grid").filter(|g| !g.is_empty());
                    out.push(Scheduled {
                        doc: desk_id(community),
                        fact: "patrol.inbox",
                        payload: format!(
                            "{} {rid} {}",
                            subject.as_str(),
                            grid.as_deref().unwrap_or("-")
                        ),
                        due: Millis(0),
                    });
                }
            }
        }
    }
    out
}

/// The escalations a department document lists, with the community each came from.
pub fn department_cases(doc: &Automerge) -> Vec<(DocId, CommunityId)> {
    let Some(map) = map_at(doc, &ROOT, "cases") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    each_field(doc, &map, |k, v| {
        if let (Ok(id), FieldRef::Str(c)) = (DocId::parse(k), v) {
            if let Ok(c) = CommunityId::parse(c) {
                out.push((id, c));
            }
        }
    });
    out
}

/// The server's fact: `payload` = `<community> <escalation id>` in the department's index.
fn index_case(doc: &mut Automerge, env: &FactEnv, payload: &str) -> Result<Option<Millis>> {
    let Some((community, case)) = payload.split_once(' ') else {
        return Err(LinliError::Damaged(format!("bad index payload {payload}")));
    };
    CommunityId::parse(community)?;
    DocId::parse(case)?;
    let map = map_at(doc, &ROOT, "cases").ok_or(LinliError::Damaged("no cases".into()))?;
    if doc.get(&map, case)?.is_none() {
        transact(doc, env.now, |tx| {
            tx.put(&map, case, community)?;
            Ok(())
        })?;
    }
    Ok(None)
}

fn index_report(doc: &mut Automerge, env: &FactEnv, payload: &str) -> Result<Option<Millis>> {
    if let Some(member) = payload.split(' ').next() {
        MemberId::parse(member)?;
    }
    super::desk::index_report(doc, env.now, payload)?;
    Ok(None)
}
