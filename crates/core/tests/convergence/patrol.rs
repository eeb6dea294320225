//! Patrol under concurrent edits: a worker's patrol logged on two phones apart, and one
//! escalation acted on at once by the reporting worker, two officers of its department and
//! staff, each offline.
//!
//! Stated rules: every accepted patrol, step, observation and case step is still there after
//! the merge (nothing logged is lost); a patrol any device ended is ended; every replica
//! derives the same status and the same overdue set at every time; a case's applied steps
//! form a path the lifecycle allows from "reported".

use crate::harness::{check, scenario, Accepted, Model};
use automerge::{ActorId, Automerge};
use linli_core::access::{Access, Reader, Scope};
use linli_core::doc::Writer;
use linli_core::patrol::{
    self, CaseDraft, CaseStatus, CaseStepKind, Category, Deadlines, Duty, ObservationDraft,
    Outcome, OutcomeDraft, PatrolStatus, Position, StepDraft, StepKind,
};
use linli_core::registry;
use linli_core::schema::genesis;
use linli_core::sync::door;
use linli_core::{CommunityId, MemberId, Millis, Role};
use proptest::prelude::*;
use std::collections::BTreeSet;

const T0: i64 = 1_764_547_200_000;

fn community() -> CommunityId {
    CommunityId::parse("huqian-2").unwrap()
}

fn writer(id: &str, role: Role) -> Writer {
    Writer {
        member: MemberId::parse(id).unwrap(),
        role,
    }
}

/// The replica's author: the harness makes replica `i`'s actor `[i + 1; 16]`.
fn replica_of(actor: &ActorId) -> Option<usize> {
    actor.to_bytes().first().map(|b| *b as usize - 1)
}

fn judged(
    server: &mut Automerge,
    change: &automerge::Change,
    who: Writer,
    scope: Scope,
) -> Result<(), String> {
    let member = who.member.clone();
    let j = door::admit(
        server,
        &[change.raw_bytes()],
        &who,
        &scope,
        Access::Write,
        |_| Some(member.clone()),
    )
    .map_err(|r| r.reason())?;
    j.reason.map_or(Ok(()), |r| Err(r.reason()))
}

// ---- a patrol document, one worker on up to five phones ----

#[derive(Clone, Debug)]
enum PCmd {
    Start,
    /// Acts on the replica's `n`-th patrol, if it lists any.
    Step(usize, u8),
    Observe(usize, bool),
    Track(usize),
}

struct PatrolModel;

fn worker() -> Writer {
    writer("m_zhang", Role::GridWorker)
}

impl Model for PatrolModel {
    type Cmd = PCmd;
    type Note = Option<(String, String)>;
    type View = Vec<(String, PatrolStatus, Vec<String>, Vec<String>, usize)>;

    fn genesis() -> Automerge {
        genesis(&patrol::PATROL)
    }

    fn judge(server: &mut Automerge, change: &automerge::Change) -> Result<(), String> {
        let scope = patrol::patrol_doc(&community(), "g1", Millis(T0)).1;
        judged(server, change, worker(), scope)
    }

    fn command() -> BoxedStrategy<PCmd> {
        prop_oneof![
            2 => Just(PCmd::Start),
            2 => (0usize..3, 0u8..3).prop_map(|(n, k)| PCmd::Step(n, k)),
            3 => (0usize..3, any::<bool>()).prop_map(|(n, e)| PCmd::Observe(n, e)),
            1 => (0usize..3).prop_map(PCmd::Track),
        ]
        .boxed()
    }

    fn run(
        doc: &mut Automerge,
        replica: usize,
        step: usize,
        cmd: &PCmd,
    ) -> Result<Self::Note, String> {
        let now = Millis(T0 + step as i64 * 1_000);
        let w = worker();
        let pick = |doc: &Automerge, n: usize| {
            let all = patrol::patrols(doc);
            all.get(n % all.len().max(1)).map(|p| p.id.clone())
        };
        let id = format!("x{replica}-{step}");
        let here = Position::Fix {
            lat_e6: 31_000_000 + step as i32,
            lon_e6: 121_000_000,
            accuracy_m: 9,
        };
        let e = |e: linli_core::LinliError| e.to_string();
        match cmd {
            PCmd::Start => patrol::start_patrol(doc, &w, now, &id, "", here)
                .map(|_| Some(("patrol".into(), id)))
                .map_err(e),
            PCmd::Step(n, k) => {
                let p = pick(doc, *n).ok_or("no patrol")?;
                let kind = [StepKind::Pause, StepKind::Resume, StepKind::End][*k as usize].clone();
                patrol::step(doc, &w, now, &p, &id, kind, Position::Denied)
                    .map(|_| Some((format!("step {p}"), id)))
                    .map_err(e)
            }
            PCmd::Observe(n, escalate) => {
                let p = pick(doc, *n).ok_or("no patrol")?;
                let outcome = if *escalate {
                    OutcomeDraft::Escalated {
                        department: "water".into(),
                    }
                } else {
                    OutcomeDraft::Resolved {
                        action: "劝离".into(),
                    }
                };
                let draft = ObservationDraft {
                    duty: Duty::Dissuade,
                    category: Category::Parking,
                    description: "占道".into(),
                    position: here,
                    outcome,
                    report: None,
                };
                let serving = [linli_core::directory::Place {
                    id: "water".into(),
                    name: "水务".into(),
                }];
                patrol::observe(doc, &w, now, &p, &id, &draft, &serving)
                    .map(|_| Some((format!("obs {p}"), id)))
                    .map_err(e)
            }
            PCmd::Track(n) => {
                let p = pick(doc, *n).ok_or("no patrol")?;
                let fixes = [patrol::TrackFix {
                    at: now,
                    lat_e6: 1,
                    lon_e6: 2,
                    accuracy_m: 3,
                }];
                patrol::add_track(doc, &w, now, &p, &id, &fixes)
                    .map(|_| None)
                    .map_err(e)
            }
        }
    }

    fn view(doc: &Automerge) -> Self::View {
        patrol::patrols(doc)
            .into_iter()
            .map(|p| {
                (
                    p.id.clone(),
                    p.status,
                    p.steps.iter().map(|s| s.id.clone()).collect(),
                    p.observations.iter().map(|o| o.id.clone()).collect(),
                    p.fixes().len(),
                )
            })
            .collect()
    }

    fn check_intent(doc: &Automerge, accepted: &[(Accepted<PCmd>, Self::Note)]) {
        // Sync follows each escalated observation's case through a reader of the few fields
        // that decide it: it names exactly the cases the whole patrols read name.
        let c = community();
        let (id, _) = patrol::patrol_doc(&c, "g1", Millis(T0));
        let mut whole: Vec<_> = patrol::patrols(doc)
            .iter()
            .flat_map(|p| &p.observations)
            .filter(|o| o.outcome == Outcome::Escalated && o.department.is_some())
            .map(|o| (patrol::escalation_id(&c, &o.id), patrol::ESCALATION))
            .collect();
        whole.sort();
        for role in [Role::GridWorker, Role::Staff] {
            let reader = Reader::new(worker().member, role, c.clone());
            let mut followed = registry::follows(&reader, &patrol::PATROL, &id, doc);
            followed.sort();
            assert_eq!(
                followed, whole,
                "sync follows other cases than the patrols name"
            );
        }
        let view = Self::view(doc);
        for (a, note) in accepted {
            let Some((what, id)) = note else { continue };
            let found = match what.split_once(' ') {
                None => view.iter().any(|p| p.0 == *id),
                Some(("step", p)) => view.iter().any(|v| v.0 == p && v.2.contains(id)),
                Some((_, p)) => view.iter().any(|v| v.0 == p && v.3.contains(id)),
            };
            assert!(
                found,
                "{what} {id} accepted on replica {} vanished",
                a.replica
            );
            if let (PCmd::Step(_, 2), Some(("step", p))) = (&a.cmd, what.split_once(' ')) {
                let status = view.iter().find(|v| v.0 == p).unwrap().1;
                assert_eq!(
                    status,
                    PatrolStatus::Ended,
                    "patrol {p} was ended and is not"
                );
            }
        }
    }
}

// ---- one escalation: replica 0 the reporter, 1 and 3 water's officers, 2 staff ----

#[derive(Clone, Debug)]
struct ECmd(u8);

struct EscalationModel;

fn role_of(replica: usize) -> Writer {
    match replica % 4 {
        0 => writer("m_zhang", Role::GridWorker),
        1 => writer("m_water1", Role::Officer),
        2 => writer("m_staff", Role::Staff),
        _ => writer("m_water2", Role::Officer),
    }
}

const KINDS: [CaseStepKind; 7] = [
    CaseStepKind::Acknowledged,
    CaseStepKind::InProgress,
    CaseStepKind::Resolved,
    CaseStepKind::NotResponsible,
    CaseStepKind::Confirmed,
    CaseStepKind::Reopened,
    CaseStepKind::Reassigned,
];

fn scope() -> Scope {
    Scope::Case {
        community: community(),
        kind: patrol::ESCALATION,
        reporter: MemberId::parse("m_zhang").unwrap(),
        department: "water".into(),
    }
}

/// Times the overdue set is derived at: before and after each deadline.
const AT: [i64; 4] = [
    T0,
    T0 + 25 * 3_600_000,
    T0 + 8 * 86_400_000,
    T0 + 30 * 86_400_000,
];

impl Model for EscalationModel {
    type Cmd = ECmd;
    type Note = String;
    type View = (CaseStatus, Vec<(String, bool)>, Vec<bool>);

    /// Every replica starts from the same opened case, received by the server at T0: made
    /// under fixed actors and times, so the bytes are the same on each.
    fn genesis() -> Automerge {
        let mut doc = genesis(&patrol::ESCALATION).with_actor(ActorId::from(vec![0xee; 16]));
        let draft = CaseDraft {
            category: Category::Facility,
            description: "井盖破损".into(),
            position: Position::Unavailable,
            grid: "g1".into(),
            patrol: "p1".into(),
            department: "water".into(),
            origin: None,
            deadlines: Deadlines::default(),
        };
        patrol::open_case(&mut doc, &role_of(0), Millis(T0), "o1", &draft).unwrap();
        let hashes: Vec<_> = doc
            .get_changes(&[])
            .iter()
            .map(|c| (c.hash(), Millis(T0)))
            .collect();
        doc.set_actor(ActorId::from(vec![0xef; 16]));
        linli_core::receipts::publish(&mut doc, Millis(T0), &hashes).unwrap();
        doc
    }

    fn judge(server: &mut Automerge, change: &automerge::Change) -> Result<(), String> {
        if replica_of(change.actor_id()).is_none_or(|r| r > 8) {
            return Ok(()); // the shared start, already in every replica's genesis
        }
        let who = role_of(replica_of(change.actor_id()).unwrap());
        judged(server, change, who, scope())
    }

    fn command() -> BoxedStrategy<ECmd> {
        (0u8..7).prop_map(ECmd).boxed()
    }

    fn run(doc: &mut Automerge, replica: usize, step: usize, cmd: &ECmd) -> Result<String, String> {
        let who = role_of(replica);
        let kind = KINDS[cmd.0 as usize].clone();
        let sid = format!("s{replica}-{step}");
        let posting = (who.role == Role::Officer).then_some("water");
        let to = (kind == CaseStepKind::Reassigned).then_some("housing");
        patrol::act(
            doc,
            &who,
            posting,
            Millis(T0 + step as i64 * 60_000),
            &sid,
            &StepDraft {
                kind,
                note: "备注",
                to,
            },
        )
        .map(|_| sid)
        .map_err(|e| e.to_string())
    }

    fn view(doc: &Automerge) -> Self::View {
        let case = patrol::read_case(doc).expect("the case reads");
        let late = AT
            .iter()
            .map(|t| !patrol::overdue(std::slice::from_ref(&case), Millis(*t)).is_empty())
            .collect();
        (
            case.status,
            case.steps
                .iter()
                .map(|s| (s.id.clone(), s.applied))
                .collect(),
            late,
        )
    }

    fn check_intent(doc: &Automerge, accepted: &[(Accepted<ECmd>, String)]) {
        let case = patrol::read_case(doc).unwrap();
        // Sync follows each reassignment that took effect through a reader of the steps'
        // kinds and times alone: it names exactly the cases the whole case's fold names.
        let id = patrol::escalation_id(&community(), "o1");
        let whole: Vec<_> = case
            .steps
            .iter()
            .filter(|s| s.applied && s.kind == CaseStepKind::Reassigned)
            .map(|s| {
                (
                    patrol::escalation_id(&community(), &format!("{id}/{}", s.id)),
                    patrol::ESCALATION,
                )
            })
            .collect();
        let staff = Reader::new(role_of(2).member, Role::Staff, community());
        assert_eq!(
            registry::follows(&staff, &patrol::ESCALATION, &id, doc),
            whole,
            "sync follows other reassignments than the case applied"
        );
        let ids: BTreeSet<&str> = case.steps.iter().map(|s| s.id.as_str()).collect();
        for (a, sid) in accepted {
            assert!(
                ids.contains(sid.as_str()),
                "step {sid} from replica {} vanished",
                a.replica
            );
        }
        // The applied steps replay as a path the lifecycle allows.
        let mut status = CaseStatus::Reported;
        for s in case.steps.iter().filter(|s| s.applied) {
            status = match (status, &s.kind) {
                (CaseStatus::Reported, CaseStepKind::Acknowledged) => CaseStatus::Acknowledged,
                (st, CaseStepKind::InProgress) if st != CaseStatus::InProgress && st.open() => {
                    CaseStatus::InProgress
                }
                (st, CaseStepKind::Resolved) if st.open() => CaseStatus::Resolved,
                (st, CaseStepKind::NotResponsible) if st.open() => CaseStatus::Returned,
                (CaseStatus::Resolved, CaseStepKind::Confirmed) => CaseStatus::Closed,
                (CaseStatus::Resolved, CaseStepKind::Reopened) => CaseStatus::Reopened,
                (CaseStatus::Returned, CaseStepKind::Reassigned) => CaseStatus::Reassigned,
                (st, k) => panic!("{k:?} applied at {st:?}"),
            };
        }
        assert_eq!(status, case.status);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]
    #[test]
    fn patrols_logged_on_several_phones_converge_and_lose_nothing((n, steps, order) in scenario::<PatrolModel>()) {
        check::<PatrolModel>(n, steps, order);
    }

    #[test]
    fn an_escalation_acted_on_by_all_sides_apart_converges_on_one_status_and_overdue_set((n, steps, order) in scenario::<EscalationModel>()) {
        check::<EscalationModel>(n, steps, order);
    }
}
