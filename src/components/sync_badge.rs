use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::store;
use leptos::prelude::*;

/// Where this device's data stands, at a glance. Until sync exists it says, honestly, that
/// data lives on this device only; it also shows a save under way or a save that failed.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let state = move || {
        session.store.track();
        let s = store::get()?;
        Some((s.saving.get(), s.unsaved.get()))
    };
    let label = move || {
        let t = i18n.t();
        match state() {
            Some((saving, _)) if saving > 0 => t.badge_saving.to_owned(),
            Some((_, unsaved)) if unsaved > 0 => format!("{} · {unsaved}", t.badge_not_saved),
            _ => t.badge_device_only.to_owned(),
        }
    };
    let class = move || match state() {
        Some((_, unsaved)) if unsaved > 0 => "badge badge-warn",
        Some((saving, _)) if saving > 0 => "badge badge-busy",
        _ => "badge",
    };
    view! {
        <span class=class data-testid="sync-badge" role="status" aria-live="polite">
            {label}
        </span>
    }
}
