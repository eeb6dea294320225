//! First run: join the community with an invite code, or try the app on this device first.

pub mod join;

use crate::components::lang_toggle::LangToggle;
use crate::components::member_form::MemberForm;
use crate::i18n::use_i18n;
use join::JoinForm;
use leptos::prelude::*;

#[component]
pub fn Onboarding() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="onboarding" id="main">
            <h1>{move || i18n.t().welcome_title}</h1>
            <p>{move || i18n.t().welcome_intro}</p>
            <LangToggle/>
            <JoinForm/>
            <details class="sandbox-choice">
                <summary>{move || i18n.t().try_sandbox}</summary>
                <MemberForm submit_label=|t| t.get_started/>
                <p class="note">{move || i18n.t().sandbox_note}</p>
            </details>
        </main>
    }
}
