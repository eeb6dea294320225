//! The catalogue: each item's name and price, and whether it is offered now.

use super::Outcome;
use crate::i18n::use_i18n;
use crate::points::Points;
use crate::settings::random_id;
use leptos::prelude::*;
use linli_core::points;

#[component]
pub(super) fn Catalogue(points: Points) -> impl IntoView {
    let i18n = use_i18n();
    let items = Memo::new(move |_| points.doc.read(points::catalogue).unwrap_or_default());
    // The item being edited: its id (a fresh one for a new item), name, price, retired.
    let editing = RwSignal::new(None::<(String, String, String, bool)>);
    let out = Outcome::new(&points);
    view! {
        <h2>{move || i18n.t().pts.catalogue}</h2>
        {move || {
            if items.with(Vec::is_empty) {
                return view! { <p class="empty" role="status">{move || i18n.t().pts.catalogue_empty}</p> }.into_any();
            }
            view! {
                <ul class="points-history" data-testid="catalogue">
                    <For each=move || items.get() key=|i| (i.id.clone(), i.name.clone(), i.price, i.retired) let:i>
                        {
                            let edit = (i.id.clone(), i.name.clone(), i.price.to_string(), i.retired);
                            view! {
                                <li class="points-entry" data-testid="catalogue-item">
                                    <span class="points-what">
                                        <span>{i.name.clone()}</span>
                                        {i.retired.then(|| view! { <span class="chip">{move || i18n.t().pts.retired}</span> })}
                                    </span>
                                    <span class="points-amount">{move || (i18n.t().pts.unit)(i.price)}</span>
                                    <button type="button" on:click=move |_| editing.set(Some(edit.clone()))>{move || i18n.t().pts.edit}</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            }
            .into_any()
        }}
        <button type="button" data-testid="item-new" on:click=move |_| editing.set(Some((random_id("i"), String::new(), String::new(), false)))>
            {move || i18n.t().pts.new_item}
        </button>
        {move || editing.get().map(|(id, name, price, retired)| {
            let (name, price, retired) = (RwSignal::new(name), RwSignal::new(price), RwSignal::new(retired));
            view! {
                <form class="request-form staff" data-testid="item-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let id = id.clone();
                    let (n, r) = (name.get_untracked(), retired.get_untracked());
                    let pr = price.get_untracked().trim().parse::<i64>().unwrap_or(0);
                    out.run(Box::new(move |d, w, now| points::set_item(d, w, now, &id, &n, pr, r).map(|_| ())), move || {
                        editing.try_set(None);
                    });
                }>
                    <div class="field">
                        <label for="item-name">{move || i18n.t().pts.item_name}</label>
                        <input id="item-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    </div>
                    <div class="field">
                        <label for="item-price">{move || i18n.t().pts.price}</label>
                        <input id="item-price" type="number" prop:value=move || price.get() on:input=move |ev| price.set(event_target_value(&ev))/>
                    </div>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || retired.get() on:change=move |ev| retired.set(event_target_checked(&ev))/>
                        {move || i18n.t().pts.retired}
                    </label>
                    <button type="submit" class="primary" data-testid="item-save">{move || i18n.t().pts.save_item}</button>
                    <button type="button" on:click=move |_| editing.set(None)>{move || i18n.t().cancel}</button>
                </form>
            }
        })}
        {out.view()}
    }
}
