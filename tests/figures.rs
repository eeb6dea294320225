//! Deliberation's figures in the browser, as the app's wasm runs them: deriving the tally of a
//! vote with 20,000 ballots (2,000 of them made after the close marker). It prints; it asserts
//! nothing about time. `cargo test -p linli --test figures --target wasm32-unknown-unknown
//! --release -- --nocapture` (the release profile is the one that ships).
#![cfg(target_arch = "wasm32")]

use automerge::Automerge;
use linli_core::deliberation::{self, Decision, ProposalDraft};
use linli_core::doc::Writer;
use linli_core::{MemberId, Millis, Role};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const HOUR: i64 = 3_600_000;

fn member(id: String, role: Role) -> Writer {
    Writer {
        member: MemberId::parse(&id).unwrap(),
        role,
    }
}

/// The vote as a device holds it: saved and loaded, so nothing is cached from writing it.
fn vote(ballots: usize, late: usize) -> Automerge {
    let t0 = Millis(1_796_000_000_000);
    let mut doc = linli_core::schema::genesis_with(&deliberation::KIND, deliberation::ROOTS);
    let author = member("m_author".into(), Role::Resident);
    let draft = ProposalDraft {
        title: "楼道灯改为声控".into(),
        body: String::new(),
        decision: Decision::ForAgainst,
    };
    deliberation::create(&mut doc, &author, t0, &draft).unwrap();
    deliberation::publish(&mut doc, &author, t0).unwrap();
    let staff = member("m_staff".into(), Role::Staff);
    let closes = Millis(t0.0 + 100 * HOUR);
    deliberation::set_window(&mut doc, &staff, t0, Millis(t0.0 + HOUR), closes, 20, 50).unwrap();
    for i in 0..ballots {
        if i == ballots - late {
            deliberation::write_close(&mut doc, closes, 30_000).unwrap();
        }
        // Before the close, and after it (a device that had seen the marker, claiming so).
        let at = if i < ballots - late {
            t0.0 + 2 * HOUR
        } else {
            closes.0 + HOUR
        };
        let w = member(format!("m_{i}"), Role::Resident);
        let pick = ["for", "against", "abstain"][i % 3].to_owned();
        if i < ballots - late {
            deliberation::cast(&mut doc, &w, Millis(at + i as i64), &[pick]).unwrap();
        } else {
            // The command refuses a closed vote; a doctored app writes it anyway.
            let map = linli_core::read::map_at(&doc, &automerge::ROOT, "ballots").unwrap();
            let mut tx = doc.transaction();
            automerge::transaction::Transactable::put(&mut tx, &map, w.member.as_str(), pick)
                .unwrap();
            tx.commit_with(automerge::transaction::CommitOptions::default().with_time(at));
        }
    }
    Automerge::load(&doc.save()).unwrap()
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
fn the_tally_of_twenty_thousand_ballots() {
    let doc = vote(20_000, 2_000);
    let t = deliberation::tally(&doc);
    assert_eq!((t.turnout(), t.excluded().len()), (18_000, 2_000));
    let runs = 5;
    let start = now();
    for _ in 0..runs {
        std::hint::black_box(deliberation::tally(std::hint::black_box(&doc)));
    }
    console_log!(
        "tally of 20,000 ballots, 2,000 late, in the browser: {:.1} ms (mean of {runs})",
        (now() - start) / runs as f64
    );
}

#[wasm_bindgen_test]
fn the_list_of_three_hundred_proposals() {
    use deliberation::list::{order, row, Community};
    // A year of a community's votes: 300 proposals, 30,000 ballots and 20,100 comments.
    let docs: Vec<(String, Automerge)> = (0..300)
        .map(|p| {
            let mut doc = vote(100, 0);
            for c in 0..67 {
                let w = member(format!("m_{c}"), Role::Resident);
                let at = Millis(1_796_000_000_000 + 3 * HOUR + c);
                deliberation::comment(&mut doc, &w, at, &format!("c{c}"), None, "我同意。")
                    .unwrap();
            }
            (format!("p{p}"), Automerge::load(&doc.save()).unwrap())
        })
        .collect();
    let me = MemberId::parse("m_1").unwrap();
    let town = Community {
        members: 3_000,
        support_pct: deliberation::DEFAULT_SUPPORT_PCT,
    };
    let at = Millis(1_796_000_000_000 + 200 * 24 * HOUR);
    let rows = || {
        let mut rows: Vec<_> = docs
            .iter()
            .filter_map(|(id, d)| row(d, id, &me, at, town))
            .collect();
        rows.sort_by(order);
        rows
    };
    assert_eq!(rows().len(), 300);
    let runs = 5;
    let start = now();
    for _ in 0..runs {
        std::hint::black_box(rows());
    }
    console_log!(
        "the proposals list (300 proposals, 30,000 ballots, 20,100 comments) in the browser: {:.1} ms (mean of {runs})",
        (now() - start) / runs as f64
    );
}
