//! Help (邻里帮): the list, posting a request, a request's page with its actions, the
//! pair's private panel, and reports. Every action is a command in `linli_core::help`,
//! written to the device first and synced when it can be.

mod detail;
mod list;
mod new;
mod private;
pub mod reports;
mod routes;

pub use detail::RequestPage;
pub use list::HelpPage;
pub use new::NewRequestPage;
pub use reports::ReportsPage;
pub use routes::{doc_label, HelpRoutes};

use crate::session::{use_doc, use_session, OpenDoc};
use leptos::prelude::*;
use linli_core::{help, DocKind, Lang, MemberId, Millis};

/// The help documents this device shows: this month's and last month's.
pub(crate) fn use_help_docs() -> Memo<Vec<OpenDoc>> {
    let session = use_session();
    let community = Memo::new(move |_| {
        session
            .member
            .with(|m| m.as_ref().map(|m| m.community.clone()))
    });
    Memo::new(move |_| {
        let Some(c) = community.get() else {
            return Vec::new();
        };
        let now = Millis(js_sys::Date::now() as i64);
        help::recent_docs(&c, now)
            .into_iter()
            .map(|id| use_doc(id, DocKind::HELP))
            .collect()
    })
}

/// Member names as the community's directory lists them (ids until it has synced).
pub(crate) fn use_names() -> Memo<Vec<(MemberId, String)>> {
    let session = use_session();
    let dir = Memo::new(move |_| {
        session.member.with(|m| {
            m.as_ref().map(|m| {
                use_doc(
                    linli_core::access::directory_id(&m.community),
                    DocKind::DIRECTORY,
                )
            })
        })
    });
    Memo::new(move |_| {
        let mut names: Vec<(MemberId, String)> = dir
            .get()
            .and_then(|d| d.read(linli_core::directory::members))
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        if let Some(me) = session.member.get() {
            names.push((me.id, me.display_name));
        }
        names
    })
}

pub(crate) fn name_of(names: &[(MemberId, String)], id: &MemberId) -> String {
    names
        .iter()
        .find(|(m, _)| m == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| id.as_str().to_owned())
}

/// A date and time in the city's time, as the list and the pages show them.
pub(crate) fn when(at: Millis, lang: Lang) -> String {
    crate::components::when::when(at, lang, false)
}

/// Changes of these documents not yet on the server (0 in the sandbox).
pub(crate) fn waiting(docs: &[OpenDoc]) -> usize {
    let Some(m) = crate::store::sync::get() else {
        return 0;
    };
    docs.iter().map(|d| m.waiting_in(&d.id)).sum()
}
