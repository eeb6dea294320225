//! A member's entries, newest first, each saying what earned or spent it and linking to
//! the request or proposal behind it.

use super::Points;
use crate::help::{name_of, use_names, when};
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::points::{Entry, Source};
use linli_core::MemberId;

#[component]
pub(super) fn History(points: Points, member: MemberId) -> impl IntoView {
    let i18n = use_i18n();
    let member = StoredValue::new(member);
    let entries = Memo::new(move |_| {
        let mut mine: Vec<Entry> = points
            .ledger
            .with(|l| l.history(&member.get_value()).cloned().collect());
        mine.reverse();
        mine
    });
    // The certified balance ends the list, for a member the certificate names (one who
    // joined since has nothing before it).
    let opening = Memo::new(move |_| {
        points.opening.with(|o| {
            let b = o.balances.get(&member.get_value())?;
            Some((o.through.clone(), *b))
        })
    });
    view! {
        <h2>{move || i18n.t().pts.history}</h2>
        {move || {
            if entries.with(Vec::is_empty) && opening.get().is_none() {
                return view! { <p class="empty" role="status" data-testid="history-empty">{move || i18n.t().pts.history_empty}</p> }.into_any();
            }
            view! {
                <ul class="points-history" data-testid="points-history">
                    <For each=move || entries.get() key=|e| (e.id.clone(), e.amount, e.overdraft) let:e>
                        <Line points=points entry=e/>
                    </For>
                    {move || opening.get().map(|(m, b)| view! {
                        <li class="points-entry opening" data-testid="points-opening">{(i18n.t().pts.opening)(&m, b)}</li>
                    })}
                </ul>
            }
            .into_any()
        }}
    }
}

#[component]
fn Line(points: Points, entry: Entry) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let link = match &entry.source {
        Source::Help { doc, request, .. } => Some(format!("/help/r/{doc}/{request}")),
        Source::Vote { proposal } | Source::Adopted { proposal } => points
            .proposals
            .get_untracked()
            .into_iter()
            .find(|(_, d)| d.id.to_string() == *proposal)
            .map(|(id, _)| format!("/deliberation/p/{id}")),
        _ => None,
    };
    let source = entry.source.clone();
    let what = move || {
        let t = i18n.t().pts;
        match &source {
            Source::Help { requester, .. } => (t.helped)(&name_of(&names.get(), requester)),
            Source::Vote { .. } => t.voted.to_owned(),
            Source::Adopted { .. } => t.adopted.to_owned(),
            Source::Redeem { name, .. } => (t.redeemed)(name),
            Source::Correct { reason } => (t.corrected)(reason),
            Source::Award { event } => (t.awarded)(event),
        }
    };
    let amount = if entry.amount > 0 {
        format!("+{}", entry.amount)
    } else {
        entry.amount.to_string()
    };
    let at = entry.at;
    view! {
        <li class="points-entry" data-testid="points-entry" data-entry=entry.id.clone()>
            <span class="points-what">
                {match link {
                    Some(href) => view! { <A href=href>{what}</A> }.into_any(),
                    None => view! { <span>{what}</span> }.into_any(),
                }}
                <span class="muted">{move || when(at, i18n.lang())}</span>
                {entry.capped.then(|| view! { <span class="chip">{move || i18n.t().pts.capped}</span> })}
                {entry.overdraft.then(|| view! { <span class="chip chip-urgent">{move || i18n.t().pts.overdraft}</span> })}
            </span>
            <span class=if entry.amount < 0 { "points-amount minus" } else { "points-amount" } data-testid="entry-amount">{amount}</span>
        </li>
    }
}
