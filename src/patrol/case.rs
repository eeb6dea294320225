//! An escalation's page: what was found, where it stands against its deadlines, every step
//! taken, and the step this member may take next (the officer's, the reporting worker's,
//! or staff's reassignment of a returned case).

use super::{member, name_of, not_ready, now, use_dir, Dir};
use crate::components::act::draft_key;
use crate::components::draft_field::DraftField;
use crate::components::when::when;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, DocState, OpenDoc};
use crate::settings::random_id;
use crate::store::{self, drafts, WriteError};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use linli_core::patrol::{self, Case, CaseDraft, CaseStepKind as K, Late, StepDraft, ESCALATION};
use linli_core::{DocId, Role};

#[component]
pub fn CasePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| DocId::parse(&params.get().get("doc").unwrap_or_default()).ok());
    let Some(m) = member() else {
        return ().into_any();
    };
    let dir = use_dir(&m);
    view! {
        <section class="page patrol-case">
            <p><A href="/patrol">{move || i18n.t().pts.back}</A></p>
            <h1>{move || i18n.t().ptl.case_title}</h1>
            {move || match id.get() {
                None => view! { <p class="empty">{move || i18n.t().page_not_found}</p> }.into_any(),
                Some(id) => view! { <Loaded doc=use_doc(id, ESCALATION) dir=dir/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Loaded(doc: OpenDoc, dir: Dir) -> impl IntoView {
    let i18n = use_i18n();
    let case = Memo::new(move |_| doc.read(patrol::read_case).flatten());
    let me = member();
    let options = Memo::new(move |_| {
        let posting = dir
            .reader
            .with(|r| r.posting.as_ref().map(|p| p.department.clone()));
        match (case.get(), &me) {
            (Some(c), Some(m)) => choices(&c, &m.role, &m.id, posting.as_deref()),
            _ => Vec::new(),
        }
    });
    let lang = move || i18n.lang();
    let error = RwSignal::new(None::<WriteError>);
    view! {
        {move || not_ready(doc.state.get())}
        <Show when=move || doc.state.get() == DocState::Ready>
            {move || match case.get() {
                None => view! { <p class="empty">{move || i18n.t().page_not_found}</p> }.into_any(),
                Some(c) => {
                    let late = c.late(now());
                    let due = match (c.ack_due(), c.resolve_due()) {
                        (Some(a), Some(r)) => vec![
                            (i18n.t().ptl.due_ack)(&when(a, lang(), false)),
                            (i18n.t().ptl.due_resolve)(&when(r, lang(), false)),
                        ],
                        _ => vec![i18n.t().ptl.not_received.to_owned()],
                    };
                    let dept = dir.departments.with(|d| name_of(d, &c.department));
                    let steps = c.steps.iter().map(|s| {
                                    let tail = if s.applied { "" } else { i18n.t().ptl.not_applied };
                                    view! {
                                        <li>
                                            <strong>{s.kind.label(lang()).to_owned()}</strong>
                                            {format!(" · {}{tail}", when(s.at, lang(), false))}
                                            {(!s.note.is_empty()).then(|| view! { <p class="note">{s.note.clone()}</p> })}
                                        </li>
                                    }
                                }).collect_view();
                    view! {
                        <article class="case" data-testid="case">
                            <p class="case-status" data-testid="case-status">{c.status.label(lang())}</p>
                            {late.map(|l| view! {
                                <p class="late" role="status">{match l {
                                    Late::Acknowledge => i18n.t().ptl.late_ack,
                                    Late::Resolve => i18n.t().ptl.late_resolve,
                                }}</p>
                            })}
                            <p class="description">{c.description.clone()}</p>
                            <p>{format!("{} · {} · {}", c.category.label(lang()), dept, when(c.reported_at, lang(), false))}</p>
                            <ul class="due">{due.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul>
                            <h2>{move || i18n.t().ptl.steps}</h2>
                            <ol class="steps" data-testid="case-steps">{steps}</ol>
                        </article>
                    }.into_any()
                }
            }}
            // Outside the part drawn anew for each state: the note field lives on from one
            // step to the next, so what is typed after a step is never raced by a draft
            // restored for a new form.
            <Show when=move || !options.with(Vec::is_empty)>
                <Actions doc=doc case=case options=options dir=dir error=error/>
            </Show>
            // Outside the form too: a reassignment's second write may fail after its first
            // has taken the form away.
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        </Show>
    }
}

/// The steps this member may take now.
fn choices(case: &Case, role: &Role, me: &linli_core::MemberId, posting: Option<&str>) -> Vec<K> {
    use linli_core::patrol::CaseStatus as S;
    match role {
        Role::Officer if posting == Some(case.department.as_str()) => match case.status {
            S::Reported => vec![
                K::Acknowledged,
                K::InProgress,
                K::Resolved,
                K::NotResponsible,
            ],
            S::Acknowledged | S::Reopened => vec![K::InProgress, K::Resolved, K::NotResponsible],
            S::InProgress => vec![K::Resolved, K::NotResponsible],
            _ => Vec::new(),
        },
        Role::GridWorker if case.author == *me && case.status == S::Resolved => {
            vec![K::Confirmed, K::Reopened]
        }
        Role::Staff if case.status == S::Returned => vec![K::Reassigned],
        _ => Vec::new(),
    }
}

#[component]
fn Actions(
    doc: OpenDoc,
    case: Memo<Option<Case>>,
    options: Memo<Vec<K>>,
    dir: Dir,
    error: RwSignal<Option<WriteError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let posting = move || {
        dir.reader
            .with_untracked(|r| r.posting.as_ref().map(|p| p.department.clone()))
    };
    let key = draft_key("patrol", "note", &doc.id.to_string());
    let note = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let take = move |kind: K| {
        busy.set(true);
        error.set(None);
        // Read now: the page may be gone by the time the write returns.
        let reassigned = case.get_untracked().filter(|_| kind == K::Reassigned);
        leptos::task::spawn_local(async move {
            let sid = random_id("s");
            let text = note.get_untracked();
            let dest = to.get_untracked();
            let posting = posting();
            let (t2, d2, k2, s2) = (text.clone(), dest.clone(), kind.clone(), sid.clone());
            let mut out = session
                .command(doc.id, move |d, w, now| {
                    let step = StepDraft {
                        kind: k2.clone(),
                        note: &t2,
                        to: (k2 == K::Reassigned).then_some(d2.as_str()),
                    };
                    patrol::act(d, w, posting.as_deref(), now, &s2, &step).map(|_| ())
                })
                .await;
            // A reassignment carries on in a new case for the new department.
            if let (true, Some(c)) = (out.is_ok(), reassigned) {
                let community = session
                    .member
                    .with_untracked(|m| m.as_ref().map(|m| m.community.clone()));
                if let (Some(comm), Some(s)) = (community, store::get()) {
                    let next = patrol::escalation_id(&comm, &format!("{}/{sid}", doc.id));
                    let _ = s.open_doc(next, ESCALATION).await;
                    let draft = CaseDraft {
                        category: c.category.clone(),
                        description: c.description.clone(),
                        position: c.position,
                        grid: c.grid.clone(),
                        patrol: c.patrol.clone(),
                        department: dest.clone(),
                        origin: Some(doc.id.to_string()),
                        deadlines: c.deadlines,
                    };
                    let key = c.id.clone();
                    out = session
                        .command(next, move |d, w, now| {
                            patrol::open_case(d, w, now, &key, &draft).map(|_| ())
                        })
                        .await;
                }
            }
            busy.try_set(false);
            if out.is_ok() {
                drafts::sent(key, note, &text).await;
            }
            error.try_set(out.err());
        });
    };
    let reassigning = move || options.with(|o| o.contains(&K::Reassigned));
    let label = move |k: &K| -> &'static str {
        let p = i18n.t().ptl;
        match k {
            K::Acknowledged => p.ack,
            K::InProgress => p.progress,
            K::Resolved => p.resolve,
            K::NotResponsible => p.give_back,
            K::Confirmed => p.confirm_fix,
            K::Reopened => p.reopen,
            _ => p.reassign,
        }
    };
    // A case's department never changes: read once, so a synced step does not redraw the
    // choice under the person making it.
    let current =
        StoredValue::new(case.with_untracked(|c| c.as_ref().map(|c| c.department.clone())));
    view! {
        <div class="case-actions">
            <DraftField draft_key=key value=note label=|t| t.ptl.note placeholder=|t| t.ptl.note_hint multiline=true/>
            <Show when=reassigning>
                <div class="field">
                    <label for="field-patrol-to">{move || i18n.t().ptl.reassign_to}</label>
                    <select id="field-patrol-to" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        // The directory may arrive after the case: the choices follow it.
                        {move || dir.departments.get().into_iter().filter(|p| current.with_value(|c| Some(&p.id) != c.as_ref())).map(|p| {
                            view! { <option value=p.id.clone()>{p.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </Show>
            <div class="actions">
                {move || options.get().into_iter().map(|k| {
                    let text = label(&k);
                    view! { <button class="primary" on:click=move |_| take(k.clone()) disabled=move || busy.get()>{text}</button> }
                }).collect_view()}
            </div>
        </div>
    }
}
