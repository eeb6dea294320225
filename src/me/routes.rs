//! The pages behind the Me tab (the member's page, the neighbours' list, the sync page), as
//! the shell mounts them: not the first screen anyone sees, so a chunk of their own.

use crate::components::lazy::lazy_pages;
use crate::components::sync_page::SyncPage;
use crate::neighbours::NeighboursPage;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;

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

lazy_pages!(me, {
    Me => view! { <super::MePage/> },
    Neighbours => view! { <NeighboursPage/> },
    Sync => view! { <SyncPage/> },
});
