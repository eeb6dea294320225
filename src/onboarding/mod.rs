//! First run: language, name, role and community, then into the app.

use crate::components::member_form::MemberForm;
use crate::i18n::use_i18n;
use leptos::prelude::*;

#[component]
pub fn Onboarding() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="onboarding" id="main">
            <h1>{move || i18n.t().welcome_title}</h1>
            <p>{move || i18n.t().welcome_intro}</p>
            <MemberForm submit_label=|t| t.get_started/>
            <p class="note">{move || i18n.t().sandbox_note}</p>
        </main>
    }
}
