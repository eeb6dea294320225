//! Every transition, deadline and refusal of patrol, escalations and residents' reports.

use super::*;
use crate::access::{Access, Posting, Reader, Scope};
use crate::directory::Place;
use crate::doc::Writer;
use crate::error::Field;
use crate::registry;
use crate::rules::DocContext;
use crate::schema::genesis;
use crate::test_fixtures::{ann, bob, refused, staff, w};
use crate::{CommunityId, LinliError, MemberId, Millis, Role};

const T0: Millis = Millis(1_764_547_200_000); // 2025-12-01 08:00 in China

fn huqian() -> CommunityId {
    CommunityId::parse("huqian-2").unwrap()
}
fn zhang() -> Writer {
    w("m_zhang", Role::GridWorker)
}
fn li() -> Writer {
    w("m_li", Role::GridWorker)
}
fn water() -> Writer {
    w("m_water", Role::Officer)
}
fn housing() -> Writer {
    w("m_housing", Role::Officer)
}
fn here() -> Position {
    Position::Fix {
        lat_e6: 31_230_416,
        lon_e6: 121_473_701,
        accuracy_m: 12,
    }
}
fn serving() -> Vec<Place> {
    ["water", "housing"]
        .map(|id| Place {
            id: id.into(),
            name: id.into(),
        })
        .to_vec()
}
fn resolved(text: &str) -> ObservationDraft {
    ObservationDraft {
        duty: Duty::Inspect,
        category: Category::Sanitation,
        description: text.into(),
        position: here(),
        outcome: OutcomeDraft::Resolved {
            action: "当场清理".into(),
        },
        report: None,
    }
}
fn escalated(dept: &str) -> ObservationDraft {
    ObservationDraft {
        category: Category::Facility,
        outcome: OutcomeDraft::Escalated {
            department: dept.into(),
        },
        ..resolved("井盖破损")
    }
}

fn running() -> automerge::Automerge {
    let mut doc = genesis(&PATROL);
    start_patrol(&mut doc, &zhang(), T0, "p1", "社区书记", here()).unwrap();
    doc
}

#[test]
fn a_patrol_starts_pauses_resumes_and_ends_with_a_fix_at_each_step() {
    let mut doc = running();
    let p = read_patrol(&doc, "p1").unwrap();
    assert_eq!(
        (p.status, p.team.as_str()),
        (PatrolStatus::Running, "社区书记")
    );
    assert_eq!(p.steps[0].position, here());
    step(
        &mut doc,
        &zhang(),
        Millis(T0.0 + 60_000),
        "p1",
        "s1",
        StepKind::Pause,
        Position::Denied,
    )
    .unwrap();
    assert_eq!(
        read_patrol(&doc, "p1").unwrap().status,
        PatrolStatus::Paused
    );
    refused(&mut doc, LinliError::PatrolNotRunning, |d| {
        observe(
            d,
            &zhang(),
            Millis(T0.0 + 70_000),
            "p1",
            "o1",
            &resolved("垃圾"),
            &serving(),
        )
    });
    refused(&mut doc, LinliError::PatrolNotRunning, |d| {
        step(d, &zhang(), T0, "p1", "s2", StepKind::Pause, here())
    });
    step(
        &mut doc,
        &zhang(),
        Millis(T0.0 + 120_000),
        "p1",
        "s2",
        StepKind::Resume,
        Position::Unavailable,
    )
    .unwrap();
    refused(&mut doc, LinliError::StepNotNow, |d| {
        step(d, &zhang(), T0, "p1", "s3", StepKind::Resume, here())
    });
    step(
        &mut doc,
        &zhang(),
        Millis(T0.0 + 180_000),
        "p1",
        "s3",
        StepKind::End,
        here(),
    )
    .unwrap();
    let p = read_patrol(&doc, "p1").unwrap();
    assert_eq!(p.status, PatrolStatus::Ended);
    assert_eq!(p.ended_at, Some(Millis(T0.0 + 180_000)));
    assert_eq!(
        p.steps.iter().map(|s| s.position).collect::<Vec<_>>(),
        [here(), Position::Denied, Position::Unavailable, here()]
    );
    refused(&mut doc, LinliError::PatrolEnded, |d| {
        step(d, &zhang(), T0, "p1", "s4", StepKind::End, here())
    });
    refused(&mut doc, LinliError::PatrolNotRunning, |d| {
        observe(d, &zhang(), T0, "p1", "o9", &resolved("x"), &serving())
    });
}

#[test]
fn only_grid_workers_patrol_and_only_their_own_patrols() {
    let mut doc = running();
    for who in [ann(), staff(), water()] {
        refused(
            &mut doc,
            LinliError::Forbidden {
                path: "patrols/p2".into(),
            },
            |d| start_patrol(d, &who, T0, "p2", "", here()),
        );
    }
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "patrols/p1/observations/o1".into(),
        },
        |d| observe(d, &li(), T0, "p1", "o1", &resolved("垃圾"), &serving()),
    );
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "patrols/p1/steps/s1".into(),
        },
        |d| step(d, &li(), T0, "p1", "s1", StepKind::End, here()),
    );
    refused(&mut doc, LinliError::AlreadyExists, |d| {
        start_patrol(d, &zhang(), T0, "p1", "", here())
    });
}

#[test]
fn an_observation_needs_a_description_and_an_outcome_it_can_keep() {
    let mut doc = running();
    refused(&mut doc, LinliError::Empty(Field::Description), |d| {
        observe(d, &zhang(), T0, "p1", "o1", &resolved("  "), &serving())
    });
    let mut no_action = resolved("垃圾");
    no_action.outcome = OutcomeDraft::Resolved { action: "".into() };
    refused(&mut doc, LinliError::Empty(Field::Action), |d| {
        observe(d, &zhang(), T0, "p1", "o1", &no_action, &serving())
    });
    refused(&mut doc, LinliError::Empty(Field::Department), |d| {
        observe(
            d,
            &zhang(),
            T0,
            "p1",
            "o1",
            &escalated("police"),
            &serving(),
        )
    });
    observe(
        &mut doc,
        &zhang(),
        T0,
        "p1",
        "o1",
        &resolved("垃圾堆放"),
        &serving(),
    )
    .unwrap();
    observe(
        &mut doc,
        &zhang(),
        Millis(T0.0 + 1),
        "p1",
        "o2",
        &escalated("water"),
        &serving(),
    )
    .unwrap();
    let p = read_patrol(&doc, "p1").unwrap();
    assert_eq!(p.observations.len(), 2);
    assert_eq!(p.observations[0].action, "当场清理");
    assert_eq!(p.observations[1].department.as_deref(), Some("water"));
    let day = solved_on_spot([&p], T0, Millis(T0.0 + Millis::DAY));
    assert_eq!(
        (day.resolved, day.escalated, day.percent()),
        (1, 1, Some(50))
    );
}

#[test]
fn the_track_is_kept_as_bytes_and_stops_with_the_patrol() {
    let mut doc = running();
    let fixes: Vec<TrackFix> = (0..50)
        .map(|i| TrackFix {
            at: Millis(T0.0 + i * 5_000),
            lat_e6: 31_230_000 + i as i32,
            lon_e6: 121_470_000,
            accuracy_m: 10,
        })
        .collect();
    add_track(&mut doc, &zhang(), T0, "p1", "a", &fixes[..25]).unwrap();
    add_track(&mut doc, &zhang(), T0, "p1", "b", &fixes[25..]).unwrap();
    assert_eq!(read_patrol(&doc, "p1").unwrap().fixes(), fixes);
    step(&mut doc, &zhang(), T0, "p1", "s1", StepKind::End, here()).unwrap();
    refused(&mut doc, LinliError::PatrolEnded, |d| {
        add_track(d, &zhang(), T0, "p1", "c", &fixes)
    });
}

#[test]
fn the_door_refuses_a_forged_observation_in_anothers_patrol() {
    use automerge::transaction::Transactable;
    let mut doc = running();
    let obs = {
        let p = crate::read::map_at(&doc, &automerge::ROOT, "patrols").unwrap();
        let r = crate::read::map_at(&doc, &p, "p1").unwrap();
        crate::read::map_at(&doc, &r, "observations").unwrap()
    };
    let res = crate::test_fixtures::judge(&rules::PATROL_RULES, &mut doc, &li(), |tx| {
        let o = tx.put_object(&obs, "o1", automerge::ObjType::Map)?;
        tx.put(&o, "description", "伪造")?;
        Ok(())
    });
    assert!(matches!(res, Err(LinliError::Forbidden { .. })), "{res:?}");
    let res = crate::test_fixtures::judge(&rules::PATROL_RULES, &mut doc, &zhang(), |tx| {
        let o = tx.put_object(&obs, "o2", automerge::ObjType::Map)?;
        tx.put(&o, "duty", "arrest")?;
        Ok(())
    });
    assert!(matches!(res, Err(LinliError::BadValue { .. })), "{res:?}");
}

fn case_doc() -> automerge::Automerge {
    let mut doc = genesis(&ESCALATION);
    open_case(
        &mut doc,
        &zhang(),
        T0,
        "o2",
        &CaseDraft {
            category: Category::Facility,
            description: "井盖破损".into(),
            position: here(),
            grid: "g1".into(),
            patrol: "p1".into(),
            department: "water".into(),
            origin: None,
            deadlines: Deadlines::default(),
        },
    )
    .unwrap();
    doc
}

fn officer_act(
    doc: &mut automerge::Automerge,
    sid: &str,
    at: i64,
    kind: CaseStepKind,
    note: &str,
) -> crate::Result<()> {
    act(
        doc,
        &water(),
        Some("water"),
        Millis(T0.0 + at),
        sid,
        &StepDraft {
            kind,
            note,
            to: None,
        },
    )
    .map(|_| ())
}

#[test]
fn an_escalation_goes_reported_acknowledged_in_progress_resolved_closed() {
    let mut doc = case_doc();
    let status = |d: &automerge::Automerge| read_case(d).unwrap().status;
    assert_eq!(status(&doc), CaseStatus::Reported);
    refused(&mut doc, LinliError::Empty(Field::Note), |d| {
        officer_act(d, "a1", 10, CaseStepKind::Acknowledged, " ")
    });
    officer_act(
        &mut doc,
        "a1",
        10,
        CaseStepKind::Acknowledged,
        "已签收，明天到场",
    )
    .unwrap();
    assert_eq!(status(&doc), CaseStatus::Acknowledged);
    refused(&mut doc, LinliError::StepNotNow, |d| {
        officer_act(d, "a2", 20, CaseStepKind::Acknowledged, "again")
    });
    refused(&mut doc, LinliError::StepNotNow, |d| {
        act(
            d,
            &zhang(),
            None,
            T0,
            "c0",
            &StepDraft {
                kind: CaseStepKind::Confirmed,
                note: "",
                to: None,
            },
        )
    });
    officer_act(&mut doc, "a2", 20, CaseStepKind::InProgress, "维修队已出发").unwrap();
    refused(&mut doc, LinliError::Empty(Field::Note), |d| {
        officer_act(d, "a3", 30, CaseStepKind::Resolved, "")
    });
    officer_act(&mut doc, "a3", 30, CaseStepKind::Resolved, "井盖已更换").unwrap();
    assert_eq!(status(&doc), CaseStatus::Resolved);
    act(
        &mut doc,
        &zhang(),
        None,
        Millis(T0.0 + 40),
        "c1",
        &StepDraft {
            kind: CaseStepKind::Reopened,
            note: "还是松的",
            to: None,
        },
    )
    .unwrap();
    assert_eq!(status(&doc), CaseStatus::Reopened);
    officer_act(&mut doc, "a4", 50, CaseStepKind::Resolved, "已加固").unwrap();
    act(
        &mut doc,
        &zhang(),
        None,
        Millis(T0.0 + 60),
        "c2",
        &StepDraft {
            kind: CaseStepKind::Confirmed,
            note: "",
            to: None,
        },
    )
    .unwrap();
    let c = read_case(&doc).unwrap();
    assert_eq!(c.status, CaseStatus::Closed);
    assert_eq!(c.steps.len(), 6);
    assert!(c.steps.iter().all(|s| s.applied));
    assert_eq!(
        c.late(Millis(T0.0 + 30 * Millis::DAY)),
        None,
        "a closed case is never late"
    );
}

#[test]
fn only_the_addressed_department_takes_officer_steps_and_only_the_reporter_confirms() {
    let mut doc = case_doc();
    refused(&mut doc, LinliError::OtherDepartment, |d| {
        act(
            d,
            &housing(),
            Some("housing"),
            T0,
            "h1",
            &StepDraft {
                kind: CaseStepKind::Acknowledged,
                note: "收到",
                to: None,
            },
        )
    });
    for (who, kind) in [
        (zhang(), CaseStepKind::Acknowledged),
        (staff(), CaseStepKind::Resolved),
        (water(), CaseStepKind::Confirmed),
        (ann(), CaseStepKind::Acknowledged),
    ] {
        refused(
            &mut doc,
            LinliError::Forbidden {
                path: "steps/x1/kind".into(),
            },
            |d| {
                act(
                    d,
                    &who,
                    Some("water"),
                    T0,
                    "x1",
                    &StepDraft {
                        kind: kind.clone(),
                        note: "n",
                        to: None,
                    },
                )
            },
        );
    }
    officer_act(&mut doc, "a1", 1, CaseStepKind::Resolved, "修好了").unwrap();
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "steps/c1".into(),
        },
        |d| {
            act(
                d,
                &li(),
                None,
                T0,
                "c1",
                &StepDraft {
                    kind: CaseStepKind::Confirmed,
                    note: "",
                    to: None,
                },
            )
        },
    );
}

#[test]
fn a_returned_case_is_reassigned_by_staff_to_another_department() {
    let mut doc = case_doc();
    refused(&mut doc, LinliError::StepNotNow, |d| {
        act(
            d,
            &staff(),
            None,
            T0,
            "r1",
            &StepDraft {
                kind: CaseStepKind::Reassigned,
                note: "改派",
                to: Some("housing"),
            },
        )
    });
    officer_act(&mut doc, "a1", 1, CaseStepKind::NotResponsible, "属于住建").unwrap();
    assert_eq!(read_case(&doc).unwrap().status, CaseStatus::Returned);
    refused(&mut doc, LinliError::Empty(Field::Department), |d| {
        act(
            d,
            &staff(),
            None,
            T0,
            "r1",
            &StepDraft {
                kind: CaseStepKind::Reassigned,
                note: "改派",
                to: Some("water"),
            },
        )
    });
    act(
        &mut doc,
        &staff(),
        None,
        Millis(T0.0 + 2),
        "r1",
        &StepDraft {
            kind: CaseStepKind::Reassigned,
            note: "改派住建",
            to: Some("housing"),
        },
    )
    .unwrap();
    let c = read_case(&doc).unwrap();
    assert_eq!(c.status, CaseStatus::Reassigned);
    assert_eq!(c.late(Millis(T0.0 + 30 * Millis::DAY)), None);
    // The server learns the case that carries on, for housing, shared with the reporter.
    let id = escalation_id(&huqian(), "o2");
    let scope = Scope::Case {
        community: huqian(),
        kind: ESCALATION,
        reporter: zhang().member,
        department: "water".into(),
    };
    let last = doc.get_changes(&[]).pop().unwrap();
    let learned = registry::learns(&scope, &id, &doc, std::slice::from_ref(&last));
    assert_eq!(
        learned,
        vec![(
            escalation_id(&huqian(), &format!("{id}/r1")),
            Scope::Case {
                community: huqian(),
                kind: ESCALATION,
                reporter: zhang().member,
                department: "housing".into(),
            }
        )]
    );
    let due = registry::schedules(&scope, &id, &doc, &[last]);
    assert_eq!(due[0].doc, department_id("housing"));
    assert_eq!(due[0].fact, "patrol.index");
}

/// Two staff desks reassign the same returned case offline: the first step counts, the other
/// is kept but applies to nothing, and sync follows only the case the first one opened.
#[test]
fn of_two_offline_reassignments_sync_follows_the_one_that_took_effect() {
    let mut doc = case_doc();
    officer_act(&mut doc, "a1", 1, CaseStepKind::NotResponsible, "属于住建").unwrap();
    let reassign = |doc: &mut automerge::Automerge, sid: &str, at: i64, to: &str| {
        act(
            doc,
            &staff(),
            None,
            Millis(T0.0 + at),
            sid,
            &StepDraft {
                kind: CaseStepKind::Reassigned,
                note: "改派",
                to: Some(to),
            },
        )
        .unwrap();
    };
    let mut other = doc.fork();
    reassign(&mut doc, "r2", 3, "housing");
    reassign(&mut other, "r1", 2, "greening");
    doc.merge(&mut other).unwrap();
    let case = read_case(&doc).unwrap();
    let applied: Vec<(&str, bool)> = case
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.applied))
        .collect();
    assert_eq!(applied, [("a1", true), ("r1", true), ("r2", false)]);
    let id = escalation_id(&huqian(), "o2");
    let desk = Reader::new(staff().member, Role::Staff, huqian());
    assert_eq!(
        registry::follows(&desk, &ESCALATION, &id, &doc),
        vec![(escalation_id(&huqian(), &format!("{id}/r1")), ESCALATION)]
    );
}

#[test]
fn deadlines_run_from_the_servers_receipts_never_the_devices_claim() {
    let mut doc = case_doc();
    let c = read_case(&doc).unwrap();
    // Not received: no clock runs, however old the claim.
    assert_eq!(c.late(Millis(T0.0 + 365 * Millis::DAY)), None);
    // Received two days after the worker's claim (no signal for two days).
    let got = Millis(T0.0 + 2 * Millis::DAY);
    let hashes: Vec<_> = doc
        .get_changes(&[])
        .iter()
        .map(|c| (c.hash(), got))
        .collect();
    crate::receipts::publish(&mut doc, got, &hashes).unwrap();
    let c = read_case(&doc).unwrap();
    assert_eq!(c.received, Some(got));
    assert_eq!(c.ack_due(), Some(Millis(got.0 + 24 * Millis::HOUR)));
    assert_eq!(c.late(Millis(got.0 + 23 * Millis::HOUR)), None);
    assert_eq!(
        c.late(Millis(got.0 + 25 * Millis::HOUR)),
        Some(Late::Acknowledge)
    );
    officer_act(
        &mut doc,
        "a1",
        2 * Millis::DAY + 26 * Millis::HOUR,
        CaseStepKind::Acknowledged,
        "收到",
    )
    .unwrap();
    let c = read_case(&doc).unwrap();
    assert_eq!(c.late(Millis(got.0 + 25 * Millis::HOUR)), None);
    assert_eq!(
        c.late(Millis(got.0 + 7 * Millis::DAY + 1)),
        Some(Late::Resolve)
    );
    // The overdue set, longest overdue first.
    let mut other = case_doc();
    let early = Millis(T0.0 + Millis::DAY);
    let hs: Vec<_> = other
        .get_changes(&[])
        .iter()
        .map(|c| (c.hash(), early))
        .collect();
    crate::receipts::publish(&mut other, early, &hs).unwrap();
    let cases = [c, read_case(&other).unwrap()];
    let now = Millis(got.0 + 7 * Millis::DAY + 1);
    let late = overdue(&cases, now);
    assert_eq!(late.len(), 2);
    assert_eq!(late[0].0.received, Some(early));
    assert_eq!(late[1].1, Late::Resolve);
}

#[test]
fn desk_deadlines_are_staffs_and_checked() {
    let mut doc = genesis(&DESK);
    assert_eq!(deadlines(&doc), Deadlines::default());
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "settings/ack_hours".into(),
        },
        |d| set_deadlines(d, &zhang(), T0, Deadlines::default()),
    );
    for bad in [(0, 24), (48, 24), (24, 91 * 24)] {
        refused(
            &mut doc,
            LinliError::OutOfRange {
                field: Field::Deadlines,
            },
            |d| {
                set_deadlines(
                    d,
                    &staff(),
                    T0,
                    Deadlines {
                        ack_hours: bad.0,
                        resolve_hours: bad.1,
                    },
                )
            },
        );
    }
    let d = Deadlines {
        ack_hours: 4,
        resolve_hours: 72,
    };
    set_deadlines(&mut doc, &staff(), T0, d).unwrap();
    assert_eq!(deadlines(&doc), d);
}

#[test]
fn a_residents_report_reaches_the_desk_and_comes_back_answered() {
    let c = huqian();
    let me = ann().member;
    let ctx = DocContext {
        subject: Some(me.clone()),
    };
    let mut doc = genesis(&REPORTS);
    let draft = ReportDraft {
        category: Category::Parking,
        description: "消防通道被占".into(),
        place: "3 号楼".into(),
        grid: Some("g1".into()),
    };
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "reports/r1".into(),
        },
        |d| file_report(d, &bob(), &ctx, T0, "r1", &draft),
    );
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "reports/r1".into(),
        },
        |d| {
            file_report(
                d,
                &zhang(),
                &DocContext {
                    subject: Some(zhang().member),
                },
                T0,
                "r1",
                &draft,
            )
        },
    );
    refused(&mut doc, LinliError::Empty(Field::Place), |d| {
        file_report(
            d,
            &ann(),
            &ctx,
            T0,
            "r1",
            &ReportDraft {
                place: " ".into(),
                ..draft.clone()
            },
        )
    });
    file_report(&mut doc, &ann(), &ctx, T0, "r1", &draft).unwrap();
    // The server indexes it on the desk for grid 1's workers.
    let scope = Scope::Member {
        community: c.clone(),
        kind: REPORTS,
        subject: me.clone(),
    };
    let id = reports_id(&c, &me);
    let changes = doc.get_changes(&[]);
    let due = registry::schedules(&scope, &id, &doc, &changes);
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].doc, due[0].fact), (desk_id(&c), "patrol.inbox"));
    let mut desk = genesis(&DESK);
    let fact = registry::fact(due[0].fact).unwrap();
    let env = registry::FactEnv {
        now: T0,
        ..Default::default()
    };
    (fact.write)(&mut desk, &env, &due[0].payload).unwrap();
    (fact.write)(&mut desk, &env, &due[0].payload).unwrap();
    let entries = inbox(&desk);
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].grid.as_deref(), entries[0].member.clone()),
        (Some("g1"), me.clone())
    );
    assign_report(&mut desk, &staff(), T0, &entries[0].key, "g2").unwrap();
    assert_eq!(inbox(&desk)[0].grid.as_deref(), Some("g2"));
    refused(
        &mut desk,
        LinliError::Forbidden {
            path: "assign/x".into(),
        },
        |d| assign_report(d, &zhang(), T0, "x", "g2"),
    );
    // A worker answers; the resident cannot answer for them.
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "answers/a1".into(),
        },
        |d| answer(d, &ann(), T0, "a1", "r1", ReportStatus::Done, "好了"),
    );
    refused(&mut doc, LinliError::NotFound, |d| {
        answer(d, &zhang(), T0, "a1", "r9", ReportStatus::Done, "好了")
    });
    answer(
        &mut doc,
        &zhang(),
        Millis(T0.0 + 1),
        "a1",
        "r1",
        ReportStatus::Seen,
        "下一轮巡查处理",
    )
    .unwrap();
    answer(
        &mut doc,
        &zhang(),
        Millis(T0.0 + 2),
        "a2",
        "r1",
        ReportStatus::Done,
        "车已挪走",
    )
    .unwrap();
    let r = &read_reports(&doc)[0];
    assert_eq!(r.status(), Some(&ReportStatus::Done));
    assert_eq!(r.answers[0].note, "下一轮巡查处理");
}

#[test]
fn an_escalated_observation_opens_a_case_the_server_shares_and_indexes() {
    let c = huqian();
    let mut doc = running();
    let (id, scope) = patrol_doc(&c, "g1", T0);
    let before = doc.get_heads();
    observe(
        &mut doc,
        &zhang(),
        T0,
        "p1",
        "o1",
        &resolved("垃圾"),
        &serving(),
    )
    .unwrap();
    observe(
        &mut doc,
        &zhang(),
        T0,
        "p1",
        "o2",
        &escalated("water"),
        &serving(),
    )
    .unwrap();
    let changes = doc.get_changes(&before);
    let learned = registry::learns(&scope, &id, &doc, &changes);
    assert_eq!(
        learned,
        vec![(
            escalation_id(&c, "o2"),
            Scope::Case {
                community: c.clone(),
                kind: ESCALATION,
                reporter: zhang().member,
                department: "water".into(),
            }
        )]
    );
    let due = registry::schedules(&scope, &id, &doc, &changes);
    assert_eq!(due.len(), 1);
    let mut dept = genesis(&DEPARTMENT);
    let env = registry::FactEnv {
        now: T0,
        ..Default::default()
    };
    (registry::fact("patrol.index").unwrap().write)(&mut dept, &env, &due[0].payload).unwrap();
    assert_eq!(
        department_cases(&dept),
        vec![(escalation_id(&c, "o2"), c.clone())]
    );
    // An officer's device holds the department's document and follows every case in it.
    let mut officer = Reader::new(
        water().member,
        Role::Officer,
        CommunityId::parse("huazhong").unwrap(),
    );
    officer.posting = Some(Posting {
        department: "water".into(),
        serves: vec![c.clone()],
    });
    let held = registry::held(&officer, T0);
    assert!(held.contains(&(department_id("water"), DEPARTMENT)));
    assert!(!held.iter().any(|(_, k)| *k == PATROL || *k == REPORTS));
    let followed = registry::follows(&officer, &DEPARTMENT, &department_id("water"), &dept);
    assert_eq!(followed, vec![(escalation_id(&c, "o2"), ESCALATION)]);
    // The worker and staff follow it from the patrol document; another worker does not.
    let mut worker = Reader::new(zhang().member, Role::GridWorker, c.clone());
    worker.grids = vec!["g1".into()];
    assert!(registry::held(&worker, T0).contains(&(id, PATROL)));
    assert!(registry::follows(&worker, &PATROL, &id, &doc)
        .contains(&(escalation_id(&c, "o2"), ESCALATION)));
    let other = Reader::new(li().member, Role::GridWorker, c.clone());
    assert!(registry::follows(&other, &PATROL, &id, &doc).is_empty());
    let resident = Reader::new(ann().member, Role::Resident, c.clone());
    assert_eq!(
        registry::held(&resident, T0)
            .iter()
            .filter(|(_, k)| k.as_str().starts_with("patrol"))
            .count(),
        0
    );
}

#[test]
fn residents_reach_no_patrol_document_and_only_their_own_reports() {
    let c = huqian();
    let resident = Reader::new(ann().member, Role::Resident, c.clone());
    let (_, grid) = patrol_doc(&c, "g1", T0);
    assert_eq!(crate::access::access(&resident, &grid), Access::None);
    let desk = crate::registry::community_doc(&c, &DESK, "").1;
    assert_eq!(crate::access::access(&resident, &desk), Access::None);
    let mine = Scope::Member {
        community: c.clone(),
        kind: REPORTS,
        subject: ann().member,
    };
    let theirs = Scope::Member {
        community: c.clone(),
        kind: REPORTS,
        subject: bob().member,
    };
    assert_eq!(crate::access::access(&resident, &mine), Access::Write);
    assert_eq!(crate::access::access(&resident, &theirs), Access::None);
    let worker = Reader::new(zhang().member, Role::GridWorker, c.clone());
    assert_eq!(crate::access::access(&worker, &theirs), Access::Write);
    assert_eq!(crate::access::access(&worker, &desk), Access::Read);
}

#[test]
fn the_days_csv_lists_observations_and_escalations_safely() {
    let mut doc = running();
    observe(
        &mut doc,
        &zhang(),
        T0,
        "p1",
        "o1",
        &resolved("=HYPERLINK(\"x\"), 垃圾"),
        &serving(),
    )
    .unwrap();
    let p = read_patrol(&doc, "p1").unwrap();
    let csv = csv_of_day(
        &[("g1".into(), p)],
        &[read_case(&case_doc()).unwrap()],
        T0,
        crate::Lang::Zh,
    );
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{csv}");
    let obs = lines.iter().find(|l| l.starts_with("巡查发现")).unwrap();
    assert!(obs.contains("\"'=HYPERLINK(\"\"x\"\"), 垃圾\""), "{obs}");
    assert!(obs.contains("2025-12-01 08:00"), "{obs}");
    let case = lines.iter().find(|l| l.starts_with("上报事项")).unwrap();
    assert!(case.contains("water") && case.contains("已上报"), "{case}");
}

#[test]
fn every_category_suggests_a_serving_department_or_none() {
    assert_eq!(
        suggest_department(&Category::Facility, &serving()).as_deref(),
        Some("water")
    );
    assert_eq!(
        suggest_department(&Category::Building, &serving()).as_deref(),
        Some("housing")
    );
    assert_eq!(suggest_department(&Category::Dispute, &serving()), None);
    assert_eq!(suggest_department(&Category::Hazard, &serving()), None);
    for c in Category::KNOWN {
        assert_eq!(&Category::parse(c.as_str()), c);
    }
    let _ = MemberId::parse("x");
}
