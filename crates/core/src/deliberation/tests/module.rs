//! Deliberation in the registry: the index makes proposals known, staff's window schedules
//! the close, and the one fact writes the close marker on time and the certificate a grace
//! period later, with rule 4 read from what the server sent and received.

use super::*;
use crate::access::{Reader, Scope};
use crate::registry::{self, FactEnv};
use crate::{CommunityId, DocId};
use automerge::Change;

fn community() -> CommunityId {
    CommunityId::parse("huqian-2").unwrap()
}

fn proposal_scope() -> Scope {
    Scope::Community {
        community: community(),
        kind: KIND,
    }
}

fn new_changes(doc: &Automerge, before: &[automerge::ChangeHash]) -> Vec<Change> {
    doc.get_changes(before)
}

fn env(now: Millis, members: usize) -> FactEnv {
    FactEnv {
        now,
        members,
        ..FactEnv::default()
    }
}

fn run_fact(doc: &mut Automerge, env: &FactEnv) -> Option<Millis> {
    (registry::fact(crate::deliberation::module::CLOSE)
        .unwrap()
        .write)(doc, env, "")
    .unwrap()
}

#[test]
fn an_index_entry_makes_its_proposal_known_and_followed() {
    let c = community();
    let mut idx = crate::schema::genesis(&index::INDEX);
    let index_scope = Scope::Community {
        community: c.clone(),
        kind: index::INDEX,
    };
    index::add(&mut idx, &ann(), T0, "p1").unwrap();
    let learned = registry::learns(&index_scope, &index_id(&c), &idx, &new_changes(&idx, &[]));
    assert_eq!(learned, vec![(doc_id(&c, "p1"), proposal_scope())]);
    // A member's device holds the index and follows every proposal it lists.
    let reader = Reader {
        member: bob().member,
        community: c.clone(),
        role: Role::Resident,
        grids: vec![],
        posting: None,
    };
    assert!(registry::held(&reader, T0).contains(&(index_id(&c), index::INDEX)));
    let followed = registry::follows(&reader, &index::INDEX, &index_id(&c), &idx);
    assert_eq!(followed, vec![(doc_id(&c, "p1"), KIND)]);
    // Listed once: a second entry under the same id is refused, and ids stay plain.
    assert_eq!(
        index::add(&mut idx, &bob(), T0, "p1").unwrap_err(),
        LinliError::AlreadyExists
    );
    assert_eq!(
        index::add(&mut idx, &bob(), T0, "a/b").unwrap_err(),
        LinliError::BadId
    );
    assert_eq!(index::listed(&idx).len(), 1);
}

#[test]
fn staff_setting_the_window_or_closing_early_schedules_the_close() {
    let id = DocId::derive(&community(), KIND.as_str(), "p1");
    let mut doc = blank();
    create(&mut doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    publish(&mut doc, &ann(), T0).unwrap();
    let before = doc.get_heads();
    // A comment schedules nothing.
    comment(&mut doc, &bob(), T0, "c1", None, "赞成").unwrap();
    let none = registry::schedules(&proposal_scope(), &id, &doc, &new_changes(&doc, &before));
    assert!(none.is_empty());
    let before = doc.get_heads();
    set_window(&mut doc, &staff(), T0, at(1), at(25), 50, 50).unwrap();
    let s = registry::schedules(&proposal_scope(), &id, &doc, &new_changes(&doc, &before));
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].fact, s[0].due),
        (crate::deliberation::module::CLOSE, at(25))
    );
    let before = doc.get_heads();
    close_early(&mut doc, &staff(), at(5), "已达成共识").unwrap();
    let s = registry::schedules(&proposal_scope(), &id, &doc, &new_changes(&doc, &before));
    assert_eq!(s[0].due, Millis(0), "an early close is due at once");
}

#[test]
fn the_fact_closes_on_time_and_certifies_a_grace_period_later() {
    let mut doc = voting();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    // Run early (the window moved later after it was scheduled): nothing, come back then.
    assert_eq!(run_fact(&mut doc, &env(at(10), 3)), Some(at(25)));
    assert!(read(&doc).unwrap().closed.is_none());
    // At the close: the marker, with the members then; the certificate is next.
    let again = run_fact(&mut doc, &env(at(25), 3)).unwrap();
    assert_eq!(again, at(25 + DEFAULT_GRACE_HOURS));
    let close = read(&doc).unwrap().closed.unwrap();
    assert_eq!((close.at, close.members), (at(25), 3));
    // Inside the grace period: not yet.
    assert_eq!(run_fact(&mut doc, &env(at(30), 3)), Some(again));
    assert!(read(&doc).unwrap().certified.is_none());
    assert_eq!(run_fact(&mut doc, &env(again, 3)), None);
    assert!(read(&doc).unwrap().certified.is_some());
    // Once certified, running again writes nothing.
    let heads = doc.get_heads();
    assert_eq!(run_fact(&mut doc, &env(Millis(again.0 + 1), 3)), None);
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn rule_four_reads_what_the_server_sent_and_when_ballots_arrived() {
    let mut doc = voting();
    let mut cais_other_phone = doc.fork();
    let mut dans_phone = doc.fork();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    run_fact(&mut doc, &env(at(25), 4));
    // Both phones voted offline claiming hour 10, neither saw the marker. Cai's first
    // phone had been sent the marker at hour 26, before this ballot arrived at hour 30;
    // Dan was sent it at hour 40, after his ballot arrived at hour 28.
    cast(&mut cais_other_phone, &cai(), at(10), &choice("against")).unwrap();
    let dan = w("m_dan", Role::Resident);
    cast(&mut dans_phone, &dan, at(10), &choice("against")).unwrap();
    let cais = cais_other_phone.get_heads()[0];
    let dans = dans_phone.get_heads()[0];
    doc.merge(&mut cais_other_phone).unwrap();
    doc.merge(&mut dans_phone).unwrap();
    let mut e = env(at(25 + DEFAULT_GRACE_HOURS), 4);
    e.delivered.insert(cai().member, at(26));
    e.delivered.insert(dan.member.clone(), at(40));
    e.received.insert(cais, at(30));
    e.received.insert(dans, at(28));
    run_fact(&mut doc, &e);
    let cert = read(&doc).unwrap().certified.unwrap();
    assert_eq!(cert.excluded, vec![(cais, Exclusion::SentClose)]);
    let t = tally(&doc);
    assert!(t.counted_of(&dan.member).is_some());
    assert!(t.counted_of(&cai().member).is_none());
}

#[test]
fn the_communitys_grace_period_is_fixed_in_the_proposal_with_its_window() {
    // Staff set a 12-hour grace period in the community's settings; the window takes it.
    let mut idx = crate::schema::genesis(&index::INDEX);
    assert_eq!(index::settings(&idx), index::Settings::default());
    let short = index::Settings {
        support_pct: 10,
        grace_hours: 12,
    };
    index::set_settings(&mut idx, &staff(), T0, short).unwrap();
    assert_eq!(index::settings(&idx), short);
    let mut doc = blank();
    create(&mut doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    publish(&mut doc, &ann(), T0).unwrap();
    let window = Window {
        opens: at(1),
        closes: at(25),
        quorum_pct: 50,
        threshold_pct: 50,
        grace_hours: index::settings(&idx).grace_hours,
    };
    schedule(&mut doc, &staff(), T0, &window).unwrap();
    assert_eq!(read(&doc).unwrap().grace, Millis(12 * Millis::HOUR));
    // The community changing its setting later moves nothing already scheduled.
    index::set_settings(
        &mut idx,
        &staff(),
        at(2),
        index::Settings {
            support_pct: 10,
            grace_hours: 100,
        },
    )
    .unwrap();
    assert_eq!(run_fact(&mut doc, &env(at(25), 3)), Some(at(37)));
    // Nor does staff's field written again after the close (a doctored app, raw): the close
    // marker fixed the grace period.
    let record = crate::read::map_at(&doc, &ROOT, "proposal")
        .and_then(|p| crate::read::map_at(&doc, &p, crate::deliberation::rules::RECORD))
        .unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(&record, "grace_hours", 1)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(read(&doc).unwrap().grace, Millis(12 * Millis::HOUR));
    assert_eq!(run_fact(&mut doc, &env(at(27), 3)), Some(at(37)));
    assert!(read(&doc).unwrap().certified.is_none());
    assert_eq!(run_fact(&mut doc, &env(at(36), 3)), Some(at(37)));
    assert_eq!(run_fact(&mut doc, &env(at(37), 3)), None);
    assert!(read(&doc).unwrap().certified.is_some());
}

#[test]
fn the_communitys_settings_are_staffs_and_checked() {
    let mut idx = crate::schema::genesis(&index::INDEX);
    let ok = index::Settings {
        support_pct: 10,
        grace_hours: 24,
    };
    let before = idx.get_heads();
    assert!(matches!(
        index::set_settings(&mut idx, &bob(), T0, ok),
        Err(LinliError::Forbidden { .. })
    ));
    for (bad, field) in [
        ((0, 24), crate::error::Field::Support),
        ((101, 24), crate::error::Field::Support),
        ((10, 0), crate::error::Field::Grace),
        ((10, MAX_GRACE_HOURS + 1), crate::error::Field::Grace),
    ] {
        let s = index::Settings {
            support_pct: bad.0,
            grace_hours: bad.1,
        };
        assert_eq!(
            index::set_settings(&mut idx, &staff(), T0, s),
            Err(LinliError::OutOfRange { field })
        );
    }
    assert_eq!(idx.get_heads(), before, "a refusal changes nothing");
    // The door's view: a resident's raw write of a setting is refused op by op.
    let mut forged = idx.fork();
    forged
        .transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, "support_pct", 1)?;
            Ok(())
        })
        .unwrap();
    let change = forged.get_last_local_change().unwrap().clone();
    let ctx = DocContext::default();
    assert!(index::INDEX_RULES
        .check_change(&forged, &change, &bob(), &ctx)
        .is_err());
    assert!(index::INDEX_RULES
        .check_change(&forged, &change, &staff(), &ctx)
        .is_ok());
    // The grace of a vote is set before voting opens, by staff, within range.
    let grace = |grace_hours| Window {
        opens: at(3),
        closes: at(25),
        quorum_pct: 20,
        threshold_pct: 50,
        grace_hours,
    };
    let mut doc = voting();
    assert_eq!(
        schedule(&mut doc, &staff(), at(2), &grace(12)),
        Err(LinliError::VotingOpened)
    );
    let mut discussion = blank();
    create(&mut discussion, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    publish(&mut discussion, &ann(), T0).unwrap();
    assert!(matches!(
        schedule(&mut discussion, &ann(), T0, &grace(12)),
        Err(LinliError::Forbidden { .. })
    ));
    assert_eq!(
        schedule(&mut discussion, &staff(), T0, &grace(0)),
        Err(LinliError::OutOfRange {
            field: crate::error::Field::Grace
        })
    );
    // The window and its grace period are one change: a bad part writes none of it.
    let before = discussion.get_heads();
    let window = |opens: Millis, grace_hours| Window {
        opens,
        closes: at(25),
        quorum_pct: 20,
        threshold_pct: 50,
        grace_hours,
    };
    assert!(matches!(
        schedule(&mut discussion, &staff(), T0, &window(at(1), 0)),
        Err(LinliError::OutOfRange { .. })
    ));
    assert!(matches!(
        schedule(&mut discussion, &staff(), T0, &window(at(30), 12)),
        Err(LinliError::OutOfRange { .. })
    ));
    assert_eq!(discussion.get_heads(), before);
    schedule(&mut discussion, &staff(), T0, &window(at(1), 12)).unwrap();
    let p = read(&discussion).unwrap();
    assert_eq!(
        (p.opens_at, p.grace),
        (Some(at(1)), Millis(12 * Millis::HOUR))
    );
}

#[test]
fn two_staff_changing_one_setting_each_apart_keep_both() {
    let mut desk = crate::schema::genesis(&index::INDEX);
    let mut phone = desk.fork();
    let other = w("m_staff2", Role::Staff);
    let d = index::Settings::default();
    index::set_settings(
        &mut desk,
        &staff(),
        T0,
        index::Settings {
            support_pct: 10,
            ..d
        },
    )
    .unwrap();
    index::set_settings(
        &mut phone,
        &other,
        T0,
        index::Settings {
            grace_hours: 24,
            ..d
        },
    )
    .unwrap();
    desk.merge(&mut phone).unwrap();
    assert_eq!(
        index::settings(&desk),
        index::Settings {
            support_pct: 10,
            grace_hours: 24
        }
    );
}
