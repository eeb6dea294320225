//! Points (邻里积分): my balance, its chart and history, the month's leaderboard, and
//! staff's desk. The ledger is `linli_core::points`' fold of the documents this device
//! holds onto the server's latest certificate; staff's entries are core commands, written
//! to the device first and synced when they can be.

mod balance;
mod board;
mod chart;
mod desk;
mod history;
mod routes;

pub use routes::{doc_label, PointsRoutes};

use crate::session::{use_doc, use_session, DocState, OpenDoc};
use automerge::{Automerge, ChangeHash};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use linli_core::follow::Followed;
use linli_core::points::{self, Entry, Ledger, Opening, RateBook, StaffRecord};
use linli_core::{CommunityId, DocId};
use std::collections::HashMap;

/// What the points pages share: the community's points document, its latest certificate,
/// and the ledger folded onto it.
#[derive(Clone, Copy)]
pub(crate) struct Points {
    pub doc: OpenDoc,
    /// The latest certificate (an opening of nothing before the first).
    pub opening: Memo<Opening>,
    pub ledger: Memo<Ledger>,
    /// Every document the ledger folds is read: until then the ledger is not the balance.
    pub settled: Memo<bool>,
    /// Proposals by document id, for links from the history to the proposal's page.
    pub proposals: Memo<Vec<(String, OpenDoc)>>,
}

/// A document's facts as last read, kept until its heads or the certificate change: a
/// change to one document never reads the others again.
struct Kept {
    heads: Vec<ChangeHash>,
    through: String,
    facts: Vec<Entry>,
}

type Facts = fn(&str, &Automerge, &Opening) -> Vec<Entry>;

fn facts_of(
    kept: StoredValue<HashMap<DocId, Kept>>,
    d: &OpenDoc,
    opening: &Opening,
    read: Facts,
) -> Vec<Entry> {
    d.read(|doc| {
        let heads = doc.get_heads();
        let same = |k: &Kept| k.heads == heads && k.through == opening.through;
        if let Some(facts) =
            kept.with_value(|k| k.get(&d.id).filter(|k| same(k)).map(|k| k.facts.clone()))
        {
            return facts;
        }
        let facts = read(&d.id.to_string(), doc, opening);
        let through = opening.through.clone();
        let keep = Kept {
            heads,
            through,
            facts: facts.clone(),
        };
        kept.update_value(|k| {
            k.insert(d.id, keep);
        });
        facts
    })
    .unwrap_or_default()
}

/// Staff's entries beyond `opening`: the entries follow the points document, so after one
/// more only that one is read again.
fn staff_facts(
    follow: StoredValue<Option<Followed<StaffRecord>>>,
    d: &OpenDoc,
    opening: &Opening,
) -> Vec<Entry> {
    d.read(|doc| {
        follow.update_value(|f| match f {
            Some(f) => {
                f.update(doc);
            }
            None => *f = Some(points::follow_staff(doc)),
        });
        follow.with_value(|f| {
            f.as_ref().map_or_else(Vec::new, |f| {
                points::followed_staff_facts(&d.id.to_string(), doc, opening, f)
            })
        })
    })
    .unwrap_or_default()
}

/// Opens the points document, and deliberation's index its ledger reads, while points'
/// chunk is fetched, so the balance finds them read instead of starting once it renders.
pub(super) fn warm() {
    crate::session::warm(|store, c| {
        Box::pin(async move {
            let _ = store.open_doc(points::doc_id(&c), points::KIND).await;
        })
    });
    crate::session::warm(|store, c| Box::pin(crate::deliberation::open_index(store, c)));
}

pub(crate) fn use_points(community: &CommunityId) -> Points {
    let doc = use_doc(points::doc_id(community), points::KIND);
    let help = crate::help::use_help_docs();
    let opening = Memo::new(move |_| doc.read(points::opening).unwrap_or_default());
    let certified = Certified::load(community);
    // Only the proposals the opening may not hold, known once the points document is in:
    // a year's certified votes are not read.
    let proposals = crate::deliberation::use_listed_proposals(move |_, id| {
        doc.state.get() != DocState::Loading && opening.with(|o| !certified.held(o, id))
    })
    .0;
    let kept = StoredValue::new(HashMap::<DocId, Kept>::new());
    let staff = StoredValue::new(None);
    let settled = Memo::new(move |_| {
        doc.state.get() != DocState::Loading
            && help.with(|h| h.iter().all(|d| d.state.get() != DocState::Loading))
            && proposals.with(|p| !crate::deliberation::any_loading(p))
    });
    // Folded once every document is read, not again as each of a year's arrives.
    let ledger = Memo::new(move |previous: Option<&Ledger>| {
        if !settled.get() {
            return previous.cloned().unwrap_or_default();
        }
        let opening = opening.get();
        let mut all = Vec::new();
        for d in help.get() {
            all.extend(facts_of(kept, &d, &opening, points::help_facts));
        }
        for (_, d) in proposals.get() {
            all.extend(facts_of(kept, &d, &opening, points::proposal_facts));
        }
        certified.note(&opening, &proposals.get());
        all.extend(staff_facts(staff, &doc, &opening));
        let rates = doc
            .read(RateBook::of)
            .unwrap_or_else(|| RateBook::of(&Automerge::new()));
        points::fold_facts(&opening, &rates, all)
    });
    Points {
        doc,
        opening,
        ledger,
        settled,
        proposals,
    }
}

/// What a page shows while its points document is not ready: `None` once it is.
fn not_ready(state: DocState) -> Option<AnyView> {
    let i18n = crate::i18n::use_i18n();
    Some(match state {
        DocState::Ready => return None,
        DocState::Loading => view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any(),
        DocState::Failed(e) => {
            view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }
                .into_any()
        }
        DocState::WrongKind => {
            view! { <p class="error" role="alert">{move || i18n.t().wrong_kind}</p> }.into_any()
        }
    })
}

/// The member's community, read once: the points pages are rebuilt when it changes.
fn community() -> Option<CommunityId> {
    use_session()
        .member
        .with_untracked(|m| m.as_ref().map(|m| m.community.clone()))
}

/// The proposals whose every fact a certificate held when this device last read them,
/// with that certificate's month (kept in localStorage, by community): a certificate
/// through the same month or later holds them too, so the points pages skip them. Newer
/// certificates name such proposals themselves (`Opening::held`), so a phone skips them the
/// first time too; this keeps the ones older certificates do not name.
#[derive(Clone, Copy)]
struct Certified {
    key: StoredValue<String>,
    through: StoredValue<HashMap<String, String>>,
    /// Proposals found not held, by the heads and certificate month they were checked at:
    /// a recent proposal is not read again for each fold until one of those changes.
    checked: StoredValue<HashMap<String, (Vec<ChangeHash>, String)>>,
}

impl Certified {
    fn load(community: &CommunityId) -> Certified {
        let key = format!("linli.held_proposals.{}", community.as_str());
        let through = LocalStorage::get(&key).unwrap_or_default();
        Certified {
            key: StoredValue::new(key),
            through: StoredValue::new(through),
            checked: StoredValue::new(HashMap::new()),
        }
    }

    /// Whether the proposal need not be read: the certificate names it held, or this device
    /// found it held by one through a month `opening` reaches.
    fn held(&self, opening: &Opening, id: &DocId) -> bool {
        let id = id.to_string();
        self.through.with_value(|t| {
            let month = t.get(&id).map_or("", String::as_str);
            points::still_held(&id, month, opening)
        })
    }

    /// Keeps every read proposal that `opening` holds whole.
    fn note(&self, opening: &Opening, proposals: &[(String, OpenDoc)]) {
        let new: Vec<(String, String)> = proposals
            .iter()
            .filter_map(|(_, d)| {
                let id = d.id.to_string();
                if self.through.with_value(|t| t.contains_key(&id)) {
                    return None;
                }
                let heads = d.read(Automerge::get_heads)?;
                let now = (heads, opening.through.clone());
                if self.checked.with_value(|c| c.get(&id) == Some(&now)) {
                    return None;
                }
                if d.read(|doc| points::proposal_held(&id, doc, opening))? {
                    return Some((id, opening.through.clone()));
                }
                self.checked.update_value(|c| {
                    c.insert(id, now);
                });
                None
            })
            .collect();
        if new.is_empty() {
            return;
        }
        self.through.update_value(|t| t.extend(new));
        // A failed write only means these proposals are read again at the next start.
        let _ = self
            .through
            .with_value(|t| LocalStorage::set(self.key.get_value(), t));
    }
}
