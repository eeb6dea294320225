//! The points tab: my balance, the chart of the last year, my history, and the ways to the
//! leaderboard and (for staff) the desk.

use super::chart::Chart;
use super::history::History;
use super::{community, use_points};
use crate::i18n::use_i18n;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::{points, Millis, Role};

#[component]
pub fn PointsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let (Some(c), Some(me)) = (
        community(),
        session
            .member
            .with_untracked(|m| m.as_ref().map(|m| m.id.clone())),
    ) else {
        return ().into_any();
    };
    let p = use_points(&c);
    let is_staff = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.role == Role::Staff))
    };
    let me = StoredValue::new(me);
    let balance = Memo::new(move |_| p.ledger.with(|l| l.balance(&me.get_value())));
    // Each month's end of mine alone, not every member's balance and every document's heads
    // a year of certificates holds.
    let ends = Memo::new(move |_| {
        p.doc
            .read(|d| points::month_ends(d, &me.get_value()))
            .unwrap_or_default()
    });
    let months = Signal::derive(move || {
        let now = Millis(js_sys::Date::now() as i64);
        ends.with(|ends| {
            p.ledger
                .with(|l| points::chart(ends, l, &me.get_value(), now))
        })
    });
    let certified = move || {
        p.opening
            .with(|o| (!o.through.is_empty()).then(|| o.through.clone()))
    };
    view! {
        <section class="page points">
            <div class="page-head">
                <h1>{move || i18n.t().tab_points}</h1>
                <A href="/points/board" attr:class="button" attr:data-testid="points-board-link">{move || i18n.t().pts.board}</A>
                <Show when=is_staff>
                    <A href="/points/desk" attr:class="button primary" attr:data-testid="points-desk-link">{move || i18n.t().pts.desk}</A>
                </Show>
            </div>
            <p>{move || i18n.t().pts.intro}</p>
            {move || match super::not_ready(p.doc.state.get()) {
                Some(shown) => shown,
                None if !p.settled.get() => {
                    view! { <p class="loading" role="status">{move || i18n.t().loading}</p> }.into_any()
                }
                None => view! {
                    <div class="card points-balance">
                        <span class="muted">{move || i18n.t().pts.my_balance}</span>
                        <strong class="balance" data-testid="points-balance">{move || balance.get()}</strong>
                        {move || certified().map(|m| view! { <span class="muted">{(i18n.t().pts.certified)(&m)}</span> })}
                    </div>
                    <Chart months=months/>
                    <History points=p member=me.get_value()/>
                }
                .into_any(),
            }}
        </section>
    }
    .into_any()
}
