//! The pages behind the Me tab (the member's page, the neighbours' list, the sync page), as
//! the shell mounts them: not the first screen anyone sees, so a chunk of their own.

use crate::components::lazy::{lazy_page, Fetched, Render};
use crate::components::sync_page::SyncPage;
use crate::neighbours::NeighboursPage;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use std::cell::Cell;

#[component(transparent)]
pub fn MeRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/me") view=|| page(Page::Me)/>
        <Route path=path!("/neighbours") view=|| page(Page::Neighbours)/>
        <Route path=path!("/sync") view=|| page(Page::Sync)/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// The Me tab's pages, by name: the routes say which, the chunk renders it.
#[derive(Clone, Copy)]
enum Page {
    Me,
    Neighbours,
    Sync,
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

/// The split point: the code only these pages reach is the Me tab's chunk.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(me, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn pages() -> Fetched<Page> {
    Ok(render)
}

fn render(p: Page) -> AnyView {
    match p {
        Page::Me => view! { <super::MePage/> }.into_any(),
        Page::Neighbours => view! { <NeighboursPage/> }.into_any(),
        Page::Sync => view! { <SyncPage/> }.into_any(),
    }
}
