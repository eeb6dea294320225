use crate::i18n::{use_i18n, Strings};
use leptos::prelude::*;

/// A tab whose module has not been built yet says so plainly.
#[component]
pub fn NotBuilt(title: fn(&Strings) -> &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page not-built">
            <h1>{move || title(i18n.t())}</h1>
            <p class="empty" data-testid="not-built">{move || i18n.t().not_built_body}</p>
        </section>
    }
}
