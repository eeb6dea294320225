//! The Me page: the member's profile (the sandbox's first document), their settings, and how
//! this device keeps their data.

mod about;
mod skills;
mod storage;

use crate::components::member_form::MemberForm;
use crate::i18n::use_i18n;
use crate::pwa::InstallCard;
use crate::session::{profile_doc, use_doc, use_session, DocState};
use leptos::prelude::*;
use linli_core::DocKind;

#[component]
pub fn MePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page me">
            <h1>{move || i18n.t().tab_me}</h1>
            <Profile/>
            <h2>{move || i18n.t().settings}</h2>
            <MemberForm submit_label=|t| t.save_settings/>
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
        let doc = use_doc(id, DocKind::Profile);
        Some(move || match doc.state.get() {
            DocState::Loading => {
                view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any()
            }
            DocState::Failed(e) => {
                view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }
                    .into_any()
            }
            DocState::Ready => view! {
                <about::About doc=doc ctx=ctx.clone()/>
                <skills::Skills doc=doc ctx=ctx.clone()/>
            }
            .into_any(),
        })
    }
}
