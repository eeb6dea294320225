//! Logging a finding inside a running patrol: duty, kind of problem, what was found, and
//! solved on the spot or escalated to a department serving the community (the kind
//! suggests one). What is typed is kept on the device as it is typed.

use super::{geo, Dir};
use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_session, OpenDoc};
use crate::settings::random_id;
use crate::store::{self, drafts, WriteError};
use leptos::prelude::*;
use linli_core::patrol::{
    self, CaseDraft, Category, Duty, ObservationDraft, OutcomeDraft, ESCALATION,
};

const DESCRIPTION_DRAFT: &str = "patrol.description";
const ACTION_DRAFT: &str = "patrol.action";

#[component]
pub fn ObservationForm(
    doc: OpenDoc,
    patrol: String,
    grid: String,
    dir: Dir,
    desk: OpenDoc,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let duty = RwSignal::new(Duty::Inspect);
    let category = RwSignal::new(Category::Sanitation);
    let description = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let escalate = RwSignal::new(false);
    let department = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<WriteError>);
    let done = RwSignal::new(false);
    let suggested = Memo::new(move |_| {
        category.with(|c| dir.departments.with(|d| patrol::suggest_department(c, d)))
    });
    // The suggestion fills the choice until the worker picks one themselves.
    Effect::new(move |_| {
        if let Some(s) = suggested.get() {
            department.set(s);
        } else if department.get_untracked().is_empty() {
            if let Some(first) = dir.departments.with(|d| d.first().map(|p| p.id.clone())) {
                department.set(first);
            }
        }
    });
    let (patrol, grid) = (StoredValue::new(patrol), StoredValue::new(grid));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        done.set(false);
        let sent_action = action.get_untracked();
        let outcome = if escalate.get_untracked() {
            OutcomeDraft::Escalated {
                department: department.get_untracked(),
            }
        } else {
            OutcomeDraft::Resolved {
                action: action.get_untracked(),
            }
        };
        leptos::task::spawn_local(async move {
            let position = geo::here().await;
            let draft = ObservationDraft {
                duty: duty.get_untracked(),
                category: category.get_untracked(),
                description: description.get_untracked(),
                position,
                outcome: outcome.clone(),
                report: None,
            };
            let serving = dir.departments.get_untracked();
            let oid = random_id("o");
            let pid = patrol.get_value();
            let (o, d) = (oid.clone(), draft.clone());
            let mut out = session
                .command(doc.id, move |doc, w, now| {
                    patrol::observe(doc, w, now, &pid, &o, &d, &serving).map(|_| ())
                })
                .await;
            // An escalation opens its case in the document its id derives to, offline too.
            if let (Ok(()), OutcomeDraft::Escalated { department }) = (&out, &outcome) {
                let community = session
                    .member
                    .with_untracked(|m| m.as_ref().map(|m| m.community.clone()));
                if let (Some(c), Some(s)) = (community, store::get()) {
                    let case = patrol::escalation_id(&c, &oid);
                    let _ = s.open_doc(case, ESCALATION).await;
                    let deadlines = desk.read(patrol::deadlines).unwrap_or_default();
                    let draft = CaseDraft {
                        category: draft.category.clone(),
                        description: draft.description.clone(),
                        position,
                        grid: grid.get_value(),
                        patrol: format!("{}/{}/{oid}", doc.id, patrol.get_value()),
                        department: department.clone(),
                        origin: None,
                        deadlines,
                    };
                    out = session
                        .command(case, move |d, w, now| {
                            patrol::open_case(d, w, now, &oid, &draft).map(|_| ())
                        })
                        .await;
                }
            }
            busy.try_set(false);
            match out {
                Ok(()) => {
                    // The next finding, if typed while this one was written, stays.
                    drafts::sent_form(&[
                        (DESCRIPTION_DRAFT, description, &draft.description),
                        (ACTION_DRAFT, action, &sent_action),
                    ])
                    .await;
                    done.try_set(true);
                    error.try_set(None);
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let lang = move || i18n.lang();
    view! {
        <form class="observation-form" on:submit=save novalidate>
            <h2>{move || i18n.t().ptl.observe}</h2>
            <div class="field">
                <label for="field-patrol-duty">{move || i18n.t().ptl.duty}</label>
                <select id="field-patrol-duty" on:change=move |ev| duty.set(Duty::parse(&event_target_value(&ev)))>
                    {Duty::KNOWN.iter().map(|d| {
                        let value = d.as_str().to_owned();
                        view! { <option value=value>{move || d.label(lang()).to_owned()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="field-patrol-category">{move || i18n.t().ptl.category}</label>
                <select id="field-patrol-category" on:change=move |ev| category.set(Category::parse(&event_target_value(&ev)))>
                    {Category::KNOWN.iter().map(|c| {
                        let value = c.as_str().to_owned();
                        view! { <option value=value>{move || c.label(lang()).to_owned()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <DraftField draft_key=DESCRIPTION_DRAFT value=description label=|t| t.ptl.description placeholder=|t| t.ptl.description_hint multiline=true/>
            <fieldset class="field outcome">
                <legend>{move || i18n.t().ptl.outcome}</legend>
                <label><input type="radio" name="outcome" prop:checked=move || !escalate.get() on:change=move |_| escalate.set(false)/>{move || i18n.t().ptl.on_spot}</label>
                <label><input type="radio" name="outcome" prop:checked=move || escalate.get() on:change=move |_| escalate.set(true)/>{move || i18n.t().ptl.escalate}</label>
            </fieldset>
            <Show when=move || !escalate.get()>
                <DraftField draft_key=ACTION_DRAFT value=action label=|t| t.ptl.action placeholder=|t| t.ptl.action_hint/>
            </Show>
            <Show when=move || escalate.get()>
                <div class="field">
                    <label for="field-patrol-department">{move || i18n.t().ptl.department}</label>
                    <select id="field-patrol-department" prop:value=move || department.get()
                        on:change=move |ev| department.set(event_target_value(&ev))>
                        {move || dir.departments.get().into_iter().map(|p| {
                            let tag = if suggested.get().as_deref() == Some(p.id.as_str()) { i18n.t().ptl.suggested } else { "" };
                            view! { <option value=p.id.clone()>{format!("{}{tag}", p.name)}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
            <Show when=move || done.get()>
                <p class="notice ok" role="status">{move || i18n.t().ptl.observed}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || busy.get()>{move || i18n.t().ptl.save_observation}</button>
        </form>
    }
}
