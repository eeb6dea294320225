//! Staff's parts of a proposal's page: the voting window, closing early, a ballot recorded
//! for a resident with no phone, and the outcome with its later updates.

use super::detail::Page;
use super::results::choice_label;
use crate::components::act::draft_key;
use crate::components::draft_field::DraftField;
use crate::components::when::parse_local;
use crate::help::{name_of, use_names, when};
use crate::i18n::use_i18n;
use leptos::prelude::*;
use linli_core::deliberation;
use linli_core::{LinliError, MemberId, Millis};

#[component]
pub(super) fn WindowForm(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let index = super::use_index();
    let (quorum, threshold) = page
        .proposal
        .with_untracked(|p| p.as_ref().map(|p| (p.quorum_pct, p.threshold_pct)))
        .unwrap_or((20, 50));
    let opens = RwSignal::new(String::new());
    let closes = RwSignal::new(String::new());
    let quorum = RwSignal::new(quorum.to_string());
    let threshold = RwSignal::new(threshold.to_string());
    let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<i64>().unwrap_or(-1);
    // The community's grace period is fixed in the vote with its window: never a default
    // guessed before the community's settings have loaded.
    let grace = Memo::new(move |_| {
        index
            .get()
            .and_then(|d| d.read(deliberation::index::settings))
            .map(|s| s.grace_hours)
    });
    view! {
        <form class="request-form staff" data-testid="window-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            // An empty or unreadable time is refused by core as out of range, in words.
            let o = parse_local(&opens.get_untracked()).unwrap_or(Millis(0));
            let c = parse_local(&closes.get_untracked()).unwrap_or(Millis(0));
            let (q, t) = (number(quorum), number(threshold));
            let Some(grace) = grace.get_untracked() else {
                return;
            };
            let window = deliberation::Window { opens: o, closes: c, quorum_pct: q, threshold_pct: t, grace_hours: grace };
            page.act.run(Box::new(move |d, w, now| deliberation::schedule(d, w, now, &window).map(|_| ())));
        }>
            <h2>{move || i18n.t().delib.window}</h2>
            <div class="field">
                <label for="field-opens">{move || i18n.t().delib.opens_at}</label>
                <input id="field-opens" type="datetime-local" on:input=move |ev| opens.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="field-closes">{move || i18n.t().delib.closes_at}</label>
                <input id="field-closes" type="datetime-local" on:input=move |ev| closes.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="field-quorum">{move || i18n.t().delib.quorum}</label>
                <input id="field-quorum" type="number" min="0" max="100" prop:value=move || quorum.get() on:input=move |ev| quorum.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="field-threshold">{move || i18n.t().delib.threshold}</label>
                <input id="field-threshold" type="number" min="1" max="100" prop:value=move || threshold.get() on:input=move |ev| threshold.set(event_target_value(&ev))/>
            </div>
            {move || grace.get().is_none().then(|| view! { <p class="muted">{i18n.t().delib.settings_loading}</p> })}
            <button type="submit" class="primary" data-testid="window-save" disabled=move || grace.get().is_none()>{move || i18n.t().delib.set_window}</button>
        </form>
    }
}

#[component]
pub(super) fn CloseEarlyForm(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let key = draft_key("delib", "close", &page.id.get_value());
    view! {
        <form class="inline-form staff" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let why = reason.get_untracked();
            page.act.run_then(
                Box::new(move |d, w, now| deliberation::close_early(d, w, now, &why).map(|_| ())),
                move || {
                    reason.try_set(String::new());
                    leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(key).await; });
                },
            );
        }>
            <DraftField draft_key=key value=reason label=|t| t.delib.close_reason/>
            <button type="submit" class="danger">{move || i18n.t().delib.close_early}</button>
        </form>
    }
}

#[component]
pub(super) fn AssistForm(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let resident = RwSignal::new(String::new());
    let choice = RwSignal::new(String::new());
    move || {
        let decision = page.proposal.get()?.decision;
        let choices = decision
            .tokens()
            .into_iter()
            .map(|t| {
                let label = choice_label(&decision, &t, i18n.t().delib);
                view! { <option value=t>{label}</option> }
            })
            .collect_view();
        let people = names
            .get()
            .into_iter()
            .map(|(id, name)| view! { <option value=id.as_str().to_owned()>{name}</option> })
            .collect_view();
        Some(view! {
            <form class="inline-form staff" data-testid="assist-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let (who, c) = (resident.get_untracked(), choice.get_untracked());
                page.act.run(Box::new(move |d, w, now| {
                    let who = MemberId::parse(&who).map_err(|_| LinliError::NotFound)?;
                    deliberation::assist(d, w, now, &who, &[c]).map(|_| ())
                }));
            }>
                <h2>{move || i18n.t().delib.assist}</h2>
                <label>
                    {move || i18n.t().delib.assist_member}
                    <select on:change=move |ev| resident.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {people}
                    </select>
                </label>
                <select on:change=move |ev| choice.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {choices}
                </select>
                <button type="submit">{move || i18n.t().delib.assist_record}</button>
            </form>
        })
    }
}

/// What staff wrote about the result, for everyone.
#[component]
pub(super) fn Outcomes(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let decided = move || {
        page.proposal
            .with(|p| p.as_ref().is_some_and(|p| p.certified.is_some()))
    };
    view! {
        <Show when=decided>
            <h2>{move || i18n.t().delib.outcome}</h2>
            {move || {
                let all = page.doc.read(deliberation::outcomes).unwrap_or_default();
                if all.is_empty() {
                    return view! { <p class="empty">{move || i18n.t().delib.no_outcome}</p> }.into_any();
                }
                all.into_iter()
                    .map(|o| {
                        let by = name_of(&names.get_untracked(), &o.by);
                        view! {
                            <article class="outcome" data-testid="outcome">
                                <p class="muted">{format!("{} · {by}", when(o.at, i18n.lang()))}</p>
                                <p>{o.text}</p>
                            </article>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </Show>
    }
}

#[component]
pub(super) fn OutcomeForm(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let key = draft_key("delib", "outcome", &page.id.get_value());
    view! {
        <form class="request-form staff" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let t = text.get_untracked();
            page.act.run_then(
                Box::new(move |d, w, now| deliberation::record_outcome(d, w, now, &t).map(|_| ())),
                move || {
                    text.try_set(String::new());
                    leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(key).await; });
                },
            );
        }>
            <DraftField draft_key=key value=text label=|t| t.delib.outcome_text multiline=true/>
            <button type="submit" class="primary" data-testid="outcome-save">{move || i18n.t().delib.record_outcome}</button>
        </form>
    }
}
