//! The generic part: replicas, causal knowledge, random sync and merge orders.

use automerge::{Automerge, ReadDoc};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::fmt::Debug;

/// An accepted command, named by the replica that ran it and its place in the run.
pub type CmdId = usize;

/// What the oracle keeps of one accepted command: who ran it, what it was, and which other
/// accepted commands that replica had seen when it ran (its causal past).
#[derive(Clone, Debug)]
pub struct Accepted<C> {
    pub id: CmdId,
    pub replica: usize,
    pub cmd: C,
    pub saw: BTreeSet<CmdId>,
}

/// One module's part: how to run its commands and what must hold after the merge.
pub trait Model {
    type Cmd: Clone + Debug;
    /// What a command remembers once run (an id it generated, say), for the oracle.
    type Note: Clone + Debug;
    /// A view every replica must derive alike.
    type View: PartialEq + Debug;

    fn genesis() -> Automerge;
    fn command() -> BoxedStrategy<Self::Cmd>;
    /// Runs `cmd` on `replica`'s document. `Err` is a refusal; it must change nothing.
    fn run(
        doc: &mut Automerge,
        replica: usize,
        step: usize,
        cmd: &Self::Cmd,
    ) -> Result<Self::Note, String>;
    fn view(doc: &Automerge) -> Self::View;
    /// The server's door on one change that reached it (`Err` names the refusal). Every
    /// change an honest replica made must pass, whatever it was merged with first.
    fn judge(_server: &mut Automerge, _change: &automerge::Change) -> Result<(), String> {
        Ok(())
    }
    /// Panics, naming the broken rule, if the merged document lost an accepted intent.
    fn check_intent(doc: &Automerge, accepted: &[(Accepted<Self::Cmd>, Self::Note)]);
}

#[derive(Clone, Debug)]
pub enum Step<C> {
    Run {
        replica: usize,
        cmd: C,
    },
    /// `to` takes everything `from` has.
    Sync {
        from: usize,
        to: usize,
    },
}

pub fn scenario<M: Model>() -> impl Strategy<Value = (usize, Vec<Step<M::Cmd>>, Vec<usize>)> {
    (2usize..=5).prop_flat_map(|n| {
        let step = prop_oneof![
            3 => (0..n, M::command()).prop_map(|(replica, cmd)| Step::Run { replica, cmd }),
            1 => (0..n, 0..n).prop_map(|(from, to)| Step::Sync { from, to }),
        ];
        (
            Just(n),
            prop::collection::vec(step, 1..40),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        )
    })
}

/// Runs a scenario and checks convergence and intent.
pub fn check<M: Model>(n: usize, steps: Vec<Step<M::Cmd>>, merge_order: Vec<usize>) {
    let mut docs: Vec<Automerge> = (0..n)
        .map(|i| M::genesis().with_actor(automerge::ActorId::from(vec![i as u8 + 1; 16])))
        .collect();
    let mut knows: Vec<BTreeSet<CmdId>> = vec![BTreeSet::new(); n];
    let mut server = M::genesis();
    let mut accepted = Vec::new();

    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::Run { replica, cmd } => {
                let heads = docs[replica].get_heads();
                match M::run(&mut docs[replica], replica, i, &cmd) {
                    Ok(note) => {
                        let saw = knows[replica].clone();
                        knows[replica].insert(i);
                        accepted.push((
                            Accepted {
                                id: i,
                                replica,
                                cmd,
                                saw,
                            },
                            note,
                        ));
                    }
                    Err(why) => assert_eq!(
                        docs[replica].get_heads(),
                        heads,
                        "a refused command changed the document: {why}"
                    ),
                }
            }
            Step::Sync { from, to } if from != to => {
                // `from` is online: what it holds reaches the server through the door.
                upload::<M>(&mut server, &docs[from]);
                let mut src = docs[from].clone();
                docs[to].merge(&mut src).expect("merge");
                let learned = knows[from].clone();
                knows[to].extend(learned);
            }
            Step::Sync { .. } => {}
        }
    }

    // Fold every replica into the first of the order, in that order, then hand the result
    // back to each: the final state every device reaches once all are online.
    let first = merge_order[0];
    for &r in &merge_order[1..] {
        let mut other = docs[r].clone();
        docs[first].merge(&mut other).expect("merge");
    }
    for &r in &merge_order[1..] {
        let mut all = docs[first].clone();
        docs[r].merge(&mut all).expect("merge");
    }

    let heads = docs[0].get_heads();
    upload::<M>(&mut server, &docs[0]);
    assert_eq!(
        server.get_heads(),
        heads,
        "the server lacks changes it admitted"
    );
    let view = M::view(&docs[0]);
    for doc in &docs[1..] {
        assert_eq!(doc.get_heads(), heads, "replicas hold different changes");
        assert_eq!(M::view(doc), view, "replicas derive different views");
    }
    M::check_intent(&docs[0], &accepted);
}

/// Sends the server every change of `doc` it lacks, one at a time in causal order, each
/// judged by the module's door against what the server holds at that moment.
fn upload<M: Model>(server: &mut Automerge, doc: &Automerge) {
    for change in doc.get_changes(&[]) {
        if server.get_change_by_hash(&change.hash()).is_some() {
            continue;
        }
        if let Err(why) = M::judge(server, &change) {
            panic!("the door refused an honest change: {why}");
        }
        assert!(
            server.get_change_by_hash(&change.hash()).is_some(),
            "the door neither admitted nor refused a change"
        );
    }
}
