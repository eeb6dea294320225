use super::ballot::Ballot;
use super::discussion::Discussion;
use super::results::Results;
use super::staff::{AssistForm, CloseEarlyForm, OutcomeForm, WindowForm};
use super::use_town;
use crate::components::act::{draft_key, Act};
use crate::components::draft_field::DraftField;
use crate::help::{name_of, use_names, waiting, when};
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, DocState, OpenDoc};
use crate::store::WriteError;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use linli_core::deliberation::{self, Actions, Proposal, Tally};
use linli_core::doc::Writer;
use linli_core::Millis;

/// What a proposal's page shares with its parts.
#[derive(Clone, Copy)]
pub(super) struct Page {
    pub doc: OpenDoc,
    pub proposal: Memo<Option<Proposal>>,
    pub acts: Memo<Actions>,
    /// Derived when a part that shows it first reads it, once per batch of changes.
    pub tally: Memo<Tally>,
    pub act: Act,
    /// The proposal's id, for draft keys of its own.
    pub id: StoredValue<String>,
}

pub(super) fn now() -> Millis {
    Millis(js_sys::Date::now() as i64)
}

#[component]
pub fn ProposalPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let target = Memo::new(move |_| {
        let id = params.get().get("id").unwrap_or_default();
        let c = session
            .member
            .with(|m| m.as_ref().map(|m| m.community.clone()))?;
        deliberation::index::valid_id(&id).then(|| (deliberation::doc_id(&c, &id), id))
    });
    view! {
        <section class="page proposal">
            <p><A href="/deliberation">{move || i18n.t().delib.back}</A></p>
            {move || match target.get() {
                None => view! { <p class="empty">{move || i18n.t().delib.not_found}</p> }.into_any(),
                Some((doc, id)) => view! { <Loaded doc=use_doc(doc, deliberation::KIND) id=id/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Loaded(doc: OpenDoc, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let proposal = Memo::new(move |_| doc.read(deliberation::read).flatten());
    let acts = Memo::new(move |_| {
        let Some(m) = session.member.get() else {
            return Actions::default();
        };
        let who = Writer {
            member: m.id,
            role: m.role,
        };
        doc.read(|d| deliberation::actions(d, &who, now()))
            .unwrap_or_default()
    });
    let tally = Memo::new(move |_| doc.read(deliberation::tally).unwrap_or_default());
    let page = Page {
        doc,
        proposal,
        acts,
        tally,
        act: Act {
            session,
            doc: doc.id,
            error: RwSignal::new(None::<WriteError>),
        },
        id: StoredValue::new(id),
    };
    move || {
        match doc.state.get() {
        DocState::Loading => view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any(),
        DocState::Failed(e) => {
            view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }.into_any()
        }
        DocState::WrongKind => view! { <p class="empty" role="status" data-testid="wrong-kind">{move || i18n.t().delib.not_found}</p> }
            .into_any(),
        DocState::Ready => match proposal.with(Option::is_some) {
            false => view! { <p class="empty" role="status">{move || i18n.t().delib.not_found}</p> }.into_any(),
            true => view! { <Detail page=page/> }.into_any(),
        },
    }
    }
}

#[component]
fn Detail(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let names = use_names();
    let town = use_town();
    let p = move || page.proposal.get();
    let can = move |f: fn(&Actions) -> bool| page.acts.with(f);
    let act = page.act;
    let editing = RwSignal::new(false);
    view! {
        {move || p().map(|p| {
            let author = name_of(&names.get(), &p.author);
            let state = p.state(now());
            view! {
                <h1 data-testid="proposal-title">{p.title.clone()}</h1>
                <p class="help-meta">
                    <span class="chip" data-testid="proposal-state">{move || state.label(i18n.lang())}</span>
                </p>
                <p class="muted">{move || (i18n.t().delib.by)(&author)} " · " {when(p.created_at, i18n.lang())}</p>
                <p class="help-details">{p.body.clone()}</p>
                {match (p.opens_at, p.closes_at) {
                    (Some(o), Some(c)) => Some(view! {
                        <p data-testid="proposal-window">
                            {move || (i18n.t().delib.window_text)(&when(o, i18n.lang()), &when(c, i18n.lang()))}
                        </p>
                        <p class="muted">{move || (i18n.t().delib.bar_text)(p.quorum_pct, p.threshold_pct)}</p>
                    }),
                    _ => None,
                }}
                {p.closed_early.clone().map(|r| view! { <p class="notice warn">{move || (i18n.t().delib.closed_early)(&r)}</p> })}
            }
        })}
        {move || {
            let n = waiting(&[page.doc]);
            (n > 0).then(|| view! { <p class="notice" role="status" data-testid="proposal-waiting">{move || (i18n.t().help_waiting_sync)(n)}</p> })
        }}
        <div class="actions">
            <Show when=move || can(|a| a.publish)>
                <button type="button" class="primary" data-testid="proposal-publish" on:click=move |_| {
                    act.run(Box::new(|d, w, now| deliberation::publish(d, w, now).map(|_| ())))
                }>{move || i18n.t().delib.publish}</button>
            </Show>
            <Show when=move || can(|a| a.edit) && !editing.get()>
                <button type="button" on:click=move |_| editing.set(true)>{move || i18n.t().delib.edit}</button>
            </Show>
            <Show when=move || can(|a| a.support)>
                <button type="button" class="primary" data-testid="proposal-support" on:click=move |_| {
                    act.run(Box::new(|d, w, now| deliberation::support(d, w, now).map(|_| ())))
                }>{move || i18n.t().delib.support}</button>
            </Show>
            <Show when=move || can(|a| a.supported)>
                <span class="chip chip-ok">{move || i18n.t().delib.supported}</span>
            </Show>
        </div>
        <Show when=move || can(|a| a.support || a.supported)>
            <p class="muted" data-testid="proposal-supports">{move || {
                let n = page.doc.read(|d| deliberation::supporters(d).len()).unwrap_or(0);
                let c = town.get();
                (i18n.t().delib.support_needed)(n, deliberation::supports_needed(c.members, c.support_pct))
            }}</p>
        </Show>
        <Show when=move || editing.get() && can(|a| a.edit)>
            <EditForm page=page editing=editing/>
        </Show>
        {move || page.act.error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        <Show when=move || can(|a| a.set_window)>
            <WindowForm page=page/>
        </Show>
        <Ballot page=page/>
        <Show when=move || can(|a| a.assist)>
            <AssistForm page=page/>
        </Show>
        <Show when=move || can(|a| a.close_early)>
            <CloseEarlyForm page=page/>
        </Show>
        <Results page=page/>
        <super::staff::Outcomes page=page/>
        <Show when=move || can(|a| a.outcome)>
            <OutcomeForm page=page/>
        </Show>
        <Discussion page=page/>
        <Show when=move || can(|a| a.withdraw)>
            <WithdrawButton act=act/>
        </Show>
    }
}

#[component]
fn EditForm(page: Page, editing: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let (title, body) = page
        .proposal
        .with_untracked(|p| p.as_ref().map(|p| (p.title.clone(), p.body.clone())))
        .unwrap_or_default();
    let id = page.id.get_value();
    let (title, body) = (RwSignal::new(title), RwSignal::new(body));
    let (tk, bk) = (
        draft_key("delib", "title", &id),
        draft_key("delib", "body", &id),
    );
    view! {
        <form class="request-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (t, b) = (title.get_untracked(), body.get_untracked());
            page.act.run_then(
                Box::new(move |d, w, now| deliberation::edit(d, w, now, &t, &b).map(|_| ())),
                move || {
                    editing.try_set(false);
                    leptos::task::spawn_local(async move {
                        let _ = crate::store::drafts::clear(tk).await;
                        let _ = crate::store::drafts::clear(bk).await;
                    });
                },
            );
        }>
            <DraftField draft_key=tk value=title label=|t| t.delib.title/>
            <DraftField draft_key=bk value=body label=|t| t.delib.body multiline=true/>
            <button type="submit" class="primary">{move || i18n.t().save}</button>
            <button type="button" on:click=move |_| editing.set(false)>{move || i18n.t().cancel}</button>
        </form>
    }
}

#[component]
fn WithdrawButton(act: Act) -> impl IntoView {
    let i18n = use_i18n();
    let asking = RwSignal::new(false);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! { <button type="button" on:click=move |_| asking.set(true)>{move || i18n.t().delib.withdraw}</button> }
        >
            <div class="confirm" role="alertdialog">
                <p>{move || i18n.t().delib.confirm_withdraw}</p>
                <button type="button" class="danger" on:click=move |_| {
                    asking.set(false);
                    act.run(Box::new(|d, w, now| deliberation::withdraw(d, w, now).map(|_| ())))
                }>{move || i18n.t().delib.withdraw}</button>
                <button type="button" on:click=move |_| asking.set(false)>{move || i18n.t().cancel}</button>
            </div>
        </Show>
    }
}
