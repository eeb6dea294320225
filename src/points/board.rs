//! The community's leaderboard for this month, by display name. A member who opted out in
//! their profile is left out; each candidate's profile is opened (and so synced) to know.

use super::{community, use_points};
use crate::help::{name_of, use_names};
use crate::i18n::use_i18n;
use crate::session::{use_doc, DocState, OpenDoc};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::access::profile_id;
use linli_core::points::{self, Standing};
use linli_core::profile::Profile;
use linli_core::{DocKind, MemberId, Millis};
use std::collections::HashMap;

/// Standings shown.
const TOP: usize = 20;

#[component]
pub fn BoardPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(c) = community() else {
        return ().into_any();
    };
    let p = use_points(&c);
    let names = use_names();
    let month = Millis(js_sys::Date::now() as i64).month();
    let month_v = month.clone();
    // Every member who earned this month, their profile opened once for the page.
    let owner = Owner::current().expect("called from a component");
    let opened = StoredValue::new(HashMap::<MemberId, OpenDoc>::new());
    let c = StoredValue::new(c);
    let profiles = Memo::new(move |_| {
        let earners = p.ledger.with(|l| l.earned_in(&month_v));
        earners
            .into_iter()
            .map(|(m, _)| {
                let doc = opened
                    .with_value(|o| o.get(&m).copied())
                    .unwrap_or_else(|| {
                        let d = owner
                            .with(|| use_doc(profile_id(&c.get_value(), &m), DocKind::PROFILE));
                        opened.update_value(|o| {
                            o.insert(m.clone(), d);
                        });
                        d
                    });
                (m, doc)
            })
            .collect::<Vec<_>>()
    });
    let month_b = month.clone();
    let standings = Memo::new(move |_| {
        let shown: HashMap<MemberId, bool> = profiles
            .get()
            .into_iter()
            .map(|(m, d)| {
                let on = d.state.get() == DocState::Ready
                    && d.read(|d| Profile::read(d).on_board).unwrap_or(false);
                (m, on)
            })
            .collect();
        p.ledger
            .with(|l| points::board(l, &month_b, |m| shown.get(m).copied().unwrap_or(false), TOP))
    });
    view! {
        <section class="page points-board">
            <A href="/points" attr:class="back">{move || i18n.t().pts.back}</A>
            <h1>{move || (i18n.t().pts.board_title)(&month)}</h1>
            <p class="muted">{move || i18n.t().pts.board_note}</p>
            {move || {
                if standings.with(Vec::is_empty) {
                    return view! { <p class="empty" role="status" data-testid="board-empty">{move || i18n.t().pts.board_empty}</p> }.into_any();
                }
                view! {
                    <ol class="points-board-list" data-testid="points-board">
                        <For each=move || standings.get() key=|s: &Standing| (s.member.clone(), s.rank, s.earned) let:s>
                            <li data-testid="board-row" data-member=s.member.as_str().to_owned()>
                                <span class="rank">{s.rank}</span>
                                <span class="name">{
                                    let who = s.member.clone();
                                    move || name_of(&names.get(), &who)
                                }</span>
                                <span class="points-amount">{move || (i18n.t().pts.unit)(s.earned)}</span>
                            </li>
                        </For>
                    </ol>
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}
