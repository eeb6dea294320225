//! Help's pages, as the shell mounts them. The list is the first screen a resident sees, so
//! it is in the shell; posting a request, a request's page and the reports come with help's
//! chunk, fetched when the first of them is opened.

use super::{HelpPage, NewRequestPage, ReportsPage, RequestPage};
use crate::components::lazy::lazy_pages;
use crate::i18n::Strings;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::DocKind;

#[component(transparent)]
pub fn HelpRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/help") view=HelpPage/>
        <Route path=path!("/help/new") view=|| page(Page::New)/>
        <Route path=path!("/help/reports") view=|| page(Page::Reports)/>
        <Route path=path!("/help/r/:doc/:id") view=|| page(Page::Request)/>
    }
    .into_inner()
    // One erased shape, whether or not the build erases view types.
    .into_any_nested_route()
}

lazy_pages!(help, {
    New => view! { <NewRequestPage/> },
    Reports => view! { <ReportsPage/> },
    Request => view! { <RequestPage/> },
});

/// What the sync page calls help's documents.
pub fn doc_label(kind: &DocKind, t: &Strings) -> Option<&'static str> {
    if *kind == DocKind::HELP {
        Some(t.tab_help)
    } else if *kind == DocKind::HELP_PRIVATE {
        Some(t.help_private)
    } else if *kind == DocKind::STAFF {
        Some(t.help_reports)
    } else {
        None
    }
}
