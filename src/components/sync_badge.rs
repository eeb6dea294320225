use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::store;
use crate::store::sync::{self, SyncStatus};
use leptos::prelude::*;
use leptos_router::components::A;

/// Where this device's data stands, at a glance: a save under way or refused first (they
/// concern this device), then how it stands with the server. Opens the sync detail view.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sandbox = move || {
        session
            .member
            .with(|m| m.as_ref().is_none_or(|m| m.sandbox))
    };
    let local = move || {
        session.store.track();
        let s = store::get()?;
        Some((s.saving.get(), s.unsaved.get()))
    };
    let remote = move || sync::get().map(|m| m.status.get());
    let state = move || -> (String, &'static str) {
        let t = i18n.t();
        match local() {
            Some((_, unsaved)) if unsaved > 0 => {
                return (
                    format!("{} · {unsaved}", t.badge_not_saved),
                    "badge badge-warn",
                )
            }
            Some((saving, _)) if saving > 0 && sandbox() => {
                return (t.badge_saving.to_owned(), "badge badge-busy")
            }
            _ => {}
        }
        if sandbox() {
            return (t.badge_device_only.to_owned(), "badge");
        }
        match remote() {
            None | Some(SyncStatus::Connecting) => {
                (t.badge_connecting.to_owned(), "badge badge-busy")
            }
            Some(SyncStatus::Offline) => (t.badge_offline.to_owned(), "badge badge-off"),
            Some(SyncStatus::Syncing) => (t.badge_syncing.to_owned(), "badge badge-busy"),
            Some(SyncStatus::Waiting(n)) => ((t.badge_waiting)(n), "badge badge-busy"),
            Some(SyncStatus::InStep) => (t.badge_in_step.to_owned(), "badge badge-ok"),
            Some(SyncStatus::Refused(_)) => (t.badge_refused.to_owned(), "badge badge-warn"),
            Some(SyncStatus::SignedOut(..)) => (t.badge_signed_out.to_owned(), "badge badge-warn"),
            Some(SyncStatus::OtherTab) => (t.badge_other_tab.to_owned(), "badge"),
        }
    };
    view! {
        <A href="/sync" attr:class=move || state().1 attr:data-testid="sync-badge" attr:role="status" attr:aria-live="polite">
            {move || state().0}
        </A>
    }
}

/// Says why the server no longer takes this device's token, in the person's language.
#[component]
pub fn SignedOutNotice() -> impl IntoView {
    let i18n = use_i18n();
    let reason = move || match sync::get().map(|m| m.status.get()) {
        Some(SyncStatus::SignedOut(zh, en)) => Some(i18n.lang().pick(&zh, &en).to_owned()),
        _ => None,
    };
    move || {
        reason().map(|r| {
            view! { <p class="notice error" role="alert" data-testid="signed-out">{move || (i18n.t().signed_out)(&r)}</p> }
        })
    }
}
