//! A redemption by member and item (warned, not stopped, when it overdraws), and the
//! redemptions that did, for staff to follow up.

use super::{member_ids, member_options, parse_member, Outcome};
use crate::help::{name_of, use_names, when};
use crate::i18n::use_i18n;
use crate::points::Points;
use crate::settings::random_id;
use leptos::prelude::*;
use linli_core::points::{self, Item};
use linli_core::MemberId;

#[component]
pub(super) fn RedeemForm(points: Points) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let member = RwSignal::new(String::new());
    let item = RwSignal::new(String::new());
    let out = Outcome::new(&points);
    let items = Memo::new(move |_| {
        points
            .doc
            .read(points::catalogue)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !i.retired)
            .collect::<Vec<Item>>()
    });
    let balance = Memo::new(move |_| {
        let m = MemberId::parse(&member.get()).ok()?;
        Some(points.ledger.with(|l| l.balance(&m)))
    });
    let short = move || {
        let b = balance.get()?;
        let price = items.with(|all| all.iter().find(|i| i.id == item.get()).map(|i| i.price))?;
        (b < price).then_some(())
    };
    view! {
        <form class="request-form staff" data-testid="redeem-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (who, what) = (member.get_untracked(), item.get_untracked());
            let all = member_ids(&names.get_untracked());
            let id = random_id("x");
            out.run(Box::new(move |d, w, now| {
                let who = parse_member(&who)?;
                points::redeem(d, w, now, &id, &who, &what, &all).map(|_| ())
            }), || {});
        }>
            <h2>{move || i18n.t().pts.redeem}</h2>
            <div class="field">
                <label for="redeem-member">{move || i18n.t().pts.member}</label>
                <select id="redeem-member" data-testid="redeem-member" on:change=move |ev| member.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().pts.choose}</option>
                    {move || member_options(&names.get())}
                </select>
                {move || balance.get().map(|b| view! { <span class="muted" data-testid="redeem-balance">{(i18n.t().pts.balance_now)(b)}</span> })}
            </div>
            <div class="field">
                <label for="redeem-item">{move || i18n.t().pts.item}</label>
                <select id="redeem-item" data-testid="redeem-item" on:change=move |ev| item.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().pts.choose}</option>
                    {move || items.get().into_iter().map(|i| {
                        let label = format!("{} · {}", i.name, (i18n.t().pts.unit)(i.price));
                        view! { <option value=i.id>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            {move || short().map(|_| view! { <p class="notice" role="status">{move || i18n.t().pts.will_overdraw}</p> })}
            {out.view()}
            <button type="submit" class="primary" data-testid="redeem-save">{move || i18n.t().pts.record_redeem}</button>
        </form>
    }
}

#[component]
pub(super) fn Flagged(points: Points) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let flagged = Memo::new(move |_| {
        points
            .ledger
            .with(|l| l.flagged().cloned().collect::<Vec<_>>())
    });
    view! {
        <h2>{move || i18n.t().pts.flagged}</h2>
        {move || {
            if flagged.with(Vec::is_empty) {
                return view! { <p class="empty" role="status">{move || i18n.t().pts.flagged_empty}</p> }.into_any();
            }
            view! {
                <ul class="points-history" data-testid="flagged">
                    <For each=move || flagged.get() key=|e| e.id.clone() let:e>
                        {
                            let who = e.member.clone();
                            let what = match &e.source {
                                points::Source::Redeem { name, .. } => name.clone(),
                                _ => String::new(),
                            };
                            let now = points.ledger.with_untracked(|l| l.balance(&who));
                            view! {
                                <li class="points-entry" data-testid="flagged-entry">
                                    <span class="points-what">
                                        <span>{move || name_of(&names.get(), &who)}</span>
                                        <span class="muted">{format!("{what} · {}", when(e.at, i18n.lang()))}</span>
                                    </span>
                                    <span class="points-amount minus">{move || (i18n.t().pts.balance_now)(now)}</span>
                                </li>
                            }
                        }
                    </For>
                </ul>
            }
            .into_any()
        }}
    }
}
