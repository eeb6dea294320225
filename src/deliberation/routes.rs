//! Deliberation's pages, as the shell mounts them.

use super::detail::ProposalPage;
use super::list::ProposalsPage;
use super::new::NewProposalPage;
use crate::components::lazy::lazy_pages;
use crate::i18n::Strings;
use leptos::prelude::*;
use leptos_router::any_nested_route::IntoAnyNestedRoute;
use leptos_router::components::Route;
use leptos_router::path;
use linli_core::DocKind;

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

lazy_pages!(deliberation, warm warm, {
    List => view! { <ProposalsPage/> },
    New => view! { <NewProposalPage/> },
    Proposal => view! { <ProposalPage/> },
});

/// The list's documents are opened while the chunk is fetched; a proposal's page, opened
/// from a link, reads its own.
fn warm(p: Page) {
    if let Page::List = p {
        super::warm_list();
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
