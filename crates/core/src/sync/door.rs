//! The server's check at its door (DESIGN.md, "Write rules, and who checks them"): before a
//! sync message reaches the server's copy of a document, its changes are applied to a fork
//! and judged. Pure, so it is tested here and the server only wires it up.

use super::inflate::{self, Inflation};
use super::ops;
use crate::access::{self, Access, Scope};
use crate::doc::Writer;
use crate::schema;
use crate::{Lang, LinliError, MemberId};
use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc};
use std::collections::HashSet;

/// Why changes were refused; the writer hears [`Refusal::reason`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The member may read this document but not change it.
    ReadOnly,
    /// Bytes that are not changes or documents.
    Malformed,
    /// A chunk that alone would inflate past [`inflate::MAX_INFLATED`] or hold more than
    /// [`ops::MAX_OPS`] operations.
    TooLarge,
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
        format!(
            "{} / {}",
            self.reason_in(Lang::Zh),
            self.reason_in(Lang::En)
        )
    }

    /// The reason in one language.
    pub fn reason_in(&self, lang: Lang) -> String {
        match self {
            Refusal::ReadOnly => lang
                .pick("这份文档对你只读。", "this document is read-only to you")
                .to_owned(),
            Refusal::Malformed => lang
                .pick("修改的数据无法读取。", "the change could not be read")
                .to_owned(),
            Refusal::TooLarge => lang
                .pick(
                    "这批修改太大，服务器不能接收。",
                    "these changes are too large for the server to take",
                )
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
        }
    }
}

/// What the door made of one message's changes for one document: the changes it admitted
/// (now in `view`), the new actor ids they bring (to bind to the writer), and the changes
/// it refused with the first reason. A refusal is for this document and these changes
/// alone: the connection stays open and everything else keeps syncing. Changes whose
/// dependencies have not arrived are neither: automerge keeps them aside until their
/// parents come, so they are judged in a later round, never refused for arriving early.
#[derive(Debug, Default)]
pub struct Judged {
    pub changes: Vec<Change>,
    pub new_actors: Vec<ActorId>,
    pub refused: Vec<ChangeHash>,
    pub reason: Option<Refusal>,
    /// Changes not taken and not named: another member's (their actor is bound to them),
    /// which an honest device may relay, and what depends on them. Naming them would make
    /// the relaying device set aside its neighbour's work; they wait for their author.
    pub dropped: Vec<ChangeHash>,
    /// Chunks whose changes wait for parents the message lacked, to be judged again with
    /// the sender's next message: automerge keeps such changes in its queue, but the door
    /// judged them on a fork it throws away.
    pub waiting: Vec<Vec<u8>>,
    /// The parents they wait for, which the server must ask the sender for. The sender's
    /// automerge skipped them because the server's Bloom filter seemed to hold them (one
    /// change in a hundred or so); samod, never shown the children, cannot ask, and
    /// without the asking both sides repeat themselves forever.
    pub missing: Vec<ChangeHash>,
}

impl PartialEq for Judged {
    fn eq(&self, other: &Self) -> bool {
        let hashes = |a: &Judged| a.changes.iter().map(Change::hash).collect::<Vec<_>>();
        hashes(self) == hashes(other)
            && self.new_actors == other.new_actors
            && self.refused == other.refused
            && self.reason == other.reason
            && self.dropped == other.dropped
            && self.waiting == other.waiting
            && self.missing == other.missing
    }
}

impl Judged {
    fn refuse(&mut self, hash: ChangeHash, why: Refusal, seen: &mut HashSet<ChangeHash>) {
        if seen.insert(hash) {
            self.refused.push(hash);
        }
        self.reason.get_or_insert(why);
    }

    fn drop_unnamed(&mut self, hash: ChangeHash, seen: &mut HashSet<ChangeHash>) {
        if seen.insert(hash) {
            self.dropped.push(hash);
        }
    }
}

/// Rounds of judging again without what was refused: a rule may look at what else the
/// document holds, so a change can fail once its neighbour is gone. Bounded, so a message
/// built to fail one change per round costs a few rounds, not one per change.
const MAX_ROUNDS: usize = 4;

/// Chunks judged in one round. Judging costs a fork's worth of work per change (about a
/// tenth of a millisecond), and an 8 MiB frame holds a hundred thousand small changes:
/// past this many, the rest are asked for again (see [`admit`]), a round at a time.
pub const MAX_CHANGES: usize = 5_000;

/// Judges the changes of one incoming sync message for one document. `view` is the
/// server's document (or a fork of it) and receives the admitted changes. `bound` says
/// which member an actor id is already bound to. `Err` only when the bytes cannot be read
/// at all.
///
/// A message of more than [`MAX_CHANGES`] chunks (an honest device catching up after a
/// long time offline may send tens of thousands), or more than [`ops::MAX_OPS`]
/// operations or [`inflate::MAX_INFLATED`] bytes inflated, is judged a round at a time:
/// the rest are neither admitted nor refused but listed in `missing`, so the server asks
/// the sender for them again and judges them in a later round. A single chunk past a
/// budget is refused as too large.
pub fn admit(
    view: &mut Automerge,
    chunks: &[&[u8]],
    writer: &Writer,
    scope: &Scope,
    granted: Access,
    bound: impl Fn(&ActorId) -> Option<MemberId>,
) -> Result<Judged, Refusal> {
    let (now, later) = chunks.split_at(round_of(chunks)?);
    let mut judged = admit_round(view, now, writer, scope, granted, bound)?;
    if granted == Access::Write && !later.is_empty() {
        let mut asked: HashSet<ChangeHash> = judged.missing.iter().copied().collect();
        for chunk in later {
            // A chunk that is no single change (a document, a bundle) cannot be named by
            // one hash; an honest sender puts those first, as automerge does.
            if let Ok(c) = Change::from_bytes(chunk.to_vec()) {
                if view.get_change_meta_by_hash(&c.hash()).is_none() && asked.insert(c.hash()) {
                    judged.missing.push(c.hash());
                }
            }
        }
    }
    Ok(judged)
}

/// How many of `chunks`, from the first, one round judges: at most [`MAX_CHANGES`], within
/// both budgets; a chunk that alone passes a budget refuses the message. Each chunk's size
/// is measured before its operations are counted, and a chunk is measured against the
/// whole budgets at most once more, so the work is at most twice the budgets' worth.
fn round_of(chunks: &[&[u8]]) -> Result<usize, Refusal> {
    let (mut bytes, mut ops) = (0, 0);
    for (i, chunk) in chunks.iter().take(MAX_CHANGES).enumerate() {
        match measure(chunk, inflate::MAX_INFLATED - bytes, ops::MAX_OPS - ops) {
            Ok((b, o)) => (bytes, ops) = (bytes + b, ops + o),
            Err(Inflation::TooLarge) if i > 0 => {
                return match measure(chunk, inflate::MAX_INFLATED, ops::MAX_OPS) {
                    Ok(_) => Ok(i),
                    Err(Inflation::TooLarge) => Err(Refusal::TooLarge),
                    Err(Inflation::Unreadable) => Err(Refusal::Malformed),
                };
            }
            Err(Inflation::TooLarge) => return Err(Refusal::TooLarge),
            Err(Inflation::Unreadable) => return Err(Refusal::Malformed),
        }
    }
    Ok(chunks.len().min(MAX_CHANGES))
}

/// A chunk's inflated size and operations, within the budgets.
fn measure(chunk: &[u8], bytes: u64, ops: u64) -> Result<(u64, u64), Inflation> {
    let b = inflate::inflated_size(chunk, bytes)?;
    Ok((b, ops::op_count(chunk, ops)?))
}

fn admit_round(
    view: &mut Automerge,
    chunks: &[&[u8]],
    writer: &Writer,
    scope: &Scope,
    granted: Access,
    bound: impl Fn(&ActorId) -> Option<MemberId>,
) -> Result<Judged, Refusal> {
    let mut judged = Judged::default();
    if chunks.iter().all(|c| c.is_empty()) {
        return Ok(judged);
    }
    let (fork, incoming) = decode(view, chunks)?;
    if granted == Access::Write {
        (judged.waiting, judged.missing) = waiting(&fork, chunks);
    }
    if incoming.is_empty() {
        return Ok(judged);
    }
    // Refused hashes, for lookups: a message may hold a hundred thousand changes.
    let mut seen: HashSet<ChangeHash> = HashSet::new();
    let genesis_actor = schema::genesis_actor();
    let genuine = |c: &Change| {
        *c.actor_id() == genesis_actor && scope.kind().is_some_and(|k| schema::is_genesis(k, c))
    };
    if granted != Access::Write {
        // Genesis is no one's write: never named as refused, or the device would take it
        // out of its own copy.
        for c in incoming.iter().filter(|c| !genuine(c)) {
            judged.refuse(c.hash(), Refusal::ReadOnly, &mut seen);
        }
        return Ok(judged);
    }

    for c in &incoming {
        let actor = c.actor_id();
        if *actor == genesis_actor {
            if !genuine(c) {
                judged.refuse(c.hash(), Refusal::FalseGenesis, &mut seen);
            }
            continue;
        }
        if bound(actor).is_some_and(|m| m != writer.member) {
            judged.drop_unnamed(c.hash(), &mut seen);
        }
    }

    // Judge on a fork: `view` only ever receives admitted changes. A change that depends
    // on a refused one goes with it; the rest are judged again without the refused ones.
    // The first round reuses the fork the message was read into: most messages refuse
    // nothing.
    let mut fork = Some(fork);
    for round in 0.. {
        refuse_dependents(&incoming, &mut judged, &mut seen);
        let admitted: Vec<Change> = incoming
            .iter()
            .filter(|c| !seen.contains(&c.hash()))
            .cloned()
            .collect();
        if round == MAX_ROUNDS {
            // Still failing after a few rounds: nothing more of this message is taken.
            let why = judged.reason.clone().unwrap_or(Refusal::Malformed);
            for c in admitted.iter().filter(|c| !genuine(c)) {
                judged.refuse(c.hash(), why.clone(), &mut seen);
            }
            let kept: Vec<Change> = admitted.into_iter().filter(|c| genuine(c)).collect();
            view.apply_changes(kept.iter().cloned())
                .map_err(|_| Refusal::Malformed)?;
            judged.changes = kept;
            break;
        }
        // The fork the message was read into holds everything it carried: reused only if
        // nothing was refused or dropped, or a dropped change would still shape the
        // judgement of the rest (a forged author making a neighbour's edit look like theirs).
        let fork = match fork.take() {
            Some(f) if seen.is_empty() => f,
            _ => {
                let mut f = view.fork();
                f.apply_changes(admitted.iter().cloned())
                    .map_err(|_| Refusal::Malformed)?;
                f
            }
        };
        let before = judged.refused.len();
        if let Some(kind) = scope.kind() {
            let ctx = scope.context();
            for c in admitted.iter().filter(|c| *c.actor_id() != genesis_actor) {
                let verdict = match access::rules(kind) {
                    Some(rules) => rules
                        .check_change(&fork, c, writer, &ctx)
                        .map_err(Refusal::Rule),
                    None => Err(Refusal::Rule(LinliError::Forbidden {
                        path: kind.as_str().to_owned(),
                    })),
                };
                if let Err(why) = verdict {
                    judged.refuse(c.hash(), why, &mut seen);
                }
            }
        }
        if judged.refused.len() == before {
            view.apply_changes(admitted.iter().cloned())
                .map_err(|_| Refusal::Malformed)?;
            judged.changes = admitted;
            break;
        }
    }
    let mut new_actors: Vec<ActorId> = Vec::new();
    for c in &judged.changes {
        let actor = c.actor_id();
        if *actor != genesis_actor && bound(actor).is_none() && !new_actors.contains(actor) {
            new_actors.push(actor.clone());
        }
    }
    judged.new_actors = new_actors;
    Ok(judged)
}

/// The changes of a message that `view` lacks and can place now, read exactly as
/// automerge's own `receive_sync_message` reads them: the chunks joined and loaded
/// incrementally, so single changes, compressed changes, bundles of several changes and
/// whole documents all arrive, and a change whose parents are missing waits in the fork's
/// queue instead of failing the message.
/// Returns the fork they were read into, with them.
fn decode(view: &Automerge, chunks: &[&[u8]]) -> Result<(Automerge, Vec<Change>), Refusal> {
    // Measured by `round_of` first: automerge inflates and loads without a limit.
    let joined = chunks.concat();
    let mut fork = view.fork();
    let before = view.get_heads();
    fork.load_incremental(&joined)
        .map_err(|_| Refusal::Malformed)?;
    let incoming = fork.get_changes(&before);
    Ok((fork, incoming))
}

/// The chunks that could not be placed on `fork` (read with [`decode`]) and the parents
/// they wait for; nothing when everything was placed. A chunk that is no single change (a
/// bundle, a whole document) is kept whole: loading it again skips what is already there.
fn waiting(fork: &Automerge, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Vec<ChangeHash>) {
    let missing = fork.get_missing_deps(&[]);
    if missing.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let placed = |chunk: &[u8]| {
        Change::from_bytes(chunk.to_vec())
            .is_ok_and(|c| fork.get_change_meta_by_hash(&c.hash()).is_some())
    };
    let held = chunks
        .iter()
        .filter(|c| !c.is_empty() && !placed(c))
        .map(|c| c.to_vec())
        .collect();
    (held, missing)
}

/// Adds to the refused every change that depends, directly or not, on a refused one, and
/// to the dropped what depends only on dropped ones (it waits, unnamed, like its parent).
/// One pass: `get_changes` lists parents before their children.
fn refuse_dependents(incoming: &[Change], judged: &mut Judged, seen: &mut HashSet<ChangeHash>) {
    if seen.is_empty() {
        return;
    }
    let mut dropped: HashSet<ChangeHash> = judged.dropped.iter().copied().collect();
    for c in incoming {
        if seen.contains(&c.hash()) {
            continue;
        }
        let named = c
            .deps()
            .iter()
            .any(|d| seen.contains(d) && !dropped.contains(d));
        if named {
            let why = judged.reason.clone().unwrap_or(Refusal::Malformed);
            judged.refuse(c.hash(), why, seen);
        } else if c.deps().iter().any(|d| dropped.contains(d)) {
            judged.drop_unnamed(c.hash(), seen);
            dropped.insert(c.hash());
        }
    }
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
    use automerge::{AutomergeError, ReadDoc, ROOT};

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
    ) -> Result<Judged, Refusal> {
        let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        admit(view, &chunks, w, scope, granted, |a| {
            bound
                .iter()
                .find(|(b, _)| b == a)
                .map(|(_, m)| MemberId::parse(m).unwrap())
        })
    }

    /// A change under a neighbour's bound actor is dropped; it must not decide the judgement
    /// of the sender's own changes in the same message either.
    #[test]
    fn a_dropped_change_never_shapes_the_judgement_of_the_rest() {
        use crate::help;
        let c = CommunityId::parse("huqian-2").unwrap();
        let scope = Scope::Community {
            community: c,
            kind: DocKind::HELP,
        };
        let victim = member("m_vic");
        let attacker = member("m_att");
        let mut doc = genesis(&DocKind::HELP);
        let draft = help::RequestDraft {
            category: help::Category::Errand,
            title: "帮忙取药".into(),
            details: String::new(),
            urgency: help::Urgency::Normal,
            place: "3 幢".into(),
            needed_by: None,
            expires_in_days: None,
        };
        help::post_request(&mut doc, &victim, Millis(1), "r1", &draft).unwrap();
        let victim_actor = doc.get_actor().clone();
        let mut server = doc.fork();
        let before = doc.get_heads();
        let record = |d: &Automerge| {
            let requests = crate::read::map_at(d, &ROOT, "requests").unwrap();
            crate::read::map_at(d, &requests, "r1").unwrap()
        };
        // D, under the victim's actor: the author becomes the attacker.
        let mut forged = doc.fork();
        forged.set_actor(victim_actor.clone());
        let r = record(&forged);
        forged
            .transact::<_, _, AutomergeError>(|tx| {
                tx.put(&r, "author", "m_att")?;
                Ok(())
            })
            .unwrap();
        // E, the attacker's own and concurrent with D: an edit only the author may make.
        let mut own = doc.fork();
        own.set_actor(ActorId::random());
        let r = record(&own);
        own.transact::<_, _, AutomergeError>(|tx| {
            tx.put(&r, "title", "被改了")?;
            Ok(())
        })
        .unwrap();
        let mut both = forged.get_changes(&before);
        both.extend(own.get_changes(&before));
        let out = run(
            &mut server,
            &raw(&both),
            &attacker,
            &scope,
            Access::Write,
            &[(victim_actor, "m_vic")],
        )
        .unwrap();
        assert!(out.changes.is_empty(), "{:?}", out.changes);
        assert_eq!(out.dropped.len(), 1);
        assert_eq!(
            out.refused.len(),
            1,
            "the attacker's own edit is refused by name"
        );
        assert_eq!(help::read_request(&server, "r1").unwrap().title, "帮忙取药");
    }

    /// The member's app: genesis plus an honest command.
    fn honest(w: &Writer, scope: &Scope) -> Automerge {
        let mut doc = genesis(&DocKind::PROFILE);
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
        assert_eq!(again, Ok(Judged::default()));
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
        let out = run(&mut fresh, &[doc.save()], &w, &scope, Access::Write, &[]).unwrap();
        assert!(matches!(
            out.reason,
            Some(Refusal::Rule(LinliError::Forbidden { .. }))
        ));
        assert_eq!(out.refused, doc.get_heads());
        // The honest part of the document is still admitted; the forgery is not.
        assert_eq!(out.changes.len(), 2);
        assert_ne!(fresh.get_heads(), doc.get_heads());
    }

    #[test]
    fn a_broken_rule_refuses_that_change_and_changes_nothing() {
        let w = member("r2");
        let scope = profile_of("r1");
        // r2's app writes into r1's profile, bypassing the command's check.
        let mut doc = genesis(&DocKind::PROFILE);
        let fields = crate::read::map_at(&doc, &ROOT, "fields").unwrap();
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(&fields, "about", "hacked")?;
            Ok(())
        })
        .unwrap();
        let mut server = genesis(&DocKind::PROFILE);
        let before = server.get_heads();
        let out = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[],
        )
        .unwrap();
        assert_eq!(
            out.reason,
            Some(Refusal::Rule(LinliError::Forbidden {
                path: "fields/about".into()
            }))
        );
        assert_eq!(out.refused, doc.get_heads());
        assert!(out.changes.is_empty());
        assert_eq!(server.get_heads(), before);
    }

    #[test]
    fn read_only_documents_take_no_changes() {
        let w = member("r2");
        let scope = profile_of("r1");
        let doc = honest(&member("r1"), &scope);
        let mut server = Automerge::new();
        let out = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Read,
            &[],
        )
        .unwrap();
        assert_eq!(out.reason, Some(Refusal::ReadOnly));
        assert_eq!(out.refused.len(), 1, "genesis is no write: never named");
        assert!(server.get_heads().is_empty());
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
        assert_eq!(echo, Ok(Judged::default()));
    }

    #[test]
    fn another_members_changes_are_dropped_unnamed_with_what_builds_on_them() {
        let w = member("r1");
        let scope = profile_of("r1");
        let mut doc = honest(&w, &scope);
        let actor = doc.get_actor().clone();
        let relayed: Vec<ChangeHash> = doc
            .get_changes(&[])
            .iter()
            .skip(1)
            .map(|c| c.hash())
            .collect();
        // The sender's own edit on top of the relayed one, under its own actor.
        doc.set_actor(ActorId::random());
        profile::set_about(&mut doc, &w, &scope.context(), Millis(9), "再写一句").unwrap();
        let on_top = doc.get_heads()[0];
        let mut server = Automerge::new();
        let out = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[(actor.clone(), "r9")],
        )
        .unwrap();
        // Nothing is named (the sender would set its neighbour's work aside), nothing of it
        // is taken, and genesis, no one's, passes.
        assert_eq!(out.reason, None);
        assert!(out.refused.is_empty());
        let mut dropped = relayed.clone();
        dropped.push(on_top);
        assert_eq!(out.dropped, dropped);
        assert_eq!(out.changes.len(), 1);
        let ok = run(
            &mut server,
            &raw(&doc.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[(actor, "r1")],
        )
        .unwrap();
        assert!(ok.dropped.is_empty() && ok.refused.is_empty());
        assert_eq!(ok.changes.len(), 2);
    }

    #[test]
    fn a_false_genesis_is_refused() {
        let w = member("r1");
        let scope = profile_of("r1");
        // The genesis of another kind, under this profile's id.
        let other = genesis(&DocKind::STAFF);
        let mut server = Automerge::new();
        let out = run(
            &mut server,
            &raw(&other.get_changes(&[])),
            &w,
            &scope,
            Access::Write,
            &[],
        )
        .unwrap();
        assert_eq!(out.reason, Some(Refusal::FalseGenesis));
        assert!(out.changes.is_empty());
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
        assert!(out.refused.is_empty(), "early is not refused");
        assert!(server.get_heads().is_empty());
        // Next round, with the parent: both pass.
        let out = run(&mut server, &raw(&changes), &w, &scope, Access::Write, &[]).unwrap();
        assert_eq!(out.changes.len(), 2);
        // Bytes that are no change are unreadable (automerge would skip them, after reading
        // whatever chunks came first): nothing is taken.
        let heads = server.get_heads();
        let out = run(
            &mut server,
            &[vec![1, 2, 3]],
            &w,
            &scope,
            Access::Write,
            &[],
        );
        assert_eq!(out.err(), Some(Refusal::Malformed));
        assert_eq!(server.get_heads(), heads);
        // Into an empty document they cannot even load.
        let err = run(
            &mut Automerge::new(),
            &[vec![1, 2, 3]],
            &w,
            &scope,
            Access::Write,
            &[],
        );
        assert_eq!(err.err(), Some(Refusal::Malformed));
    }

    /// Three more honest edits after what the server already holds.
    fn three_more(w: &Writer, scope: &Scope, doc: &mut Automerge) -> Vec<ChangeHash> {
        let before = doc.get_heads();
        for (i, about) in ["一", "二", "三"].into_iter().enumerate() {
            profile::set_about(doc, w, &scope.context(), Millis(2 + i as i64), about).unwrap();
        }
        doc.get_changes(&before).iter().map(Change::hash).collect()
    }

    #[test]
    fn a_bundle_of_changes_is_read_as_automerge_reads_it() {
        // automerge 3 in JavaScript sends what a peer lacks as one bundle chunk; its first
        // change builds on what the server already holds.
        let w = member("r1");
        let scope = profile_of("r1");
        let mut doc = honest(&w, &scope);
        let mut server = doc.fork();
        let new = three_more(&w, &scope, &mut doc);
        let bundle = doc.bundle(new.clone()).unwrap().bytes().to_vec();
        let out = run(&mut server, &[bundle], &w, &scope, Access::Write, &[]).unwrap();
        assert_eq!(out.reason, None);
        assert_eq!(
            out.changes.iter().map(Change::hash).collect::<Vec<_>>(),
            new
        );
        assert_eq!(server.get_heads(), doc.get_heads());
    }

    #[test]
    fn changes_sent_before_their_parents_wait_and_are_not_refused() {
        let w = member("r1");
        let scope = profile_of("r1");
        let mut doc = honest(&w, &scope);
        let mut server = doc.fork();
        let new = three_more(&w, &scope, &mut doc);
        // The last two arrive first (the first seemed to be in the server's Bloom filter):
        // neither refused nor applied, kept for the next message, and their parent asked for.
        let later = doc.bundle(new[1..].to_vec()).unwrap().bytes().to_vec();
        let out = run(
            &mut server,
            std::slice::from_ref(&later),
            &w,
            &scope,
            Access::Write,
            &[],
        )
        .unwrap();
        assert!(out.changes.is_empty() && out.refused.is_empty(), "{out:?}");
        assert_eq!(out.waiting, std::slice::from_ref(&later));
        assert_eq!(out.missing, [new[0]]);
        // Then the first alone, as automerge sends what was asked for, with what waited:
        // all three pass and nothing waits any more.
        let first = doc
            .get_change_by_hash(&new[0])
            .unwrap()
            .raw_bytes()
            .to_vec();
        let mut next = out.waiting;
        next.push(first);
        let out = run(&mut server, &next, &w, &scope, Access::Write, &[]).unwrap();
        assert_eq!(out.changes.len(), 3);
        assert!(out.waiting.is_empty() && out.missing.is_empty());
        assert_eq!(server.get_heads(), doc.get_heads());
    }

    #[test]
    fn a_refused_change_takes_its_dependents_and_nothing_else() {
        let w = member("r1");
        let scope = profile_of("r1");
        let mut doc = honest(&w, &scope);
        let mut server = doc.fork();
        let before = doc.get_heads();
        let fine = three_more(&w, &scope, &mut doc)[0];
        // A forged root key after honest edits, and honest edits on top of the forgery.
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, "owner", "r1")?;
            Ok(())
        })
        .unwrap();
        let forged = doc.get_heads()[0];
        let after = three_more(&w, &scope, &mut doc);
        let chunks = raw(&doc.get_changes(&before));
        let out = run(&mut server, &chunks, &w, &scope, Access::Write, &[]).unwrap();
        assert!(matches!(out.reason, Some(Refusal::Rule(_))), "{out:?}");
        assert!(out.refused.contains(&forged));
        for h in &after {
            assert!(out.refused.contains(h), "a dependent of the forgery passed");
        }
        // The edits that did not build on the forgery are in.
        assert!(server.get_change_by_hash(&fine).is_some());
        assert!(server.get_change_by_hash(&forged).is_none());
    }

    #[test]
    fn a_long_chain_on_a_refused_change_is_refused_whole() {
        // A message built to make the door work hard: one forgery, then thousands of
        // changes on top of it. Each is refused with it, found in one pass.
        let w = member("r1");
        let scope = profile_of("r1");
        let mut doc = honest(&w, &scope);
        let mut server = doc.fork();
        let before = doc.get_heads();
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, "owner", "r1")?;
            Ok(())
        })
        .unwrap();
        for i in 0..3000 {
            let about = format!("x{i}");
            profile::set_about(&mut doc, &w, &scope.context(), Millis(10 + i), &about).unwrap();
        }
        let chunks = raw(&doc.get_changes(&before));
        let out = run(&mut server, &chunks, &w, &scope, Access::Write, &[]).unwrap();
        assert_eq!(out.refused.len(), 3001);
        assert!(out.changes.is_empty());
        assert_eq!(server.get_heads(), before);
    }

    #[test]
    fn reasons_are_given_in_both_languages() {
        let r = Refusal::ReadOnly.reason();
        assert!(r.contains("只读") && r.contains("read-only"), "{r}");
    }
}

#[cfg(test)]
mod bounds {
    use super::*;
    use crate::access::member_docs;
    use crate::doc::Writer;
    use crate::profile;
    use crate::schema::{genesis, DocKind};
    use crate::{CommunityId, Millis, Role};

    /// `n` honest profile edits by one member, each its own change.
    fn edits(n: usize) -> (Writer, Scope, Vec<Vec<u8>>) {
        let w = Writer {
            member: MemberId::parse("r1").unwrap(),
            role: Role::Resident,
        };
        let c = CommunityId::parse("huqian-2").unwrap();
        let scope = member_docs(&c, &w.member).remove(0).1;
        let mut doc = genesis(&DocKind::PROFILE);
        for i in 0..n {
            profile::set_about(
                &mut doc,
                &w,
                &scope.context(),
                Millis(i as i64),
                &format!("{i}"),
            )
            .unwrap();
        }
        let chunks = doc
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        (w, scope, chunks)
    }

    /// What a device sends after a long time offline: more changes than one round judges.
    /// Each round admits its share and asks for the rest; nothing is refused or lost.
    #[test]
    fn a_message_of_more_changes_than_a_round_is_judged_over_rounds() {
        let n = MAX_CHANGES * 2 + 100;
        let (w, scope, chunks) = edits(n);
        let mut server = Automerge::new();
        let mut sent: Vec<Vec<u8>> = chunks.clone();
        let mut rounds = 0;
        loop {
            rounds += 1;
            let refs: Vec<&[u8]> = sent.iter().map(Vec::as_slice).collect();
            let out = admit(&mut server, &refs, &w, &scope, Access::Write, |_| None).unwrap();
            assert!(
                out.refused.is_empty() && out.reason.is_none(),
                "{:?}",
                out.reason
            );
            assert!(out.changes.len() <= MAX_CHANGES);
            if out.missing.is_empty() {
                break;
            }
            // The sender answers the server's `need` with exactly those changes.
            let asked: HashSet<ChangeHash> = out.missing.iter().copied().collect();
            sent = chunks
                .iter()
                .filter(|c| asked.contains(&Change::from_bytes(c.to_vec()).unwrap().hash()))
                .cloned()
                .collect();
            assert_eq!(sent.len(), asked.len());
        }
        assert_eq!(rounds, 3);
        assert_eq!(
            server.get_changes(&[]).len(),
            n + 1,
            "genesis and every edit"
        );
    }

    fn refs<'a>(v: &[&'a Vec<u8>]) -> Vec<&'a [u8]> {
        v.iter().map(|c| c.as_slice()).collect()
    }

    /// A change of `n` operations: text inserted in one go.
    fn text_change(n: usize) -> Vec<u8> {
        use automerge::transaction::Transactable;
        let mut d = Automerge::new();
        let mut tx = d.transaction();
        let t = tx
            .put_object(automerge::ROOT, "t", automerge::ObjType::Text)
            .unwrap();
        tx.splice_text(&t, 0, 0, &"x".repeat(n - 1)).unwrap();
        tx.commit();
        d.get_changes(&[])[0].raw_bytes().to_vec()
    }

    #[test]
    fn a_round_holds_at_most_a_million_operations_and_a_chunk_past_that_is_refused() {
        let (_, _, small) = edits(2);
        let big = text_change(600_000);
        // Two big changes pass the budget together: the second waits for the next round.
        assert_eq!(round_of(&refs(&[&small[0], &big, &big])), Ok(2));
        assert_eq!(round_of(&refs(&[&small[0], &small[1]])), Ok(2));
        // One change past the budget on its own refuses the message, wherever it stands.
        let huge = text_change(ops::MAX_OPS as usize + 1);
        assert_eq!(round_of(&refs(&[&huge])), Err(Refusal::TooLarge));
        assert_eq!(round_of(&refs(&[&small[0], &huge])), Err(Refusal::TooLarge));
        let bomb = inflate::compressed_chunk(&vec![0; (inflate::MAX_INFLATED + 1) as usize]);
        assert_eq!(round_of(&refs(&[&small[0], &bomb])), Err(Refusal::TooLarge));
    }
}
