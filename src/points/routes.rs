//! Points' pages, as the shell mounts them.

use super::balance::PointsPage;
use super::board::BoardPage;
use super::desk::DeskPage;
use crate::components::lazy::{lazy_page, Fetched, Render};
use crate::i18n::Strings;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::DocKind;
use std::cell::Cell;

#[component(transparent)]
pub fn PointsRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/points") view=|| page(Page::Balance)/>
        <Route path=path!("/points/board") view=|| page(Page::Board)/>
        <Route path=path!("/points/desk") view=|| page(Page::Desk)/>
    }
    .into_inner()
    .into_any_nested_route()
}

/// Points's pages, by name: the routes say which, the chunk renders it.
#[derive(Clone, Copy)]
enum Page {
    Balance,
    Board,
    Desk,
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

/// The split point: the code only these pages reach is Points's chunk.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(points, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn pages() -> Fetched<Page> {
    Ok(render)
}

fn render(p: Page) -> AnyView {
    match p {
        Page::Balance => view! { <PointsPage/> }.into_any(),
        Page::Board => view! { <BoardPage/> }.into_any(),
        Page::Desk => view! { <DeskPage/> }.into_any(),
    }
}

/// What the sync page calls points' document.
pub fn doc_label(kind: &DocKind, t: &Strings) -> Option<&'static str> {
    (*kind == linli_core::points::KIND).then_some(t.doc_points)
}
