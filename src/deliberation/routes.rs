//! Deliberation's pages, as the shell mounts them.

use super::detail::ProposalPage;
use super::list::ProposalsPage;
use super::new::NewProposalPage;
use crate::components::lazy::{lazy_page, Fetched, Render};
use crate::i18n::Strings;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::DocKind;
use std::cell::Cell;

#[component(transparent)]
pub fn DeliberationRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/deliberation") view=|| page(Page::List)/>
        <Route path=path!("/deliberation/new") view=|| page(Page::New)/>
        <Route path=path!("/deliberation/p/:id") view=|| page(Page::Proposal)/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// Deliberation's pages, by name: the routes say which, the chunk renders it.
#[derive(Clone, Copy)]
enum Page {
    List,
    New,
    Proposal,
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

/// The split point: the code only these pages reach is Deliberation's chunk.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(deliberation, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn pages() -> Fetched<Page> {
    Ok(render)
}

fn render(p: Page) -> AnyView {
    match p {
        Page::List => view! { <ProposalsPage/> }.into_any(),
        Page::New => view! { <NewProposalPage/> }.into_any(),
        Page::Proposal => view! { <ProposalPage/> }.into_any(),
    }
}

/// What the sync page calls deliberation's documents.
pub fn doc_label(kind: &DocKind, t: &Strings) -> Option<&'static str> {
    use linli_core::deliberation::{index::INDEX, KIND};
    if *kind == INDEX {
        Some(t.doc_proposals)
    } else if *kind == KIND {
        Some(t.doc_proposal)
    } else {
        None
    }
}
