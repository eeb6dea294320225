//! Staff's points desk: record a redemption by choosing a member and an item (offline too:
//! it is a change on this device first), see flagged balances, correct or award points,
//! and edit the catalogue and the rules. Every write is a core command; a refusal shows
//! in words and changes nothing.

use super::{community, use_points, Points};
use crate::components::act::Act;
use crate::components::draft_field::DraftField;
use crate::components::when::parse_local;
use crate::help::{name_of, use_names, when};
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::use_session;
use crate::settings::random_id;
use crate::store::WriteError;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::points::{self, Item, Rates};
use linli_core::{LinliError, MemberId, Millis, Role};

#[component]
pub fn DeskPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let is_staff = move || {
        session
            .member
            .with(|m| m.as_ref().is_some_and(|m| m.role == Role::Staff))
    };
    view! {
        <section class="page points-desk">
            <A href="/points" attr:class="back">{move || i18n.t().pts.back}</A>
            <h1>{move || i18n.t().pts.desk}</h1>
            <Show
                when=is_staff
                fallback=move || view! { <p class="empty" role="status">{move || i18n.t().pts.staff_only}</p> }
            >
                <Desk/>
            </Show>
        </section>
    }
}

/// A form's outcome: nothing yet, recorded, or refused in words.
#[derive(Clone, Copy)]
struct Outcome {
    act: Act,
    done: RwSignal<bool>,
}

impl Outcome {
    fn new(points: &Points) -> Outcome {
        Outcome {
            act: Act {
                session: use_session(),
                doc: points.doc.id,
                error: RwSignal::new(None::<WriteError>),
            },
            done: RwSignal::new(false),
        }
    }

    fn run(self, f: crate::components::act::Command, then: impl FnOnce() + 'static) {
        self.done.set(false);
        let done = self.done;
        self.act.run_then(f, move || {
            done.try_set(true);
            then();
        });
    }

    fn view(self) -> impl IntoView {
        let i18n = use_i18n();
        move || {
            if let Some(e) = self.act.error.get() {
                return Some(
                    view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> }.into_any(),
                );
            }
            self.done.get().then(|| {
                view! { <p class="ok" role="status">{move || i18n.t().pts.recorded}</p> }.into_any()
            })
        }
    }
}

fn member_ids(names: &[(MemberId, String)]) -> Vec<MemberId> {
    names.iter().map(|(m, _)| m.clone()).collect()
}

#[component]
fn Desk() -> impl IntoView {
    let i18n = use_i18n();
    let Some(c) = community() else {
        return ().into_any();
    };
    let p = use_points(&c);
    view! {
        <p>{move || i18n.t().pts.desk_intro}</p>
        <RedeemForm points=p/>
        <Flagged points=p/>
        <CorrectForm points=p/>
        <AwardForm points=p/>
        <Catalogue points=p/>
        <RatesForm points=p/>
    }
    .into_any()
}

fn member_options(names: &[(MemberId, String)]) -> impl IntoView {
    let mut names = names.to_vec();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    names.dedup_by(|a, b| a.0 == b.0);
    names
        .into_iter()
        .map(|(id, name)| view! { <option value=id.as_str().to_owned()>{name}</option> })
        .collect_view()
}

fn parse_member(s: &str) -> linli_core::Result<MemberId> {
    MemberId::parse(s).map_err(|_| LinliError::NotAMember)
}

#[component]
fn RedeemForm(points: Points) -> impl IntoView {
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
fn Flagged(points: Points) -> impl IntoView {
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

#[component]
fn CorrectForm(points: Points) -> impl IntoView {
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
fn AwardForm(points: Points) -> impl IntoView {
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
                <input id="award-amount" type="number" min="1" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
            </div>
            <fieldset class="field">
                <legend>{move || i18n.t().pts.came}</legend>
                {move || {
                    let mut all = names.get();
                    all.sort_by(|a, b| a.1.cmp(&b.1));
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

#[component]
fn Catalogue(points: Points) -> impl IntoView {
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
                        <input id="item-price" type="number" min="1" prop:value=move || price.get() on:input=move |ev| price.set(event_target_value(&ev))/>
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

#[component]
fn RatesForm(points: Points) -> impl IntoView {
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
                <input id=id type="number" min="0" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
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
