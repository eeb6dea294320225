//! Points' pages, as the shell mounts them.

use super::balance::PointsPage;
use super::board::BoardPage;
use super::desk::DeskPage;
use crate::components::lazy::lazy_pages;
use crate::i18n::Strings;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::DocKind;

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

lazy_pages!(points, warm warm, {
    Balance => view! { <PointsPage/> },
    Board => view! { <BoardPage/> },
    Desk => view! { <DeskPage/> },
});

/// Every page of points reads its document: opened while the chunk is fetched.
fn warm(_: Page) {
    super::warm();
}

/// What the sync page calls points' document.
pub fn doc_label(kind: &DocKind, t: &Strings) -> Option<&'static str> {
    (*kind == linli_core::points::KIND).then_some(t.doc_points)
}
