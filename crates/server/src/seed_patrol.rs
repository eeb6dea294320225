//! The demo's patrol: a grid worker for each of the three grids with a month of rounds
//! (steps, tracks, findings), escalations in every state across two departments with their
//! officers, and residents' reports, one answered. Written through core's commands as each
//! person would; the server records what it would have learned and indexed at its door.

use crate::db::Assignment;
use crate::Server;
use linli_core::access::Scope;
use linli_core::directory::Place;
use linli_core::doc::Writer;
use linli_core::patrol::{
    self, CaseDraft, CaseStepKind as K, Category, Deadlines, Duty, ObservationDraft, OutcomeDraft,
    Position, ReportDraft, ReportStatus, StepDraft, StepKind, TrackFix,
};
use linli_core::rules::DocContext;
use linli_core::{CommunityId, DocId, DocKind, Millis, Role};

const WORKERS: [(&str, &str); 3] = [("g1", "张网格"), ("g2", "李网格"), ("g3", "王网格")];
const OFFICERS: [(&str, &str); 2] = [("water", "水务小刘"), ("housing", "住建小赵")];

/// The state each demo escalation is brought to: (department, category, what, steps).
const CASES: [(&str, Category, &str, &[K]); 7] = [
    ("water", Category::Facility, "5 幢门前井盖松动", &[]),
    (
        "water",
        Category::Facility,
        "2 幢水管渗漏",
        &[K::Acknowledged],
    ),
    (
        "housing",
        Category::Building,
        "7 幢外墙瓷砖脱落",
        &[K::Acknowledged, K::InProgress],
    ),
    (
        "housing",
        Category::Building,
        "车棚顶棚破损",
        &[K::Acknowledged, K::Resolved],
    ),
    (
        "water",
        Category::Sanitation,
        "绿化带垃圾堆积",
        &[K::NotResponsible],
    ),
    (
        "housing",
        Category::Hazard,
        "楼道电线裸露",
        &[K::Acknowledged, K::Resolved, K::Confirmed],
    ),
    (
        "water",
        Category::Facility,
        "消防栓漏水",
        &[K::Acknowledged, K::Resolved, K::Reopened],
    ),
];

/// Day `back` days before `now` at `hour`, the city's time.
fn at(now: Millis, back: i64, hour: i64) -> Millis {
    let t = now.0 + 8 * Millis::HOUR;
    Millis(
        t - t.rem_euclid(Millis::DAY) - 8 * Millis::HOUR - back * Millis::DAY + hour * Millis::HOUR,
    )
}

fn fix(i: i64, grid: usize) -> Position {
    Position::Fix {
        lat_e6: 31_230_000 + grid as i32 * 900 + (i * 37 % 600) as i32,
        lon_e6: 121_470_000 + (i * 53 % 800) as i32,
        accuracy_m: 8,
    }
}

async fn write(
    server: &Server,
    id: DocId,
    kind: &DocKind,
    f: impl FnOnce(&mut automerge::Automerge, Millis) -> linli_core::Result<()> + Send + 'static,
) {
    let Some(handle) = crate::directory::ensure(&server.repo, &server.storage, id, kind).await
    else {
        tracing::error!("cannot open a demo patrol document");
        return;
    };
    if let Err(e) = server.write_as_server(&handle, f).await {
        tracing::error!(error = ?e, "cannot seed the demo patrol");
    }
}

async fn join(
    server: &Server,
    c: &CommunityId,
    role: Role,
    assign: Assignment,
    name: &str,
) -> Option<Writer> {
    let code = server
        .db
        .create_invite_assigned(c, &role, &assign, server.now())
        .ok()?;
    let j = server.join(&code, name).await.ok()?;
    Some(Writer {
        member: j.member,
        role,
    })
}

pub(crate) async fn seed(server: &Server, c: &CommunityId, residents: &[Writer]) {
    let now = server.now();
    let mut workers = Vec::new();
    for (grid, name) in WORKERS {
        match join(
            server,
            c,
            Role::GridWorker,
            Assignment::Grid(grid.into()),
            name,
        )
        .await
        {
            Some(w) => workers.push(w),
            None => return tracing::error!("cannot seed the demo grid workers"),
        }
    }
    let mut officers = Vec::new();
    for (dept, name) in OFFICERS {
        match join(
            server,
            c,
            Role::Officer,
            Assignment::Department(dept.into()),
            name,
        )
        .await
        {
            Some(o) => officers.push(o),
            None => return tracing::error!("cannot seed the demo officers"),
        }
    }
    let serving: Vec<Place> = ["housing", "water", "enforcement", "civil"]
        .map(|id| Place {
            id: id.into(),
            name: id.into(),
        })
        .to_vec();
    // A round a day for the last 28 days in each grid, three findings each, the first of
    // every third round escalated (the cases below).
    let mut escalated: Vec<(usize, String, DocId, String, Millis)> = Vec::new();
    for back in (1..=28).rev() {
        for (g, (grid, _)) in WORKERS.iter().enumerate() {
            let start = at(now, back, 9 + g as i64);
            let (doc, _) = patrol::patrol_doc(c, grid, start);
            let (w, serving) = (workers[g].clone(), serving.clone());
            let pid = format!("demo-{back}-{g}");
            let case_here =
                (back % 4 == 0 && escalated.len() < CASES.len()).then_some(escalated.len());
            if let Some(n) = case_here {
                escalated.push((g, pid.clone(), doc, format!("demo-o{n}"), start));
            }
            write(server, doc, &patrol::PATROL, move |d, _| {
                patrol::start_patrol(d, &w, start, &pid, "社区书记", fix(0, g))?;
                let fixes: Vec<TrackFix> = (0..40)
                    .map(|i| {
                        let Position::Fix {
                            lat_e6,
                            lon_e6,
                            accuracy_m,
                        } = fix(i, g)
                        else {
                            unreachable!()
                        };
                        TrackFix {
                            at: Millis(start.0 + i * 30_000),
                            lat_e6,
                            lon_e6,
                            accuracy_m,
                        }
                    })
                    .collect();
                patrol::add_track(d, &w, start, &pid, "a", &fixes)?;
                for i in 0..3 {
                    let t = Millis(start.0 + (i + 1) * 400_000);
                    let (oid, outcome, category, what) = match (i, case_here) {
                        (0, Some(n)) => (
                            format!("demo-o{n}"),
                            OutcomeDraft::Escalated {
                                department: CASES[n].0.into(),
                            },
                            CASES[n].1.clone(),
                            CASES[n].2.to_owned(),
                        ),
                        _ => (
                            format!("{pid}-{i}"),
                            OutcomeDraft::Resolved {
                                action: "当场劝导，已整改".into(),
                            },
                            [Category::Sanitation, Category::Parking, Category::Dispute]
                                [i as usize]
                                .clone(),
                            ["楼道堆放杂物", "车辆占用消防通道", "邻里噪音纠纷"][i as usize]
                                .to_owned(),
                        ),
                    };
                    let draft = ObservationDraft {
                        duty: Duty::KNOWN[(i as usize + g) % 5].clone(),
                        category,
                        description: what,
                        position: fix(i * 10 + 5, g),
                        outcome,
                        report: None,
                    };
                    patrol::observe(d, &w, t, &pid, &oid, &draft, &serving)?;
                }
                let end = Millis(start.0 + 2 * Millis::HOUR);
                patrol::step(d, &w, end, &pid, "end", StepKind::End, fix(39, g))?;
                Ok(())
            })
            .await;
        }
    }
    for (n, (g, pid, pdoc, oid, when)) in escalated.into_iter().enumerate() {
        let (dept, category, what, steps) = &CASES[n];
        let (dept, what, steps): (&str, &str, &[K]) = (dept, what, steps);
        let case = patrol::escalation_id(c, &oid);
        let scope = Scope::Case {
            community: c.clone(),
            kind: patrol::ESCALATION,
            reporter: workers[g].member.clone(),
            department: dept.into(),
        };
        if let Err(e) = server.learn(vec![(case, scope)]).await {
            tracing::error!(error = ?e, "cannot share a demo case");
        }
        let payload = format!("{} {case}", c.as_str());
        if let Err(e) = server
            .schedule(
                patrol::department_id(dept),
                "patrol.index",
                &payload,
                Millis(0),
            )
            .await
        {
            tracing::error!(error = %e, "cannot index a demo case");
        }
        let (w, o) = (
            workers[g].clone(),
            officers[if dept == "water" { 0 } else { 1 }].clone(),
        );
        let grid = WORKERS[g].0.to_owned();
        let draft = CaseDraft {
            category: category.clone(),
            description: what.into(),
            position: fix(5, g),
            grid,
            patrol: format!("{pdoc}/{pid}/{oid}"),
            department: dept.into(),
            origin: None,
            deadlines: Deadlines::default(),
        };
        write(server, case, &patrol::ESCALATION, move |d, _| {
            let t = Millis(when.0 + 400_000);
            patrol::open_case(d, &w, t, &oid, &draft)?;
            // The server received it an hour later (no signal on the round).
            let got = Millis(t.0 + Millis::HOUR);
            let hashes: Vec<_> = d.get_changes(&[]).iter().map(|c| (c.hash(), got)).collect();
            linli_core::receipts::publish(d, got, &hashes)?;
            for (i, kind) in steps.iter().enumerate() {
                let st = Millis(got.0 + (i as i64 + 1) * 6 * Millis::HOUR);
                let (who, posting, note) = match kind {
                    K::Confirmed | K::Reopened => (&w, None, "复查：仍有渗漏"),
                    _ => (&o, Some(dept), "已安排人员处理"),
                };
                let note = if *kind == K::Confirmed { "" } else { note };
                let before = d.get_heads();
                let step = StepDraft {
                    kind: kind.clone(),
                    note,
                    to: None,
                };
                patrol::act(d, who, posting, st, &format!("demo-s{i}"), &step)?;
                let hashes: Vec<_> = d
                    .get_changes(&before)
                    .iter()
                    .map(|c| (c.hash(), st))
                    .collect();
                linli_core::receipts::publish(d, st, &hashes)?;
            }
            Ok(())
        })
        .await;
    }
    seed_reports(server, c, residents, &workers[0]).await;
}

/// Two residents' reports: one named grid 1 and was answered, one named no grid.
async fn seed_reports(server: &Server, c: &CommunityId, residents: &[Writer], worker: &Writer) {
    let now = server.now();
    for (i, (what, place, grid)) in [
        ("消防通道被电动车占用", "3 幢北侧", Some("g1")),
        ("路灯不亮", "小区东门", None),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(r) = residents.get(i).cloned() else {
            return;
        };
        let id = patrol::reports_id(c, &r.member);
        let rid = format!("demo-r{i}");
        let w = worker.clone();
        let (rid2, member) = (rid.clone(), r.member.clone());
        write(server, id, &patrol::REPORTS, move |d, _| {
            let ctx = DocContext {
                subject: Some(member),
            };
            let draft = ReportDraft {
                category: if i == 0 {
                    Category::Parking
                } else {
                    Category::Facility
                },
                description: what.into(),
                place: place.into(),
                grid: grid.map(str::to_owned),
            };
            let filed = Millis(now.0 - (2 - i as i64) * Millis::DAY);
            patrol::file_report(d, &r, &ctx, filed, &rid2, &draft)?;
            if i == 0 {
                let done = Millis(filed.0 + 3 * Millis::HOUR);
                patrol::answer(
                    d,
                    &w,
                    done,
                    "demo-a0",
                    &rid2,
                    ReportStatus::Done,
                    "已联系车主挪走",
                )?;
            }
            Ok(())
        })
        .await;
        let payload = format!(
            "{} {rid} {}",
            residents[i].member.as_str(),
            grid.unwrap_or("-")
        );
        if let Err(e) = server
            .schedule(patrol::desk_id(c), "patrol.inbox", &payload, Millis(0))
            .await
        {
            tracing::error!(error = %e, "cannot index a demo report");
        }
    }
}
