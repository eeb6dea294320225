//! Sync status in detail: every document this device syncs, whether it is in step, what
//! waits to go up, and when it was last in step.

use super::when::when;
use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::store::sync::{self, DocSync};
use leptos::prelude::*;
use linli_core::DocKind;

#[component]
pub fn SyncPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sandbox = move || {
        session
            .member
            .with(|m| m.as_ref().is_none_or(|m| m.sandbox))
    };
    let rows = move || sync::get().map(|m| m.detail.get()).unwrap_or_default();
    // Profiles are named by their member, as the directory lists them.
    let names = Memo::new(move |_| {
        let rows_changed = rows().len();
        let _ = rows_changed;
        let (Some(store), Some(m)) = (crate::store::get(), session.member.get()) else {
            return Vec::new();
        };
        let dir = linli_core::access::directory_id(&m.community);
        store
            .read(&dir, linli_core::directory::members)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (linli_core::access::profile_id(&m.community, &d.id), d.name))
            .collect::<Vec<_>>()
    });
    view! {
        <section class="page sync-page">
            <h1>{move || i18n.t().sync_title}</h1>
            <Show
                when=move || !sandbox()
                fallback=move || view! { <p class="empty">{move || i18n.t().sync_sandbox}</p> }
            >
                <p>{move || i18n.t().sync_intro}</p>
                <ul class="sync-docs" data-testid="sync-docs">
                    <For each=rows key=|r| (r.id, r.in_step, r.waiting, r.last_in_step, r.unavailable) let:row>
                        <Row
                            owner=names.with(|n| n.iter().find(|(id, _)| *id == row.id).map(|(_, name)| name.clone()))
                            row=row
                        />
                    </For>
                </ul>
                <Refused/>
            </Show>
        </section>
    }
}

/// What the server refused, kept on this device: the reason and the text, to copy.
#[component]
fn Refused() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // Read again whenever a notice comes or goes: a refusal always brings one. A plain
    // effect, not a resource: a LocalResource cost this wasm 8 KB gzipped (scripts/size).
    let kept = RwSignal::new(None::<Result<Vec<crate::store::idb::RefusedRecord>, String>>);
    Effect::new(move |_| {
        session.store.track();
        if let Some(s) = crate::store::get() {
            s.notices.track();
            leptos::task::spawn_local(async move {
                kept.try_set(Some(s.refused().await));
            });
        }
    });
    let rows = move || {
        let lang = i18n.lang();
        match kept.get() {
            Some(Ok(records)) => records
                .into_iter()
                .filter_map(|r| {
                    let change = automerge::Change::from_bytes(r.bytes).ok()?;
                    let texts = linli_core::sync::set_aside::texts(&change).join("\n");
                    Some((r.hash, lang.pick(&r.zh, &r.en).to_owned(), texts))
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        }
    };
    let failed = move || match kept.get() {
        Some(Err(e)) => {
            Some(view! { <p class="error" role="alert">{move || (i18n.t().write_failed)(&e)}</p> })
        }
        _ => None,
    };
    view! {
        {failed}
        <Show when=move || !rows().is_empty()>
            <h2>{move || i18n.t().sync_refused_title}</h2>
            <p>{move || i18n.t().sync_refused_intro}</p>
            <ul class="sync-refused" data-testid="sync-refused">
                <For each=rows key=|(h, _, _)| h.clone() let:row>
                    <li>
                        <p>{row.1}</p>
                        {(!row.2.is_empty()).then(|| view! {
                            <textarea readonly rows="2" data-testid="refused-kept">{row.2}</textarea>
                        })}
                    </li>
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn Row(row: DocSync, owner: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let is_mine = session.member.with_untracked(|m| {
        m.as_ref()
            .is_some_and(|m| linli_core::access::profile_id(&m.community, &m.id) == row.id)
    });
    let name = move || {
        let t = i18n.t();
        if row.kind == DocKind::PROFILE {
            if is_mine {
                t.doc_my_profile.to_owned()
            } else {
                (t.doc_profile_of)(owner.as_deref().unwrap_or("…"))
            }
        } else {
            crate::modules::doc_label(&row.kind, t).to_owned()
        }
    };
    let state = move || {
        let t = i18n.t();
        if row.unavailable {
            t.sync_unavailable.to_owned()
        } else if row.waiting > 0 {
            (t.sync_doc_waiting)(row.waiting)
        } else if row.in_step {
            t.badge_in_step.to_owned()
        } else {
            t.badge_syncing.to_owned()
        }
    };
    let last = move || {
        let t = i18n.t();
        match row.last_in_step {
            Some(at) => (t.sync_last)(&when(at, i18n.lang(), true)),
            None => t.sync_never.to_owned(),
        }
    };
    view! {
        <li class="sync-doc">
            <p><strong>{name}</strong> " · " {state}</p>
            <p class="muted">{last}</p>
        </li>
    }
}
