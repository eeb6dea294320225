use super::{use_help_docs, waiting};
use crate::i18n::use_i18n;
use crate::session::{use_session, DocState};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::follow::Followed;
use linli_core::help::{self, Category, Filter, Request, Status};
use linli_core::{DocId, Millis, Role};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// How many requests the list renders before "more".
const PAGE: usize = 30;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    All,
    Mine,
    Offers,
}

#[component]
pub fn HelpPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let docs = use_help_docs();
    let tab = RwSignal::new(Tab::All);
    let status = RwSignal::new(None::<Status>);
    let category = RwSignal::new(None::<Category>);

    let loading = move || docs.with(|d| d.iter().any(|d| d.state.get() == DocState::Loading));
    // Each month's requests read once, then only those a change touched (`help::follow`).
    let followed = StoredValue::new(HashMap::<DocId, Followed<Request>>::new());
    // A busy month lists hundreds; the first page renders at once, the rest on request.
    let shown = RwSignal::new(PAGE);
    let rows = Memo::new(move |_| {
        let Some(me) = session.member.get() else {
            return Vec::new();
        };
        let now = Millis(js_sys::Date::now() as i64);
        let filter = Filter {
            status: status.get(),
            category: category.get(),
        };
        let tab = tab.get();
        let mut rows: Vec<(DocId, Request)> = Vec::new();
        for d in docs.get() {
            let list = d
                .read(|doc| {
                    followed.update_value(|f| match f.entry(d.id) {
                        Entry::Occupied(mut kept) => {
                            kept.get_mut().update(doc);
                        }
                        Entry::Vacant(none) => {
                            none.insert(help::follow(doc));
                        }
                    });
                    followed.with_value(|f| {
                        let requests = f[&d.id].values();
                        match tab {
                            Tab::All => help::list_of(requests, now, &filter, &me.role),
                            Tab::Mine => help::my_requests_of(requests, &me.id),
                            Tab::Offers => help::my_offers_of(requests, &me.id),
                        }
                    })
                })
                .unwrap_or_default();
            rows.extend(list.into_iter().map(|r| (d.id, r)));
        }
        // Two months' documents, merged in the list's own order.
        if tab == Tab::All {
            linli_core::sort::by(&mut rows, |(_, a), (_, b)| help::order(a, b));
        }
        rows
    });
    // What the page's frame depends on: the rows themselves change in place, under `For`.
    let empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let is_staff = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.role == Role::Staff))
    };
    let tab_button = move |t: Tab, label: fn(&crate::i18n::Strings) -> &'static str| {
        view! {
            <button type="button" aria-pressed=move || (tab.get() == t).to_string() on:click=move |_| {
                tab.set(t);
                shown.set(PAGE);
            }>
                {move || label(i18n.t())}
            </button>
        }
    };
    view! {
        <section class="page help">
            <div class="page-head">
                <h1>{move || i18n.t().tab_help}</h1>
                <A href="/help/new" attr:class="button primary" attr:data-testid="help-new">{move || i18n.t().help_new}</A>
            </div>
            <p>{move || i18n.t().help_intro}</p>
            <Show when=is_staff>
                <p><A href="/help/reports">{move || i18n.t().help_reports}</A></p>
            </Show>
            <div class="segmented" role="group">
                {tab_button(Tab::All, |t| t.help_all)}
                {tab_button(Tab::Mine, |t| t.help_mine)}
                {tab_button(Tab::Offers, |t| t.help_my_offers)}
            </div>
            <Show when=move || tab.get() == Tab::All>
                <div class="filters">
                    <label>
                        {move || i18n.t().help_filter_status}
                        <select on:change=move |ev| {
                            let v = event_target_value(&ev);
                            status.set(Status::parse(&v));
                            shown.set(PAGE);
                        }>
                            <option value="">{move || i18n.t().help_any}</option>
                            {Status::ALL
                                .into_iter()
                                .map(|s| view! { <option value=s.as_str()>{move || s.label(i18n.lang())}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <label>
                        {move || i18n.t().help_filter_category}
                        <select on:change=move |ev| {
                            let v = event_target_value(&ev);
                            category.set((!v.is_empty()).then(|| Category::parse(&v)));
                            shown.set(PAGE);
                        }>
                            <option value="">{move || i18n.t().help_any}</option>
                            {Category::KNOWN
                                .into_iter()
                                .map(|c| {
                                    let value = c.as_str().to_owned();
                                    view! { <option value=value>{move || c.label(i18n.lang()).to_owned()}</option> }
                                })
                                .collect_view()}
                        </select>
                    </label>
                </div>
            </Show>
            {move || {
                let n = waiting(&docs.get());
                (n > 0).then(|| view! { <p class="notice" role="status" data-testid="help-waiting">{move || (i18n.t().help_waiting_sync)(n)}</p> })
            }}
            {move || {
                if loading() {
                    return view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any();
                }
                if empty.get() {
                    let message = match tab.get() {
                        Tab::All => i18n.t().help_empty,
                        Tab::Mine => i18n.t().help_empty_mine,
                        Tab::Offers => i18n.t().help_empty_offers,
                    };
                    return view! { <p class="empty" role="status">{message}</p> }.into_any();
                }
                let page = move || rows.with(|r| r.iter().take(shown.get()).cloned().collect::<Vec<_>>());
                let more = move || rows.with(Vec::len) > shown.get();
                view! {
                    <ul class="help-list" data-testid="help-list">
                        <For each=page key=row_key let:row>
                            <Item doc=row.0 req=row.1/>
                        </For>
                    </ul>
                    <Show when=more>
                        <button type="button" data-testid="help-more" on:click=move |_| shown.update(|n| *n += PAGE)>
                            {move || (i18n.t().help_more)(rows.with(Vec::len).saturating_sub(shown.get()))}
                        </button>
                    </Show>
                }
                .into_any()
            }}
        </section>
    }
}

/// A row re-renders when what it shows changes.
fn row_key((doc, r): &(DocId, Request)) -> (DocId, String, String) {
    let now = Millis(js_sys::Date::now() as i64);
    let live = r.offers.iter().filter(|o| !o.withdrawn).count();
    (
        *doc,
        r.id.clone(),
        format!("{:?}{live}{}{}", r.status(now), r.title, r.place),
    )
}

#[component]
fn Item(doc: DocId, req: Request) -> impl IntoView {
    let i18n = use_i18n();
    let now = Millis(js_sys::Date::now() as i64);
    let status = req.status(now);
    let live = req.offers.iter().filter(|o| !o.withdrawn).count();
    let href = format!("/help/r/{doc}/{}", req.id);
    let (category, urgency) = (req.category.clone(), req.urgency.clone());
    let urgent = urgency.rank() == 2;
    view! {
        <li class="help-item" data-testid="help-item">
            <A href=href>
                <span class="help-title">{req.title.clone()}</span>
                <span class="help-meta">
                    <span class=if urgent { "chip chip-urgent" } else { "chip" }>{move || urgency.label(i18n.lang()).to_owned()}</span>
                    <span class="chip">{move || category.label(i18n.lang()).to_owned()}</span>
                    <span class="chip" data-testid="help-status">{move || status.label(i18n.lang())}</span>
                    <span>{req.place.clone()}</span>
                    {(live > 0).then(|| view! { <span>{move || (i18n.t().help_offers_count)(live)}</span> })}
                </span>
            </A>
        </li>
    }
}
