//! Residents raise problems (接诉即办): the resident's page to report one and see what was
//! done, and the list workers and staff answer from.

use super::{member, not_ready, use_dir, Dir, Opener};
use crate::components::act::draft_key;
use crate::components::draft_field::DraftField;
use crate::components::when::when;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{profile_doc, use_doc, use_session, DocState, OpenDoc};
use crate::settings::random_id;
use crate::store::{drafts, WriteError};
use leptos::prelude::*;
use linli_core::patrol::{self, Category, Report, ReportDraft, ReportStatus, REPORTS};
use linli_core::Role;

const DRAFTS: [&str; 2] = ["patrol.report", "patrol.place"];

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let Some(m) = member() else {
        return ().into_any();
    };
    if m.role != Role::Resident {
        return view! { <section class="page"><p class="empty">{move || i18n.t().patrol_not_for_role}</p></section> }.into_any();
    }
    let dir = use_dir(&m);
    let doc = use_doc(patrol::reports_id(&m.community, &m.id), REPORTS);
    let (_, ctx) = profile_doc(&m);
    let ctx = StoredValue::new(ctx);
    let category = RwSignal::new(Category::Sanitation);
    let description = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let grid = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<WriteError>);
    let sent = RwSignal::new(false);
    let mine = Memo::new(move |_| doc.read(patrol::read_reports).unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        sent.set(false);
        let draft = ReportDraft {
            category: category.get_untracked(),
            description: description.get_untracked(),
            place: place.get_untracked(),
            grid: Some(grid.get_untracked()).filter(|g| !g.is_empty()),
        };
        leptos::task::spawn_local(async move {
            let id = random_id("r");
            let out = session
                .command(doc.id, move |d, w, now| {
                    patrol::file_report(d, w, &ctx.get_value(), now, &id, &draft).map(|_| ())
                })
                .await;
            busy.try_set(false);
            match out {
                Ok(()) => {
                    for k in DRAFTS {
                        let _ = drafts::clear(k).await;
                    }
                    description.try_set(String::new());
                    place.try_set(String::new());
                    sent.try_set(true);
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
        <section class="page patrol-reports">
            <h1>{move || i18n.t().ptl.report_title}</h1>
            <p>{move || i18n.t().ptl.report_intro}</p>
            <form class="report-form" on:submit=submit novalidate>
                <div class="field">
                    <label for="field-report-category">{move || i18n.t().ptl.category}</label>
                    <select id="field-report-category" on:change=move |ev| category.set(Category::parse(&event_target_value(&ev)))>
                        {Category::KNOWN.iter().map(|c| {
                            let value = c.as_str().to_owned();
                            view! { <option value=value>{move || c.label(lang()).to_owned()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <DraftField draft_key="patrol.report" value=description label=|t| t.ptl.description placeholder=|t| t.ptl.description_hint multiline=true/>
                <DraftField draft_key="patrol.place" value=place label=|t| t.ptl.report_place placeholder=|t| t.help_place_hint/>
                <div class="field">
                    <label for="field-report-grid">{move || i18n.t().ptl.report_grid}</label>
                    <select id="field-report-grid" on:change=move |ev| grid.set(event_target_value(&ev))>
                        <option value="">{move || i18n.t().ptl.grid_unknown}</option>
                        {move || dir.grids.get().into_iter().map(|p| view! { <option value=p.id.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
                <Show when=move || sent.get()>
                    <p class="notice ok" role="status">{move || i18n.t().ptl.reported}</p>
                </Show>
                <button type="submit" class="primary" disabled=move || busy.get()>{move || i18n.t().ptl.send_report}</button>
            </form>
            <h2>{move || i18n.t().ptl.my_reports}</h2>
            {move || not_ready(doc.state.get())}
            <Show when=move || doc.state.get() == DocState::Ready>
                <Show when=move || !mine.with(Vec::is_empty)
                    fallback=move || view! { <p class="empty">{move || i18n.t().ptl.no_my_reports}</p> }>
                    <ul class="report-list" data-testid="my-reports">
                        <For each=move || mine.get() key=|r| (r.id.clone(), r.answers.len()) let:r>
                            <ReportItem report=r/>
                        </For>
                    </ul>
                </Show>
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn ReportItem(report: Report) -> impl IntoView {
    let i18n = use_i18n();
    let lang = i18n.lang();
    let status = report.status().map_or_else(
        || i18n.t().ptl.waiting_answer.to_owned(),
        |s| s.label(lang).to_owned(),
    );
    let last = report.answers.last().map(|a| a.note.clone());
    view! {
        <li>
            <p>{report.description.clone()}</p>
            <small>{format!("{} · {} · {}", report.category.label(lang), report.place, when(report.at, lang, false))}</small>
            <p class="report-status" data-testid="report-status">{status}</p>
            {last.map(|n| view! { <p class="answer">{n}</p> })}
        </li>
    }
}

/// The residents' reports that reached this member's grids (staff: every grid), each with
/// an answer form; staff send a report with no grid to one.
#[component]
pub fn GridReports(dir: Dir, desk: OpenDoc) -> impl IntoView {
    let i18n = use_i18n();
    let Some(m) = member() else {
        return ().into_any();
    };
    let staff = m.role == Role::Staff;
    let c = m.community.clone();
    let opener = Opener::new(REPORTS);
    let rows = Memo::new(move |_| {
        let grids = dir.reader.with(|r| r.grids.clone());
        desk.read(patrol::inbox)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| staff || e.grid.as_ref().is_some_and(|g| grids.contains(g)))
            .filter_map(|e| {
                let d = opener.open(patrol::reports_id(&c, &e.member));
                let r = d
                    .read(patrol::read_reports)?
                    .into_iter()
                    .find(|r| r.id == e.report)?;
                Some((e, d, r))
            })
            .collect::<Vec<_>>()
    });
    view! {
        <section class="page grid-reports">
            <h2>{move || i18n.t().ptl.reports_title}</h2>
            <Show when=move || !rows.with(Vec::is_empty)
                fallback=move || view! { <p class="empty">{move || i18n.t().ptl.no_reports}</p> }>
                <ul class="report-list" data-testid="grid-reports">
                    <For each=move || rows.get() key=|(e, _, r)| (e.key.clone(), e.grid.clone(), r.answers.len()) let:row>
                        <Answerable entry=row.0 doc=row.1 report=row.2 dir=dir desk=desk staff=staff/>
                    </For>
                </ul>
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn Answerable(
    entry: patrol::InboxEntry,
    doc: OpenDoc,
    report: Report,
    dir: Dir,
    desk: OpenDoc,
    staff: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let lang = i18n.lang();
    let key = draft_key("patrol", "answer", &entry.key);
    let note = RwSignal::new(String::new());
    let status = RwSignal::new(ReportStatus::Done);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<WriteError>);
    let rid = StoredValue::new(report.id.clone());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let (id, text, s) = (random_id("a"), note.get_untracked(), status.get_untracked());
            let out = session
                .command(doc.id, move |d, w, now| {
                    patrol::answer(d, w, now, &id, &rid.get_value(), s, &text).map(|_| ())
                })
                .await;
            busy.try_set(false);
            if out.is_ok() {
                let _ = drafts::clear(key).await;
                note.try_set(String::new());
            }
            error.try_set(out.err());
        });
    };
    let assign = move |ev: leptos::ev::Event| {
        let grid = event_target_value(&ev);
        let k = entry.key.clone();
        leptos::task::spawn_local(async move {
            let out = session
                .command(desk.id, move |d, w, now| {
                    patrol::assign_report(d, w, now, &k, &grid).map(|_| ())
                })
                .await;
            error.try_set(out.err());
        });
    };
    let grid = entry.grid.clone().unwrap_or_default();
    let answered = report.status().map_or_else(
        || i18n.t().ptl.waiting_answer.to_owned(),
        |s| s.label(lang).to_owned(),
    );
    view! {
        <li>
            <p>{report.description.clone()}</p>
            <small>{format!("{} · {} · {}", report.category.label(lang), report.place, when(report.at, lang, false))}</small>
            <p class="report-status">{answered}</p>
            <Show when=move || staff>
                <label class="field">
                    <span>{move || i18n.t().ptl.assign}</span>
                    <select on:change=assign.clone() prop:value=grid.clone()>
                        <option value="">"—"</option>
                        {dir.grids.get_untracked().into_iter().map(|p| view! { <option value=p.id.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
            </Show>
            <form class="answer-form" on:submit=send novalidate>
                <select on:change=move |ev| status.set(ReportStatus::parse(&event_target_value(&ev))) prop:value=move || status.get().as_str().to_owned()>
                    {ReportStatus::KNOWN.iter().map(|s| view! { <option value=s.as_str().to_owned()>{s.label(lang).to_owned()}</option> }).collect_view()}
                </select>
                <DraftField draft_key=key value=note label=|t| t.ptl.answer placeholder=|t| t.ptl.answer_hint/>
                <button type="submit" disabled=move || busy.get()>{move || i18n.t().ptl.send_answer}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        </li>
    }
}
