//! The server's check at its door (DESIGN.md, "Write rules, and who checks them"): before a
//! sync message reaches the server's copy of a document, its changes are applied to a fork
//! and judged. Pure, so it is tested here and the server only wires it up.

use crate::access::{self, Access, Scope};
use crate::doc::Writer;
use crate::schema;
use crate::{Lang, LinliError, MemberId};
use automerge::{ActorId, Automerge, Change, ReadDoc};

/// Why a message was refused; the connection closes with [`Refusal::reason`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The member may read this document but not change it.
    ReadOnly,
    /// Bytes that are not changes or documents.
    Malformed,
    /// A change by an actor id another member (or the server) writes with.
    ForeignActor(String),
    /// A change claiming to be genesis that is not this kind's genesis.
    FalseGenesis,
    /// A change the kind's write rules forbid.
    Rule(LinliError),
}

impl Refusal {
    /// The reason sent to the client, in both languages (the server does not know which one
    /// the person reads).
    pub fn reason(&self) -> String {
        let pick = |lang: Lang| match self {
            Refusal::ReadOnly => lang
                .pick("这份文档对你只读。", "this document is read-only to you")
                .to_owned(),
            Refusal::Malformed => lang
                .pick("修改的数据无法读取。", "the change could not be read")
                .to_owned(),
            Refusal::ForeignActor(actor) => match lang {
                Lang::Zh => format!("写入者 {actor} 属于另一位成员。"),
                Lang::En => format!("actor {actor} belongs to another member"),
            },
            Refusal::FalseGenesis => lang
                .pick(
                    "文档的起始内容不正确。",
                    "the document's genesis is not genuine",
                )
                .to_owned(),
            Refusal::Rule(e) => e.message(lang),
        };
        format!("{} / {}", pick(Lang::Zh), pick(Lang::En))
    }
}

/// What of a message may pass: its new changes that were judged and admitted, the new
/// actor ids they bring (to bind to the writer), and how many were set aside because
/// their dependencies are not here yet (automerge's sync sends those again once it
/// learns the server lacks their parents; they are never passed on unjudged).
#[derive(Debug, Default)]
pub struct Admitted {
    pub changes: Vec<Change>,
    pub new_actors: Vec<ActorId>,
    pub set_aside: usize,
}

impl PartialEq for Admitted {
    fn eq(&self, other: &Self) -> bool {
        let hashes = |a: &Admitted| a.changes.iter().map(Change::hash).collect::<Vec<_>>();
        hashes(self) == hashes(other)
            && self.new_actors == other.new_actors
            && self.set_aside == other.set_aside
    }
}

/// Judges the changes of one incoming sync message. `view` is the server's document (or a
/// fork of it) and receives the changes when they pass. `bound` says which member an actor id
/// is already bound to.
pub fn admit(
    view: &mut Automerge,
    chunks: &[&[u8]],
    writer: &Writer,
    scope: &Scope,
    granted: Access,
    bound: impl Fn(&ActorId) -> Option<MemberId>,
) -> Result<Admitted, Refusal> {
    let mut incoming: Vec<Change> = Vec::new();
    for chunk in chunks {
        match Change::from_bytes(chunk.to_vec()) {
            Ok(c) => incoming.push(c),
            // A peer that knows we hold nothing may send the whole document in one chunk.
            Err(_) => match Automerge::load(chunk) {
                Ok(doc) => incoming.extend(doc.get_changes(&[])),
                Err(_) => return Err(Refusal::Malformed),
            },
        }
    }
    incoming.retain(|c| view.get_change_by_hash(&c.hash()).is_none());
    if incoming.is_empty() {
        return Ok(Admitted::default());
    }
    if granted != Access::Write {
        return Err(Refusal::ReadOnly);
    }

    let genesis_actor = schema::genesis_actor();
    let mut new_actors: Vec<ActorId> = Vec::new();
    for c in &incoming {
        let actor = c.actor_id();
        if *actor == genesis_actor {
            let genuine = scope.kind().is_some_and(|k| schema::is_genesis(k, c));
            if !genuine {
                return Err(Refusal::FalseGenesis);
            }
            continue;
        }
        match bound(actor) {
            Some(m) if m == writer.member => {}
            Some(_) => return Err(Refusal::ForeignActor(actor.to_hex_string())),
            None if !new_actors.contains(actor) => new_actors.push(actor.clone()),
            None => {}
        }
    }

    // Judge on a fork: a refused message must leave `view` exactly as it was. Only
    // changes whose dependencies are here can be judged; the rest wait for another round.
    let mut fork = view.fork();
    let mut pending = incoming;
    let mut placed: Vec<Change> = Vec::new();
    loop {
        let (ready, later): (Vec<Change>, Vec<Change>) = pending.into_iter().partition(|c| {
            c.deps()
                .iter()
                .all(|d| fork.get_change_by_hash(d).is_some())
        });
        pending = later;
        if ready.is_empty() {
            break;
        }
        fork.apply_changes(ready.iter().cloned())
            .map_err(|_| Refusal::Malformed)?;
        placed.extend(ready);
    }
    let set_aside = pending.len();
    let incoming = placed;
    new_actors.retain(|a| incoming.iter().any(|c| c.actor_id() == a));
    if let Some(kind) = scope.kind() {
        let ctx = scope.context();
        for c in incoming.iter().filter(|c| *c.actor_id() != genesis_actor) {
            match access::rules(kind) {
                Some(rules) => rules
                    .check_change(&fork, c, writer, &ctx)
                    .map_err(Refusal::Rule)?,
                None => {
                    return Err(Refusal::Rule(LinliError::Forbidden {
                        path: kind.as_str().to_owned(),
                    }))
                }
            }
        }
    }
    view.apply_changes(incoming.iter().cloned())
        .map_err(|_| Refusal::Malformed)?;
    Ok(Admitted {
        changes: incoming,
        new_actors,
        set_aside,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{member_docs, Scope};
    use crate::doc::Writer;
    use crate::profile;
    use crate::schema::{genesis, DocKind};
    use crate::{CommunityId, Millis, Role};
    use automerge::transaction::Transactable;
    use automerge::{AutomergeError, ROOT};

    fn member(id: &str) -> Writer {
        Writer {
            member: MemberId::parse(id).unwrap(),
            role: Role::Resident,
        }
    }

    fn profile_of(id: &str) -> Scope {
        let c = CommunityId::parse("huqian-2").unwrap();
        member_docs(&c, &MemberId::parse(id).unwrap()).remove(0).1
    }

    fn raw(changes: &[Change]) -> Vec<Vec<u8>> {
        changes.iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    fn run(
        view: &mut Automerge,
        chunks: &[Vec<u8>],
        w: &Writer,
        scope: &Scope,
        granted: Access,
        bound: &[(ActorId, &str)],
    ) -> Result<Admitted, Refusal> {
        let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        admit(view, &chunks, w, scope, granted, |a| {
            bound
                .iter()
                .find(|(b, _)| b == a)
                .map(|(_, m)| MemberId::parse(m).unwrap())
        })
    }

    /// The member's app: genesis plus an honest command.
    fn honest(w: &Writer, scope: &Scope) -> Automerge {
        let mut doc = genesis(&DocKind::Profile);
        profile::set_about(&mut doc, w, &scope.context(), Millis(1), "住 3 栋").unwrap();
        doc
    }

    #[test]
    fn honest_changes_pass_and_bind_their_actor() {
        let w = member("r1");
        let scope = profile_of("r1");
        let doc = honest(&w, &scope);
        let mut server = Automerge::new();
        let out = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[],
        )
        .unwrap();
        assert_eq!(out.changes.len(), 2);
        assert_eq!(out.new_actors, vec![doc.get_actor().clone()]);
        assert_eq!(server.get_heads(), doc.get_heads());
        // The same bytes again change nothing and need nothing.
        let again = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[],
        );
        assert_eq!(again, Ok(Admitted::default()));
    }

    #[test]
    fn a_whole_document_chunk_is_judged_like_changes() {
        let w = member("r1");
        let scope = profile_of("r1");
        let mut doc = honest(&w, &scope);
        let mut server = Automerge::new();
        let out = run(&mut server, &[doc.save()], &w, &scope, Access::Write, &[]).unwrap();
        assert_eq!(out.changes.len(), 2);
        // A forged whole document is refused like a forged change.
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, "schema", 9)?;
            Ok(())
        })
        .unwrap();
        let mut fresh = Automerge::new();
        assert!(matches!(
            run(&mut fresh, &[doc.save()], &w, &scope, Access::Write, &[]),
            Err(Refusal::Rule(LinliError::Forbidden { .. }))
        ));
        assert!(fresh.get_heads().is_empty());
    }

    #[test]
    fn a_broken_rule_refuses_the_whole_message_and_changes_nothing() {
        let w = member("r2");
        let scope = profile_of("r1");
        // r2's app writes into r1's profile, bypassing the command's check.
        let mut doc = genesis(&DocKind::Profile);
        let fields = crate::read::map_at(&doc, &ROOT, "fields").unwrap();
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(&fields, "about", "hacked")?;
            Ok(())
        })
        .unwrap();
        let mut server = genesis(&DocKind::Profile);
        let before = server.get_heads();
        let err = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[],
        );
        assert_eq!(
            err,
            Err(Refusal::Rule(LinliError::Forbidden {
                path: "fields/about".into()
            }))
        );
        assert_eq!(server.get_heads(), before);
    }

    #[test]
    fn read_only_documents_take_no_changes() {
        let w = member("r2");
        let scope = profile_of("r1");
        let doc = honest(&member("r1"), &scope);
        let mut server = Automerge::new();
        let err = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Read,
            &[],
        );
        assert_eq!(err, Err(Refusal::ReadOnly));
        // Sending back what the server already holds is no write.
        let mut server = doc.fork();
        let echo = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Read,
            &[],
        );
        assert_eq!(echo, Ok(Admitted::default()));
    }

    #[test]
    fn an_actor_bound_to_another_member_is_refused() {
        let w = member("r1");
        let scope = profile_of("r1");
        let doc = honest(&w, &scope);
        let actor = doc.get_actor().clone();
        let mut server = Automerge::new();
        let err = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[(actor.clone(), "r9")],
        );
        assert_eq!(
            err.err(),
            Some(Refusal::ForeignActor(actor.to_hex_string()))
        );
        let ok = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[(actor, "r1")],
        );
        assert_eq!(ok.unwrap().new_actors, vec![]);
    }

    #[test]
    fn a_false_genesis_is_refused() {
        let w = member("r1");
        let scope = profile_of("r1");
        // The genesis of another kind, under this profile's id.
        let other = genesis(&DocKind::Staff);
        let mut server = Automerge::new();
        let err = run(
            &mut server,
            &raw(&other.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[],
        );
        assert_eq!(err.err(), Some(Refusal::FalseGenesis));
    }

    #[test]
    fn changes_that_cannot_be_placed_wait_and_are_never_passed_unjudged() {
        let w = member("r1");
        let scope = profile_of("r1");
        let doc = honest(&w, &scope);
        // The profile edit without the genesis it builds on: set aside, nothing admitted.
        let changes = doc.get_changes(&[]);
        let mut server = Automerge::new();
        let out = run(
            &mut server,
            &raw(&changes[1..]),
            &w,
            &scope,
            Access::Write,
            &[],
        )
        .unwrap();
        assert!(out.changes.is_empty());
        assert_eq!(out.set_aside, 1);
        assert!(server.get_heads().is_empty());
        // Next round, with the parent: both pass.
        let out = run(&mut server, &raw(&changes), &w, &scope, Access::Write, &[]).unwrap();
        assert_eq!(out.changes.len(), 2);
        let err = run(
            &mut server,
            &[vec![1, 2, 3]],
            &w,
            &scope,
            Access::Write,
            &[],
        );
        assert_eq!(err.err(), Some(Refusal::Malformed));
    }

    #[test]
    fn reasons_are_given_in_both_languages() {
        let r = Refusal::ReadOnly.reason();
        assert!(r.contains("只读") && r.contains("read-only"), "{r}");
    }
}
