//! Patrol (网格巡查): the grid worker's round, the department officer's queue, the staff's
//! dashboard, an escalation's page, and residents' reports. Every record is a core command
//! written to the device first; positions come from the browser and are never required.

mod case;
mod desk;
mod geo;
mod observe;
mod queue;
mod reports;
mod routes;
mod track;
mod worker;

pub use routes::{doc_label, PatrolRoutes};

use crate::session::{use_doc, use_session, DocState, OpenDoc};
use crate::settings::Member;
use leptos::prelude::*;
use linli_core::access::{directory_id, Reader};
use linli_core::directory::{self, Place};
use linli_core::{DocId, DocKind, Millis};
use std::collections::HashMap;

pub(crate) fn now() -> Millis {
    Millis(js_sys::Date::now() as i64)
}

/// The member, read once: the patrol pages are rebuilt when it changes.
pub(crate) fn member() -> Option<Member> {
    use_session().member.with_untracked(|m| m.clone())
}

/// What the patrol pages share: the directory, and the member's assignments as it lists
/// them.
#[derive(Clone, Copy)]
pub(crate) struct Dir {
    pub reader: Memo<Reader>,
    pub grids: Memo<Vec<Place>>,
    pub departments: Memo<Vec<Place>>,
}

pub(crate) fn use_dir(m: &Member) -> Dir {
    let doc = use_doc(directory_id(&m.community), DocKind::DIRECTORY);
    let (id, role, c) = (m.id.clone(), m.role.clone(), m.community.clone());
    let reader = Memo::new(move |_| {
        doc.read(|d| directory::reader_of(d, &id, &role, &c))
            .unwrap_or_else(|| Reader::new(id.clone(), role.clone(), c.clone()))
    });
    Dir {
        reader,
        grids: Memo::new(move |_| {
            doc.read(|d| directory::places(d, "grids"))
                .unwrap_or_default()
        }),
        departments: Memo::new(move |_| {
            doc.read(|d| directory::places(d, "departments"))
                .unwrap_or_default()
        }),
    }
}

/// A place's name, or its id if the directory does not list it.
pub(crate) fn name_of(places: &[Place], id: &str) -> String {
    places
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| id.to_owned(), |p| p.name.clone())
}

/// Opens documents as a list asks for them, each once, under the page's owner: a memo over
/// the list re-derives, the documents stay open.
#[derive(Clone, Copy)]
pub(crate) struct Opener {
    owner: StoredValue<Owner>,
    opened: StoredValue<HashMap<DocId, OpenDoc>>,
    kind: StoredValue<DocKind>,
}

impl Opener {
    pub fn new(kind: DocKind) -> Opener {
        Opener {
            owner: StoredValue::new(Owner::current().expect("called from a component")),
            opened: StoredValue::new(HashMap::new()),
            kind: StoredValue::new(kind),
        }
    }

    pub fn open(&self, id: DocId) -> OpenDoc {
        if let Some(d) = self.opened.with_value(|o| o.get(&id).copied()) {
            return d;
        }
        let kind = self.kind.get_value();
        let d = self.owner.with_value(|o| o.with(|| use_doc(id, kind)));
        self.opened.update_value(|o| {
            o.insert(id, d);
        });
        d
    }
}

/// What a page shows while its document is not ready: `None` once it is.
pub(crate) fn not_ready(state: DocState) -> Option<AnyView> {
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
