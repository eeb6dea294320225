//! Deliberation's transitions and refusals, the offline vote rule's four parts, its write
//! rules as the door applies them, and a property: replicas that vote apart and merge in any
//! order derive one tally, and nobody is counted twice.

use super::*;
use crate::doc::Writer;
use crate::rules::DocContext;
use crate::schema::genesis_with;
use crate::test_fixtures::{ann, bob, cai, refused, staff, w};
use crate::{LinliError, MemberId, Millis, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ROOT};
use proptest::prelude::*;

const T0: Millis = Millis(1_796_000_000_000);
const HOUR: i64 = 3_600_000;

fn at(hours: i64) -> Millis {
    Millis(T0.0 + hours * HOUR)
}

fn choice(s: &str) -> Vec<String> {
    s.split(',').map(str::to_owned).collect()
}

fn draft(decision: Decision) -> ProposalDraft {
    ProposalDraft {
        title: "在 3 栋旁建自行车棚".into(),
        body: "占用两个车位，费用由公共收益支出。".into(),
        decision,
    }
}

fn blank() -> Automerge {
    genesis_with(&KIND, ROOTS)
}

/// Ann's for/against proposal, published at T0, voting from hour 1 to hour 25.
fn voting() -> Automerge {
    let mut doc = blank();
    create(&mut doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    publish(&mut doc, &ann(), T0).unwrap();
    set_window(&mut doc, &staff(), T0, at(1), at(25), 50, 50).unwrap();
    doc
}

fn state(doc: &Automerge, now: Millis) -> State {
    read(doc).unwrap().state(now)
}

fn counted(doc: &Automerge) -> Vec<(String, Vec<String>)> {
    tally(doc)
        .counted()
        .map(|c| (c.member.as_str().to_owned(), c.choice.clone()))
        .collect()
}

#[test]
fn a_proposal_moves_from_draft_to_voting_to_closed_to_certified() {
    let mut doc = blank();
    create(&mut doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    assert_eq!(state(&doc, T0), State::Draft);
    publish(&mut doc, &ann(), T0).unwrap();
    assert_eq!(state(&doc, T0), State::Discussion);
    support(&mut doc, &bob(), T0).unwrap();
    assert!(ready_for_vote(&doc, 20, DEFAULT_SUPPORT_PCT));
    assert!(!ready_for_vote(&doc, 40, DEFAULT_SUPPORT_PCT));
    set_window(&mut doc, &staff(), T0, at(1), at(25), 50, 50).unwrap();
    assert_eq!(state(&doc, T0), State::Scheduled);
    assert_eq!(state(&doc, at(2)), State::Voting);
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    cast(&mut doc, &cai(), at(3), &choice("against")).unwrap();
    cast(&mut doc, &ann(), at(4), &choice("for")).unwrap();
    // Provisional by the device's clock once the window has passed.
    assert_eq!(state(&doc, at(26)), State::Closed);
    write_close(&mut doc, at(25), 4).unwrap();
    let t = tally(&doc);
    assert!(t.provisional);
    assert_eq!(t.counts[0], ("for".into(), 2));
    assert_eq!(t.quorum_met, Some(true));
    assert_eq!(t.passed, Some(true));
    certify(&mut doc, at(73), |_| false).unwrap().unwrap();
    assert_eq!(state(&doc, at(73)), State::Adopted);
    assert!(!tally(&doc).provisional);
    // Certified once.
    assert_eq!(certify(&mut doc, at(80), |_| true).unwrap(), None);
}

#[test]
fn quorum_and_threshold_decide_rejection() {
    let mut doc = voting();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    cast(&mut doc, &cai(), at(2), &choice("against")).unwrap();
    // 2 of 10 members took part: under the 50 % quorum.
    write_close(&mut doc, at(25), 10).unwrap();
    assert_eq!(tally(&doc).quorum_met, Some(false));
    certify(&mut doc, at(73), |_| false).unwrap();
    assert_eq!(state(&doc, at(73)), State::Rejected);
}

#[test]
fn a_ballot_changes_until_the_close_and_every_one_stays_in_the_history() {
    let mut doc = voting();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    cast(&mut doc, &bob(), at(3), &choice("against")).unwrap();
    write_close(&mut doc, at(25), 3).unwrap();
    assert_eq!(counted(&doc), vec![("m_bob".into(), choice("against"))]);
    let t = tally(&doc);
    assert_eq!(t.history.len(), 2);
    assert_eq!(
        t.counts,
        vec![
            ("for".into(), 0),
            ("against".into(), 1),
            ("abstain".into(), 0)
        ]
    );
}

#[test]
fn rule_two_a_ballot_claimed_after_the_close_or_made_after_seeing_it_does_not_count() {
    let mut doc = voting();
    let mut offline = doc.fork();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    write_close(&mut doc, at(25), 3).unwrap();
    // Cai's phone saw the close, set its clock back and voted: depends on the marker.
    let mut seen = doc.fork();
    cast(&mut seen, &cai(), at(24), &choice("against")).unwrap_err();
    let cai_doc = {
        // A doctored app writes the value directly, claiming hour 24.
        let ballots = crate::read::map_at(&seen, &ROOT, "ballots").unwrap();
        let mut tx = seen.transaction();
        tx.put(&ballots, "m_cai", "against").unwrap();
        tx.commit_with(automerge::transaction::CommitOptions::default().with_time(at(24).0));
        seen
    };
    // Ann voted offline before the close and syncs after it: counts.
    cast(&mut offline, &ann(), at(20), &choice("against")).unwrap();
    doc.merge(&mut offline.clone()).unwrap();
    doc.merge(&mut cai_doc.clone()).unwrap();
    let t = tally(&doc);
    assert_eq!(
        counted(&doc),
        vec![
            ("m_ann".into(), choice("against")),
            ("m_bob".into(), choice("for"))
        ]
    );
    assert!(t
        .excluded()
        .any(|(c, why)| c.member.as_str() == "m_cai" && why == Exclusion::SawClose));
    // Claimed after the close, from a device that never saw it: not counted either.
    let mut late = offline.fork();
    let ballots = crate::read::map_at(&late, &ROOT, "ballots").unwrap();
    let mut tx = late.transaction();
    tx.put(&ballots, "m_ann", "for").unwrap();
    tx.commit_with(automerge::transaction::CommitOptions::default().with_time(at(30).0));
    doc.merge(&mut late).unwrap();
    let t = tally(&doc);
    assert!(t
        .excluded()
        .any(|(c, why)| c.member.as_str() == "m_ann" && why == Exclusion::AfterClose));
    // Ann's earlier ballot still counts.
    assert_eq!(
        t.counted_of(&MemberId::parse("m_ann").unwrap())
            .unwrap()
            .choice,
        choice("against")
    );
}

#[test]
fn rules_three_and_four_the_certificate_fixes_the_result() {
    let mut doc = voting();
    let mut offline = doc.fork();
    let mut second_phone = doc.fork();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    write_close(&mut doc, at(25), 3).unwrap();
    // Cai's phone never saw the marker and claims hour 10; but the server had sent the
    // marker to Cai's other device first: it excludes the ballot.
    cast(&mut second_phone, &cai(), at(10), &choice("against")).unwrap();
    doc.merge(&mut second_phone).unwrap();
    let cert = certify(&mut doc, at(73), |c| c.member.as_str() == "m_cai")
        .unwrap()
        .unwrap();
    assert!(cert
        .excluded
        .iter()
        .any(|(_, why)| *why == Exclusion::SentClose));
    assert_eq!(counted(&doc), vec![("m_bob".into(), choice("for"))]);
    // A ballot arriving after the certificate shows as too late, and changes nothing.
    cast(&mut offline, &ann(), at(20), &choice("against")).unwrap();
    doc.merge(&mut offline).unwrap();
    let t = tally(&doc);
    assert!(t
        .excluded()
        .any(|(c, why)| c.member.as_str() == "m_ann" && why == Exclusion::TooLate));
    assert_eq!(counted(&doc), vec![("m_bob".into(), choice("for"))]);
    assert_eq!(t.passed, Some(cert.passed));
}

#[test]
fn an_assisted_ballot_counts_once_and_the_residents_own_replaces_it() {
    let mut doc = voting();
    let grandpa = MemberId::parse("m_cai").unwrap();
    assist(&mut doc, &staff(), at(2), &grandpa, &choice("for")).unwrap();
    let t = tally(&doc);
    assert_eq!(
        t.counted_of(&grandpa).unwrap().assisted_by,
        Some(staff().member)
    );
    // His own ballot, even one claimed earlier, replaces what staff recorded.
    cast(&mut doc, &cai(), at(1), &choice("against")).unwrap();
    assert_eq!(counted(&doc), vec![("m_cai".into(), choice("against"))]);
    assert_eq!(tally(&doc).turnout(), 1);
}

#[test]
fn options_and_limits_are_checked() {
    let options = || vec!["东门".to_owned(), "北门".to_owned(), "3 栋旁".to_owned()];
    let mut doc = blank();
    create(
        &mut doc,
        &ann(),
        T0,
        &draft(Decision::Several {
            options: options(),
            max: 2,
        }),
    )
    .unwrap();
    publish(&mut doc, &ann(), T0).unwrap();
    set_window(&mut doc, &staff(), T0, at(1), at(25), 0, 50).unwrap();
    cast(&mut doc, &bob(), at(2), &choice("0,2")).unwrap();
    refused(&mut doc, LinliError::TooManyChoices { max: 2 }, |d| {
        cast(d, &cai(), at(2), &choice("0,1,2"))
    });
    refused(&mut doc, LinliError::TooManyChoices { max: 2 }, |d| {
        cast(d, &cai(), at(2), &choice("1,1"))
    });
    refused(&mut doc, LinliError::NoSuchChoice, |d| {
        cast(d, &cai(), at(2), &choice("3"))
    });
    refused(&mut doc, LinliError::NoSuchChoice, |d| {
        cast(d, &cai(), at(2), &choice("for"))
    });
    assert_eq!(
        tally(&doc).counts,
        vec![("0".into(), 1), ("1".into(), 0), ("2".into(), 1)]
    );
    // Bad drafts: one option, a repeated one, a limit above the options.
    for bad in [
        Decision::One(vec!["东门".into()]),
        Decision::One(vec!["东门".into(), "东门".into()]),
        Decision::Several {
            options: options(),
            max: 4,
        },
    ] {
        refused(
            &mut blank(),
            LinliError::OutOfRange {
                field: crate::error::Field::Options,
            },
            |d| create(d, &ann(), T0, &draft(bad)),
        );
    }
}

#[test]
fn every_refusal_is_translated_and_changes_nothing() {
    let mut doc = voting();
    // Outside the window.
    refused(&mut doc, LinliError::NotVoting, |d| {
        cast(d, &bob(), at(0), &choice("for"))
    });
    refused(&mut doc, LinliError::NotVoting, |d| {
        cast(d, &bob(), at(30), &choice("for"))
    });
    // Voting opened: no rescheduling, no withdrawal.
    refused(&mut doc, LinliError::VotingOpened, |d| {
        set_window(d, &staff(), at(2), at(3), at(30), 50, 50)
    });
    refused(&mut doc, LinliError::VotingOpened, |d| {
        withdraw(d, &ann(), at(2))
    });
    // Someone else's: withdrawing, setting the window, assisting, closing early.
    let mut discussion = blank();
    create(&mut discussion, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    publish(&mut discussion, &ann(), T0).unwrap();
    let forbidden = |path: &str| LinliError::Forbidden { path: path.into() };
    refused(&mut discussion, forbidden("proposal/p/withdrawn_at"), |d| {
        withdraw(d, &bob(), T0)
    });
    refused(&mut discussion, forbidden("proposal/p/opens_at"), |d| {
        set_window(d, &bob(), T0, at(1), at(2), 50, 50)
    });
    refused(&mut doc, forbidden("assisted/m_cai"), |d| {
        assist(
            d,
            &bob(),
            at(2),
            &MemberId::parse("m_cai").unwrap(),
            &choice("for"),
        )
    });
    refused(&mut doc, forbidden("proposal/p/closed_early"), |d| {
        close_early(d, &bob(), at(2), "太吵")
    });
    // A second creation, a support after voting opened, a reply to a reply.
    refused(&mut doc, LinliError::AlreadyExists, |d| {
        create(d, &ann(), T0, &draft(Decision::ForAgainst))
    });
    refused(&mut doc, LinliError::WrongState, |d| {
        support(d, &bob(), at(2))
    });
    comment(&mut doc, &bob(), at(2), "c1", None, "支持").unwrap();
    comment(&mut doc, &cai(), at(2), "c2", Some("c1"), "同意").unwrap();
    refused(&mut doc, LinliError::NotFound, |d| {
        comment(d, &ann(), at(2), "c3", Some("c2"), "再回复")
    });
    // Withdrawn before voting: nothing more happens to it.
    let mut early = discussion.fork();
    withdraw(&mut early, &ann(), T0).unwrap();
    assert_eq!(state(&early, T0), State::Withdrawn);
    refused(&mut early, LinliError::WrongState, |d| {
        support(d, &bob(), T0)
    });
}

#[test]
fn staff_close_early_with_a_reason_and_hide_comments_with_one() {
    let mut doc = voting();
    comment(&mut doc, &bob(), at(2), "c1", None, "广告内容").unwrap();
    hide_comment(&mut doc, &staff(), at(3), "c1", "与议题无关的广告").unwrap();
    let c = comments(&doc);
    assert_eq!(c[0].hidden.as_deref(), Some("与议题无关的广告"));
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Reason),
        |d| close_early(d, &staff(), at(4), "  "),
    );
    close_early(&mut doc, &staff(), at(4), "方案需要重新设计").unwrap();
    assert_eq!(state(&doc, at(5)), State::Closed);
}

/// The door's view: every path of the rules, for a raw change that skips the commands.
#[test]
fn the_rules_let_members_write_only_their_own_and_the_server_its_facts() {
    let doc = voting();
    let ctx = DocContext::default();
    let rec = crate::rules::Record {
        author: Some(ann().member),
        created_now: false,
    };
    assert!(RULES.authorize(&bob(), &ctx, &["ballots", "m_bob"]).is_ok());
    assert!(RULES
        .authorize(&bob(), &ctx, &["ballots", "m_cai"])
        .is_err());
    assert!(RULES
        .authorize(&staff(), &ctx, &["ballots", "m_cai"])
        .is_err());
    assert!(RULES
        .authorize(&staff(), &ctx, &["assisted", "m_cai"])
        .is_ok());
    for who in [ann(), bob(), staff()] {
        assert!(RULES.authorize(&who, &ctx, &["facts", "close_at"]).is_err());
        assert!(RULES
            .authorize(&who, &ctx, &["facts", "cert_heads"])
            .is_err());
    }
    assert!(RULES
        .authorize(&Writer::server(), &ctx, &["facts", "close_at"])
        .is_ok());
    assert!(RULES
        .authorize_in(&ann(), &ctx, &rec, &["proposal", "p", "title"])
        .is_ok());
    assert!(RULES
        .authorize_in(&bob(), &ctx, &rec, &["proposal", "p", "title"])
        .is_err());
    // A raw change writing a close marker as a resident is refused op by op.
    let mut forged = doc.fork();
    let facts = crate::read::map_at(&forged, &ROOT, "facts").unwrap();
    forged
        .transact::<_, _, AutomergeError>(|tx| {
            tx.put(&facts, "close_at", T0.0)?;
            Ok(())
        })
        .unwrap();
    let change = forged.get_last_local_change().unwrap().clone();
    assert!(RULES.check_change(&forged, &change, &bob(), &ctx).is_err());
    // And an over-long ballot value, written raw.
    let mut long = doc.fork();
    let ballots = crate::read::map_at(&long, &ROOT, "ballots").unwrap();
    long.transact::<_, _, AutomergeError>(|tx| {
        tx.put(&ballots, "m_bob", "0,".repeat(100))?;
        Ok(())
    })
    .unwrap();
    let change = long.get_last_local_change().unwrap().clone();
    assert!(matches!(
        RULES.check_change(&long, &change, &bob(), &ctx),
        Err(LinliError::TooLong { .. })
    ));
}

/// One step on one device: `(device, member, choice or support, hours)`, where the member
/// is 0..3 (3 is staff, who assists member 2) and a device is one of two per member.
type Step = (usize, usize, u8, i64);

fn apply(doc: &mut Automerge, (_, member, what, hours): Step) {
    let members = [ann(), bob(), cai(), staff()];
    let now = at(hours);
    let pick = choice(FOR_AGAINST[what as usize % 3]);
    // About one step in five is a support, claimed before voting opened.
    if what >= 200 {
        let _ = support(doc, &members[member], T0);
        return;
    }
    let _ = if member == 3 {
        assist(doc, &staff(), now, &cai().member, &pick)
    } else {
        cast(doc, &members[member], now, &pick)
    };
}

proptest! {
    /// Devices support and vote apart (two per member, staff assisting), the close marker
    /// lands on the server's copy at a random point, and everything merges in random orders:
    /// every replica derives the same tally and supporters, and no member counts twice.
    #[test]
    fn every_replica_derives_one_tally_and_no_member_counts_twice(
        steps in proptest::collection::vec((0usize..2, 0usize..4, any::<u8>(), 1i64..30), 1..24),
        close_after in 0usize..24,
        order in proptest::collection::vec(0usize..9, 9),
    ) {
        let start = voting();
        // Devices: two per member; index 8 is the server.
        let mut devices: Vec<Automerge> = (0..9).map(|_| start.fork()).collect();
        for (i, step) in steps.iter().enumerate() {
            if i == close_after {
                // The server has what reached it so far, and closes.
                for d in 0..8 {
                    let mut other = devices[d].clone();
                    devices[8].merge(&mut other).unwrap();
                }
                write_close(&mut devices[8], at(25), 4).unwrap();
                // Some devices hear of it before their next ballot.
                let mut server = devices[8].clone();
                devices[step.0].merge(&mut server).unwrap();
            }
            let device = step.1 * 2 + step.0;
            apply(&mut devices[device], *step);
        }
        let mut replicas = Vec::new();
        for rotation in 0..3 {
            let mut r = start.fork();
            for k in 0..9 {
                let d = order[(k + rotation) % 9];
                let mut other = devices[d].clone();
                r.merge(&mut other).unwrap();
            }
            for d in &devices {
                let mut other = d.clone();
                r.merge(&mut other).unwrap();
            }
            replicas.push(r);
        }
        let tallies: Vec<Tally> = replicas.iter().map(tally).collect();
        for t in &tallies[1..] {
            prop_assert_eq!(t.counted().collect::<Vec<_>>(), tallies[0].counted().collect::<Vec<_>>());
            prop_assert_eq!(&t.counts, &tallies[0].counts);
        }
        // Supports converge too (one per member by construction: a key each), whatever order
        // they merged in.
        let supports: Vec<Vec<MemberId>> = replicas.iter().map(supporters).collect();
        for s in &supports[1..] {
            prop_assert_eq!(s, &supports[0]);
        }

        let t = &tallies[0];
        let cast: usize = t.counts.iter().map(|(_, n)| n).sum();
        prop_assert_eq!(cast, t.turnout(), "one choice per counted member");
        prop_assert!(t.turnout() <= 3, "three residents at most");
        let members: Vec<&MemberId> = t.counted().map(|c| &c.member).collect();
        prop_assert!(members.windows(2).all(|w| w[0] < w[1]), "one each, in member order");
        for c in t.counted() {
            prop_assert_eq!(t.counted_of(&c.member), Some(c));
            prop_assert!(t.excluded().all(|(e, _)| e.hash != c.hash));
        }
    }
}

/// The history read the slow, plain way: every change rebuilt whole and read op by op. The
/// tally's own reading (live values placed in their changes, only the rest fetched whole)
/// must find exactly these, in this order.
fn casts_by_walking(doc: &Automerge) -> Vec<Cast> {
    use automerge::legacy::{Key, OpType};
    let id = |root: &str| {
        crate::read::map_at(doc, &ROOT, root)
            .unwrap()
            .to_string()
            .parse::<automerge::legacy::ObjectId>()
            .unwrap()
    };
    let (ballots, assisted) = (id("ballots"), id("assisted"));
    let mut out = Vec::new();
    for c in doc.get_changes(&[]) {
        for op in &c.decode().operations {
            let (Key::Map(key), OpType::Put(automerge::ScalarValue::Str(v))) =
                (&op.key, &op.action)
            else {
                continue;
            };
            let is_assisted = match &op.obj {
                o if *o == ballots => false,
                o if *o == assisted => true,
                _ => continue,
            };
            out.extend(super::history::cast_of(
                key,
                v,
                is_assisted,
                Millis(c.timestamp()),
                c.hash(),
            ));
        }
    }
    out
}

proptest! {
    /// Ballots cast, changed, recorded by staff, several in one raw change, beside comments,
    /// on devices merged in random orders and saved and loaded: the tally's history is the
    /// one the whole log holds.
    #[test]
    fn the_history_is_every_ballot_the_log_holds(
        steps in proptest::collection::vec((0usize..2, 0usize..4, any::<u8>(), 1i64..30), 1..24),
        raw_at in 0usize..24,
        order in proptest::collection::vec(0usize..8, 8),
    ) {
        let start = voting();
        let mut devices: Vec<Automerge> = (0..8).map(|_| start.fork()).collect();
        for (i, step) in steps.iter().enumerate() {
            let device = step.1 * 2 + step.0;
            if i == raw_at {
                // One change writing a ballot twice and another's once, and a comment.
                let d = &mut devices[device];
                let ballots = crate::read::map_at(d, &ROOT, "ballots").unwrap();
                let mut tx = d.transaction();
                tx.put(&ballots, "m_ann", "for").unwrap();
                tx.put(&ballots, "m_ann", "against").unwrap();
                tx.put(&ballots, "m_bob", "abstain").unwrap();
                tx.commit_with(automerge::transaction::CommitOptions::default().with_time(at(3).0));
                let _ = comment(d, &bob(), at(3), &format!("c{i}"), None, "说两句");
            }
            apply(&mut devices[device], *step);
        }
        let mut doc = start.fork();
        for d in &order {
            let mut other = devices[*d].clone();
            doc.merge(&mut other).unwrap();
        }
        for d in &devices {
            let mut other = d.clone();
            doc.merge(&mut other).unwrap();
        }
        prop_assert_eq!(super::tally::casts(&doc), casts_by_walking(&doc));
        let loaded = Automerge::load(&doc.save()).unwrap();
        prop_assert_eq!(super::tally::casts(&loaded), casts_by_walking(&loaded));
    }
}

#[test]
fn an_assisted_value_never_passes_for_the_members_own_ballot() {
    let mut doc = voting();
    cast(&mut doc, &cai(), at(2), &choice("for")).unwrap();
    // Staff's raw write, with no valid name after the bar, claiming a later time.
    let assisted = crate::read::map_at(&doc, &ROOT, "assisted").unwrap();
    let mut tx = doc.transaction();
    tx.put(&assisted, "m_cai", "against|").unwrap();
    tx.commit_with(automerge::transaction::CommitOptions::default().with_time(at(3).0));
    assert_eq!(counted(&doc), vec![("m_cai".into(), choice("for"))]);
}

#[test]
fn an_assisted_ballot_is_signed_by_the_staff_who_writes_it() {
    let ctx = DocContext::default();
    let other_staff = w("m_staff2", Role::Staff);
    let raw = |value: &str| {
        let mut doc = voting();
        let assisted = crate::read::map_at(&doc, &ROOT, "assisted").unwrap();
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(&assisted, "m_cai", value)?;
            Ok(())
        })
        .unwrap();
        let change = doc.get_last_local_change().unwrap().clone();
        RULES.check_change(&doc, &change, &staff(), &ctx)
    };
    // The command's own value, and the same written raw: the writer's name after the bar.
    let mut doc = voting();
    let grandpa = MemberId::parse("m_cai").unwrap();
    assist(&mut doc, &staff(), at(2), &grandpa, &choice("for")).unwrap();
    let change = doc.get_last_local_change().unwrap().clone();
    assert!(RULES.check_change(&doc, &change, &staff(), &ctx).is_ok());
    assert!(raw(&format!("for|{}", staff().member.as_str())).is_ok());
    // In another staff member's name, in nobody's, or with no name at all: refused.
    for forged in [
        format!("for|{}", other_staff.member.as_str()),
        "for|".to_owned(),
        "for".to_owned(),
    ] {
        assert!(
            matches!(raw(&forged), Err(LinliError::BadValue { .. })),
            "{forged}: {:?}",
            raw(&forged)
        );
    }
}

#[test]
fn a_ballot_made_after_seeing_an_early_close_does_not_count() {
    let mut doc = voting();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    close_early(&mut doc, &staff(), at(3), "方案需要重新设计").unwrap();
    // A doctored app, having seen the early close, writes a ballot anyway.
    let ballots = crate::read::map_at(&doc, &ROOT, "ballots").unwrap();
    let mut tx = doc.transaction();
    tx.put(&ballots, "m_cai", "against").unwrap();
    tx.commit_with(automerge::transaction::CommitOptions::default().with_time(at(2).0));
    let t = tally(&doc);
    assert_eq!(counted(&doc), vec![("m_bob".into(), choice("for"))]);
    assert!(t
        .excluded()
        .any(|(c, why)| c.member.as_str() == "m_cai" && why == Exclusion::SawClose));
}

mod module;
mod views;

proptest! {
    /// Two devices comment, reply, edit and hide apart and sync now and then: a discussion
    /// followed change by change (each touched comment read again from the document) reads
    /// as the whole read in one pass, on every device at every step.
    #[test]
    fn followed_comments_read_as_the_whole_read_in_one_pass(
        steps in proptest::collection::vec((0usize..2, 0u8..4, any::<u8>(), any::<bool>()), 1..30),
    ) {
        let start = voting();
        let mut devices = [start.fork(), start.fork()];
        let mut followed = [follow_comments(&start), follow_comments(&start)];
        let writers = [bob(), cai()];
        for (n, (d, what, pick, sync)) in steps.into_iter().enumerate() {
            let now = at(2 + n as i64);
            let known = comments(&devices[d]);
            let target = (!known.is_empty()).then(|| known[usize::from(pick) % known.len()].id.clone());
            let doc = &mut devices[d];
            // Refusals (editing another's comment, hiding twice) change nothing and are fine.
            let _ = match (what, &target) {
                (1, Some(t)) => comment(doc, &writers[d], now, &format!("c{n}"), Some(t), "同意楼上"),
                (2, Some(t)) => edit_comment(doc, &writers[d], now, t, &format!("改过 {n}")),
                (3, Some(t)) => hide_comment(doc, &staff(), now, t, "与议题无关"),
                _ => comment(doc, &writers[d], now, &format!("c{n}"), None, &format!("第 {n} 条")),
            };
            if sync {
                let (a, b) = devices.split_at_mut(1);
                a[0].merge(&mut b[0]).unwrap();
                b[0].merge(&mut a[0]).unwrap();
            }
            for (f, doc) in followed.iter_mut().zip(&devices) {
                f.update(doc);
                prop_assert_eq!(comments_of(f.values()), comments(doc));
            }
        }
    }
}
