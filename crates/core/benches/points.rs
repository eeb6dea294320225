//! A community's points over a year: 5,000 help exchanges in twelve monthly help documents,
//! 60 certified proposals of 500 ballots each (30,000), and 2,000 staff entries. Measures
//! folding the whole ledger, and what a phone does: one member's balance from the last
//! certified month plus the month since. `cargo bench -p linli-core --bench points`.

use automerge::{Automerge, ChangeHash};
use criterion::{criterion_group, criterion_main, Criterion};
use linli_core::deliberation::{self, Decision, ProposalDraft};
use linli_core::doc::Writer;
use linli_core::points::{self, fold, fold_from, Sources};
use linli_core::schema::{genesis, genesis_with, DocKind};
use linli_core::{help, MemberId, Millis, Role};
use std::collections::BTreeMap;
use std::hint::black_box;

/// 2026-01-01 00:00 in the city (UTC+8).
const T0: Millis = Millis(1_767_196_800_000);
const DAY: i64 = Millis::DAY;
const MEMBERS: usize = 1_000;
const HELP: usize = 5_000;
const PROPOSALS: usize = 60;
const BALLOTS: usize = 500;
const STAFF_ENTRIES: usize = 2_000;

fn writer(n: usize, role: Role) -> Writer {
    Writer {
        member: MemberId::parse(&format!("m_{n}")).unwrap(),
        role,
    }
}

fn at_day(d: i64) -> Millis {
    Millis(T0.0 + d * DAY)
}

/// Twelve months of help, one document a month, each exchange confirmed.
fn help_docs() -> Vec<Automerge> {
    let mut docs: Vec<Automerge> = (0..12).map(|_| genesis(&DocKind::HELP)).collect();
    for i in 0..HELP {
        let day = (i * 360 / HELP) as i64;
        let doc = &mut docs[(day / 30) as usize];
        let at = Millis(at_day(day).0 + i as i64);
        let requester = writer(i % MEMBERS, Role::Resident);
        let helper = writer((i * 7 + 1) % MEMBERS, Role::Resident);
        let id = format!("r{i}");
        let draft = help::RequestDraft {
            category: help::Category::Errand,
            title: "帮忙取快递".into(),
            details: String::new(),
            urgency: help::Urgency::Normal,
            place: "3 幢".into(),
            needed_by: None,
            expires_in_days: None,
        };
        help::post_request(doc, &requester, at, &id, &draft).unwrap();
        help::offer(doc, &helper, at, &id, "我来").unwrap();
        help::accept(doc, &requester, at, &id, &helper.member).unwrap();
        help::confirm(doc, &requester, at, &id).unwrap();
    }
    docs.into_iter()
        .map(|d| Automerge::load(&d.save()).unwrap())
        .collect()
}

/// A certified proposal every six days, 500 members voting on each.
fn proposals() -> Vec<(String, Automerge)> {
    let staff = writer(0, Role::Staff);
    let choices = ["for", "against", "abstain"];
    (0..PROPOSALS)
        .map(|p| {
            let mut doc = genesis_with(&deliberation::KIND, deliberation::ROOTS);
            let start = at_day(p as i64 * 6);
            let author = writer(p * 13 % MEMBERS, Role::Resident);
            let draft = ProposalDraft {
                title: "广场舞时间调整".into(),
                body: "晚上八点半以后停止播放音乐。".into(),
                decision: Decision::ForAgainst,
            };
            deliberation::create(&mut doc, &author, start, &draft).unwrap();
            deliberation::publish(&mut doc, &author, start).unwrap();
            let (opens, closes) = (Millis(start.0 + DAY), Millis(start.0 + 3 * DAY));
            deliberation::set_window(&mut doc, &staff, start, opens, closes, 20, 50).unwrap();
            for b in 0..BALLOTS {
                let voter = writer((p * 17 + b) % MEMBERS, Role::Resident);
                let at = Millis(opens.0 + b as i64);
                let choice = [choices[b % 3].to_owned()];
                deliberation::cast(&mut doc, &voter, at, &choice).unwrap();
            }
            deliberation::write_close(&mut doc, closes, MEMBERS).unwrap();
            deliberation::certify(&mut doc, Millis(closes.0 + 2 * DAY), |_| false).unwrap();
            (format!("p{p}"), Automerge::load(&doc.save()).unwrap())
        })
        .collect()
}

/// Where the server certified: day 330, the last certificate a phone holds in December.
fn cut() -> Millis {
    at_day(330)
}

fn members() -> Vec<MemberId> {
    (0..MEMBERS)
        .map(|n| writer(n, Role::Resident).member)
        .collect()
}

/// Redemptions and corrections through the year, and the document's heads at the cut.
fn points_doc() -> (Automerge, Vec<ChangeHash>) {
    let mut doc = genesis_with(&points::KIND, points::ROOTS);
    let staff = writer(0, Role::Staff);
    let members = members();
    points::set_item(&mut doc, &staff, T0, "meal", "长者食堂午餐", 15, false).unwrap();
    let mut at_cut = None;
    for i in 0..STAFF_ENTRIES {
        let at = Millis(at_day((i * 360 / STAFF_ENTRIES) as i64).0 + i as i64);
        if at >= cut() && at_cut.is_none() {
            at_cut = Some(doc.get_heads());
        }
        let member = &members[i * 3 % MEMBERS];
        let id = format!("e{i}");
        if i % 4 == 0 {
            points::correct(&mut doc, &staff, at, &id, member, 5, "活动补记", &members).unwrap();
        } else {
            points::redeem(&mut doc, &staff, at, &id, member, "meal", &members).unwrap();
        }
    }
    (Automerge::load(&doc.save()).unwrap(), at_cut.unwrap())
}

fn bench(c: &mut Criterion) {
    let helps = help_docs();
    let proposals = proposals();
    let (points_doc, points_at_cut) = points_doc();
    let help_ids: Vec<String> = (0..helps.len()).map(|m| format!("help-{m}")).collect();
    let help_refs: Vec<(&str, &Automerge)> = help_ids
        .iter()
        .map(String::as_str)
        .zip(helps.iter())
        .collect();
    let proposal_refs: Vec<(&str, &Automerge)> =
        proposals.iter().map(|(id, d)| (id.as_str(), d)).collect();
    let all = Sources {
        points: Some(("points", &points_doc)),
        help: &help_refs,
        proposals: &proposal_refs,
    };
    let whole = fold(&all);
    let votes = whole
        .entries()
        .iter()
        .filter(|e| matches!(e.source, points::Source::Vote { .. }))
        .count();
    assert_eq!(votes, PROPOSALS * BALLOTS);
    assert!(whole.entries().len() >= HELP + PROPOSALS * BALLOTS + STAFF_ENTRIES);
    c.bench_function(
        "fold of 5,000 help, 30,000 ballots, 2,000 staff entries",
        |b| b.iter(|| black_box(fold(black_box(&all)))),
    );
    // A device that keeps each document's facts by its heads re-reads only what changed.
    let start = points::Opening::default();
    let facts_since = |opening: &points::Opening, docs: &Sources| {
        let mut kept = Vec::new();
        if let Some((id, d)) = docs.points {
            kept.extend(points::staff_facts(id, d, opening));
        }
        for (id, d) in docs.help {
            kept.extend(points::help_facts(id, d, opening));
        }
        for (id, d) in docs.proposals {
            kept.extend(points::proposal_facts(id, d, opening));
        }
        kept
    };
    let kept = facts_since(&start, &all);
    let rates = points::RateBook::of(&points_doc);
    assert_eq!(points::fold_facts(&start, &rates, kept.clone()), whole);
    c.bench_function("the same fold from each document's facts, kept", |b| {
        b.iter(|| black_box(points::fold_facts(&start, &rates, black_box(kept.clone()))))
    });

    // One more change: staff record a redemption. A device that keeps each document's facts
    // reads that one document's again and folds.
    let members = members();
    let mut after = points_doc.fork();
    let late = at_day(359);
    let staff = writer(0, Role::Staff);
    points::redeem(
        &mut after,
        &staff,
        late,
        "e_new",
        &members[7],
        "meal",
        &members,
    )
    .unwrap();
    let others: Vec<points::Entry> = facts_since(
        &start,
        &Sources {
            points: None,
            ..all
        },
    );
    c.bench_function("points: update after one staff entry, and fold", |b| {
        b.iter(|| {
            let mut facts = others.clone();
            facts.extend(points::staff_facts("points", &after, &start));
            black_box(points::fold_facts(&start, &rates, facts))
        })
    });

    // Where the time goes: reading the requests, the tallies, staff's entries.
    c.bench_function("the help documents' settled requests alone", |b| {
        b.iter(|| {
            let n = help_refs.iter().map(|(_, d)| help::settled(d).len());
            black_box(n.sum::<usize>())
        })
    });
    c.bench_function("the 60 tallies alone", |b| {
        b.iter(|| {
            let n = proposal_refs
                .iter()
                .map(|(_, d)| deliberation::tally(d).turnout());
            black_box(n.sum::<usize>())
        })
    });
    c.bench_function("staff's entries alone", |b| {
        b.iter(|| black_box(points::staff_entries(black_box(&points_doc)).len()))
    });

    // The server's certificate at the cut: what it held then, and those documents' heads.
    let certified_before = |d: &Automerge| {
        deliberation::read(d)
            .and_then(|p| p.certified)
            .is_some_and(|c| c.at < cut())
    };
    let old_proposals: Vec<(&str, &Automerge)> = proposal_refs
        .iter()
        .copied()
        .filter(|(_, d)| certified_before(d))
        .collect();
    let points_then = points_doc.fork_at(&points_at_cut).unwrap();
    let then = fold(&Sources {
        points: Some(("points", &points_then)),
        help: &help_refs[..11],
        proposals: &old_proposals,
    });
    let mut heads: BTreeMap<String, Vec<ChangeHash>> = help_refs[..11]
        .iter()
        .chain(&old_proposals)
        .map(|(id, d)| ((*id).to_owned(), d.get_heads()))
        .collect();
    heads.insert("points".into(), points_at_cut);
    let opening = then.closing(&at_day(329).month(), cut(), heads);

    // A phone that holds that certificate and December's documents.
    let recent_proposals: Vec<(&str, &Automerge)> = proposal_refs
        .iter()
        .copied()
        .filter(|(_, d)| !certified_before(d))
        .collect();
    let recent = Sources {
        points: Some(("points", &points_doc)),
        help: &help_refs[11..],
        proposals: &recent_proposals,
    };
    let me = writer(8, Role::Resident).member;
    assert_eq!(
        fold_from(&opening, &recent).balance(&me),
        whole.balance(&me)
    );
    c.bench_function(
        "one member's balance: a certified month plus a month since",
        |b| b.iter(|| black_box(fold_from(black_box(&opening), black_box(&recent)).balance(&me))),
    );

    // The phone's case again, from the facts it kept since the certificate.
    let kept_recent = facts_since(&opening, &recent);
    let from_kept = points::fold_facts(&opening, &rates, kept_recent.clone());
    assert_eq!(from_kept.balances(), whole.balances());
    c.bench_function(
        "one member's balance: a certified month plus a month's kept facts",
        |b| {
            b.iter(|| {
                let l = points::fold_facts(&opening, &rates, black_box(kept_recent.clone()));
                black_box(l.balance(&me))
            })
        },
    );

    // The phone's update when staff record one more entry: staff's entries follow the
    // points document (only the new record is read), the other documents' facts are kept,
    // and the month since the certificate folds again.
    let followed = points::follow_staff(&points_doc);
    let others_recent = facts_since(
        &opening,
        &Sources {
            points: None,
            ..recent
        },
    );
    c.bench_function(
        "points: update after one staff entry on a phone holding a certificate, and fold",
        |b| {
            b.iter_batched(
                || followed.clone(),
                |mut f| {
                    assert_eq!(f.update(&after), 1);
                    let mut facts = others_recent.clone();
                    facts.extend(points::followed_staff_facts("points", &after, &opening, &f));
                    black_box(points::fold_facts(&opening, &rates, facts))
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
