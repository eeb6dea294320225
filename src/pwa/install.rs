use super::{prompt_install, use_pwa};
use crate::i18n::use_i18n;
use leptos::prelude::*;

fn standalone() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(display-mode: standalone)").ok().flatten())
        .is_some_and(|m| m.matches())
}

fn ios() -> bool {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .is_some_and(|ua| ua.contains("iPhone") || ua.contains("iPad"))
}

/// Installing keeps the data safer (browsers evict sites that are not installed first).
#[component]
pub fn InstallCard() -> impl IntoView {
    let i18n = use_i18n();
    let pwa = use_pwa();
    let installed = standalone();
    let on_ios = ios();
    view! {
        <section class="card">
            <h2>{move || i18n.t().install_title}</h2>
            {move || {
                let t = i18n.t();
                if installed {
                    view! { <p>{t.install_done}</p> }.into_any()
                } else if pwa.can_install.get() {
                    view! {
                        <p>{t.install_why}</p>
                        <button type="button" class="primary" on:click=move |_| prompt_install(pwa)>
                            {t.install_button}
                        </button>
                    }
                        .into_any()
                } else if on_ios {
                    view! { <p>{t.install_ios}</p> }.into_any()
                } else {
                    view! { <p>{t.install_menu}</p> }.into_any()
                }
            }}
        </section>
    }
}
