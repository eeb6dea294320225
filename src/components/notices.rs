use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::store::{self, Notice};
use leptos::prelude::*;

/// What the store found wrong with this device's data, in words, until dismissed.
#[component]
pub fn Notices() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let notices = move || {
        session.store.track();
        store::get().map(|s| s.notices.get()).unwrap_or_default()
    };
    let overdue = RwSignal::new(false);
    // Read at start and after each write: a warning, not a clock to watch.
    Effect::new(move |_| {
        session.store.track();
        if let Some(s) = store::get() {
            s.saving.track();
        }
        let now = linli_core::Millis(js_sys::Date::now() as i64);
        overdue.set(linli_core::Millis::sync_overdue(
            crate::settings::unsynced_since(),
            now,
        ));
    });
    let sandbox = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.sandbox))
    };
    view! {
        <Show when=move || overdue.get()>
            <div class="notice warn" role="alert" data-testid="sync-overdue">
                <p>
                    {move || if sandbox() { i18n.t().overdue_sandbox } else { i18n.t().overdue_sync }}
                </p>
                <button type="button" on:click=move |_| overdue.set(false)>{move || i18n.t().dismiss}</button>
            </div>
        </Show>
        <div class="notices">
            <For each=notices key=|n| format!("{n:?}") let:notice>
                <Banner notice=notice i18n=i18n/>
            </For>
        </div>
    }
}

#[component]
fn Banner(notice: Notice, i18n: crate::i18n::I18n) -> impl IntoView {
    let text = {
        let notice = notice.clone();
        move || {
            let t = i18n.t();
            match &notice {
                Notice::DamagedRecords(n) => (t.damaged_records)(*n),
                Notice::DamagedSnapshot => t.damaged_snapshot.to_owned(),
                Notice::Waiting(n) => (t.waiting_for_missing)(*n),
                Notice::WriteFailed(e) => (t.write_failed)(e),
                Notice::NewerSchema => t.newer_schema.to_owned(),
                Notice::ReloadBlocked => t.reload_blocked.to_owned(),
                Notice::SyncRefused(r) => (t.sync_refused)(r),
                Notice::CompactionFailed(e) => (t.compaction_failed)(e),
                Notice::ChangesRefused { zh, en, .. } => {
                    (t.changes_refused)(i18n.lang().pick(zh, en))
                }
            }
        }
    };
    let texts = match &notice {
        Notice::ChangesRefused { texts, .. } if !texts.is_empty() => Some(texts.join("\n")),
        _ => None,
    };
    let dismiss = move |_| {
        if let Some(s) = store::get() {
            s.dismiss(&notice);
        }
    };
    view! {
        <div class="notice warn" role="alert" data-testid="notice">
            <p>{text}</p>
            {texts.map(|written| view! {
                <label class="refused-text">
                    <span>{move || i18n.t().refused_text_label}</span>
                    <textarea readonly data-testid="refused-text" rows="3">{written}</textarea>
                </label>
            })}
            <button type="button" on:click=dismiss>{move || i18n.t().dismiss}</button>
        </div>
    }
}
