use super::{any_loading, use_listed_proposals, use_recent_proposals, use_town};
use crate::help::{waiting, when};
use crate::i18n::use_i18n;
use crate::session::{use_session, OpenDoc};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::deliberation::list::{self, Community, Row};
use linli_core::deliberation::State;
use linli_core::{Millis, Role};
use std::time::Duration;

/// Proposals read for the first screen, and added by each tap on "earlier": a phone shows
/// some six at once, and each is a document to read before the list can show (20 took
/// about 45 ms of the list's 150 with a year on the phone).
pub(super) const PAGE: usize = 10;

#[component]
pub fn ProposalsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // The most recent first; each tap on "earlier" reads the next page of documents.
    let shown = RwSignal::new(PAGE);
    let (proposals, total) = use_recent_proposals(shown.into());
    let town = use_town();
    let rows = use_rows(proposals, town);
    // What the page's frame depends on, so a ballot's change updates its row under `For`
    // rather than building the list again.
    let empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let loading = Memo::new(move |_| proposals.with(|p| any_loading(p)) && empty.get());
    let more = move || total.get() > shown.get();
    let is_staff = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.role == Role::Staff))
    };
    // Staff's queue covers every proposal, not the page: one waiting for its vote or its
    // outcome is mostly older than the newest ten. Read once the page is on screen (the
    // frame after it is drawn), so the first screen does not wait for them. An index not
    // read yet lists nothing: the page is in once the index lists and its documents are read.
    let page_in = Memo::new(move |_| total.get() > 0 && !proposals.with(|p| any_loading(p)));
    let queue_reads = RwSignal::new(false);
    Effect::new(move |_| {
        if page_in.get() && is_staff() && !queue_reads.get_untracked() {
            request_animation_frame(move || {
                set_timeout(move || _ = queue_reads.try_set(true), Duration::ZERO)
            });
        }
    });
    let (every, _) = use_listed_proposals(move |_, _| queue_reads.get() && is_staff());
    let every_row = use_rows(every, town);
    // A community behind on its outcomes has hundreds: the queue shows a page at a time too.
    let queue_shown = RwSignal::new(PAGE);
    let queue = Memo::new(move |_| {
        every_row.with(|r| {
            list::staff_queue(r)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let queue_more = move || queue.with(Vec::len) > queue_shown.get();
    view! {
        <section class="page deliberation">
            <div class="page-head">
                <h1>{move || i18n.t().tab_deliberation}</h1>
                <A href="/deliberation/new" attr:class="button primary" attr:data-testid="proposal-new">
                    {move || i18n.t().delib.new}
                </A>
            </div>
            <p>{move || i18n.t().delib.intro}</p>
            <super::settings::CommunitySettings/>
            {move || {
                let docs: Vec<_> = proposals.get().into_iter().map(|(_, d)| d).collect();
                let n = waiting(&docs);
                (n > 0).then(|| view! { <p class="notice" role="status">{move || (i18n.t().help_waiting_sync)(n)}</p> })
            }}
            <Show when=move || is_staff() && !queue.with(Vec::is_empty)>
                <h2>{move || i18n.t().delib.queue}</h2>
                <ul class="proposal-list" data-testid="staff-queue">
                    <For
                        each=move || queue.with(|q| q.iter().take(queue_shown.get()).cloned().collect::<Vec<_>>())
                        key=|r| (r.id.clone(), r.ready, r.needs_outcome)
                        let:row
                    >
                        <Item row=row/>
                    </For>
                </ul>
                <Show when=queue_more>
                    <button type="button" data-testid="queue-more" on:click=move |_| queue_shown.update(|n| *n += PAGE)>
                        {move || (i18n.t().delib.queue_more)(queue.with(Vec::len).saturating_sub(queue_shown.get()))}
                    </button>
                </Show>
            </Show>
            {move || {
                if loading.get() {
                    return view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any();
                }
                if empty.get() {
                    return view! { <p class="empty" role="status">{move || i18n.t().delib.empty}</p> }.into_any();
                }
                view! {
                    <ul class="proposal-list" data-testid="proposal-list">
                        <For each=move || rows.get() key=|r| r.clone() let:row>
                            <Item row=row/>
                        </For>
                    </ul>
                    <Show when=more>
                        <button type="button" data-testid="proposals-earlier" on:click=move |_| shown.update(|n| *n += PAGE)>
                            {move || i18n.t().delib.earlier}
                        </button>
                    </Show>
                }
                .into_any()
            }}
        </section>
    }
}

/// The rows of `proposals`, derived once they are all read (not again as each arrives),
/// and after that only for a proposal that changed.
fn use_rows(proposals: Memo<Vec<(String, OpenDoc)>>, town: Memo<Community>) -> Memo<Vec<Row>> {
    let session = use_session();
    let kept = StoredValue::new(list::Rows::default());
    Memo::new(move |previous: Option<&Vec<Row>>| {
        let Some(me) = session.member.get() else {
            return Vec::new();
        };
        if proposals.with(|p| any_loading(p)) {
            return previous.cloned().unwrap_or_default();
        }
        let now = Millis(js_sys::Date::now() as i64);
        let c = town.get();
        kept.try_update_value(|kept| {
            proposals.with(|docs| {
                for (id, d) in docs {
                    d.read(|doc| kept.refresh(id, doc, &me.id, now, c));
                }
                kept.list(docs.iter().map(|(id, _)| id.as_str()))
            })
        })
        .unwrap_or_default()
    })
}

#[component]
fn Item(row: Row) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/deliberation/p/{}", row.id);
    let state = row.state;
    let when_text = move || {
        let lang = i18n.lang();
        let d = i18n.t().delib;
        match (state, row.opens_at, row.closes_at) {
            (State::Voting | State::Closed, _, Some(c)) => Some((d.closes)(&when(c, lang))),
            (State::Scheduled, Some(o), _) => Some((d.opens)(&when(o, lang))),
            _ => None,
        }
    };
    view! {
        <li class="proposal-item" data-testid="proposal-item">
            <A href=href>
                <span class="proposal-title">{row.title.clone()}</span>
                <span class="help-meta">
                    <span class=if state == State::Voting { "chip chip-urgent" } else { "chip" } data-testid="proposal-state">
                        {move || state.label(i18n.lang())}
                    </span>
                    {row.ready.then(|| view! { <span class="chip chip-ok">{move || i18n.t().delib.ready}</span> })}
                    {row.needs_outcome.then(|| view! { <span class="chip">{move || i18n.t().delib.needs_outcome}</span> })}
                    {when_text}
                    {(row.supports > 0 && matches!(state, State::Discussion | State::Scheduled))
                        .then(|| view! { <span>{move || (i18n.t().delib.supports)(row.supports)}</span> })}
                    {(row.ballots > 0).then(|| view! { <span>{move || (i18n.t().delib.ballots)(row.ballots)}</span> })}
                </span>
            </A>
        </li>
    }
}
