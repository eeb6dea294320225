//! The Me page: the member's profile (the sandbox's first document), their settings, and how
//! this device keeps their data.

mod about;
mod leaderboard;
mod routes;

pub use about::write_error;
pub use routes::MeRoutes;
mod skills;
mod storage;

use crate::components::lang_toggle::LangToggle;
use crate::components::member_form::MemberForm;
use crate::i18n::use_i18n;
use crate::onboarding::join::JoinForm;
use crate::pwa::InstallCard;
use crate::session::{profile_doc, use_doc, use_session, DocState};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::DocKind;

#[component]
fn MePage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sandbox = Memo::new(move |_| {
        session
            .member
            .with(|m| m.as_ref().is_none_or(|m| m.sandbox))
    });
    view! {
        <section class="page me">
            <h1>{move || i18n.t().tab_me}</h1>
            <Profile/>
            <nav class="me-links">
                <A href="/neighbours">{move || i18n.t().neighbours}</A>
                <A href="/sync">{move || i18n.t().sync_title}</A>
            </nav>
            <h2>{move || i18n.t().settings}</h2>
            <Show when=move || sandbox.get() fallback=Joined>
                <JoinForm/>
                <MemberForm submit_label=|t| t.save_settings/>
            </Show>
            <storage::Storage/>
            <InstallCard/>
            <p class="version" data-testid="app-version">{move || (i18n.t().version)(crate::VERSION)}</p>
        </section>
    }
}

/// The member's profile document: rebuilt when it is another document (a new community),
/// not when another setting such as the name changes.
#[component]
fn Profile() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let profile = Memo::new(move |_| session.member.with(|m| m.as_ref().map(profile_doc)));
    move || {
        let (id, ctx) = profile.get()?;
        let doc = use_doc(id, DocKind::PROFILE);
        Some(move || match doc.state.get() {
            DocState::Loading => {
                view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any()
            }
            DocState::Failed(e) => {
                view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }
                    .into_any()
            }
            DocState::WrongKind => {
                view! { <p class="error" role="alert">{move || i18n.t().wrong_kind}</p> }.into_any()
            }
            DocState::Ready => view! {
                <about::About doc=doc ctx=ctx.clone()/>
                <skills::Skills doc=doc ctx=ctx.clone()/>
                <leaderboard::OnBoard doc=doc ctx=ctx.clone()/>
            }
            .into_any(),
        })
    }
}

/// A joined member: names and roles are the community's to manage; the language is theirs.
#[component]
fn Joined() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let who = move || {
        session.member.with(|m| {
            m.as_ref()
                .map(|m| (i18n.t().joined_as)(&m.display_name, m.role.label(i18n.lang())))
        })
    };
    view! {
        <p data-testid="joined-as">{who}</p>
        <LangToggle/>
    }
}
