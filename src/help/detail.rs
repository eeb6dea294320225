use super::private::PrivatePanel;
use super::{name_of, use_names, waiting, when};
use crate::components::act::Act;
use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, DocState, OpenDoc};
use crate::store::WriteError;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use linli_core::doc::Writer;
use linli_core::help::{self, Request};
use linli_core::{DocId, DocKind, MemberId, Millis};

/// A draft key of one request's own.
fn draft_key(field: &str, request: &str) -> &'static str {
    crate::components::act::draft_key("help", field, request)
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let target = Memo::new(move |_| {
        let p = params.get();
        let doc = DocId::parse(&p.get("doc").unwrap_or_default()).ok()?;
        Some((doc, p.get("id").unwrap_or_default()))
    });
    view! {
        <section class="page help-detail">
            <p><A href="/help">{move || i18n.t().help_back}</A></p>
            {move || match target.get() {
                None => view! { <p class="empty">{move || i18n.t().help_not_found}</p> }.into_any(),
                Some((doc, id)) => view! { <Loaded doc=use_doc(doc, DocKind::HELP) id=id/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Loaded(doc: OpenDoc, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let id = StoredValue::new(id);
    let req = Memo::new(move |_| {
        doc.read(|d| help::read_request(d, &id.get_value()))
            .flatten()
    });
    move || {
        match doc.state.get() {
        DocState::Loading => view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any(),
        DocState::Failed(e) => {
            view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }
                .into_any()
        }
        DocState::WrongKind => view! { <p class="empty" role="status" data-testid="wrong-kind">{move || i18n.t().help_not_found}</p> }
            .into_any(),
        DocState::Ready => match req.get() {
            None => view! { <p class="empty" role="status">{move || i18n.t().help_not_found}</p> }
                .into_any(),
            Some(_) => view! { <Detail doc=doc req=req/> }.into_any(),
        },
    }
    }
}

#[component]
fn Detail(doc: OpenDoc, req: Memo<Option<Request>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let names = use_names();
    let me = Memo::new(move |_| {
        session
            .member
            .with(|m| m.as_ref().map(|m| (m.id.clone(), m.role.clone())))
    });
    let r = move || req.get();
    let now = move || Millis(js_sys::Date::now() as i64);
    let status = Memo::new(move |_| r().map(|r| r.status(now())));
    // What this person may do now, as core says: no lifecycle rule is derived here.
    let acts = Memo::new(move |_| {
        let (r, (member, role)) = (r()?, me.get()?);
        Some(help::actions(&r, &Writer { member, role }, now()))
    });
    let can = move |f: fn(&help::Actions) -> bool| acts.with(|a| a.as_ref().is_some_and(f));
    let error = RwSignal::new(None::<WriteError>);
    let act = Act {
        session,
        doc: doc.id,
        error,
    };
    let rid = move || r().map(|r| r.id).unwrap_or_default();

    view! {
        {move || r().map(|r| {
            let (cat, urg) = (r.category.clone(), r.urgency.clone());
            let author = name_of(&names.get(), &r.author);
            view! {
                <h1 data-testid="help-detail-title">{r.title.clone()}</h1>
                <p class="help-meta">
                    <span class="chip">{move || urg.label(i18n.lang()).to_owned()}</span>
                    <span class="chip">{move || cat.label(i18n.lang()).to_owned()}</span>
                    <span class="chip" data-testid="help-detail-status">{move || status.get().map(|s| s.label(i18n.lang())).unwrap_or_default()}</span>
                </p>
                <p class="muted">{move || (i18n.t().help_posted_by)(&author)} " · " {r.place.clone()}</p>
                {r.needed_by.map(|t| view! { <p class="muted">{move || (i18n.t().help_needed_at)(&when(t, i18n.lang()))}</p> })}
                <p class="muted">{move || (i18n.t().help_expires_at)(&when(r.expires_at, i18n.lang()))}</p>
                <p class="help-details">{r.details.clone()}</p>
                {r.hidden.first().map(|h| {
                    let reason = h.reason.clone();
                    view! { <p class="notice warn">{move || (i18n.t().help_hidden)(&reason)}</p> }
                })}
            }
        })}
        {move || {
            let n = waiting(&[doc]);
            (n > 0).then(|| view! { <p class="notice" role="status" data-testid="help-waiting">{move || (i18n.t().help_waiting_sync)(n)}</p> })
        }}
        <Show when=move || can(|a| a.extend)>
            <div class="notice warn" data-testid="still-needed">
                <p>{move || i18n.t().help_still_needed}</p>
                <button type="button" on:click=move |_| {
                    let id = rid();
                    act.run(Box::new(move |d, w, now| help::extend(d, w, now, &id, 7).map(|_| ())))
                }>{move || i18n.t().help_extend}</button>
            </div>
        </Show>
        <h2>{move || i18n.t().help_offers}</h2>
        <Offers req=req names=names acts=acts act=act/>
        <Show when=move || can(|a| a.offer || a.withdraw)>
            <OfferForm req=req acts=acts act=act/>
        </Show>
        <Show when=move || can(|a| a.mark_done)>
            <button type="button" class="primary" on:click=move |_| {
                let id = rid();
                act.run(Box::new(move |d, w, now| help::mark_done(d, w, now, &id).map(|_| ())))
            }>{move || i18n.t().help_mark_done}</button>
        </Show>
        <Show when=move || can(|a| a.confirm)>
            <button type="button" class="primary" on:click=move |_| {
                let id = rid();
                act.run(Box::new(move |d, w, now| help::confirm(d, w, now, &id).map(|_| ())))
            }>{move || i18n.t().help_confirm}</button>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        {move || {
            let (r, (my_id, _)) = (r()?, me.get()?);
            let helper = r.accepted.clone()?;
            can(|a| a.private).then(|| {
                let other = if r.author == my_id { helper.clone() } else { r.author.clone() };
                view! { <PrivatePanel help=doc.id request=r.id.clone() helper=helper other=other names=names/> }
            })
        }}
        <Show when=move || can(|a| a.cancel)>
            <CancelButton act=act rid=Signal::derive(rid)/>
        </Show>
        <Show when=move || can(|a| a.report)>
            <super::reports::ReportForm doc=doc.id rid=Signal::derive(rid)/>
        </Show>
        <Show when=move || can(|a| a.hide)>
            <HideForm act=act rid=Signal::derive(rid)/>
        </Show>
    }
}

#[component]
fn Offers(
    req: Memo<Option<Request>>,
    names: Memo<Vec<(MemberId, String)>>,
    acts: Memo<Option<help::Actions>>,
    act: Act,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let Some(r) = req.get() else {
            return view! { <p></p> }.into_any();
        };
        if r.offers.is_empty() {
            return view! { <p class="empty" data-testid="no-offers">{move || i18n.t().help_no_offers}</p> }.into_any();
        }
        let acceptable = acts.with(|a| a.as_ref().map(|a| a.accept.clone()).unwrap_or_default());
        let rows = r
            .offers
            .iter()
            .map(|o| {
                let name = name_of(&names.get_untracked(), &o.helper);
                let chosen = r.accepted.as_ref() == Some(&o.helper);
                let aside = r.set_aside.contains(&o.helper);
                let decided = r.accepted.is_some();
                let helper = o.helper.clone();
                let rid = r.id.clone();
                let withdrawn = o.withdrawn;
                let may_accept = acceptable.contains(&o.helper);
                let note = o.note.clone();
                view! {
                    <li class="offer" data-testid="offer">
                        <span class="offer-name">{name}</span>
                        {(!note.is_empty()).then(|| view! { <span class="muted">{note}</span> })}
                        {chosen.then(|| view! { <span class="chip chip-ok" data-testid="offer-chosen">{move || i18n.t().help_chosen}</span> })}
                        {(decided && !chosen).then(|| view! { <span class="chip" data-testid="offer-not-chosen">{move || i18n.t().help_not_chosen}</span> })}
                        {aside.then(|| view! { <span class="muted">{move || i18n.t().help_set_aside}</span> })}
                        {withdrawn.then(|| view! { <span class="chip">{move || i18n.t().help_withdrawn}</span> })}
                        {may_accept.then(|| view! {
                            <button type="button" on:click=move |_| {
                                let (id, h) = (rid.clone(), helper.clone());
                                act.run(Box::new(move |d, w, now| help::accept(d, w, now, &id, &h).map(|_| ())))
                            }>{move || i18n.t().help_accept}</button>
                        })}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="offers" data-testid="offers">{rows}</ul> }.into_any()
    }
}

#[component]
fn OfferForm(
    req: Memo<Option<Request>>,
    acts: Memo<Option<help::Actions>>,
    act: Act,
) -> impl IntoView {
    let i18n = use_i18n();
    let note = RwSignal::new(String::new());
    let offered = move || acts.with(|a| a.as_ref().is_some_and(|a| a.withdraw));
    let rid = move || req.get().map(|r| r.id).unwrap_or_default();
    let key = draft_key(
        "offer",
        &req.with_untracked(|r| r.as_ref().map(|r| r.id.clone()).unwrap_or_default()),
    );
    view! {
        <Show
            when=offered
            fallback=move || view! {
                <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let (id, text) = (rid(), note.get_untracked());
                    act.run_then(
                        Box::new(move |d, w, now| help::offer(d, w, now, &id, &text).map(|_| ())),
                        move || {
                            note.try_set(String::new());
                            leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(key).await; });
                        },
                    );
                }>
                    <DraftField draft_key=key value=note label=|t| t.help_offer_note/>
                    <button type="submit" class="primary">{move || i18n.t().help_offer}</button>
                </form>
            }
        >
            <button type="button" on:click=move |_| {
                let id = rid();
                act.run(Box::new(move |d, w, now| help::withdraw_offer(d, w, now, &id).map(|_| ())))
            }>{move || i18n.t().help_withdraw}</button>
        </Show>
    }
}

#[component]
fn CancelButton(act: Act, rid: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let asking = RwSignal::new(false);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! { <button type="button" on:click=move |_| asking.set(true)>{move || i18n.t().help_cancel}</button> }
        >
            <div class="confirm" role="alertdialog">
                <p>{move || i18n.t().help_confirm_cancel}</p>
                <button type="button" class="danger" on:click=move |_| {
                    asking.set(false);
                    let id = rid.get_untracked();
                    act.run(Box::new(move |d, w, now| help::cancel(d, w, now, &id).map(|_| ())))
                }>{move || i18n.t().help_cancel}</button>
                <button type="button" on:click=move |_| asking.set(false)>{move || i18n.t().cancel}</button>
            </div>
        </Show>
    }
}

#[component]
fn HideForm(act: Act, rid: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let key = draft_key("hide", &rid.get_untracked());
    view! {
        <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, why) = (rid.get_untracked(), reason.get_untracked());
            act.run_then(
                Box::new(move |d, w, now| help::hide(d, w, now, &id, &why).map(|_| ())),
                move || {
                    reason.try_set(String::new());
                    leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(key).await; });
                },
            );
        }>
            <DraftField draft_key=key value=reason label=|t| t.help_hide_reason/>
            <button type="submit" class="danger">{move || i18n.t().help_hide}</button>
        </form>
    }
}
