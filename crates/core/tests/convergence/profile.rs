//! The profile under concurrent edits from several devices of one member.
//!
//! Stated rules: a skill added stays unless a device that had seen it removed it; of
//! concurrent "about" edits one wins on every replica, and an edit made after seeing
//! another always beats it.

use crate::harness::{check, scenario, Accepted, Model};
use automerge::Automerge;
use linli_core::access::{Access, Scope};
use linli_core::doc::Writer;
use linli_core::profile::{self, Profile};
use linli_core::rules::DocContext;
use linli_core::schema::{genesis, DocKind};
use linli_core::sync::door;
use linli_core::{CommunityId, MemberId, Millis, Role};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
enum Cmd {
    SetAbout(String),
    AddSkill(String),
    /// Removes the replica's `n`-th listed skill, if it lists any.
    RemoveSkill(usize),
    /// Bad input: must be refused and change nothing.
    AddBlank,
}

#[derive(Clone, Debug)]
enum Note {
    About(String),
    Added(String),
    Removed(String),
    Refused,
}

fn me() -> (Writer, DocContext) {
    let m = MemberId::parse("m1").unwrap();
    (
        Writer {
            member: m.clone(),
            role: Role::Resident,
        },
        DocContext { subject: Some(m) },
    )
}

struct ProfileModel;

impl Model for ProfileModel {
    type Cmd = Cmd;
    type Note = Note;
    type View = Profile;

    fn genesis() -> Automerge {
        genesis(&DocKind::PROFILE)
    }

    fn judge(server: &mut Automerge, change: &automerge::Change) -> Result<(), String> {
        let (w, _) = me();
        let scope = Scope::Member {
            community: CommunityId::parse("huqian-2").unwrap(),
            kind: DocKind::PROFILE,
            subject: w.member.clone(),
        };
        let judged = door::admit(
            server,
            &[change.raw_bytes()],
            &w,
            &scope,
            Access::Write,
            |_| Some(w.member.clone()),
        )
        .map_err(|r| r.reason())?;
        judged.reason.map_or(Ok(()), |r| Err(r.reason()))
    }

    fn command() -> BoxedStrategy<Cmd> {
        prop_oneof![
            "[a-z邻里帮]{0,6}".prop_map(Cmd::SetAbout),
            "[a-z修搬陪]{1,6}".prop_map(Cmd::AddSkill),
            (0usize..4).prop_map(Cmd::RemoveSkill),
            Just(Cmd::AddBlank),
        ]
        .boxed()
    }

    fn run(doc: &mut Automerge, replica: usize, step: usize, cmd: &Cmd) -> Result<Note, String> {
        let (w, ctx) = me();
        let now = Millis(step as i64);
        match cmd {
            Cmd::SetAbout(t) => profile::set_about(doc, &w, &ctx, now, t)
                .map(|_| Note::About(t.clone()))
                .map_err(|e| e.to_string()),
            Cmd::AddSkill(label) => {
                let id = format!("s{replica}-{step}");
                profile::add_skill(doc, &w, &ctx, now, &id, label)
                    .map(|_| Note::Added(id))
                    .map_err(|e| e.to_string())
            }
            Cmd::RemoveSkill(n) => {
                let skills = Profile::read(doc).skills;
                let Some(s) = skills.get(n % skills.len().max(1)) else {
                    return Err("nothing to remove".into());
                };
                profile::remove_skill(doc, &w, &ctx, now, &s.id)
                    .map(|_| Note::Removed(s.id.clone()))
                    .map_err(|e| e.to_string())
            }
            Cmd::AddBlank => match profile::add_skill(doc, &w, &ctx, now, "blank", "  ") {
                Ok(_) => Ok(Note::Refused),
                Err(e) => Err(e.to_string()),
            },
        }
    }

    fn view(doc: &Automerge) -> Profile {
        Profile::read(doc)
    }

    fn check_intent(doc: &Automerge, accepted: &[(Accepted<Cmd>, Note)]) {
        let view = Profile::read(doc);
        let listed: BTreeSet<&str> = view.skills.iter().map(|s| s.id.as_str()).collect();
        let removed: BTreeSet<&str> = accepted
            .iter()
            .filter_map(|(_, n)| match n {
                Note::Removed(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        for (a, note) in accepted {
            match note {
                Note::Added(id) if !removed.contains(id.as_str()) => {
                    assert!(
                        listed.contains(id.as_str()),
                        "skill {id} added by {:?} on replica {} at step {} vanished",
                        a.cmd,
                        a.replica,
                        a.id
                    )
                }
                Note::Removed(id) => assert!(!listed.contains(id.as_str()), "removed {id} is back"),
                Note::Refused => panic!("blank skill was accepted"),
                _ => {}
            }
        }
        // "about": the survivors are the edits no other edit had seen; one of them must show.
        let edits: BTreeMap<usize, (&BTreeSet<usize>, &str)> = accepted
            .iter()
            .filter_map(|(a, n)| match n {
                Note::About(t) => Some((a.id, (&a.saw, t.trim()))),
                _ => None,
            })
            .collect();
        let superseded: BTreeSet<usize> = edits
            .values()
            .flat_map(|(saw, _)| saw.iter().copied().filter(|id| edits.contains_key(id)))
            .collect();
        let survivors: Vec<&str> = edits
            .iter()
            .filter(|(id, _)| !superseded.contains(id))
            .map(|(_, (_, t))| *t)
            .collect();
        if survivors.is_empty() {
            assert_eq!(view.about, "");
        } else {
            assert!(
                survivors.contains(&view.about.as_str()),
                "about {:?} is none of the surviving edits {survivors:?}",
                view.about
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn profiles_converge_and_keep_every_accepted_edit((n, steps, order) in scenario::<ProfileModel>()) {
        check::<ProfileModel>(n, steps, order);
    }
}
