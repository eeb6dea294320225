use super::{apply_update, use_pwa};
use crate::i18n::use_i18n;
use crate::store::drafts::open_drafts;
use leptos::prelude::*;

/// "A new version is ready": switching waits for the tap, and never while a draft is open.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let i18n = use_i18n();
    let pwa = use_pwa();
    let open_drafts = open_drafts();
    let drafting = Memo::new(move |_| open_drafts.with(|d| !d.is_empty()));
    view! {
        <Show when=move || pwa.update_ready.get()>
            <div class="notice update" role="status" data-testid="update-banner">
                <p>
                    {move || i18n.t().update_ready}
                    <Show when=move || drafting.get()>
                        <br/>
                        <small>{move || i18n.t().update_after_draft}</small>
                    </Show>
                </p>
                <button type="button" class="primary" disabled=drafting on:click=move |_| apply_update()>
                    {move || i18n.t().update_now}
                </button>
            </div>
        </Show>
    }
}
