use super::detail::Page;
use super::results::choice_label;
use crate::help::{name_of, use_names};
use crate::i18n::use_i18n;
use crate::session::use_session;
use leptos::prelude::*;
use linli_core::deliberation::{self, Decision, Exclusion};
use linli_core::Millis;

/// The member's ballot: the choices, what they cast, and whether it counts and why not.
#[component]
pub(super) fn Ballot(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let show = move || page.acts.with(|a| a.vote || a.voted);
    view! {
        <Show when=show>
            <h2>{move || i18n.t().delib.ballot}</h2>
            <p class="muted">{move || i18n.t().delib.ballot_open}</p>
            <MyBallot page=page/>
            <Show when=move || page.acts.with(|a| a.vote)>
                <BallotForm page=page/>
            </Show>
        </Show>
        <details class="rule">
            <summary>{move || i18n.t().delib.rule_title}</summary>
            <ol>
                {move || {
                    let hours = page.proposal.with(|p| p.as_ref().map_or(0, |p| p.grace.0 / Millis::HOUR));
                    (i18n.t().delib.rule)(hours).into_iter().map(|r| view! { <li>{r}</li> }).collect_view()
                }}
            </ol>
        </details>
    }
}

/// What the member cast last, and how the rule judges it.
#[component]
fn MyBallot(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let names = use_names();
    move || {
        let me = session.member.get()?.id;
        let decision = page.proposal.get()?.decision;
        page.tally.with(|t| {
            let last = t.history.iter().rev().find(|c| c.member == me)?.clone();
            let counted = t.counted_of(&me).cloned();
            let excluded = t
                .excluded()
                .rev()
                .find(|(c, _)| c.member == me)
                .map(|(_, why)| why);
            let shown = counted.clone().unwrap_or(last);
            let choice = shown
                .choice
                .iter()
                .map(|c| choice_label(&decision, c, i18n.t().delib))
                .collect::<Vec<_>>()
                .join("、");
            let by = shown.assisted_by.map(|b| name_of(&names.get_untracked(), &b));
            let d = i18n.t().delib;
            let status = match (counted.is_some(), excluded) {
                (true, _) => d.counted,
                (false, Some(Exclusion::AfterClose)) => d.after_close,
                (false, Some(Exclusion::SawClose)) => d.saw_close,
                (false, Some(Exclusion::SentClose)) => d.sent_close,
                (false, Some(Exclusion::TooLate)) => d.too_late,
                (false, None) => "",
            };
            Some(view! {
                <p data-testid="my-ballot">{(d.your_ballot)(&choice)}</p>
                {by.map(|b| view! { <p class="muted">{(d.assisted_by)(&b)}</p> })}
                {(!status.is_empty()).then(|| view! {
                    <p class=if counted.is_some() { "notice" } else { "notice warn" } data-testid="ballot-status">{status}</p>
                })}
            })
        })
    }
}

#[component]
fn BallotForm(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let picked = RwSignal::new(Vec::<String>::new());
    move || {
        let decision = page.proposal.get()?.decision;
        let tokens = decision.tokens();
        let several = matches!(decision, Decision::Several { .. });
        let max = match &decision {
            Decision::Several { max, .. } => *max,
            _ => 1,
        };
        let inputs = tokens
            .into_iter()
            .map(|token| {
                let label = choice_label(&decision, &token, i18n.t().delib);
                let value = token.clone();
                let checked = {
                    let token = token.clone();
                    move || picked.with(|p| p.contains(&token))
                };
                view! {
                    <label class="choice">
                        <input
                            type=if several { "checkbox" } else { "radio" }
                            name="ballot"
                            value=value
                            prop:checked=checked
                            on:change=move |_| picked.update(|p| {
                                if let Some(i) = p.iter().position(|t| *t == token) {
                                    p.remove(i);
                                } else if several {
                                    p.push(token.clone());
                                } else {
                                    *p = vec![token.clone()];
                                }
                            })
                        />
                        {label}
                    </label>
                }
            })
            .collect_view();
        let voted = page.acts.with_untracked(|a| a.voted);
        Some(view! {
            <form class="ballot" data-testid="ballot" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let choice = picked.get_untracked();
                page.act.run(Box::new(move |d, w, now| deliberation::cast(d, w, now, &choice).map(|_| ())));
            }>
                {several.then(|| view! { <p class="muted">{move || (i18n.t().delib.pick_up_to)(max)}</p> })}
                {inputs}
                <button type="submit" class="primary" data-testid="ballot-cast">
                    {move || if voted { i18n.t().delib.change } else { i18n.t().delib.cast }}
                </button>
            </form>
        })
    }
}
