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
    let session = use_session();
    // The member is set before the shell exists; a settings change re-renders the page.
    move || {
        let member = session.member.get()?;
        let (id, ctx) = profile_doc(&member);
        let doc = use_doc(id, DocKind::Profile);
        Some(view! {
            <section class="page me">
                <h1>{move || i18n.t().tab_me}</h1>
                {move || match doc.state.get() {
                    DocState::Loading => view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any(),
                    DocState::Failed(e) => {
                        view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }
                            .into_any()
                    }
                    DocState::Ready => {
                        let ctx = ctx.clone();
                        view! {
                            <about::About doc=doc ctx=ctx.clone()/>
                            <skills::Skills doc=doc ctx=ctx/>
                        }
                            .into_any()
                    }
                }}
                <h2>{move || i18n.t().settings}</h2>
                <MemberForm submit_label=|t| t.save_settings/>
                <storage::Storage/>
                <InstallCard/>
                <p class="version" data-testid="app-version">{move || (i18n.t().version)(crate::VERSION)}</p>
            </section>
        })
    }
}
