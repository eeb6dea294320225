//! First run: join the community with an invite code, or try the app on this device first.

pub mod join;

use crate::components::member_form::MemberForm;
use crate::i18n::use_i18n;
use join::JoinForm;
use leptos::prelude::*;
use linli_core::Lang;

#[component]
pub fn Onboarding() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="onboarding" id="main">
            <h1>{move || i18n.t().welcome_title}</h1>
            <p>{move || i18n.t().welcome_intro}</p>
            <div class="segmented" role="group" aria-label=move || i18n.t().language>
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <button
                                type="button"
                                lang=lang.tag()
                                aria-pressed=move || (i18n.lang() == lang).to_string()
                                on:click=move |_| i18n.0.set(lang)
                            >
                                {lang.native_name()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <JoinForm/>
            <details class="sandbox-choice">
                <summary>{move || i18n.t().try_sandbox}</summary>
                <MemberForm submit_label=|t| t.get_started/>
                <p class="note">{move || i18n.t().sandbox_note}</p>
            </details>
        </main>
    }
}
