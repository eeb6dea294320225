//! The rules: what each fact pays and the monthly cap for one pair, from a time on.

use super::Outcome;
use crate::components::when::parse_local;
use crate::i18n::use_i18n;
use crate::points::Points;
use crate::settings::random_id;
use leptos::prelude::*;
use linli_core::points::{self, Rates};
use linli_core::Millis;

#[component]
pub(super) fn RatesForm(points: Points) -> impl IntoView {
    let i18n = use_i18n();
    let now = || Millis(js_sys::Date::now() as i64);
    let current = points
        .doc
        .read(|d| points::rates_at(d, now()))
        .unwrap_or_else(Rates::default_rates);
    let field = |n: i64| RwSignal::new(n.to_string());
    let (help, vote, adopted, cap) = (
        field(current.help),
        field(current.vote),
        field(current.adopted),
        field(current.pair_cap),
    );
    let from = RwSignal::new(String::new());
    let out = Outcome::new(&points);
    let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<i64>().unwrap_or(-1);
    let input = move |id: &'static str,
                      label: fn(&crate::i18n::Strings) -> &'static str,
                      value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{move || label(i18n.t())}</label>
                <input id=id type="number" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="request-form staff" data-testid="rates-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let at = from.get_untracked();
            // Blank is from the moment it is written; core refuses a time already past (or
            // unreadable), in words.
            let start = (!at.trim().is_empty()).then(|| parse_local(&at).unwrap_or(Millis(0)));
            let rates = Rates {
                from: Millis(0),
                id: String::new(),
                help: number(help),
                vote: number(vote),
                adopted: number(adopted),
                pair_cap: number(cap),
            };
            let id = random_id("v");
            out.run(Box::new(move |d, w, t| {
                let rates = Rates { from: start.unwrap_or(t), ..rates };
                points::set_rates(d, w, t, &id, &rates).map(|_| ())
            }), || {});
        }>
            <h2>{move || i18n.t().pts.rates}</h2>
            <p class="muted">{move || i18n.t().pts.rates_note}</p>
            {input("rate-help", |t| t.pts.rate_help, help)}
            {input("rate-vote", |t| t.pts.rate_vote, vote)}
            {input("rate-adopted", |t| t.pts.rate_adopted, adopted)}
            {input("rate-cap", |t| t.pts.rate_pair_cap, cap)}
            <div class="field">
                <label for="rates-from">{move || i18n.t().pts.rates_from}</label>
                <input id="rates-from" type="datetime-local" on:input=move |ev| from.set(event_target_value(&ev))/>
            </div>
            {out.view()}
            <button type="submit" class="primary" data-testid="rates-save">{move || i18n.t().pts.save_rates}</button>
        </form>
    }
}
