//! The community's deliberation settings: the support share that readies a proposal for a
//! vote, and the grace period after a close. Every member reads them; staff change them.

use super::use_index;
use crate::components::act::Act;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::use_session;
use crate::store::WriteError;
use leptos::prelude::*;
use linli_core::deliberation::index::{self, Settings};
use linli_core::Role;

/// The settings in words, and staff's form to change them.
#[component]
pub(super) fn CommunitySettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let index = use_index();
    let current = Memo::new(move |_| {
        index
            .get()
            .and_then(|d| d.read(index::settings))
            .unwrap_or_default()
    });
    let is_staff = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.role == Role::Staff))
    };
    view! {
        <p class="muted" data-testid="delib-settings">
            {move || current.with(|s| (i18n.t().delib.settings_text)(s.support_pct, s.grace_hours))}
        </p>
        <Show when=is_staff>
            {move || index.get().map(|d| view! { <SettingsForm doc=d.id current=current/> })}
        </Show>
    }
}

#[component]
fn SettingsForm(doc: linli_core::DocId, current: Memo<Settings>) -> impl IntoView {
    let i18n = use_i18n();
    let act = Act {
        session: use_session(),
        doc,
        error: RwSignal::new(None::<WriteError>),
    };
    // What staff typed; until they type, the fields show the community's settings (which
    // may arrive after the page opens).
    let pct = RwSignal::new(None::<String>);
    let grace = RwSignal::new(None::<String>);
    let shown_pct = move || {
        pct.get()
            .unwrap_or_else(|| current.get().support_pct.to_string())
    };
    let shown_grace = move || {
        grace
            .get()
            .unwrap_or_else(|| current.get().grace_hours.to_string())
    };
    // Unreadable numbers reach core as out of range, which refuses them in words.
    let number = |shown: &dyn Fn() -> String| shown().trim().parse::<i64>().unwrap_or(-1);
    view! {
        <details class="staff">
            <summary>{move || i18n.t().delib.settings}</summary>
            <form class="request-form" data-testid="settings-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let s = Settings { support_pct: number(&shown_pct), grace_hours: number(&shown_grace) };
                // Once saved, the fields show the community's values again, as every member
                // reads them; a refused number stays typed, with the reason beside it.
                act.run_then(Box::new(move |d, w, now| index::set_settings(d, w, now, s).map(|_| ())), move || {
                    pct.try_set(None);
                    grace.try_set(None);
                });
            }>
                <div class="field">
                    <label for="field-support-pct">{move || i18n.t().delib.support_pct}</label>
                    <input id="field-support-pct" type="number" prop:value=shown_pct on:input=move |ev| pct.set(Some(event_target_value(&ev)))/>
                </div>
                <div class="field">
                    <label for="field-grace">{move || i18n.t().delib.grace_hours}</label>
                    <input id="field-grace" type="number" prop:value=shown_grace on:input=move |ev| grace.set(Some(event_target_value(&ev)))/>
                </div>
                {move || act.error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
                <button type="submit" class="button">{move || i18n.t().delib.save_settings}</button>
            </form>
        </details>
    }
}
