//! Help at the size of a busy month: a document holding 5,000 requests (some offered, some
//! accepted, some done). Measures posting one more request, deriving the open list, and
//! following it: deriving once, then updating after one remote change; and the list's sort.

use automerge::{Automerge, ReadDoc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use linli_core::doc::Writer;
use linli_core::help::{self, Category, Filter, RequestDraft, Status, Urgency};
use linli_core::schema::{genesis, DocKind};
use linli_core::{MemberId, Millis, Role};
use std::hint::black_box;

const T0: Millis = Millis(1_796_000_000_000);
const REQUESTS: usize = 5_000;

fn resident(i: usize) -> Writer {
    Writer {
        member: MemberId::parse(&format!("m_{i}")).unwrap(),
        role: Role::Resident,
    }
}

fn draft(i: usize) -> RequestDraft {
    RequestDraft {
        category: Category::KNOWN[i % Category::KNOWN.len()].clone(),
        title: format!("第 {i} 条求助：帮忙取快递"),
        details: "下午三点前，放在门口就好".to_owned(),
        urgency: Urgency::KNOWN[i % 3].clone(),
        place: format!("{} 幢", i % 40 + 1),
        needed_by: None,
        expires_in_days: Some(30),
    }
}

/// 5,000 requests from 500 residents; every third offered, every ninth accepted, every
/// twenty-seventh done. Saved and loaded again, as a device would hold it.
fn busy_month() -> Automerge {
    let mut doc = genesis(&DocKind::HELP);
    for i in 0..REQUESTS {
        let now = Millis(T0.0 + i as i64);
        let id = format!("r{i}");
        help::post_request(&mut doc, &resident(i % 500), now, &id, &draft(i)).unwrap();
        if i % 3 == 0 {
            let helper = resident(i % 500 + 500);
            help::offer(&mut doc, &helper, now, &id, "我可以").unwrap();
            if i % 9 == 0 {
                help::accept(&mut doc, &resident(i % 500), now, &id, &helper.member).unwrap();
                if i % 27 == 0 {
                    help::confirm(&mut doc, &resident(i % 500), now, &id).unwrap();
                }
            }
        }
    }
    Automerge::load(&doc.save()).unwrap()
}

fn bench(c: &mut Criterion) {
    let doc = busy_month();
    let now = Millis(T0.0 + REQUESTS as i64);
    let open = Filter {
        status: Some(Status::Open),
        category: None,
    };
    println!(
        "help document: {REQUESTS} requests, {} bytes saved, {} open",
        doc.save().len(),
        help::list(&doc, now, &open, &Role::Resident).len()
    );
    c.bench_function("help: post a request into 5,000", |b| {
        b.iter_batched(
            || doc.fork(),
            |mut d| {
                help::post_request(&mut d, &resident(7), now, "r_new", &draft(7)).unwrap();
                d
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("help: derive the open list from 5,000", |b| {
        b.iter(|| black_box(help::list(&doc, now, &open, &Role::Resident)))
    });
    // Following the list: derived once, then a neighbour's offer arrives and the view lists
    // again from the records it touched.
    c.bench_function("help: follow 5,000 (derive once)", |b| {
        b.iter(|| black_box(help::follow(&doc)))
    });
    let followed = help::follow(&doc);
    let mut after = doc.fork();
    help::offer(&mut after, &resident(900), now, "r4", "我也可以").unwrap();
    c.bench_function(
        "help: update after one remote change, and list the open",
        |b| {
            b.iter_batched(
                || followed.clone(),
                |mut f| {
                    assert_eq!(f.update(&after), 1);
                    black_box(help::list_of(f.values(), now, &open, &Role::Resident))
                },
                BatchSize::LargeInput,
            )
        },
    );
    c.bench_function("help: derive the whole list from 5,000", |b| {
        b.iter(|| black_box(help::list(&doc, now, &Filter::default(), &Role::Resident)))
    });
    // The list's sort on its own, through core's one shared copy (`linli_core::sort`, kept
    // for the wasm's size) and through std's `sort_by`, from the list's reverse order.
    let mut reversed = help::list(&doc, now, &Filter::default(), &Role::Resident);
    reversed.reverse();
    c.bench_function("help: sort 5,000 requests, linli_core::sort", |b| {
        b.iter_batched(
            || reversed.clone(),
            |mut v| {
                linli_core::sort::by(&mut v, help::order);
                v
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("help: sort 5,000 requests, std's sort_by", |b| {
        b.iter_batched(
            || reversed.clone(),
            |mut v| {
                v.sort_by(help::order);
                v
            },
            BatchSize::LargeInput,
        )
    });
    // automerge's own floor: its one-pass iterator over the requests' subtree, values
    // visited and nothing built.
    let (_, requests) = doc.get(automerge::ROOT, "requests").unwrap().unwrap();
    c.bench_function(
        "automerge alone: visit every value of 5,000 requests",
        |b| {
            b.iter(|| {
                black_box(
                    doc.iter_at(&requests, None)
                        .filter(|i| i.item.value().is_some())
                        .count(),
                )
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
