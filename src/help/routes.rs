//! Help's pages, as the shell mounts them. The list is the first screen a resident sees, so
//! it is in the shell; posting a request, a request's page and the reports come with help's
//! chunk, fetched when the first of them is opened.

use super::{HelpPage, NewRequestPage, ReportsPage, RequestPage};
use crate::components::lazy::{lazy_page, Fetched, Render};
use crate::i18n::Strings;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::DocKind;
use std::cell::Cell;

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

/// Help's pages past the list, by name: the routes say which, the chunk renders it.
#[derive(Clone, Copy)]
enum Page {
    New,
    Reports,
    Request,
}

thread_local! {
    static PAGES: Cell<Option<Render<Page>>> = const { Cell::new(None) };
}

fn page(p: Page) -> AnyView {
    lazy_page(p, &PAGES, fetch)
}

async fn fetch() -> Fetched<Page> {
    #[cfg(feature = "split")]
    return pages().await;
    #[cfg(not(feature = "split"))]
    return pages();
}

/// The split point: the code only these pages reach is help's chunk.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(help, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn pages() -> Fetched<Page> {
    Ok(render)
}

fn render(p: Page) -> AnyView {
    match p {
        Page::New => view! { <NewRequestPage/> }.into_any(),
        Page::Reports => view! { <ReportsPage/> }.into_any(),
        Page::Request => view! { <RequestPage/> }.into_any(),
    }
}

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
