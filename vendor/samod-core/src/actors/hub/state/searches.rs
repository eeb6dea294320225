use std::collections::{HashMap, HashSet};

use crate::{
    DialerId, DocSearchPhase, DocumentActorId,
    actors::hub::{
        dialer::{DialerState, DialerStatus},
        state::ActorInfo,
    },
};

pub(super) struct Searches {
    pub(super) phases: HashMap<DocumentActorId, DocSearchPhase>,
    pub(super) last_dialers: HashMap<DialerId, DialerStatus>,
    /// Actors added or whose phase was set since the last pop. Comparing every actor after
    /// every hub event made loading many documents quadratic.
    changed: HashSet<DocumentActorId>,
}

impl Searches {
    pub(super) fn new() -> Self {
        Self {
            phases: HashMap::new(),
            last_dialers: HashMap::new(),
            changed: HashSet::new(),
        }
    }

    /// The actor's phase may differ from the last one reported.
    pub(super) fn mark(&mut self, actor: DocumentActorId) {
        self.changed.insert(actor);
    }

    pub(super) fn forget(&mut self, actor: &DocumentActorId) {
        self.phases.remove(actor);
        self.changed.remove(actor);
    }

    pub(super) fn add_search(&mut self, actor: DocumentActorId, phase: DocSearchPhase) {
        self.phases.insert(actor, phase);
    }

    pub(super) fn pop_state_updates(
        &mut self,
        actors: &HashMap<DocumentActorId, ActorInfo>,
        dialers: &HashMap<DialerId, DialerState>,
    ) -> HashMap<DocumentActorId, DocSearchPhase> {
        let new_dialer_state = dialers
            .iter()
            .map(|(dialer_id, state)| (*dialer_id, state.status.clone()))
            .collect::<HashMap<DialerId, DialerStatus>>();
        let dialers_changed = self.last_dialers != new_dialer_state;
        self.last_dialers = new_dialer_state;

        // A dialer's change concerns every search; otherwise only the marked ones can differ.
        let candidates: Vec<DocumentActorId> = if dialers_changed {
            self.changed.clear();
            actors.keys().copied().collect()
        } else {
            self.changed.drain().collect()
        };
        let mut result = HashMap::new();
        for actor_id in &candidates {
            let Some(actor) = actors.get(actor_id) else {
                continue;
            };
            let last_phase = self.phases.get(actor_id);
            if last_phase != Some(&actor.search_phase) || dialers_changed {
                result.insert(*actor_id, actor.search_phase.clone());
            }
            self.phases.insert(*actor_id, actor.search_phase.clone());
        }
        result
    }
}
