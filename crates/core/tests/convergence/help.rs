//! Help under concurrent offers, acceptances, cancellations and confirmations, on two
//! devices of the requester, two of one neighbour and one of another, with clocks that
//! collide, synced at random; every change passes the server's door on the way.
//!
//! Stated rules: every accepted offer survives the merge, and so does a helper's "done"
//! from either of their devices; of acceptances made apart, every replica chooses the same
//! one (the earliest, ties by helper id) and sets the rest aside; a cancelled request stays
//! cancelled; a refused command changes nothing; the door refuses no honest change.

use crate::harness::{check, scenario, Accepted, Model, Step};
use automerge::Automerge;
use linli_core::access::{Access, Scope};
use linli_core::doc::Writer;
use linli_core::help::{self, Category, Request, RequestDraft, Status, Urgency};
use linli_core::schema::{genesis, DocKind};
use linli_core::sync::door;
use linli_core::{CommunityId, MemberId, Millis, Role};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const T0: i64 = 1_796_000_000_000;

/// Replicas 0 and 1 are the requester's phone and tablet; 2 and 3 one neighbour's phone
/// and tablet; 4 another neighbour.
fn member_of(replica: usize) -> Writer {
    let id = match replica {
        0 | 1 => "m_ann",
        2 | 3 => "m_bob",
        _ => "m_cai",
    };
    Writer {
        member: MemberId::parse(id).unwrap(),
        role: Role::Resident,
    }
}

#[derive(Clone, Debug)]
enum Cmd {
    Post,
    /// Bad input: an empty title, refused.
    PostBlank,
    /// Acts on the replica's `k`-th listed request.
    Offer(usize),
    Withdraw(usize),
    /// Accepts the `j`-th offer of the `k`-th request.
    Accept(usize, usize),
    MarkDone(usize),
    Confirm(usize),
    Cancel(usize),
}

#[derive(Clone, Debug)]
enum Note {
    Posted(String),
    Offered(String, MemberId),
    Accepted(String, MemberId, Millis),
    Done(String, MemberId),
    Cancelled(String),
    Other,
}

fn pick(doc: &Automerge, k: usize) -> Option<Request> {
    let mut all = help::requests(doc);
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let n = all.len();
    (n > 0).then(|| all.swap_remove(k % n))
}

struct HelpModel;

impl Model for HelpModel {
    type Cmd = Cmd;
    type Note = Note;
    type View = Vec<(Request, Status)>;

    fn genesis() -> Automerge {
        genesis(&DocKind::HELP)
    }

    fn command() -> BoxedStrategy<Cmd> {
        prop_oneof![
            2 => Just(Cmd::Post),
            1 => Just(Cmd::PostBlank),
            4 => (0usize..4).prop_map(Cmd::Offer),
            1 => (0usize..4).prop_map(Cmd::Withdraw),
            3 => (0usize..4, 0usize..3).prop_map(|(k, j)| Cmd::Accept(k, j)),
            1 => (0usize..4).prop_map(Cmd::MarkDone),
            1 => (0usize..4).prop_map(Cmd::Confirm),
            1 => (0usize..4).prop_map(Cmd::Cancel),
        ]
        .boxed()
    }

    fn run(doc: &mut Automerge, replica: usize, step: usize, cmd: &Cmd) -> Result<Note, String> {
        let w = member_of(replica);
        // Three steps share each second: devices apart often claim the same time.
        let now = Millis(T0 + (step / 3) as i64 * 1000);
        let err = |e: linli_core::LinliError| e.to_string();
        let draft = |title: &str| RequestDraft {
            category: Category::Errand,
            title: title.to_owned(),
            details: String::new(),
            urgency: Urgency::Normal,
            place: "3 幢".to_owned(),
            needed_by: None,
            expires_in_days: None,
        };
        let target = |k: usize| pick(doc, k).ok_or_else(|| "no request".to_owned());
        match cmd {
            Cmd::Post => {
                let id = format!("r{replica}_{step}");
                help::post_request(doc, &w, now, &id, &draft("取药"))
                    .map(|_| Note::Posted(id))
                    .map_err(err)
            }
            Cmd::PostBlank => help::post_request(doc, &w, now, "blank", &draft(" "))
                .map(|_| Note::Other)
                .map_err(err),
            Cmd::Offer(k) => {
                let r = target(*k)?;
                help::offer(doc, &w, now, &r.id, &format!("设备 {replica} 可以"))
                    .map(|_| Note::Offered(r.id, w.member.clone()))
                    .map_err(err)
            }
            Cmd::Withdraw(k) => {
                let r = target(*k)?;
                help::withdraw_offer(doc, &w, now, &r.id)
                    .map(|_| Note::Other)
                    .map_err(err)
            }
            Cmd::Accept(k, j) => {
                let r = target(*k)?;
                let live: Vec<_> = r.offers.iter().filter(|o| !o.withdrawn).collect();
                let Some(o) = live.get(j % live.len().max(1)) else {
                    return Err("no offer".into());
                };
                let helper = o.helper.clone();
                help::accept(doc, &w, now, &r.id, &helper)
                    .map(|_| Note::Accepted(r.id, helper, now))
                    .map_err(err)
            }
            Cmd::MarkDone(k) => {
                let r = target(*k)?;
                help::mark_done(doc, &w, now, &r.id)
                    .map(|_| Note::Done(r.id, w.member.clone()))
                    .map_err(err)
            }
            Cmd::Confirm(k) => {
                let r = target(*k)?;
                help::confirm(doc, &w, now, &r.id)
                    .map(|_| Note::Other)
                    .map_err(err)
            }
            Cmd::Cancel(k) => {
                let r = target(*k)?;
                help::cancel(doc, &w, now, &r.id)
                    .map(|_| Note::Cancelled(r.id))
                    .map_err(err)
            }
        }
    }

    fn view(doc: &Automerge) -> Vec<(Request, Status)> {
        let now = Millis(T0 + 1_000_000);
        // Read whole in one pass (a tree) and one by one from the document: the same requests.
        let whole = help::requests(doc);
        let one_by_one: Vec<Request> = linli_core::read::records(doc, "requests")
            .iter()
            .filter_map(|(id, _)| help::read_request(doc, id))
            .collect();
        assert_eq!(whole, one_by_one, "a list read whole and one by one differ");
        let mut all: Vec<_> = whole
            .into_iter()
            .map(|r| {
                let s = r.status(now);
                (r, s)
            })
            .collect();
        all.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        all
    }

    fn judge(server: &mut Automerge, change: &automerge::Change) -> Result<(), String> {
        let replica = change.actor_id().to_bytes()[0] as usize - 1;
        let scope = Scope::Community {
            community: CommunityId::parse("huqian-2").unwrap(),
            kind: DocKind::HELP,
        };
        let bound = |a: &automerge::ActorId| Some(member_of(a.to_bytes()[0] as usize - 1).member);
        let judged = door::admit(
            server,
            &[change.raw_bytes()],
            &member_of(replica),
            &scope,
            Access::Write,
            bound,
        )
        .map_err(|r| r.reason())?;
        match judged.reason {
            None => Ok(()),
            Some(r) => Err(r.reason()),
        }
    }

    fn check_intent(doc: &Automerge, accepted: &[(Accepted<Cmd>, Note)]) {
        let now = Millis(T0 + 1_000_000);
        let merged: BTreeMap<String, Request> = help::requests(doc)
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let mut accepts: BTreeMap<&str, Vec<(Millis, &MemberId)>> = BTreeMap::new();
        for (a, note) in accepted {
            match note {
                Note::Posted(id) => assert!(merged.contains_key(id), "request {id} vanished"),
                Note::Offered(id, helper) => assert!(
                    merged[id].offer_of(helper).is_some(),
                    "{helper:?}'s offer on {id} (step {}) vanished",
                    a.id
                ),
                Note::Accepted(id, helper, at) => {
                    accepts.entry(id.as_str()).or_default().push((*at, helper))
                }
                Note::Done(id, helper) => assert!(
                    merged[id]
                        .offer_of(helper)
                        .is_some_and(|o| o.done_at.is_some()),
                    "{helper:?} marked {id} done (step {}), and the mark vanished",
                    a.id
                ),
                Note::Cancelled(id) => assert_eq!(
                    merged[id].status(now),
                    Status::Cancelled,
                    "cancelled {id} is not cancelled"
                ),
                Note::Other => {}
            }
            if matches!(a.cmd, Cmd::PostBlank) {
                panic!("a blank title was accepted");
            }
        }
        for (id, mut made) in accepts {
            made.sort();
            let r = &merged[id];
            assert_eq!(
                r.accepted.as_ref(),
                Some(made[0].1),
                "{id}: the earliest acceptance must win"
            );
            let rest: BTreeSet<&MemberId> = made[1..].iter().map(|(_, h)| *h).collect();
            let aside: BTreeSet<&MemberId> = r.set_aside.iter().collect();
            assert_eq!(
                aside,
                rest.into_iter()
                    .filter(|h| Some(*h) != r.accepted.as_ref())
                    .collect()
            );
        }
    }
}

/// A request every replica knows, with an offer from each neighbour on both of the
/// requester's devices; then random acceptances, cancellations and syncs: the case where
/// two devices choose apart.
fn contested() -> impl Strategy<Value = (usize, Vec<Step<Cmd>>, Vec<usize>)> {
    use Step::{Run, Sync};
    let mut prefix = vec![Run {
        replica: 0,
        cmd: Cmd::Post,
    }];
    prefix.extend((1..5).map(|to| Sync { from: 0, to }));
    prefix.extend((2..5).map(|replica| Run {
        replica,
        cmd: Cmd::Offer(0),
    }));
    for from in 2..5 {
        prefix.extend([Sync { from, to: 0 }, Sync { from, to: 1 }]);
    }
    let tail = prop_oneof![
        6 => (0usize..2, 0usize..3).prop_map(|(replica, j)| Run { replica, cmd: Cmd::Accept(0, j) }),
        1 => (0usize..2).prop_map(|replica| Run { replica, cmd: Cmd::Cancel(0) }),
        2 => (2usize..5).prop_map(|replica| Run { replica, cmd: Cmd::MarkDone(0) }),
        2 => (0usize..5, 0usize..5).prop_map(|(from, to)| Sync { from, to }),
    ];
    (
        prop::collection::vec(tail, 1..12),
        Just((0..5).collect::<Vec<_>>()).prop_shuffle(),
    )
        .prop_map(move |(tail, order)| {
            let mut steps = prefix.clone();
            steps.extend(tail);
            (5, steps, order)
        })
}

/// A request every replica knows; the same neighbour offers from both devices apart, then
/// random acceptances, "done" marks from either device, withdrawals and syncs: the case a
/// map created on first use loses.
fn one_helper_two_devices() -> impl Strategy<Value = (usize, Vec<Step<Cmd>>, Vec<usize>)> {
    use Step::{Run, Sync};
    let mut prefix = vec![Run {
        replica: 0,
        cmd: Cmd::Post,
    }];
    prefix.extend((1..5).map(|to| Sync { from: 0, to }));
    prefix.extend([2, 3].map(|replica| Run {
        replica,
        cmd: Cmd::Offer(0),
    }));
    let tail = prop_oneof![
        3 => (0usize..2).prop_map(|replica| Run { replica, cmd: Cmd::Accept(0, 0) }),
        3 => (2usize..4).prop_map(|replica| Run { replica, cmd: Cmd::MarkDone(0) }),
        1 => (2usize..4).prop_map(|replica| Run { replica, cmd: Cmd::Offer(0) }),
        1 => (2usize..4).prop_map(|replica| Run { replica, cmd: Cmd::Withdraw(0) }),
        3 => (0usize..5, 0usize..5).prop_map(|(from, to)| Sync { from, to }),
    ];
    (
        prop::collection::vec(tail, 1..16),
        Just((0..5).collect::<Vec<_>>()).prop_shuffle(),
    )
        .prop_map(move |(tail, order)| {
            let mut steps = prefix.clone();
            steps.extend(tail);
            (5, steps, order)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn help_converges_and_keeps_every_offer_and_the_acceptance_rule((n, steps, order) in scenario::<HelpModel>()) {
        check::<HelpModel>(n, steps, order);
    }

    #[test]
    fn acceptances_made_apart_converge_on_the_earliest((n, steps, order) in contested()) {
        check::<HelpModel>(n, steps, order);
    }

    #[test]
    fn a_helper_on_two_devices_never_loses_an_offer_or_a_done_mark((n, steps, order) in one_helper_two_devices()) {
        check::<HelpModel>(n, steps, order);
    }
}
