//! Staff's commands and their refusals, the write rules as the door applies them, what each
//! fact pays, and properties: replicas that work apart and merge in any order fold one
//! ledger, the same fact never pays twice, caps and flags agree, and a certified month plus
//! what came after equals a fold of everything.

use super::*;
use crate::deliberation as delib;
use crate::doc::Writer;
use crate::help;
use crate::rules::DocContext;
use crate::schema::{genesis, genesis_with, DocKind};
use crate::test_fixtures::{ann, bob, cai, judge, refused, staff};
use crate::{LinliError, MemberId, Millis, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// 2026-12-01 00:00 in the city (UTC+8).
const T0: Millis = Millis(1_796_054_400_000);
const DAY: i64 = Millis::DAY;

fn day(n: i64) -> Millis {
    Millis(T0.0 + n * DAY)
}

fn m(id: &str) -> MemberId {
    MemberId::parse(id).unwrap()
}
fn members() -> Vec<MemberId> {
    vec![m("m_ann"), m("m_bob"), m("m_cai"), m("m_staff")]
}

fn blank() -> Automerge {
    genesis_with(&KIND, ROOTS)
}

/// The points document with a haircut (30) and a canteen meal (15) on offer.
fn stocked() -> Automerge {
    let mut doc = blank();
    set_item(&mut doc, &staff(), T0, "haircut", "理发", 30, false).unwrap();
    set_item(&mut doc, &staff(), T0, "meal", "长者食堂午餐", 15, false).unwrap();
    doc
}

/// `requester` posts request `id` and accepts `helper`'s offer, at `at`.
fn accepted(doc: &mut Automerge, id: &str, requester: &Writer, helper: &Writer, at: Millis) {
    let draft = help::RequestDraft {
        category: help::Category::Errand,
        title: "帮忙取药".into(),
        details: String::new(),
        urgency: help::Urgency::Normal,
        place: "3 幢".into(),
        needed_by: None,
        expires_in_days: Some(30),
    };
    help::post_request(doc, requester, at, id, &draft).unwrap();
    help::offer(doc, helper, at, id, "我来").unwrap();
    help::accept(doc, requester, at, id, &helper.member).unwrap();
}

/// `helper` helps `requester` with request `id`, confirmed at `at`.
fn helped(doc: &mut Automerge, id: &str, requester: &Writer, helper: &Writer, at: Millis) {
    accepted(doc, id, requester, helper, at);
    help::confirm(doc, requester, at, id).unwrap();
}

/// Ann's for/against proposal with a 50 % quorum of 4 members, ballots cast by `voters`,
/// closed at day 2 and, if `certify`, certified at day 5.
fn proposal(voters: &[(&Writer, &str)], certify: bool) -> Automerge {
    let mut doc = genesis_with(&delib::KIND, delib::ROOTS);
    let draft = delib::ProposalDraft {
        title: "在 3 栋旁建自行车棚".into(),
        body: "占用两个车位。".into(),
        decision: delib::Decision::ForAgainst,
    };
    delib::create(&mut doc, &ann(), T0, &draft).unwrap();
    delib::publish(&mut doc, &ann(), T0).unwrap();
    delib::set_window(&mut doc, &staff(), T0, day(1), day(2), 50, 50).unwrap();
    for (n, (who, choice)) in voters.iter().enumerate() {
        let at = Millis(day(1).0 + 1000 * (n as i64 + 1));
        delib::cast(&mut doc, who, at, &[(*choice).to_owned()]).unwrap();
    }
    delib::write_close(&mut doc, day(2), 4).unwrap();
    if certify {
        delib::certify(&mut doc, day(5), |_| false).unwrap();
    }
    doc
}

fn certified(voters: &[(&Writer, &str)]) -> Automerge {
    proposal(voters, true)
}

/// Help documents named `help0`, `help1`, … in the order given.
fn named<'a>(docs: &[&'a Automerge]) -> Vec<(String, &'a Automerge)> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| (format!("help{i}"), *d))
        .collect()
}

fn ledger(points: &Automerge, help: &[&Automerge], proposals: &[(&str, &Automerge)]) -> Ledger {
    let help = named(help);
    let help: Vec<(&str, &Automerge)> = help.iter().map(|(id, d)| (id.as_str(), *d)).collect();
    fold(&Sources {
        points: Some(("points", points)),
        help: &help,
        proposals,
    })
}

#[test]
fn bad_input_is_refused_in_words_and_changes_nothing() {
    let mut doc = stocked();
    let all = members();
    let ann_id = ann().member;
    refused(&mut doc, LinliError::NotAMember, |d| {
        redeem(d, &staff(), T0, "e1", &m("m_zed"), "haircut", &all)
    });
    refused(&mut doc, LinliError::NoSuchItem, |d| {
        redeem(d, &staff(), T0, "e1", &ann_id, "massage", &all)
    });
    let amount = LinliError::OutOfRange {
        field: crate::error::Field::Amount,
    };
    refused(&mut doc, amount.clone(), |d| {
        correct(d, &staff(), T0, "e1", &ann_id, 0, "录错了", &all)
    });
    refused(&mut doc, amount.clone(), |d| {
        award(
            d,
            &staff(),
            T0,
            "e1",
            "植树",
            -5,
            std::slice::from_ref(&ann_id),
            &all,
        )
    });
    refused(&mut doc, amount.clone(), |d| {
        set_item(d, &staff(), T0, "soap", "肥皂", 0, false)
    });
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Reason),
        |d| correct(d, &staff(), T0, "e1", &ann_id, 5, "  ", &all),
    );
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Member),
        |d| award(d, &staff(), T0, "e1", "植树", 5, &[], &all),
    );
    let past = Rates {
        from: Millis(T0.0 - 1),
        ..Rates::default_rates()
    };
    refused(
        &mut doc,
        LinliError::OutOfRange {
            field: crate::error::Field::Rates,
        },
        |d| set_rates(d, &staff(), T0, "r1", &past),
    );
    // A resident writes nothing here.
    let forbidden = |path: &str| LinliError::Forbidden { path: path.into() };
    refused(&mut doc, forbidden("entries/e1"), |d| {
        redeem(d, &ann(), T0, "e1", &ann_id, "haircut", &all)
    });
    refused(&mut doc, forbidden("entries/e1"), |d| {
        correct(d, &bob(), T0, "e1", &ann_id, 500, "自己加", &all)
    });
    refused(&mut doc, forbidden("catalogue/haircut"), |d| {
        set_item(d, &ann(), T0, "haircut", "理发", 1, false)
    });
    // An entry is written once: the same id again is refused.
    redeem(&mut doc, &staff(), T0, "e1", &ann_id, "meal", &all).unwrap();
    refused(&mut doc, LinliError::AlreadyExists, |d| {
        correct(d, &staff(), T0, "e1", &ann_id, 5, "补录", &all)
    });
    assert!(bad_input_messages_are_translated());
}

fn bad_input_messages_are_translated() -> bool {
    use crate::Lang;
    [LinliError::NotAMember, LinliError::NoSuchItem]
        .iter()
        .all(|e| e.message(Lang::Zh) != e.message(Lang::En) && !e.message(Lang::Zh).is_empty())
}

#[test]
fn the_door_lets_staff_write_and_refuses_residents_rewrites_and_forged_facts() {
    let ctx = DocContext::default();
    let mut doc = stocked();
    let before = doc.get_heads();
    redeem(
        &mut doc,
        &staff(),
        T0,
        "e1",
        &ann().member,
        "meal",
        &members(),
    )
    .unwrap();
    award(
        &mut doc,
        &staff(),
        T0,
        "e2",
        "植树",
        5,
        &members(),
        &members(),
    )
    .unwrap();
    let rates = Rates {
        from: day(3),
        ..Rates::default_rates()
    };
    let rates = Rates { help: 12, ..rates };
    set_rates(&mut doc, &staff(), T0, "v1", &rates).unwrap();
    for c in doc.get_changes(&before) {
        RULES.check_change(&doc, &c, &staff(), &ctx).unwrap();
    }
    let entries = crate::read::map_at(&doc, &ROOT, "entries").unwrap();
    let e1 = crate::read::map_at(&doc, &entries, "e1").unwrap();
    // A resident's entry, even a well-formed one.
    assert!(judge(&RULES, &mut doc.fork(), &ann(), |tx| {
        let e = tx.put_object(&entries, "e9", automerge::ObjType::Map)?;
        tx.put(&e, "author", "m_ann")?;
        tx.put(&e, "kind", "correct")?;
        tx.put(&e, "member", "m_ann")?;
        tx.put(&e, "amount", 500)?;
        tx.put(&e, "reason", "自己加")?;
        tx.put(&e, "at", T0.0)
    })
    .is_err());
    // Staff rewriting an earlier entry: mended by a correction beside it, never rewritten.
    assert!(judge(&RULES, &mut doc.fork(), &staff(), |tx| tx
        .put(&e1, "amount", 1))
    .is_err());
    assert!(judge(&RULES, &mut doc.fork(), &staff(), |tx| tx
        .delete(&entries, "e1"))
    .is_err());
    // Certified balances are the server's.
    let facts = crate::read::map_at(&doc, &ROOT, "facts").unwrap();
    assert!(judge(&RULES, &mut doc.fork(), &staff(), |tx| tx.put(
        &facts,
        "2026-12",
        "m_ann:999"
    ))
    .is_err());
    let catalogue = crate::read::map_at(&doc, &ROOT, "catalogue").unwrap();
    let meal = crate::read::map_at(&doc, &catalogue, "meal").unwrap();
    assert!(judge(&RULES, &mut doc.fork(), &bob(), |tx| tx
        .put(&meal, "price", 1))
    .is_err());
    assert!(judge(&RULES, &mut doc.fork(), &staff(), |tx| tx
        .put(&meal, "price", 12))
    .is_ok());
}

#[test]
fn confirmed_help_pays_its_helper_and_nothing_else_pays() {
    let mut h = genesis(&DocKind::HELP);
    helped(&mut h, "r1", &ann(), &bob(), day(1));
    // Accepted but never confirmed, and cancelled before it was: neither pays.
    let mut open = genesis(&DocKind::HELP);
    accepted(&mut open, "r2", &cai(), &bob(), day(1));
    accepted(&mut open, "r3", &cai(), &bob(), day(1));
    help::cancel(&mut open, &cai(), day(2), "r3").unwrap();
    let l = ledger(&blank(), &[&h, &open], &[]);
    assert_eq!(l.balance(&bob().member), 10);
    assert_eq!(l.balance(&ann().member), 0);
    let e = l.history(&bob().member).next().unwrap();
    assert_eq!(e.id, "help/r1");
    assert_eq!(
        e.source,
        Source::Help {
            doc: "help0".into(),
            request: "r1".into(),
            requester: ann().member
        }
    );
}

#[test]
fn the_pair_cap_stops_farming_within_a_month_and_resets_the_next() {
    let mut h = genesis(&DocKind::HELP);
    for n in 0..4 {
        helped(&mut h, &format!("r{n}"), &ann(), &bob(), day(n));
    }
    // Another neighbour is another pair; the next month starts again.
    helped(&mut h, "r8", &cai(), &bob(), day(5));
    helped(&mut h, "r9", &ann(), &bob(), day(31));
    let l = ledger(&blank(), &[&h], &[]);
    let paid: Vec<(i64, bool)> = l
        .history(&bob().member)
        .map(|e| (e.amount, e.capped))
        .collect();
    assert_eq!(
        paid,
        [
            (10, false),
            (10, false),
            (10, false),
            (0, true),
            (10, false),
            (10, false)
        ]
    );
    assert_eq!(l.balance(&bob().member), 50);
}

#[test]
fn a_counted_ballot_pays_its_voter_once_and_an_adopted_proposal_its_author() {
    let failed = certified(&[(&bob(), "for"), (&cai(), "against"), (&bob(), "against")]);
    let l = ledger(&blank(), &[], &[("p1", &failed), ("p1", &failed)]);
    // Bob changed his ballot: one counted, paid once; the proposal failed (two against).
    assert_eq!(l.balance(&bob().member), 2);
    assert_eq!(l.balance(&cai().member), 2);
    assert_eq!(l.balance(&ann().member), 0);
    let adopted = certified(&[(&bob(), "for"), (&cai(), "for")]);
    let l = ledger(&blank(), &[], &[("p2", &adopted)]);
    assert_eq!(l.balance(&ann().member), 20);
    let ids: Vec<&str> = l.entries().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["adopted/p2", "vote/p2/m_bob", "vote/p2/m_cai"]);
    // Closed but not yet certified: nothing pays.
    let closed = proposal(&[(&bob(), "for"), (&cai(), "for")], false);
    assert!(ledger(&blank(), &[], &[("p3", &closed)])
        .entries()
        .is_empty());
}

#[test]
fn a_rate_change_applies_from_its_date_and_leaves_earlier_entries_alone() {
    let mut h = genesis(&DocKind::HELP);
    helped(&mut h, "r1", &ann(), &bob(), day(1));
    let mut points = blank();
    let before = ledger(&points, &[&h], &[]);
    let rates = Rates {
        from: day(10),
        id: String::new(),
        help: 25,
        vote: 3,
        adopted: 40,
        pair_cap: 50,
    };
    set_rates(&mut points, &staff(), day(2), "v1", &rates).unwrap();
    // The same values again, from a later day, add no version.
    let again = Rates {
        from: day(12),
        ..rates.clone()
    };
    assert_eq!(
        set_rates(&mut points, &staff(), day(2), "v2", &again),
        Ok(None)
    );
    helped(&mut h, "r2", &ann(), &bob(), day(11));
    let after = ledger(&points, &[&h], &[]);
    assert_eq!(after.entries()[0], before.entries()[0]);
    assert_eq!(after.entries()[1].amount, 25);
    assert_eq!(rates_at(&points, day(9)).help, 10);
    assert_eq!(rates_at(&points, day(10)).help, 25);
}

#[test]
fn an_overdraft_is_kept_and_flagged_and_awards_pay_each_member_once() {
    let mut points = stocked();
    let all = members();
    award(
        &mut points,
        &staff(),
        day(1),
        "a1",
        "植树",
        20,
        &[ann().member, ann().member, bob().member],
        &all,
    )
    .unwrap();
    redeem(
        &mut points,
        &staff(),
        day(2),
        "x1",
        &ann().member,
        "meal",
        &all,
    )
    .unwrap();
    redeem(
        &mut points,
        &staff(),
        day(3),
        "x2",
        &ann().member,
        "haircut",
        &all,
    )
    .unwrap();
    correct(
        &mut points,
        &staff(),
        day(4),
        "c1",
        &ann().member,
        30,
        "活动补记",
        &all,
    )
    .unwrap();
    let l = ledger(&points, &[], &[]);
    let flagged: Vec<&str> = l.flagged().map(|e| e.id.as_str()).collect();
    assert_eq!(flagged, ["staff/x2"]);
    assert_eq!(l.balance(&ann().member), 20 - 15 - 30 + 30);
    assert_eq!(l.balance(&bob().member), 20);
    // A later price changes no redemption.
    set_item(&mut points, &staff(), day(5), "haircut", "理发", 50, false).unwrap();
    assert_eq!(ledger(&points, &[], &[]).balance(&ann().member), 5);
    // A retired item cannot be redeemed.
    set_item(
        &mut points,
        &staff(),
        day(5),
        "meal",
        "长者食堂午餐",
        15,
        true,
    )
    .unwrap();
    refused(&mut points, LinliError::NoSuchItem, |d| {
        redeem(d, &staff(), day(6), "x3", &bob().member, "meal", &all)
    });
}

#[test]
fn the_months_leaderboard_and_chart_count_what_was_earned() {
    let mut h = genesis(&DocKind::HELP);
    helped(&mut h, "r1", &ann(), &bob(), day(1));
    helped(&mut h, "r2", &bob(), &cai(), day(2));
    helped(&mut h, "r3", &ann(), &cai(), day(3));
    helped(&mut h, "r4", &ann(), &cai(), day(40));
    let mut points = stocked();
    redeem(
        &mut points,
        &staff(),
        day(4),
        "x1",
        &cai().member,
        "meal",
        &members(),
    )
    .unwrap();
    let l = ledger(&points, &[&h], &[]);
    let month = day(1).month();
    assert_eq!(
        l.earned_in(&month),
        [(cai().member, 20), (bob().member, 10)]
    );
    assert_eq!(
        l.monthly(&cai().member),
        [(month.clone(), 5), (day(40).month(), 10)]
    );
    // Cai opts out: Bob leads alone; Ann, who earned nothing, is never listed.
    let standings = board(&l, &month, |m| *m != cai().member, 10);
    let expect = Standing {
        rank: 1,
        member: bob().member,
        earned: 10,
    };
    assert_eq!(standings, [expect]);
    assert_eq!(board(&l, &month, |_| true, 1).len(), 1);
    // Equal earnings share a rank.
    helped(&mut h, "r5", &cai(), &bob(), day(5));
    let l = ledger(&points, &[&h], &[]);
    let ranks: Vec<usize> = board(&l, &month, |_| true, 10)
        .iter()
        .map(|s| s.rank)
        .collect();
    assert_eq!(ranks, [1, 1]);
}

#[test]
fn the_chart_shows_each_months_end_from_certificates_and_entries() {
    let mut h = genesis(&DocKind::HELP);
    helped(&mut h, "r1", &ann(), &bob(), day(-40));
    helped(&mut h, "r2", &ann(), &bob(), day(-10));
    helped(&mut h, "r3", &cai(), &bob(), day(2));
    let mut points = stocked();
    let help = [("h", &h)];
    let sources = Sources {
        points: Some(("points", &points)),
        help: &help,
        proposals: &[],
    };
    let heads = BTreeMap::from([("h".to_owned(), h.get_heads())]);
    let now = Millis(T0.0 + GRACE);
    let certs = certify(now, &sources, heads);
    write_certificate(&mut points, now, &certs).unwrap();
    let sources = Sources {
        points: Some(("points", &points)),
        help: &help,
        proposals: &[],
    };
    let device = fold_from(&opening(&points), &sources);
    let bob_id = bob().member;
    let drawn = chart(&month_ends(&points, &bob_id), &device, &bob_id, day(20));
    assert_eq!(drawn.len(), CHART_MONTHS);
    let tail: Vec<(&str, i64)> = drawn[9..].iter().map(|(m, b)| (m.as_str(), *b)).collect();
    assert_eq!(tail, [("2026-10", 10), ("2026-11", 20), ("2026-12", 30)]);
    assert_eq!(drawn[8].1, 0, "before the first fact");
    // With no certificate, the whole fold draws the same months.
    let whole = fold(&sources);
    assert_eq!(chart(&[], &whole, &bob_id, day(20)), drawn);
}

/// The invariants every fold keeps, whatever was merged.
fn check_invariants(l: &Ledger, rates_doc: &Automerge) {
    let mut ids = HashSet::new();
    for e in l.entries() {
        assert!(ids.insert(&e.id), "{} paid twice", e.id);
    }
    let mut pairs: BTreeMap<(MemberId, MemberId, String), i64> = BTreeMap::new();
    let mut running: BTreeMap<MemberId, i64> = BTreeMap::new();
    for e in l.entries() {
        if let Source::Help { requester, .. } = &e.source {
            let used = pairs
                .entry((e.member.clone(), requester.clone(), e.at.month()))
                .or_insert(0);
            let r = rates_at(rates_doc, e.at);
            assert!((0..=r.help).contains(&e.amount));
            assert_eq!(e.capped, e.amount < r.help);
            assert!(
                e.amount == 0 || *used + e.amount <= r.pair_cap,
                "past the pair's cap"
            );
            *used += e.amount;
        }
        let b = running.entry(e.member.clone()).or_insert(0);
        *b += e.amount;
        let redeem = matches!(e.source, Source::Redeem { .. });
        assert_eq!(e.overdraft, redeem && *b < 0, "{} flagged wrongly", e.id);
    }
    for (member, b) in &running {
        assert_eq!(l.balance(member), *b, "a balance is the sum of its entries");
    }
    assert_eq!(l.balances(), running);
}

/// One step of a device: (which device, what, a number for who and when).
type Step = (usize, u8, u8, u8);

const WHO: [fn() -> Writer; 3] = [ann, bob, cai];

/// Three devices of residents write help, two staff desks write entries and rates.
fn apply(help_devices: &mut [Automerge], desks: &mut [Automerge], n: usize, step: Step) {
    let (device, what, a, b) = step;
    let at = day(i64::from(b % 70));
    let requester = WHO[usize::from(a) % 3]();
    let helper = WHO[(usize::from(a) + 1 + usize::from(b) % 2) % 3]();
    let all = members();
    match what % 6 {
        0 | 1 => {
            let d = &mut help_devices[device % help_devices.len()];
            helped(d, &format!("r{n}"), &requester, &helper, at);
        }
        2 => {
            // Confirmed on two of the requester's devices apart: the same fact, seen twice.
            let (x, y) = (device % 3, (device + 1) % 3);
            let id = format!("r{n}");
            accepted(&mut help_devices[x], &id, &requester, &helper, at);
            let mut copy = help_devices[x].clone();
            help_devices[y].merge(&mut copy).unwrap();
            help::confirm(&mut help_devices[x], &requester, at, &id).unwrap();
            let later = Millis(at.0 + 1000);
            help::confirm(&mut help_devices[y], &requester, later, &id).unwrap();
        }
        3 => {
            let desk = &mut desks[device % 2];
            let item = if a % 2 == 0 { "haircut" } else { "meal" };
            redeem(
                desk,
                &staff(),
                at,
                &format!("x{n}"),
                &requester.member,
                item,
                &all,
            )
            .unwrap();
        }
        4 => {
            let desk = &mut desks[device % 2];
            let came = [requester.member.clone(), helper.member.clone()];
            award(
                desk,
                &staff(),
                at,
                &format!("a{n}"),
                "植树",
                i64::from(a % 9) + 1,
                &came,
                &all,
            )
            .unwrap();
        }
        _ => {
            let desk = &mut desks[device % 2];
            let rates = Rates {
                from: at,
                id: String::new(),
                help: i64::from(a % 20),
                vote: 2,
                adopted: 20,
                pair_cap: i64::from(b % 40),
            };
            set_rates(desk, &staff(), at, &format!("v{n}"), &rates).unwrap();
        }
    }
}

fn merged(start: &Automerge, docs: &[Automerge], order: &[usize]) -> Automerge {
    let mut out = start.fork();
    for i in order.iter().copied().chain(0..docs.len()) {
        let mut other = docs[i % docs.len()].clone();
        out.merge(&mut other).unwrap();
    }
    out
}

proptest! {
    /// Residents' devices help apart (some facts confirmed on two devices), two staff
    /// desks redeem, award and change the rates offline, and everything merges in random
    /// orders: every replica folds the same ledger, and it keeps every invariant.
    #[test]
    fn every_replica_folds_one_ledger_and_no_fact_pays_twice(
        steps in proptest::collection::vec((0usize..3, any::<u8>(), any::<u8>(), any::<u8>()), 1..30),
        orders in proptest::collection::vec(proptest::collection::vec(0usize..3, 0..4), 3),
    ) {
        let help_start = genesis(&DocKind::HELP);
        let points_start = stocked();
        let mut helps: Vec<Automerge> = (0..3).map(|_| help_start.fork()).collect();
        let mut desks: Vec<Automerge> = (0..2).map(|_| points_start.fork()).collect();
        for (n, step) in steps.iter().enumerate() {
            apply(&mut helps, &mut desks, n, *step);
        }
        let proposal = certified(&[(&bob(), "for"), (&cai(), "against"), (&ann(), "for")]);
        let mut ledgers = Vec::new();
        for order in &orders {
            let h = merged(&help_start, &helps, order);
            let p = merged(&points_start, &desks, order);
            let reversed: Vec<usize> = order.iter().rev().copied().collect();
            let h2 = merged(&help_start, &helps, &reversed);
            for d in [&h, &h2] {
                // The ledger's lean reading agrees with the pages' full one.
                let mut full: Vec<(String, MemberId, Millis)> = help::requests(d)
                    .into_iter()
                    .filter(|r| r.cancelled_at.is_none())
                    .filter_map(|r| Some((r.id, r.accepted?, r.confirmed_at?)))
                    .collect();
                let mut lean: Vec<(String, MemberId, Millis)> = help::settled(d)
                    .into_iter()
                    .map(|s| (s.id, s.helper, s.confirmed_at))
                    .collect();
                full.sort();
                lean.sort();
                prop_assert_eq!(full, lean);
            }
            let l = ledger(&p, &[&h, &h2], &[("p1", &proposal)]);
            check_invariants(&l, &p);
            // Each document's facts, kept apart and handed over in another order, fold alike.
            let start = Opening::default();
            let mut kept = staff_facts("points", &p, &start);
            kept.extend(proposal_facts("p1", &proposal, &start));
            kept.extend(help_facts("help1", &h2, &start));
            kept.extend(help_facts("help0", &h, &start));
            kept.reverse();
            let again = fold_facts(&Opening::default(), &RateBook::of(&p), kept);
            prop_assert_eq!(&again, &l);
            ledgers.push(l);
        }
        for l in &ledgers[1..] {
            prop_assert_eq!(l, &ledgers[0]);
        }
    }

    /// A phone follows staff's entries while both desks write offline and sync in any order:
    /// after every merge, the entries it read again only where changed give the same facts
    /// as reading the whole document afresh.
    #[test]
    fn followed_staff_entries_give_the_facts_a_fresh_read_gives(
        steps in proptest::collection::vec((0usize..3, any::<u8>(), any::<u8>(), any::<u8>()), 1..30),
        syncs in proptest::collection::vec(0usize..3, 1..30),
    ) {
        let mut helps: Vec<Automerge> = (0..3).map(|_| genesis(&DocKind::HELP)).collect();
        let mut desks: Vec<Automerge> = (0..2).map(|_| stocked()).collect();
        let mut phone = desks[0].fork();
        let mut followed = follow_staff(&phone);
        let start = Opening::default();
        for (n, (step, sync)) in steps.iter().zip(syncs.iter().cycle()).enumerate() {
            apply(&mut helps, &mut desks, n, *step);
            // 0 or 1: that desk syncs with the phone; 2: no signal this time.
            if let Some(desk) = desks.get_mut(*sync) {
                phone.merge(desk).unwrap();
            }
            followed.update(&phone);
            prop_assert_eq!(
                followed_staff_facts("points", &phone, &start, &followed),
                staff_facts("points", &phone, &start)
            );
        }
    }

    /// The server certifies the balances at a cut with the heads it folded: a device holding
    /// the certificate folds what it does not hold and gets every balance and flag a whole
    /// fold gets. Facts made offline before the cut that reach it afterwards are booked at
    /// the cut: never lost, never counted twice.
    #[test]
    fn a_certificate_and_what_it_does_not_hold_equal_the_whole_fold_and_lose_no_late_fact(
        steps in proptest::collection::vec((0usize..3, any::<u8>(), any::<u8>(), any::<u8>()), 1..30),
        late in proptest::collection::vec((0usize..3, any::<u8>(), any::<u8>(), any::<u8>()), 0..12),
        cut in 0u32..3,
    ) {
        // A cut is a month's first instant (December's, January's or February's), so a
        // month's pair cap never straddles one.
        let cut = Millis::china_month_start(2026, 12 + cut);
        // Three devices of the month's help document, two staff desks of the points document.
        let help_start = genesis(&DocKind::HELP);
        let mut helps: Vec<Automerge> = (0..3).map(|_| help_start.fork()).collect();
        let mut desks: Vec<Automerge> = (0..2).map(|_| stocked()).collect();
        for (n, step) in steps.iter().enumerate() {
            apply(&mut helps, &mut desks, n, *step);
        }
        let fold_now = |h: &Automerge, p: &Automerge, opening: &Opening| {
            let help = [("help", h)];
            let sources = Sources { points: Some(("points", p)), help: &help, proposals: &[] };
            fold_from(opening, &sources)
        };
        // What reached the server by the cut, and its certificate.
        let server_help = merged(&help_start, &helps, &[]);
        let server_points = merged(&stocked(), &desks, &[]);
        let whole = fold_now(&server_help, &server_points, &Opening::default());
        let heads = BTreeMap::from([
            ("help".to_owned(), server_help.get_heads()),
            ("points".to_owned(), server_points.get_heads()),
        ]);
        let opening = whole.closing(&Millis(cut.0 - 1).month(), cut, heads);
        let later = fold_now(&server_help, &server_points, &opening);
        prop_assert_eq!(later.balances(), whole.balances());
        let from_cut: Vec<&Entry> = whole.entries().iter().filter(|e| e.at >= cut).collect();
        prop_assert_eq!(later.entries().iter().collect::<Vec<_>>(), from_cut, "only what claims the cut or later is left");

        // The devices, never in step with the server, go on offline with facts claiming any
        // time, and sync afterwards.
        let mut late_desks = vec![desks[0].fork(), server_points.fork()];
        for (n, step) in late.iter().enumerate() {
            apply(&mut helps, &mut late_desks, 1000 + n, *step);
        }
        // A device that never heard what the server certified counts none of its facts again.
        let behind = fold_now(&helps[0], &server_points, &opening);
        let own: HashSet<&str> = whole.entries().iter().filter(|e| e.at < cut).map(|e| e.id.as_str()).collect();
        for e in behind.entries() {
            prop_assert!(!own.contains(e.id.as_str()), "{} counted twice on a device behind", e.id);
        }
        let server_help = merged(&server_help, &helps, &[]);
        let server_points = merged(&server_points, &late_desks, &[]);
        let after = fold_now(&server_help, &server_points, &opening);
        let everything = fold_now(&server_help, &server_points, &Opening::default());
        let folded: HashSet<&str> = after.entries().iter().map(|e| e.id.as_str()).collect();
        for e in everything.entries() {
            prop_assert!(own.contains(e.id.as_str()) || folded.contains(e.id.as_str()), "{} lost", e.id);
        }
        for e in after.entries() {
            prop_assert!(!own.contains(e.id.as_str()), "{} counted twice", e.id);
            prop_assert!(e.at >= cut);
        }
        check_invariants_after(&after, &opening);
    }
}

/// A fold from a certificate keeps a balance equal to the certified one plus its entries.
fn check_invariants_after(l: &Ledger, opening: &Opening) {
    let mut expected = opening.balances.clone();
    for e in l.entries() {
        *expected.entry(e.member.clone()).or_insert(0) += e.amount;
    }
    assert_eq!(l.balances(), expected);
}

#[test]
fn a_device_behind_the_certificate_counts_none_of_that_documents_facts_until_in_step() {
    let mut h = genesis(&DocKind::HELP);
    helped(&mut h, "r1", &ann(), &bob(), day(1));
    let behind = h.fork();
    helped(&mut h, "r2", &ann(), &bob(), day(2));
    let whole = ledger(&blank(), &[&h], &[]);
    let heads = BTreeMap::from([("help0".to_owned(), h.get_heads())]);
    let opening = whole.closing(&day(3).month(), day(3), heads);
    assert_eq!(opening.balances[&bob().member], 20);
    let sources = |d: &Automerge| {
        fold_from(
            &opening,
            &Sources {
                points: None,
                help: &[("help0", d)],
                proposals: &[],
            },
        )
    };
    // Lacking r2's changes, the device cannot tell r1 is held: it counts neither again.
    assert_eq!(sources(&behind).balance(&bob().member), 20);
    // What claims the cut or later is in no certificate: it counts even on a device behind.
    let mut behind_later = behind.fork();
    helped(&mut behind_later, "r4", &cai(), &bob(), day(4));
    assert_eq!(sources(&behind_later).balance(&bob().member), 30);
    // A confirmation made offline before the cut, synced after it, is booked at the cut.
    let mut late = h.clone();
    helped(&mut late, "r3", &cai(), &bob(), day(2));
    let l = sources(&late);
    assert_eq!(l.balance(&bob().member), 30);
    assert_eq!(l.entries()[0].at, day(3));
}

#[test]
fn a_proposal_certified_before_the_cut_is_held_and_one_certified_after_pays_once() {
    let done = certified(&[(&bob(), "for"), (&cai(), "for")]);
    let closed = proposal(&[(&bob(), "for")], false);
    let heads = BTreeMap::from([
        ("p1".to_owned(), done.get_heads()),
        ("p2".to_owned(), closed.get_heads()),
    ]);
    let whole = ledger(&blank(), &[], &[("p1", &done)]);
    let opening = whole.closing(&day(6).month(), day(6), heads);
    assert!(proposal_facts("p1", &done, &opening).is_empty());
    assert!(proposal_held("p1", &done, &opening));
    assert!(!proposal_held("p2", &closed, &opening), "not certified");
    // A device lacking the certified heads cannot tell: it must read the proposal again.
    let behind = proposal(&[(&bob(), "for")], true);
    assert!(!proposal_held("p1", &behind, &opening));
    // The next month's certificate folds on from these heads: it holds p1 still, and a
    // comment written since pays nothing.
    let mut discussed = done.fork();
    delib::comment(&mut discussed, &cai(), day(40), "c1", None, "车棚建好了").unwrap();
    let heads = BTreeMap::from([("p1".to_owned(), discussed.get_heads())]);
    let next =
        ledger(&blank(), &[], &[("p1", &discussed)]).closing(&day(41).month(), day(41), heads);
    assert!(proposal_held("p1", &discussed, &next));
    // Seen held through one month, a proposal is held by that month's certificate and every
    // later one that folded it; not by an earlier one, nor by one that never folded it.
    assert!(still_held("p1", &opening.through, &opening));
    assert!(still_held("p1", &opening.through, &next));
    assert!(!still_held("p1", &next.through, &opening));
    assert!(
        !still_held("p2", &opening.through, &next),
        "next folded no p2"
    );
    assert!(!still_held("p1", "", &next), "never seen held");
    assert!(
        !still_held("p1", &opening.through, &Opening::default()),
        "no certificate"
    );
    assert!(proposal_facts("p1", &discussed, &next).is_empty());
    // p2's certificate comes after the cut: its votes pay, at the certificate's time.
    let mut later = closed.fork();
    delib::certify(&mut later, day(7), |_| false).unwrap();
    let paid = proposal_facts("p2", &later, &opening);
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0].id, "vote/p2/m_bob");
    assert_eq!(paid[0].at, day(7));
    assert!(
        !proposal_held("p2", &later, &opening),
        "certified after the cut"
    );
}

#[test]
fn every_member_holds_the_communitys_one_points_document() {
    use crate::access::Reader;
    use crate::registry::{self, World};
    let c = crate::CommunityId::parse("huqian-2").unwrap();
    for role in [Role::Resident, Role::Staff] {
        let reader = Reader {
            member: ann().member,
            community: c.clone(),
            role,
            grids: vec![],
            posting: None,
        };
        assert!(registry::held(&reader, T0).contains(&(doc_id(&c), KIND)));
    }
    let world = World {
        communities: std::slice::from_ref(&c),
        members: &[],
        grids: &[],
        departments: &[],
        months: &[],
    };
    let known: Vec<_> = registry::docs(&world)
        .into_iter()
        .filter(|(_, scope)| scope.kind() == Some(&KIND))
        .collect();
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].0, doc_id(&c));
}

#[test]
fn the_server_certifies_each_month_once_from_the_first_fact_and_a_device_folds_onto_it() {
    let mut october = genesis(&DocKind::HELP);
    helped(&mut october, "r1", &ann(), &bob(), day(-40));
    let mut november = genesis(&DocKind::HELP);
    helped(&mut november, "r2", &ann(), &bob(), day(-10));
    // Confirmed on 1 December, inside the grace period: not November's.
    helped(&mut november, "r3", &cai(), &bob(), day(1));
    let mut points = stocked();
    let heads = |p: &Automerge| {
        BTreeMap::from([
            ("oct".to_owned(), october.get_heads()),
            ("nov".to_owned(), november.get_heads()),
            ("points".to_owned(), p.get_heads()),
        ])
    };
    let help = [("oct", &october), ("nov", &november)];
    fn with<'a>(p: &'a Automerge, help: &'a [(&'a str, &'a Automerge)]) -> Sources<'a> {
        Sources {
            points: Some(("points", p)),
            help,
            proposals: &[],
        }
    }
    let bob_id = bob().member;
    let months = |certs: &[Opening]| certs.iter().map(|c| c.through.clone()).collect::<Vec<_>>();

    // A moment before November's grace ends, only October is due.
    let early = certify(
        Millis(T0.0 + GRACE - 1),
        &with(&points, &help),
        heads(&points),
    );
    assert_eq!(months(&early), ["2026-10"]);
    let now = Millis(T0.0 + GRACE);
    let certs = certify(now, &with(&points, &help), heads(&points));
    assert_eq!(months(&certs), ["2026-10", "2026-11"]);
    assert_eq!(certs[0].balances[&bob_id], 10);
    assert_eq!(certs[1].balances[&bob_id], 20);
    assert_eq!(certs[1].cut, T0);
    write_certificate(&mut points, now, &certs).unwrap();
    assert_eq!(certificates(&points), certs);
    assert!(
        certify(now, &with(&points, &help), heads(&points)).is_empty(),
        "once a month"
    );

    // A device folds onto the latest: the same balance as a whole fold, December's entry kept.
    let device = fold_from(&opening(&points), &with(&points, &help));
    let whole = fold(&with(&points, &help));
    assert_eq!(device.balance(&bob_id), 30);
    assert_eq!(device.balances(), whole.balances());
    let ids: Vec<&str> = device.history(&bob_id).map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["help/r3"]);

    // December is certified a month later, onto November's certificate.
    let january = Millis(day(31).0 + GRACE);
    let next = certify(january, &with(&points, &help), heads(&points));
    assert_eq!(months(&next), ["2026-12"]);
    assert_eq!(next[0].balances[&bob_id], 30);
}

#[test]
fn a_certificate_names_the_proposals_it_holds_whole_and_a_device_that_skips_them_folds_alike() {
    let early = certified(&[(&bob(), "for"), (&cai(), "for")]);
    let mut late = proposal(&[(&bob(), "for"), (&ann(), "against")], false);
    let mut points = stocked();
    // The server's certificates due at `now`, from the proposals it reads.
    let certified_at = |now, p: &Automerge, proposals: &[(&str, &Automerge)]| {
        let late = proposals.iter().find(|(id, _)| *id == "p2").unwrap().1;
        let heads = BTreeMap::from([
            ("p1".to_owned(), early.get_heads()),
            ("p2".to_owned(), late.get_heads()),
            ("points".to_owned(), p.get_heads()),
        ]);
        let sources = Sources {
            points: Some(("points", p)),
            help: &[],
            proposals,
        };
        certify(now, &sources, heads)
    };
    let sources = |p: &'_ Automerge, proposals: &'_ [(&'_ str, &'_ Automerge)]| {
        fold_from(
            &opening(p),
            &Sources {
                points: Some(("points", p)),
                help: &[],
                proposals,
            },
        )
    };
    // December's certificate: p1's vote was certified on 6 December, p2's not at all.
    let december = Millis(day(31).0 + GRACE);
    let both = [("p1", &early), ("p2", &late)];
    let certs = certified_at(december, &points, &both);
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].held, BTreeSet::from(["p1".to_owned()]));
    // Named held, p1 needs no heads in the certificate; p2's are there to tell its facts by.
    assert!(!certs[0].heads.contains_key("p1") && certs[0].heads.contains_key("p2"));
    write_certificate(&mut points, december, &certs).unwrap();
    assert_eq!(certificates(&points), certs, "read back from the document");
    // p2 is certified in January, after December's cut: its votes pay then, and January's
    // certificate holds it, and p1 still, which the server need not read again.
    delib::certify(&mut late, day(40), |_| false).unwrap();
    let january = Millis(day(62).0 + GRACE);
    let only_late = [("p2", &late)];
    let next = certified_at(january, &points, &only_late);
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].held,
        BTreeSet::from(["p1".to_owned(), "p2".to_owned()])
    );
    assert_eq!(next[0].heads.keys().collect::<Vec<_>>(), ["points"]);
    // As the server certifies, with every listed proposal: the same certificate, p1's votes
    // not counted again although its heads are gone.
    let both = [("p1", &early), ("p2", &late)];
    let with_all = certified_at(january, &points, &both);
    assert_eq!(with_all, next);
    write_certificate(&mut points, january, &next).unwrap();

    // A device with nothing kept reads no proposal the certificate names, and folds what a
    // device reading them all folds, and a whole fold's balances.
    let both = [("p1", &early), ("p2", &late)];
    let o = opening(&points);
    let unread: Vec<(&str, &Automerge)> = both
        .iter()
        .copied()
        .filter(|(id, _)| !still_held(id, "", &o))
        .collect();
    assert!(unread.is_empty());
    let skipping = sources(&points, &unread);
    let reading = sources(&points, &both);
    assert_eq!(skipping.balances(), reading.balances());
    let whole = fold(&Sources {
        points: Some(("points", &points)),
        help: &[],
        proposals: &both,
    });
    assert_eq!(skipping.balances(), whole.balances());
    assert_eq!(
        skipping.balance(&bob().member),
        whole.balance(&bob().member)
    );
    assert!(whole.balance(&bob().member) > 0, "the votes paid");
}
