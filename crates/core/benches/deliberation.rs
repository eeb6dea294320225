//! A community-wide vote: one proposal with 20,000 ballots, 2,000 of them late (cast on
//! devices that had seen the close marker, or claimed after it), saved and loaded as a device
//! holds it. Measures deriving the tally (the offline vote rule over the whole change log).
//! `cargo bench -p linli-core --bench deliberation`.

use automerge::transaction::CommitOptions;
use automerge::transaction::Transactable;
use automerge::Automerge;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use linli_core::deliberation::{self, Decision, ProposalDraft};
use linli_core::doc::Writer;
use linli_core::schema::genesis_with;
use linli_core::{MemberId, Millis, Role};
use std::hint::black_box;

const T0: Millis = Millis(1_796_000_000_000);
const HOUR: i64 = 3_600_000;
const BALLOTS: usize = 20_000;
const LATE: usize = 2_000;

fn writer(id: &str, role: Role) -> Writer {
    Writer {
        member: MemberId::parse(id).unwrap(),
        role,
    }
}

fn big_vote() -> Automerge {
    let mut doc = genesis_with(&deliberation::KIND, deliberation::ROOTS);
    let author = writer("m_author", Role::Resident);
    let staff = writer("m_staff", Role::Staff);
    let draft = ProposalDraft {
        title: "广场舞时间调整".into(),
        body: "晚上八点半以后停止播放音乐。".into(),
        decision: Decision::ForAgainst,
    };
    deliberation::create(&mut doc, &author, T0, &draft).unwrap();
    deliberation::publish(&mut doc, &author, T0).unwrap();
    let closes = Millis(T0.0 + 100 * HOUR);
    deliberation::set_window(&mut doc, &staff, T0, Millis(T0.0 + HOUR), closes, 20, 50).unwrap();
    let choices = ["for", "against", "abstain"];
    for i in 0..BALLOTS - LATE {
        let w = writer(&format!("m_{i}"), Role::Resident);
        let at = Millis(T0.0 + 2 * HOUR + i as i64);
        deliberation::cast(&mut doc, &w, at, &[choices[i % 3].to_owned()]).unwrap();
    }
    deliberation::write_close(&mut doc, closes, 30_000).unwrap();
    // Late ones, written raw as a doctored app would: after the marker, claiming earlier.
    let ballots = linli_core::read::map_at(&doc, &automerge::ROOT, "ballots").unwrap();
    for i in BALLOTS - LATE..BALLOTS {
        let mut tx = doc.transaction();
        tx.put(&ballots, format!("m_{i}"), "for").unwrap();
        tx.commit_with(CommitOptions::default().with_time(T0.0 + 3 * HOUR));
    }
    Automerge::load(&doc.save()).unwrap()
}

fn bench(c: &mut Criterion) {
    let doc = big_vote();
    let t = deliberation::tally(&doc);
    assert_eq!(t.turnout(), BALLOTS - LATE);
    assert_eq!(t.excluded().len(), LATE);
    c.bench_function("tally of 20,000 ballots, 2,000 late", |b| {
        b.iter(|| black_box(deliberation::tally(black_box(&doc))))
    });
    // Where the time goes: the tally walks the change log, which automerge rebuilds from
    // the document's columns on every call, and decodes each change.
    c.bench_function("the change log alone (get_changes)", |b| {
        b.iter(|| black_box(black_box(&doc).get_changes(&[]).len()))
    });
    c.bench_function("the change log's metadata alone (get_changes_meta)", |b| {
        b.iter(|| black_box(black_box(&doc).get_changes_meta(&[]).len()))
    });
    c.bench_function(
        "every live ballot with its change (map_range, hash_for_opid)",
        |b| {
            use automerge::ReadDoc;
            let ballots = linli_core::read::map_at(&doc, &automerge::ROOT, "ballots").unwrap();
            b.iter(|| {
                black_box(
                    doc.map_range(&ballots, ..)
                        .filter_map(|item| doc.hash_for_opid(&item.id()))
                        .count(),
                )
            })
        },
    );
    let log = doc.get_changes(&[]);
    c.bench_function("decoding every change of it", |b| {
        b.iter(|| {
            black_box(
                log.iter()
                    .map(|c| c.decode().operations.len())
                    .sum::<usize>(),
            )
        })
    });
}

const PROPOSALS: usize = 300;
const LIST_BALLOTS: usize = 30_000;
const COMMENTS: usize = 20_000;

/// A year of a community's proposals, as a device holds them: 300 documents, 100 ballots and
/// about 67 comments each, saved and loaded.
fn a_year_of_proposals() -> Vec<(String, Automerge)> {
    let author = writer("m_author", Role::Resident);
    let staff = writer("m_staff", Role::Staff);
    (0..PROPOSALS)
        .map(|p| {
            let mut doc = genesis_with(&deliberation::KIND, deliberation::ROOTS);
            let start = Millis(T0.0 + p as i64 * 24 * HOUR);
            let draft = ProposalDraft {
                title: format!("第 {p} 项议题"),
                body: "关于小区公共事务的提议。".into(),
                decision: Decision::ForAgainst,
            };
            deliberation::create(&mut doc, &author, start, &draft).unwrap();
            deliberation::publish(&mut doc, &author, start).unwrap();
            let closes = Millis(start.0 + 48 * HOUR);
            deliberation::set_window(
                &mut doc,
                &staff,
                start,
                Millis(start.0 + HOUR),
                closes,
                20,
                50,
            )
            .unwrap();
            for c in 0..COMMENTS / PROPOSALS {
                let w = writer(&format!("m_{c}"), Role::Resident);
                let at = Millis(start.0 + 30 * 60_000 + c as i64);
                deliberation::comment(&mut doc, &w, at, &format!("c{c}"), None, "我同意。")
                    .unwrap();
            }
            for i in 0..LIST_BALLOTS / PROPOSALS {
                let w = writer(&format!("m_{i}"), Role::Resident);
                let at = Millis(start.0 + 2 * HOUR + i as i64);
                deliberation::cast(&mut doc, &w, at, &["for".to_owned()]).unwrap();
            }
            (format!("p{p}"), Automerge::load(&doc.save()).unwrap())
        })
        .collect()
}

fn list(c: &mut Criterion) {
    use deliberation::list::{order, row, Community};
    let docs = a_year_of_proposals();
    let me = MemberId::parse("m_1").unwrap();
    let town = Community {
        members: 3_000,
        support_pct: deliberation::DEFAULT_SUPPORT_PCT,
    };
    let now = Millis(T0.0 + 200 * 24 * HOUR);
    let rows = |docs: &[(String, Automerge)]| {
        let mut rows: Vec<_> = docs
            .iter()
            .filter_map(|(id, d)| row(d, id, &me, now, town))
            .collect();
        rows.sort_by(order);
        rows
    };
    assert_eq!(rows(&docs).len(), PROPOSALS);
    c.bench_function(
        "the proposals list: 300 proposals, 30,000 ballots, 20,000 comments",
        |b| b.iter(|| black_box(rows(black_box(&docs)))),
    );

    // Following the list: rows kept by each proposal's heads; one ballot arrives in the
    // newest proposal (still voting), and the list is read again.
    let mut kept = deliberation::list::Rows::default();
    let follow = |kept: &mut deliberation::list::Rows, docs: &[(String, Automerge)]| {
        for (id, d) in docs {
            kept.refresh(id, d, &me, now, town);
        }
        kept.list(docs.iter().map(|(id, _)| id.as_str()))
    };
    assert_eq!(follow(&mut kept, &docs), rows(&docs));
    let mut after = docs.clone();
    let (_, last) = after.last_mut().unwrap();
    let late = writer("m_late", Role::Resident);
    let at = Millis(T0.0 + (PROPOSALS as i64 - 1) * 24 * HOUR + 3 * HOUR);
    deliberation::cast(last, &late, at, &["for".to_owned()]).unwrap();
    let now_last = Millis(at.0 + 1);
    let mut kept_last = deliberation::list::Rows::default();
    for (id, d) in &docs {
        kept_last.refresh(id, d, &me, now_last, town);
    }
    c.bench_function(
        "the proposals list: update after one ballot, and list",
        |b| {
            b.iter_batched(
                || kept_last.clone(),
                |mut kept| {
                    for (id, d) in &after {
                        kept.refresh(id, d, &me, now_last, town);
                    }
                    black_box(kept.list(after.iter().map(|(id, _)| id.as_str())))
                },
                BatchSize::SmallInput,
            )
        },
    );
}

/// A long discussion: one proposal with 5,000 comments. Following them: read once, then
/// one more comment arrives and the discussion is listed again.
fn discussion(c: &mut Criterion) {
    const COMMENTS: usize = 5_000;
    let mut doc = genesis_with(&deliberation::KIND, deliberation::ROOTS);
    let author = writer("m_author", Role::Resident);
    let draft = ProposalDraft {
        title: "加装电梯".into(),
        body: "3 号楼加装电梯，费用按楼层分摊。".into(),
        decision: Decision::ForAgainst,
    };
    deliberation::create(&mut doc, &author, T0, &draft).unwrap();
    deliberation::publish(&mut doc, &author, T0).unwrap();
    for i in 0..COMMENTS {
        let w = writer(&format!("m_{}", i % 700), Role::Resident);
        let at = Millis(T0.0 + 1_000 + i as i64);
        let text = format!("第 {i} 条意见：同意，但要先问一楼的住户");
        deliberation::comment(&mut doc, &w, at, &format!("c{i}"), None, &text).unwrap();
    }
    let doc = Automerge::load(&doc.save()).unwrap();
    assert_eq!(deliberation::comments(&doc).len(), COMMENTS);
    c.bench_function("deliberation: follow 5,000 comments (derive once)", |b| {
        b.iter(|| black_box(deliberation::follow_comments(&doc)))
    });
    let followed = deliberation::follow_comments(&doc);
    let mut after = doc.fork();
    let w = writer("m_late", Role::Resident);
    let at = Millis(T0.0 + 10_000_000);
    deliberation::comment(&mut after, &w, at, "c_new", None, "我也同意").unwrap();
    c.bench_function("deliberation: update after one comment, and list", |b| {
        b.iter_batched(
            || followed.clone(),
            |mut f| {
                assert_eq!(f.update(&after), 1);
                black_box(deliberation::comments_of(f.values()))
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench, list, discussion
}
criterion_main!(benches);
