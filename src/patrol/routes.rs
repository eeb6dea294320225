//! Patrol's pages, as the shell mounts them: one page at `/patrol` that is the worker's
//! round, the officer's queue or the staff's dashboard by role.

use super::case::CasePage;
use super::desk::DeskPage;
use super::queue::QueuePage;
use super::reports::ReportsPage;
use super::worker::WorkerPage;
use crate::components::lazy::lazy_pages;
use crate::i18n::{use_i18n, Strings};
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::patrol::{DEPARTMENT, DESK, ESCALATION, PATROL, REPORTS};
use linli_core::{DocKind, Role};

#[component(transparent)]
pub fn PatrolRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/patrol") view=|| page(Page::Home)/>
        <Route path=path!("/patrol/case/:doc") view=|| page(Page::Case)/>
        <Route path=path!("/reports") view=|| page(Page::Reports)/>
    }
    .into_inner()
    .into_any_nested_route()
}

#[component]
fn PatrolHome() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let role = Memo::new(move |_| session.member.with(|m| m.as_ref().map(|m| m.role.clone())));
    move || match role.get() {
        Some(Role::GridWorker) => view! { <WorkerPage/> }.into_any(),
        Some(Role::Staff) => view! { <DeskPage/> }.into_any(),
        Some(Role::Officer) => view! { <QueuePage/> }.into_any(),
        _ => view! { <p class="empty" role="status">{move || i18n.t().patrol_not_for_role}</p> }
            .into_any(),
    }
}

lazy_pages!(patrol, {
    Home => view! { <PatrolHome/> },
    Case => view! { <CasePage/> },
    Reports => view! { <ReportsPage/> },
});

/// What the sync page calls patrol's documents.
pub fn doc_label(kind: &DocKind, t: &Strings) -> Option<&'static str> {
    let p = t.ptl;
    [
        (PATROL, p.doc_patrol),
        (ESCALATION, p.doc_escalation),
        (DEPARTMENT, p.doc_department),
        (DESK, p.doc_desk),
        (REPORTS, p.doc_reports),
    ]
    .into_iter()
    .find(|(k, _)| k == kind)
    .map(|(_, l)| l)
}
