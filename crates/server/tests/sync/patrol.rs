//! Patrol at the door: who reaches which patrol, escalation, department, desk and reports
//! document, as the server's records say; the department's index across communities; and
//! deadlines that run from the server's receipt times.

use crate::harness::*;
use crate::writer;
use automerge::Automerge;
use linli_core::directory::Place;
use linli_core::patrol::{
    self, CaseDraft, CaseStatus, CaseStepKind, Category, Deadlines, Duty, ObservationDraft,
    OutcomeDraft, Position, ReportDraft, ReportStatus, StepDraft, DEPARTMENT, DESK, ESCALATION,
    PATROL, REPORTS,
};
use linli_core::rules::DocContext;
use linli_core::{DocId, DocKind, Millis, Role};
use linli_server::db::{Assignment, Joined};

async fn setup() -> TestServer {
    let ts = TestServer::start().await;
    let db = &ts.srv.db;
    for (g, name) in [("g1", "第一网格"), ("g2", "第二网格")] {
        db.create_grid(&community(HUQIAN), g, name).unwrap();
    }
    db.create_grid(&community(HUAZHONG), "h1", "华中一网格")
        .unwrap();
    let both = [community(HUQIAN), community(HUAZHONG)];
    db.create_department("water", "水务集团", &both).unwrap();
    db.create_department("housing", "住建局", &both).unwrap();
    ts.srv.prepare_directories().await.unwrap();
    ts
}

async fn join_as(ts: &TestServer, c: &str, role: Role, assign: Assignment, name: &str) -> Joined {
    let code = ts
        .srv
        .db
        .create_invite_assigned(&community(c), &role, &assign, ts.srv.now())
        .unwrap();
    ts.srv.join(&code, name).await.unwrap()
}

fn serving() -> Vec<Place> {
    ["water", "housing"]
        .map(|id| Place {
            id: id.into(),
            name: id.into(),
        })
        .to_vec()
}

/// The document as `who` gets it on a fresh connection, or how the server answered.
async fn fetch(
    ts: &TestServer,
    who: &Joined,
    id: DocId,
    kind: &DocKind,
) -> Result<Automerge, Outcome> {
    let mut p = Peer::connect(ts.addr, who.community.as_str(), who)
        .await
        .unwrap();
    p.doc(id, kind);
    match p.sync(&[id]).await {
        Outcome::InStep => Ok(p.docs[&id].clone()),
        other => Err(other),
    }
}

/// Fetches until `done` holds, running the server's due work in between (its tick).
async fn until(
    ts: &TestServer,
    who: &Joined,
    id: DocId,
    kind: &DocKind,
    done: impl Fn(&Automerge) -> bool,
) -> Automerge {
    for _ in 0..50 {
        ts.srv.run_due().await;
        if let Ok(doc) = fetch(ts, who, id, kind).await {
            if done(&doc) {
                return doc;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never came true");
}

/// `who` runs `f` on their copy of `id` and syncs it up; returns the server's answer.
async fn write(
    ts: &TestServer,
    who: &Joined,
    ids: &[(DocId, &DocKind)],
    f: impl FnOnce(&mut std::collections::HashMap<DocId, Automerge>),
) -> Outcome {
    let mut p = Peer::connect(ts.addr, who.community.as_str(), who)
        .await
        .unwrap();
    for (id, kind) in ids {
        p.doc(*id, kind);
    }
    let all: Vec<DocId> = ids.iter().map(|(i, _)| *i).collect();
    // The first is known already; a case becomes known only with what opens it.
    assert_eq!(p.sync(&all[..1]).await, Outcome::InStep);
    f(&mut p.docs);
    let mut last = Outcome::InStep;
    // One document after another, in the order given: a case after the observation that
    // lets the server know whom it is shared with.
    for id in all {
        last = p.sync(&[id]).await;
        if last != Outcome::InStep {
            break;
        }
    }
    last
}

/// A worker starts a patrol in `grid` and escalates one observation to `dept`, opening its
/// case in the derived escalation document. Returns that document's id.
async fn escalate(
    ts: &TestServer,
    who: &Joined,
    grid: &str,
    dept: &str,
    oid: &str,
    claimed: Millis,
) -> DocId {
    let (pdoc, _) = patrol::patrol_doc(&who.community, grid, ts.srv.now());
    let case = patrol::escalation_id(&who.community, oid);
    let w = writer(who);
    let (grid, dept, oid) = (grid.to_owned(), dept.to_owned(), oid.to_owned());
    let out = write(ts, who, &[(pdoc, &PATROL), (case, &ESCALATION)], |docs| {
        let doc = docs.get_mut(&pdoc).unwrap();
        let pid = format!("p-{oid}");
        patrol::start_patrol(doc, &w, claimed, &pid, "", Position::Denied).unwrap();
        let draft = ObservationDraft {
            duty: Duty::Inspect,
            category: Category::Facility,
            description: "井盖破损".into(),
            position: Position::Unavailable,
            outcome: OutcomeDraft::Escalated {
                department: dept.clone(),
            },
            report: None,
        };
        patrol::observe(doc, &w, claimed, &pid, &oid, &draft, &serving()).unwrap();
        let draft = CaseDraft {
            category: Category::Facility,
            description: "井盖破损".into(),
            position: Position::Unavailable,
            grid,
            patrol: format!("{pdoc}/{pid}/{oid}"),
            department: dept,
            origin: None,
            deadlines: Deadlines::default(),
        };
        patrol::open_case(docs.get_mut(&case).unwrap(), &w, claimed, &oid, &draft).unwrap();
    })
    .await;
    assert_eq!(out, Outcome::InStep);
    case
}

#[tokio::test]
async fn each_side_reaches_its_own_patrol_and_escalation_documents_alone() {
    let ts = setup().await;
    let c = community(HUQIAN);
    let worker = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;
    let other = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g2".into()),
        "李网格",
    )
    .await;
    let water = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("water".into()),
        "水务小刘",
    )
    .await;
    let housing = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("housing".into()),
        "住建小赵",
    )
    .await;
    let staff = ts.join(HUQIAN, Role::Staff, "社区小陈").await;
    let resident = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let now = ts.srv.now();
    let case = escalate(&ts, &worker, "g1", "water", "o1", now).await;
    let (g1, _) = patrol::patrol_doc(&c, "g1", now);
    let (g2, _) = patrol::patrol_doc(&c, "g2", now);

    // The worker of grid 1 cannot reach grid 2's log: it is not shared with them at all.
    assert_eq!(
        fetch(&ts, &worker, g2, &PATROL).await.err(),
        Some(Outcome::Unavailable(g2))
    );
    // Nor can grid 2's worker write a patrol into grid 1's.
    assert_eq!(
        fetch(&ts, &other, g1, &PATROL).await.err(),
        Some(Outcome::Unavailable(g1))
    );
    // A resident gets nothing of any patrol, escalation or desk document.
    for (id, kind) in [
        (g1, &PATROL),
        (g2, &PATROL),
        (case, &ESCALATION),
        (patrol::desk_id(&c), &DESK),
    ] {
        assert_eq!(
            fetch(&ts, &resident, id, kind).await.err(),
            Some(Outcome::Unavailable(id))
        );
    }
    // Staff read grid 1's log with the worker's patrol in it.
    let log = fetch(&ts, &staff, g1, &PATROL).await.unwrap();
    assert_eq!(patrol::patrols(&log).len(), 1);
    // Housing's officer is not shown water's case; water's (joined through 华中) is.
    assert_eq!(
        fetch(&ts, &housing, case, &ESCALATION).await.err(),
        Some(Outcome::Unavailable(case))
    );
    let w = writer(&water);
    let acked = write(&ts, &water, &[(case, &ESCALATION)], |docs| {
        let step = StepDraft {
            kind: CaseStepKind::Acknowledged,
            note: "已签收",
            to: None,
        };
        patrol::act(
            docs.get_mut(&case).unwrap(),
            &w,
            Some("water"),
            now,
            "a1",
            &step,
        )
        .unwrap();
    })
    .await;
    assert_eq!(acked, Outcome::InStep);
    // The worker and staff see the step.
    for who in [&worker, &staff] {
        let doc = fetch(&ts, who, case, &ESCALATION).await.unwrap();
        assert_eq!(
            patrol::read_case(&doc).unwrap().status,
            CaseStatus::Acknowledged
        );
    }
    // A doctored app of the worker cannot take an officer's step: refused alone, in words.
    let mut p = Peer::connect(ts.addr, HUQIAN, &worker).await.unwrap();
    p.doc(case, &ESCALATION);
    assert_eq!(p.sync(&[case]).await, Outcome::InStep);
    {
        use automerge::transaction::Transactable;
        let doc = p.docs.get_mut(&case).unwrap();
        let steps = linli_core::read::map_at(doc, &automerge::ROOT, "steps").unwrap();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let s = tx.put_object(&steps, "f1", automerge::ObjType::Map)?;
            tx.put(&s, "author", worker.member.as_str())?;
            tx.put(&s, "kind", "resolved")?;
            tx.put(&s, "note", "伪造")?;
            Ok(())
        })
        .unwrap();
    }
    p.sync(&[case])
        .await
        .refused_in(case, "not a value this field takes");
    ts.stop().await;
}

#[tokio::test]
async fn a_department_index_lists_escalations_from_every_community_it_serves() {
    let ts = setup().await;
    let hq = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;
    let hz = join_as(
        &ts,
        HUAZHONG,
        Role::GridWorker,
        Assignment::Grid("h1".into()),
        "华中网格",
    )
    .await;
    let water = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("water".into()),
        "水务小刘",
    )
    .await;
    let now = ts.srv.now();
    let a = escalate(&ts, &hq, "g1", "water", "o1", now).await;
    let b = escalate(&ts, &hz, "h1", "water", "o2", now).await;
    let _ = escalate(&ts, &hq, "g1", "housing", "o3", now).await;
    let dept = patrol::department_id("water");
    let doc = until(&ts, &water, dept, &DEPARTMENT, |d| {
        patrol::department_cases(d).len() >= 2
    })
    .await;
    let mut listed = patrol::department_cases(&doc);
    listed.sort();
    let mut want = vec![(a, community(HUQIAN)), (b, community(HUAZHONG))];
    want.sort();
    assert_eq!(
        listed, want,
        "water's index holds both communities' cases and not housing's"
    );
    // Only the server writes it.
    assert!(fetch(&ts, &hq, dept, &DEPARTMENT).await.is_err());
    // The officer reads both cases it lists.
    for id in [a, b] {
        assert!(patrol::read_case(&fetch(&ts, &water, id, &ESCALATION).await.unwrap()).is_some());
    }
    ts.stop().await;
}

#[tokio::test]
async fn receipt_times_not_the_phones_claim_drive_the_overdue_set() {
    let ts = setup().await;
    let worker = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;
    let water = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("water".into()),
        "水务小刘",
    )
    .await;
    // Logged ten days ago with no signal; it reaches the server only now.
    let claimed = Millis(ts.srv.now().0 - 10 * Millis::DAY);
    let case = escalate(&ts, &worker, "g1", "water", "o1", claimed).await;
    let got = ts.srv.now();
    let doc = until(&ts, &water, case, &ESCALATION, |d| {
        patrol::read_case(d).is_some_and(|c| c.received.is_some())
    })
    .await;
    let c = patrol::read_case(&doc).unwrap();
    let received = c.received.unwrap();
    assert!(
        received.0 >= got.0 - 60_000 && received.0 <= ts.srv.now().0,
        "{received:?}"
    );
    let set = |now: Millis| patrol::overdue(std::slice::from_ref(&c), now).len();
    assert_eq!(
        set(ts.srv.now()),
        0,
        "the claimed time is not when the clock started"
    );
    ts.advance(25 * Millis::HOUR);
    assert_eq!(
        patrol::overdue(std::slice::from_ref(&c), ts.srv.now()),
        vec![(&c, patrol::Late::Acknowledge)]
    );
    ts.stop().await;
}

#[tokio::test]
async fn a_residents_report_reaches_their_grids_worker_and_the_answer_comes_back() {
    let ts = setup().await;
    let c = community(HUQIAN);
    let worker = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;
    let resident = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let neighbour = ts.join(HUQIAN, Role::Resident, "李大爷").await;
    let mine = patrol::reports_id(&c, &resident.member);
    let w = writer(&resident);
    let ctx = DocContext {
        subject: Some(resident.member.clone()),
    };
    let filed = write(&ts, &resident, &[(mine, &REPORTS)], |docs| {
        let draft = ReportDraft {
            category: Category::Parking,
            description: "消防通道被占".into(),
            place: "3 号楼".into(),
            grid: Some("g1".into()),
        };
        patrol::file_report(
            docs.get_mut(&mine).unwrap(),
            &w,
            &ctx,
            ts.srv.now(),
            "r1",
            &draft,
        )
        .unwrap();
    })
    .await;
    assert_eq!(filed, Outcome::InStep);
    assert_eq!(
        fetch(&ts, &neighbour, mine, &REPORTS).await.err(),
        Some(Outcome::Unavailable(mine))
    );
    // The desk lists it for grid 1; the worker follows it there and answers.
    let desk = until(&ts, &worker, patrol::desk_id(&c), &DESK, |d| {
        !patrol::inbox(d).is_empty()
    })
    .await;
    let entry = &patrol::inbox(&desk)[0];
    assert_eq!(
        (entry.member.clone(), entry.grid.as_deref()),
        (resident.member.clone(), Some("g1"))
    );
    let ww = writer(&worker);
    let answered = write(&ts, &worker, &[(mine, &REPORTS)], |docs| {
        let doc = docs.get_mut(&mine).unwrap();
        patrol::answer(
            doc,
            &ww,
            ts.srv.now(),
            "a1",
            "r1",
            ReportStatus::Done,
            "车已挪走",
        )
        .unwrap();
    })
    .await;
    assert_eq!(answered, Outcome::InStep);
    let back = fetch(&ts, &resident, mine, &REPORTS).await.unwrap();
    assert_eq!(
        patrol::read_reports(&back)[0].status(),
        Some(&ReportStatus::Done)
    );
    // A resident's forged patrol write is refused: they have no patrol document at all.
    let (g1, _) = patrol::patrol_doc(&c, "g1", ts.srv.now());
    assert_eq!(
        fetch(&ts, &resident, g1, &PATROL).await.err(),
        Some(Outcome::Unavailable(g1))
    );
    ts.stop().await;
}

#[tokio::test]
async fn the_demo_has_a_month_of_rounds_and_cases_in_every_state_across_two_departments() {
    let ts = TestServer::seeded().await;
    let c = community(HUQIAN);
    let staff = ts.join(HUQIAN, Role::Staff, "社区小陈").await;
    let now = ts.srv.now();
    let last_month = Millis(now.0 - 28 * Millis::DAY);
    for g in ["g1", "g2", "g3"] {
        let mut rounds = 0;
        for at in [now, last_month] {
            let (id, _) = patrol::patrol_doc(&c, g, at);
            rounds += patrol::patrols(&fetch(&ts, &staff, id, &PATROL).await.unwrap()).len();
        }
        assert!(rounds >= 28, "{g}: {rounds} rounds");
    }
    let mut states = std::collections::HashSet::new();
    let mut departments = std::collections::HashSet::new();
    for n in 0..7 {
        let id = patrol::escalation_id(&c, &format!("demo-o{n}"));
        let case = patrol::read_case(&fetch(&ts, &staff, id, &ESCALATION).await.unwrap()).unwrap();
        assert!(case.received.is_some());
        states.insert(case.status);
        departments.insert(case.department);
    }
    assert_eq!(states.len(), 7, "{states:?}");
    assert_eq!(departments.len(), 2);
    let desk = until(&ts, &staff, patrol::desk_id(&c), &DESK, |d| {
        patrol::inbox(d).len() == 2
    })
    .await;
    assert_eq!(
        patrol::inbox(&desk)
            .iter()
            .filter(|e| e.grid.is_none())
            .count(),
        1
    );
    ts.stop().await;
}
