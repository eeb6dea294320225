//! Reports: a resident's report waits on the device (it works offline) and goes to the
//! server's API when it can; the server files it in the staff's document. Staff see the
//! reports and hide what must go.

use super::{name_of, use_names, when};
use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, DocState};
use crate::settings::random_id;
use crate::store::{api, drafts, WriteError};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::{staff, DocId, DocKind};

const QUEUE: &str = "linli.reports.queue";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Queued reports, one per line: id, document, request, reason (tabs never occur inside).
fn queued() -> Vec<[String; 4]> {
    storage()
        .and_then(|s| s.get_item(QUEUE).ok().flatten())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let parts: Vec<&str> = l.split('\t').collect();
            let [a, b, c, d] = parts[..] else { return None };
            Some([a, b, c, d].map(str::to_owned))
        })
        .collect()
}

fn save_queue(items: &[[String; 4]]) -> Result<(), String> {
    let s = storage().ok_or("localStorage is not available")?;
    let text: Vec<String> = items.iter().map(|i| i.join("\t")).collect();
    s.set_item(QUEUE, &text.join("\n"))
        .map_err(crate::store::idb::describe)
}

/// Sends what waits; keeps what could not reach the server. Returns how many were sent.
pub async fn flush(token: &str) -> usize {
    let mut left = Vec::new();
    let mut sent = 0;
    for item in queued() {
        let [id, doc, request, reason] = &item;
        let fields = [
            ("id", id.as_str()),
            ("doc", doc.as_str()),
            ("request", request.as_str()),
            ("reason", reason.as_str()),
        ];
        match api::post_json_with_token("/api/reports", token, &fields).await {
            Ok(a) if a.status == 200 => sent += 1,
            // Refused for good (not this community's, bad input): nothing to retry.
            Ok(a) if a.status == 422 || a.status == 400 => {}
            _ => left.push(item),
        }
    }
    let _ = save_queue(&left);
    sent
}

#[component]
pub fn ReportForm(doc: DocId, rid: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let state = RwSignal::new(None::<bool>);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let why = reason.get_untracked().replace(['\t', '\n'], " ");
        if why.trim().is_empty() {
            return error.set(Some(
                linli_core::LinliError::Empty(linli_core::error::Field::Reason)
                    .message(i18n.lang()),
            ));
        }
        let mut items = queued();
        items.push([
            random_id("p"),
            doc.to_string(),
            rid.get_untracked(),
            why.trim().to_owned(),
        ]);
        if let Err(e) = save_queue(&items) {
            return error.set(Some((i18n.t().write_failed)(&e)));
        }
        error.set(None);
        state.set(Some(false));
        open.set(false);
        reason.set(String::new());
        let token = session.member.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| m.server.as_ref().map(|l| l.token.clone()))
        });
        leptos::task::spawn_local(async move {
            let _ = drafts::clear("help.report").await;
            if let Some(token) = token {
                if flush(&token).await > 0 {
                    state.try_set(Some(true));
                }
            }
        });
    };
    view! {
        <div class="report">
            {move || match state.get() {
                Some(true) => Some(view! { <p class="ok" role="status">{move || i18n.t().help_report_sent}</p> }.into_any()),
                Some(false) => Some(view! { <p class="notice" role="status">{move || i18n.t().help_report_queued}</p> }.into_any()),
                None => None,
            }}
            <Show
                when=move || open.get()
                fallback=move || view! { <button type="button" class="link" on:click=move |_| open.set(true)>{move || i18n.t().help_report}</button> }
            >
                <form class="inline-form" on:submit=submit>
                    <DraftField draft_key="help.report" value=reason label=|t| t.help_report_reason/>
                    <button type="submit">{move || i18n.t().help_report_send}</button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let names = use_names();
    let doc = Memo::new(move |_| {
        session.member.with(|m| {
            m.as_ref()
                .filter(|m| m.role == linli_core::Role::Staff)
                .map(|m| use_doc(linli_core::access::staff_id(&m.community), DocKind::STAFF))
        })
    });
    let error = RwSignal::new(None::<WriteError>);
    view! {
        <section class="page reports">
            <h1>{move || i18n.t().help_reports}</h1>
            {move || match doc.get() {
                None => view! { <p class="empty">{move || i18n.t().patrol_not_for_role}</p> }.into_any(),
                Some(d) => {
                    let list = move || d.read(staff::reports).unwrap_or_default();
                    view! {
                        <Show when=move || d.state.get() != DocState::Loading fallback=move || view! { <p class="loading">{move || i18n.t().loading}</p> }>
                            <Show when=move || !list().is_empty() fallback=move || view! { <p class="empty">{move || i18n.t().help_reports_empty}</p> }>
                                <ul class="records" data-testid="reports">
                                    {move || list().into_iter().map(|r| {
                                        let who = name_of(&names.get_untracked(), &r.by);
                                        let href = format!("/help/r/{}/{}", r.doc, r.request);
                                        let (rid, handled) = (r.id.clone(), r.handled);
                                        view! {
                                            <li class="record">
                                                <span>{(i18n.t().help_report_by)(&who, &r.reason)} " · " {when(r.at, i18n.lang())}</span>
                                                <A href=href>{move || i18n.t().help_open_request}</A>
                                                {if handled {
                                                    view! { <span class="chip">{move || i18n.t().help_handled}</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button type="button" on:click=move |_| {
                                                            let id = rid.clone();
                                                            leptos::task::spawn_local(async move {
                                                                let done = session.command(d.id, |doc, w, now| staff::mark_handled(doc, w, now, &id)).await;
                                                                error.try_set(done.err());
                                                            });
                                                        }>{move || i18n.t().help_mark_handled}</button>
                                                    }.into_any()
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </Show>
                        </Show>
                    }.into_any()
                }
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        </section>
    }
}
