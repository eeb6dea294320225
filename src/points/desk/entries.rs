//! Staff's corrections (never without a reason) and awards for a community activity.

use super::{member_ids, member_options, parse_member, Outcome};
use crate::components::draft_field::DraftField;
use crate::help::use_names;
use crate::i18n::use_i18n;
use crate::points::Points;
use crate::settings::random_id;
use leptos::prelude::*;
use linli_core::points;
use linli_core::MemberId;

#[component]
pub(super) fn CorrectForm(points: Points) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let member = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let out = Outcome::new(&points);
    const KEY: &str = "points.correct.reason";
    view! {
        <form class="request-form staff" data-testid="correct-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (who, why) = (member.get_untracked(), reason.get_untracked());
            // An unreadable number is refused by core as out of range, in words.
            let n = amount.get_untracked().trim().parse::<i64>().unwrap_or(0);
            let all = member_ids(&names.get_untracked());
            let id = random_id("c");
            out.run(Box::new(move |d, w, now| {
                let who = parse_member(&who)?;
                points::correct(d, w, now, &id, &who, n, &why, &all).map(|_| ())
            }), move || {
                reason.try_set(String::new());
                amount.try_set(String::new());
                leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(KEY).await; });
            });
        }>
            <h2>{move || i18n.t().pts.correct}</h2>
            <div class="field">
                <label for="correct-member">{move || i18n.t().pts.member}</label>
                <select id="correct-member" on:change=move |ev| member.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t().pts.choose}</option>
                    {move || member_options(&names.get())}
                </select>
            </div>
            <div class="field">
                <label for="correct-amount">{move || i18n.t().pts.amount}</label>
                <input id="correct-amount" type="number" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
            </div>
            <DraftField draft_key=KEY value=reason label=|t| t.pts.reason/>
            {out.view()}
            <button type="submit" class="primary">{move || i18n.t().pts.record_correct}</button>
        </form>
    }
}

#[component]
pub(super) fn AwardForm(points: Points) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let event = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let came = RwSignal::new(Vec::<MemberId>::new());
    let out = Outcome::new(&points);
    const KEY: &str = "points.award.event";
    view! {
        <form class="request-form staff" data-testid="award-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (what, who) = (event.get_untracked(), came.get_untracked());
            let n = amount.get_untracked().trim().parse::<i64>().unwrap_or(0);
            let all = member_ids(&names.get_untracked());
            let id = random_id("a");
            out.run(Box::new(move |d, w, now| points::award(d, w, now, &id, &what, n, &who, &all).map(|_| ())), move || {
                event.try_set(String::new());
                came.try_set(Vec::new());
                leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(KEY).await; });
            });
        }>
            <h2>{move || i18n.t().pts.award}</h2>
            <DraftField draft_key=KEY value=event label=|t| t.pts.event/>
            <div class="field">
                <label for="award-amount">{move || i18n.t().pts.amount}</label>
                <input id="award-amount" type="number" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
            </div>
            <fieldset class="field">
                <legend>{move || i18n.t().pts.came}</legend>
                {move || {
                    let mut all = names.get();
                    linli_core::sort::by(&mut all, |a, b| a.1.cmp(&b.1));
                    all.dedup_by(|a, b| a.0 == b.0);
                    all.into_iter().map(|(id, name)| {
                        let key = id.clone();
                        let checked = move || came.with(|c| c.contains(&key));
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    came.update(|c| {
                                        c.retain(|m| *m != id);
                                        if on {
                                            c.push(id.clone());
                                        }
                                    });
                                }/>
                                {name}
                            </label>
                        }
                    }).collect_view()
                }}
            </fieldset>
            {out.view()}
            <button type="submit" class="primary">{move || i18n.t().pts.record_award}</button>
        </form>
    }
}
