//! The root: language and session context, the store, first run or the shell with its routes.

use crate::components::{
    notices::Notices,
    sync_badge::{SignedOutNotice, SyncBadge},
    tab_bar::TabBar,
};
use crate::deliberation::DeliberationRoutes;
use crate::help::HelpRoutes;
use crate::i18n::{use_i18n, I18n};
use crate::me::MeRoutes;
use crate::onboarding::Onboarding;
use crate::patrol::PatrolRoutes;
use crate::points::PointsRoutes;
use crate::pwa::{self, UpdateBanner};
use crate::session::{use_session, Session, StoreStatus};
use crate::settings;
use crate::store::{self, Store};
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n(RwSignal::new(settings::load_lang()));
    provide_context(i18n);
    let session = Session {
        member: RwSignal::new(settings::load_member()),
        store: RwSignal::new(StoreStatus::Opening),
    };
    provide_context(session);
    provide_context(pwa::start());

    Effect::new(move |_| {
        let lang = i18n.lang();
        settings::save_lang(lang);
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(html) = doc.document_element() {
                let _ = html.set_attribute("lang", lang.tag());
            }
            doc.set_title(i18n.t().app_name);
        }
    });

    // The sandbox keeps its own database, so nothing it wrote is ever offered to a real
    // community (their documents share derived ids). Choosing the sandbox on the first
    // screen opens its database in place; leaving it for a real community, with documents
    // open, reloads the app onto the other database.
    let sandbox_db = StoredValue::new(
        session
            .member
            .with_untracked(|m| m.as_ref().is_some_and(|m| m.sandbox)),
    );
    Effect::new(move |had_member: Option<bool>| {
        let (has_member, sandbox) = session
            .member
            .with(|m| (m.is_some(), m.as_ref().is_some_and(|m| m.sandbox)));
        if had_member.is_some() && sandbox != sandbox_db.get_value() {
            if had_member == Some(true) {
                leptos::task::spawn_local(async move {
                    store::drafts::flush_all().await;
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                });
            } else {
                sandbox_db.set_value(sandbox);
                session.store.set(StoreStatus::Opening);
                open_store(session, sandbox, sandbox_db);
            }
        }
        has_member
    });
    open_store(session, sandbox_db.get_value(), sandbox_db);
    // A change the disk refused is retried until it is on disk.
    set_interval(
        move || {
            if let Some(s) = store::get().filter(|s| s.unsaved.get_untracked() > 0) {
                leptos::task::spawn_local(async move { s.flush_all().await });
            }
        },
        std::time::Duration::from_secs(5),
    );

    // A joined member's documents sync from the moment both the store and the membership
    // are there (joining happens while the app runs).
    Effect::new(move |_| {
        let ready = session.store.get() == StoreStatus::Ready;
        if let (true, Some(member), Some(s)) = (ready, session.member.get(), store::get()) {
            // Never the sandbox's database, even in the moment before the reload above.
            if member.sandbox == sandbox_db.get_value() {
                store::sync::start(s, member);
            }
        }
    });

    // The static skeleton in index.html has done its job once the app is on screen.
    Effect::new(move |_| {
        if let Some(skeleton) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("skeleton"))
        {
            skeleton.remove();
        }
        mark("linli-mounted");
    });

    // Only joining or leaving swaps the whole screen; editing settings must not rebuild it.
    let onboarded = Memo::new(move |_| session.member.with(Option::is_some));
    move || {
        if onboarded.get() {
            view! { <Shell/> }.into_any()
        } else {
            view! { <Onboarding/> }.into_any()
        }
    }
}

/// Opens this device's database for the sandbox or for real membership, and installs it,
/// unless another database was chosen meanwhile (`wanted`): an open that finishes late must
/// never install the database the person just left.
fn open_store(session: Session, sandbox: bool, wanted: StoredValue<bool>) {
    leptos::task::spawn_local(async move {
        let opened = Store::open(store::db_name(sandbox)).await;
        if wanted.try_get_value() != Some(sandbox) {
            return;
        }
        match opened {
            Ok(s) => {
                store::install(s);
                session.store.set(StoreStatus::Ready);
                mark("linli-interactive");
                store::request_persistence().await;
            }
            Err(e) => session.store.set(StoreStatus::Failed(e)),
        }
    });
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let community = move || {
        session.member.with(|m| {
            m.as_ref()
                .map(|m| crate::onboarding::join::community_label(m, i18n.lang()))
        })
    };
    let sandbox = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.sandbox))
    };
    view! {
        <Router>
            <header class="app-header">
                <div class="brand">
                    <span class="app-name">{move || i18n.t().app_name}</span>
                    <span class="community" data-testid="community-name">{community}</span>
                </div>
                <SyncBadge/>
            </header>
            <Show when=sandbox>
                <p class="sandbox-label">{move || i18n.t().sandbox_label}</p>
            </Show>
            <UpdateBanner/>
            <StoreFailure/>
            <SignedOutNotice/>
            <Notices/>
            <main class="app-main" id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=|| view! { <Redirect path="/help"/> }/>
                    // One line per module: its folder declares its pages.
                    <HelpRoutes/>
                    <DeliberationRoutes/>
                    <PointsRoutes/>
                    <PatrolRoutes/>
                    <MeRoutes/>
                </Routes>
            </main>
            <TabBar/>
        </Router>
    }
}

#[component]
fn StoreFailure() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    move || match session.store.get() {
        StoreStatus::Failed(e) => Some(view! {
            <p class="notice error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p>
        }),
        _ => None,
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page">
            <p class="empty">{move || i18n.t().page_not_found}</p>
            <A href="/help">{move || i18n.t().go_home}</A>
        </section>
    }
}

/// A performance mark the start-time benchmark reads (scripts/bench-start.mjs).
pub fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}
