//! The staff's view, the community's 数字驾驶舱: today's patrols per grid with a chosen
//! patrol's track, this week's share solved on the spot, open and overdue cases by
//! department, residents' reports waiting, the day's CSV for dispatch, and deadlines.

use super::reports::GridReports;
use super::track::TrackPlot;
use super::worker::today;
use super::{member, name_of, now, use_dir, Dir, Opener};
use crate::components::when::when;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, OpenDoc};
use crate::store::WriteError;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::patrol::{self, Case, Deadlines, Outcome, Patrol, DESK, ESCALATION, PATROL};
use linli_core::{DocId, Millis};

#[component]
pub fn DeskPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(m) = member() else {
        return ().into_any();
    };
    let dir = use_dir(&m);
    let desk = use_doc(patrol::desk_id(&m.community), DESK);
    let logs = Opener::new(PATROL);
    let c = m.community.clone();
    // Every grid's log this month, with its grid.
    let patrols = Memo::new(move |_| {
        dir.reader
            .with(|r| r.grids.clone())
            .into_iter()
            .flat_map(|g| {
                let d = logs.open(patrol::patrol_doc(&c, &g, now()).0);
                d.read(patrol::patrols)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |p| (g.clone(), p))
            })
            .collect::<Vec<(String, Patrol)>>()
    });
    let cases_of = Opener::new(ESCALATION);
    let c = m.community.clone();
    let cases = Memo::new(move |_| {
        let ids: Vec<DocId> = patrols.with(|ps| {
            ps.iter()
                .flat_map(|(_, p)| &p.observations)
                .filter(|o| o.outcome == Outcome::Escalated)
                .map(|o| patrol::escalation_id(&c, &o.id))
                .collect()
        });
        ids.into_iter()
            .filter_map(|id| {
                cases_of
                    .open(id)
                    .read(patrol::read_case)
                    .flatten()
                    .map(|c| (id, c))
            })
            .collect::<Vec<(DocId, Case)>>()
    });
    view! {
        <section class="page patrol-desk">
            <h1>{move || i18n.t().ptl.desk_title}</h1>
            <OnSpotLine patrols=patrols/>
            <TodayByGrid patrols=patrols dir=dir/>
            <OpenCases cases=cases dir=dir/>
            <Export patrols=patrols cases=cases/>
            <DeadlinesForm desk=desk/>
        </section>
        <GridReports dir=dir desk=desk/>
    }
    .into_any()
}

#[component]
fn OnSpotLine(patrols: Memo<Vec<(String, Patrol)>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let to = Millis(today().0 + Millis::DAY);
        let from = Millis(to.0 - 7 * Millis::DAY);
        let share = patrols.with(|ps| patrol::solved_on_spot(ps.iter().map(|(_, p)| p), from, to));
        let text = match share.percent() {
            Some(p) => (i18n.t().ptl.on_spot_week)(p),
            None => i18n.t().ptl.on_spot_none.to_owned(),
        };
        view! { <p class="on-spot" data-testid="on-spot">{text}</p> }
    }
}

#[component]
fn TodayByGrid(patrols: Memo<Vec<(String, Patrol)>>, dir: Dir) -> impl IntoView {
    let i18n = use_i18n();
    let shown = RwSignal::new(None::<String>);
    let today = Memo::new(move |_| {
        let from = today();
        patrols.with(|ps| {
            ps.iter()
                .filter(|(_, p)| p.started_at >= from)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let lang = move || i18n.lang();
    view! {
        <h2>{move || i18n.t().ptl.patrols_today}</h2>
        <Show when=move || !today.with(Vec::is_empty)
            fallback=move || view! { <p class="empty">{move || i18n.t().ptl.none_today}</p> }>
            <ul class="patrol-list" data-testid="desk-patrols">
                <For each=move || today.get() key=|(g, p)| (g.clone(), p.id.clone(), p.steps.len(), p.observations.len(), p.track.len()) let:row>
                    {
                        let (g, p) = row;
                        let id = p.id.clone();
                        let grid = dir.grids.with_untracked(|d| name_of(d, &g));
                        view! {
                            <li>
                                <button class="link" on:click=move |_| shown.set(Some(id.clone()))>
                                    {format!("{grid} · {} · {}", when(p.started_at, lang(), false), (i18n.t().ptl.observations)(p.observations.len()))}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
        {move || shown.get().and_then(|id| today.with(|t| t.iter().find(|(_, p)| p.id == id).map(|(_, p)| p.clone())))
            .map(|p| view! { <TrackPlot patrol=p/> })}
    }
}

/// An open case, and whether it is overdue now.
type OpenCase = (DocId, Case, bool);

#[component]
fn OpenCases(cases: Memo<Vec<(DocId, Case)>>, dir: Dir) -> impl IntoView {
    let i18n = use_i18n();
    let by_dept = Memo::new(move |_| {
        let t = now();
        let mut groups: Vec<(String, Vec<OpenCase>)> = Vec::new();
        for (id, c) in cases
            .get()
            .into_iter()
            .filter(|(_, c)| c.status.open() || c.status == patrol::CaseStatus::Returned)
        {
            let late = c.late(t).is_some();
            match groups.iter_mut().find(|(d, _)| *d == c.department) {
                Some((_, v)) => v.push((id, c, late)),
                None => groups.push((c.department.clone(), vec![(id, c, late)])),
            }
        }
        for (_, v) in &mut groups {
            linli_core::sort::by_key(v, |(_, c, late)| (!late, c.received));
        }
        linli_core::sort::by(&mut groups, |a, b| a.0.cmp(&b.0));
        groups
    });
    let lang = move || i18n.lang();
    view! {
        <h2>{move || i18n.t().ptl.open_by_dept}</h2>
        <Show when=move || !by_dept.with(Vec::is_empty)
            fallback=move || view! { <p class="empty">{move || i18n.t().ptl.none_open}</p> }>
            <div data-testid="open-cases">
                {move || by_dept.get().into_iter().map(|(d, list)| {
                    let late = list.iter().filter(|(_, _, l)| *l).count();
                    let name = dir.departments.with(|p| name_of(p, &d));
                    view! {
                        <h3>{format!("{name} · {}", (i18n.t().ptl.open_count)(list.len(), late))}</h3>
                        <ul class="case-list">
                            {list.into_iter().map(|(id, c, l)| view! {
                                <li class:late=l>
                                    <A href=format!("/patrol/case/{id}")>{c.description.clone()}</A>
                                    <span class="case-status">{c.status.label(lang())}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                }).collect_view()}
            </div>
        </Show>
    }
}

/// The day's observations and escalations as a CSV file, made on the device.
#[component]
fn Export(patrols: Memo<Vec<(String, Patrol)>>, cases: Memo<Vec<(DocId, Case)>>) -> impl IntoView {
    let i18n = use_i18n();
    let href = move || {
        let cs: Vec<Case> = cases.with(|c| c.iter().map(|(_, c)| c.clone()).collect());
        let csv = patrols.with(|ps| patrol::csv_of_day(ps, &cs, today(), i18n.lang()));
        // A byte-order mark, so spreadsheets read the Chinese as UTF-8.
        let encoded: String = js_sys::encode_uri_component(&format!("\u{feff}{csv}")).into();
        format!("data:text/csv;charset=utf-8,{encoded}")
    };
    let name = move || {
        let (y, m, d) = today().civil_date_china();
        format!("patrol-{y:04}-{m:02}-{d:02}.csv")
    };
    view! { <p><a class="button" href=href download=name data-testid="export-csv">{move || i18n.t().ptl.export}</a></p> }
}

#[component]
fn DeadlinesForm(desk: OpenDoc) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let current = Memo::new(move |_| desk.read(patrol::deadlines).unwrap_or_default());
    let ack = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    Effect::new(move |_| {
        let d = current.get();
        ack.set(d.ack_hours.to_string());
        days.set((d.resolve_hours / 24).max(1).to_string());
    });
    let error = RwSignal::new(None::<WriteError>);
    let saved = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let bad = Deadlines {
            ack_hours: 0,
            resolve_hours: 0,
        };
        let d = Deadlines {
            ack_hours: ack.get_untracked().trim().parse().unwrap_or(bad.ack_hours),
            resolve_hours: days
                .get_untracked()
                .trim()
                .parse::<u32>()
                .map_or(0, |d| d.saturating_mul(24)),
        };
        leptos::task::spawn_local(async move {
            let out = session
                .command(desk.id, move |doc, w, now| {
                    patrol::set_deadlines(doc, w, now, d).map(|_| ())
                })
                .await;
            saved.try_set(out.is_ok());
            error.try_set(out.err());
        });
    };
    view! {
        <form class="deadlines-form" on:submit=save novalidate>
            <h2>{move || i18n.t().ptl.deadlines}</h2>
            <div class="field">
                <label for="field-patrol-ack">{move || i18n.t().ptl.ack_hours}</label>
                <input id="field-patrol-ack" type="number" inputmode="numeric" prop:value=ack on:input=move |ev| ack.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="field-patrol-days">{move || i18n.t().ptl.resolve_days}</label>
                <input id="field-patrol-days" type="number" inputmode="numeric" prop:value=days on:input=move |ev| days.set(event_target_value(&ev))/>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
            <Show when=move || saved.get()>
                <p class="notice ok" role="status">{move || i18n.t().saved}</p>
            </Show>
            <button type="submit">{move || i18n.t().ptl.save_deadlines}</button>
        </form>
    }
}
