//! Patrol at the size of a busy grid-month and a busy city: a patrol document holding
//! 5,000 observations (100 patrols of 50), a 10,000-fix track, and 2,000 escalations.
//! Measures adding one more observation, the escalations sync follows from a grid-month,
//! decoding the track, and deriving the overdue set.

use automerge::Automerge;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use linli_core::directory::Place;
use linli_core::doc::Writer;
use linli_core::patrol::{
    self, CaseDraft, CaseStepKind, Category, Deadlines, Duty, ObservationDraft, OutcomeDraft,
    Position, StepDraft, TrackFix,
};
use linli_core::schema::genesis;
use linli_core::{MemberId, Millis, Role};
use std::hint::black_box;

const T0: Millis = Millis(1_796_000_000_000);

fn worker() -> Writer {
    Writer {
        member: MemberId::parse("m_zhang").unwrap(),
        role: Role::GridWorker,
    }
}

fn serving() -> Vec<Place> {
    vec![Place {
        id: "water".into(),
        name: "水务".into(),
    }]
}

fn draft(i: usize) -> ObservationDraft {
    ObservationDraft {
        duty: Duty::KNOWN[i % 5].clone(),
        category: Category::KNOWN[i % 7].clone(),
        description: format!("第 {i} 处：楼道堆放杂物"),
        position: Position::Fix {
            lat_e6: 31_230_000 + i as i32,
            lon_e6: 121_470_000,
            accuracy_m: 10,
        },
        outcome: if i.is_multiple_of(10) {
            OutcomeDraft::Escalated {
                department: "water".into(),
            }
        } else {
            OutcomeDraft::Resolved {
                action: "当场劝导清理".into(),
            }
        },
        report: None,
    }
}

/// 100 patrols, the last still running, 50 observations each; saved and loaded again.
fn busy_grid_month() -> Automerge {
    let mut doc = genesis(&patrol::PATROL);
    for p in 0..100 {
        let pid = format!("p{p}");
        let t = Millis(T0.0 + p as i64 * 3_600_000);
        patrol::start_patrol(&mut doc, &worker(), t, &pid, "", Position::Denied).unwrap();
        for o in 0..50 {
            let i = p * 50 + o;
            let at = Millis(t.0 + o as i64 * 1_000);
            patrol::observe(
                &mut doc,
                &worker(),
                at,
                &pid,
                &format!("o{i}"),
                &draft(i),
                &serving(),
            )
            .unwrap();
        }
        if p < 99 {
            let end = patrol::StepKind::End;
            patrol::step(&mut doc, &worker(), t, &pid, "s1", end, Position::Denied).unwrap();
        }
    }
    Automerge::load(&doc.save()).unwrap()
}

fn track() -> Vec<u8> {
    let fixes: Vec<TrackFix> = (0..10_000)
        .map(|i| TrackFix {
            at: Millis(T0.0 + i * 5_000),
            lat_e6: 31_230_000 + (i % 97) as i32 * 3,
            lon_e6: 121_470_000 - (i % 89) as i32 * 2,
            accuracy_m: 5 + (i % 20) as u32,
        })
        .collect();
    patrol::encode(&fixes)
}

/// 2,000 escalation documents, each received by the server; a third acknowledged, a
/// tenth resolved.
fn escalations() -> Vec<Automerge> {
    let officer = Writer {
        member: MemberId::parse("m_water").unwrap(),
        role: Role::Officer,
    };
    (0..2_000usize)
        .map(|i| {
            let mut doc = genesis(&patrol::ESCALATION);
            let at = Millis(T0.0 + i as i64 * 600_000);
            let case = CaseDraft {
                category: Category::Facility,
                description: "井盖破损".into(),
                position: Position::Unavailable,
                grid: "g1".into(),
                patrol: "p1".into(),
                department: "water".into(),
                origin: None,
                deadlines: Deadlines::default(),
            };
            patrol::open_case(&mut doc, &worker(), at, &format!("o{i}"), &case).unwrap();
            let steps = [CaseStepKind::Acknowledged, CaseStepKind::Resolved];
            for (n, kind) in steps.into_iter().enumerate() {
                if i.is_multiple_of([3, 10][n]) {
                    let step = StepDraft {
                        kind,
                        note: "处理",
                        to: None,
                    };
                    let t = Millis(at.0 + 1 + n as i64);
                    let sid = format!("a{n}");
                    patrol::act(&mut doc, &officer, Some("water"), t, &sid, &step).unwrap();
                }
            }
            let got: Vec<_> = doc
                .get_changes(&[])
                .iter()
                .map(|c| (c.hash(), at))
                .collect();
            linli_core::receipts::publish(&mut doc, at, &got).unwrap();
            doc
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let month = busy_grid_month();
    c.bench_function("add an observation to a grid-month of 5,000", |b| {
        b.iter_batched(
            || month.clone(),
            |mut doc| {
                patrol::observe(&mut doc, &worker(), T0, "p99", "new", &draft(1), &serving())
                    .unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function(
        "follow a grid-month's 100 patrols of 5,000 observations",
        |b| b.iter(|| black_box(patrol::follow(&month))),
    );
    let followed = patrol::follow(&month);
    let mut after = month.clone();
    patrol::observe(
        &mut after,
        &worker(),
        T0,
        "p99",
        "new",
        &draft(1),
        &serving(),
    )
    .unwrap();
    c.bench_function("patrol: update after one observation, and list", |b| {
        b.iter_batched(
            || followed.clone(),
            |mut f| {
                assert_eq!(f.update(&after), 1);
                black_box(patrol::patrols_of(f.values()))
            },
            BatchSize::LargeInput,
        )
    });
    // What sync asks of a grid-month it holds: the escalations it leads to. Through the
    // registry (the few fields that decide it), and, as it was read before, from the whole
    // patrols with every observation.
    let community = linli_core::CommunityId::parse("huqian").unwrap();
    let (id, _) = patrol::patrol_doc(&community, "g1", T0);
    let reader =
        linli_core::access::Reader::new(worker().member, Role::GridWorker, community.clone());
    println!(
        "a grid-month of 5,000 observations leads to {} escalations",
        linli_core::registry::follows(&reader, &patrol::PATROL, &id, &month).len()
    );
    c.bench_function("sync: the escalations a grid-month leads to", |b| {
        b.iter(|| linli_core::registry::follows(&reader, &patrol::PATROL, &id, &month).len())
    });
    c.bench_function(
        "sync: the escalations a grid-month leads to, from whole patrols",
        |b| {
            b.iter(|| {
                patrol::patrols(&month)
                    .iter()
                    .flat_map(|p| &p.observations)
                    .filter(|o| o.outcome == patrol::Outcome::Escalated && o.department.is_some())
                    .map(|o| (patrol::escalation_id(&community, &o.id), patrol::ESCALATION))
                    .collect::<Vec<_>>()
            })
        },
    );
    let bytes = track();
    println!("a 10,000-fix track is {} bytes", bytes.len());
    c.bench_function("decode a 10,000-fix track", |b| {
        b.iter(|| patrol::decode(black_box(&bytes)).unwrap())
    });
    let docs = escalations();
    let now = Millis(T0.0 + 20 * 86_400_000);
    let cases: Vec<_> = docs.iter().filter_map(patrol::read_case).collect();
    println!(
        "{} of 2,000 escalations overdue",
        patrol::overdue(&cases, now).len()
    );
    c.bench_function(
        "overdue set of 2,000 escalations, from their documents",
        |b| {
            b.iter(|| {
                let cases: Vec<_> = docs.iter().filter_map(patrol::read_case).collect();
                patrol::overdue(&cases, now).len()
            })
        },
    );
    c.bench_function("overdue set of 2,000 escalations, from read cases", |b| {
        b.iter(|| patrol::overdue(black_box(&cases), now).len())
    });
}

criterion_group!(patrol_benches, benches);
criterion_main!(patrol_benches);
