//! Deliberation (社区议事): the community's proposals, a proposal's page (discussion,
//! supports, the ballot, results, staff's window and outcome), and a new proposal. Every
//! action is a command in `linli_core::deliberation`, written to the device first and
//! synced when it can be.

mod ballot;
mod detail;
mod discussion;
mod list;
mod new;
mod results;
mod routes;
mod settings;
mod staff;

pub use routes::{doc_label, DeliberationRoutes};

use crate::session::{use_doc, use_session, DocState, OpenDoc};
use crate::store::Store;
use leptos::prelude::*;
use linli_core::deliberation::{self, index, list::Community};
use linli_core::{CommunityId, DocId, DocKind};
use std::collections::HashMap;
use std::rc::Rc;

fn use_community() -> Memo<Option<CommunityId>> {
    let session = use_session();
    Memo::new(move |_| {
        session
            .member
            .with(|m| m.as_ref().map(|m| m.community.clone()))
    })
}

/// The community's index of proposals, open while the page is.
fn use_index() -> Memo<Option<OpenDoc>> {
    let community = use_community();
    Memo::new(move |_| {
        community
            .get()
            .map(|c| use_doc(deliberation::index_id(&c), index::INDEX))
    })
}

/// The `limit` most recent proposals the index lists (newest first), each opened once, and
/// how many it lists in all: a year's 300 proposals are not all read to show the first
/// screen.
pub(crate) fn use_recent_proposals(
    limit: Signal<usize>,
) -> (Memo<Vec<(String, OpenDoc)>>, Memo<usize>) {
    use_listed_proposals(move |n, _| n < limit.get())
}

/// The listed proposals `pick` keeps (given each one's place, newest first, and its
/// document id; it may read signals), each opened once, and how many the index lists.
pub(crate) fn use_listed_proposals(
    pick: impl Fn(usize, &DocId) -> bool + Send + Sync + 'static,
) -> (Memo<Vec<(String, OpenDoc)>>, Memo<usize>) {
    let community = use_community();
    let index = use_index();
    let owner = Owner::current().expect("called from a component");
    let opened = StoredValue::new(HashMap::<DocId, OpenDoc>::new());
    let listed = Memo::new(move |_| {
        let Some(index) = index.get() else {
            return Vec::new();
        };
        let mut listed = index.read(index::listed).unwrap_or_default();
        newest_first(&mut listed);
        listed
    });
    let total = Memo::new(move |_| listed.with(Vec::len));
    let docs = Memo::new(move |_| {
        let Some(c) = community.get() else {
            return Vec::new();
        };
        listed.with(|listed| {
            listed
                .iter()
                .enumerate()
                .map(|(n, l)| (n, l, deliberation::doc_id(&c, &l.id)))
                .filter(|(n, _, id)| pick(*n, id))
                .map(|(_, l, id)| {
                    let doc = opened
                        .with_value(|o| o.get(&id).copied())
                        .unwrap_or_else(|| {
                            let d = owner.with(|| use_doc(id, deliberation::KIND));
                            opened.update_value(|o| {
                                o.insert(id, d);
                            });
                            d
                        });
                    (l.id.clone(), doc)
                })
                .collect()
        })
    });
    (docs, total)
}

/// The order the list shows proposals in: newest first.
fn newest_first(listed: &mut [index::Listed]) {
    linli_core::sort::by(listed, |a, b| {
        b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))
    });
}

/// Opens the index and the proposals of the list's first page while deliberation's chunk
/// is fetched, so the first screen finds them read instead of starting to read once it
/// renders (the store has the page's own opens wait for these).
pub(super) fn warm_list() {
    crate::session::warm(|store, c| {
        Box::pin(async move {
            open_index(store.clone(), c.clone()).await;
            let Some(mut listed) = store.read(&deliberation::index_id(&c), index::listed) else {
                return;
            };
            newest_first(&mut listed);
            for l in listed.into_iter().take(list::PAGE) {
                let store = store.clone();
                let id = deliberation::doc_id(&c, &l.id);
                leptos::task::spawn_local(async move {
                    let _ = store.open_doc(id, deliberation::KIND).await;
                });
            }
        })
    });
}

/// Opens the community's index of proposals (points' pages read it too), as a warm-up:
/// should it fail, the page that reads it says so.
pub(crate) async fn open_index(store: Rc<Store>, c: CommunityId) {
    let _ = store
        .open_doc(deliberation::index_id(&c), index::INDEX)
        .await;
}

/// Whether any of `docs` is still being read from the device: lists derive once they are
/// all in, not again as each one arrives.
pub(crate) fn any_loading(docs: &[(String, OpenDoc)]) -> bool {
    docs.iter().any(|(_, d)| d.state.get() == DocState::Loading)
}

/// The community as the rules need it: its members now (from the directory) and the share
/// of them whose support readies a proposal (the community's setting, in its index).
fn use_town() -> Memo<Community> {
    let community = use_community();
    let index = use_index();
    let dir = Memo::new(move |_| {
        community
            .get()
            .map(|c| use_doc(linli_core::access::directory_id(&c), DocKind::DIRECTORY))
    });
    Memo::new(move |_| Community {
        members: dir
            .get()
            .and_then(|d| d.read(|doc| linli_core::directory::members(doc).len()))
            .unwrap_or(0)
            .max(1),
        support_pct: index
            .get()
            .and_then(|d| d.read(index::settings))
            .unwrap_or_default()
            .support_pct,
    })
}
