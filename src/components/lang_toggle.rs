use crate::i18n::use_i18n;
use leptos::prelude::*;
use linli_core::Lang;

/// The language buttons: Chinese and English, each named in its own language.
#[component]
pub fn LangToggle() -> impl IntoView {
    let i18n = use_i18n();
    view! {
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
    }
}
