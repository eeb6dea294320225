//! The grid worker's screen, for one hand and no signal: start a patrol in one tap, log
//! findings in a few, see today's patrols and what waits to sync, the cases they raised,
//! and the residents' reports that reached their grid.

use super::observe::ObservationForm;
use super::reports::GridReports;
use super::{geo, member, name_of, not_ready, now, use_dir, Dir, Opener};
use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, DocState, OpenDoc, Session};
use crate::settings::{random_id, Member};
use crate::store::{drafts, WriteError};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::patrol::{
    self, Patrol, PatrolStatus, StepKind, TrackFix, DESK, ESCALATION, PATROL,
};
use linli_core::{DocId, Millis};
use std::cell::RefCell;

/// Fixes wait on the device this long in number before they are written as one chunk.
const CHUNK_FIXES: usize = 5;

thread_local! {
    static WATCH: RefCell<Option<geo::Watch>> = const { RefCell::new(None) };
    static PENDING: RefCell<Vec<TrackFix>> = const { RefCell::new(Vec::new()) };
}

/// The first instant of today, in the city's time.
pub(crate) fn today() -> Millis {
    let t = now().0 + 8 * Millis::HOUR;
    Millis(t - t.rem_euclid(Millis::DAY) - 8 * Millis::HOUR)
}

/// Writes the fixes waiting on the device into the patrol's track.
async fn flush_track(session: Session, doc: DocId, patrol: String) {
    let fixes: Vec<TrackFix> = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    if fixes.is_empty() {
        return;
    }
    let suffix = random_id("t");
    let kept = fixes.clone();
    let out = session
        .command(doc, move |d, w, now| {
            patrol::add_track(d, w, now, &patrol, &suffix, &fixes).map(|_| ())
        })
        .await;
    if out.is_err() {
        // Kept for the next try: a disk that refused once may take it later.
        PENDING.with(|p| {
            p.borrow_mut().splice(0..0, kept);
        });
    }
}

#[component]
pub fn WorkerPage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(m) = member() else {
        return ().into_any();
    };
    let dir = use_dir(&m);
    let chosen = RwSignal::new(None::<String>);
    let grid = Memo::new(move |_| {
        let mine = dir.reader.with(|r| r.grids.clone());
        chosen
            .get()
            .filter(|g| mine.contains(g))
            .or_else(|| mine.first().cloned())
    });
    let opener = Opener::new(PATROL);
    let c = m.community.clone();
    let doc = Memo::new(move |_| {
        grid.get()
            .map(|g| opener.open(patrol::patrol_doc(&c, &g, now()).0))
    });
    let desk = use_doc(patrol::desk_id(&m.community), DESK);
    let m = StoredValue::new(m);
    view! {
        <section class="page patrol-worker">
            <h1>{move || i18n.t().ptl.worker_title}</h1>
            <WaitingLine/>
            {move || {
                let grids = dir.reader.with(|r| r.grids.clone());
                match grids.len() {
                    0 => Some(view! { <p class="empty" role="status">{move || i18n.t().ptl.no_grid}</p> }.into_any()),
                    1 => Some(view! {
                        <p class="grid-name">{move || (i18n.t().ptl.grid)(&dir.grids.with(|p| name_of(p, &grids[0])))}</p>
                    }.into_any()),
                    _ => Some(view! {
                        <label class="field">
                            <span>{move || (i18n.t().ptl.grid)("")}</span>
                            <select on:change=move |ev| chosen.set(Some(event_target_value(&ev)))
                                prop:value=move || grid.get().unwrap_or_default()>
                                {grids.iter().map(|g| {
                                    let (g, label) = (g.clone(), dir.grids.with_untracked(|p| name_of(p, g)));
                                    view! { <option value=g>{label}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }.into_any()),
                }
            }}
            {move || doc.get().map(|d| {
                let g = grid.get().unwrap_or_default();
                view! { <Round doc=d grid=g member=m.get_value() dir=dir desk=desk/> }
            })}
        </section>
        <GridReports dir=dir desk=desk/>
    }
    .into_any()
}

/// What waits on this device to reach the server.
#[component]
fn WaitingLine() -> impl IntoView {
    let i18n = use_i18n();
    let waiting = move || {
        crate::store::sync::get().map(|m| {
            m.detail
                .with(|rows| rows.iter().map(|r| r.waiting).sum::<usize>())
        })
    };
    move || {
        waiting().map(|n| {
            let text = if n == 0 {
                i18n.t().ptl.all_synced.to_owned()
            } else {
                (i18n.t().ptl.waiting)(n)
            };
            view! { <p class="sync-line" data-testid="patrol-waiting">{text}</p> }
        })
    }
}

#[component]
fn Round(doc: OpenDoc, grid: String, member: Member, dir: Dir, desk: OpenDoc) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let me = member.id.clone();
    let mine = Memo::new(move |_| {
        doc.read(patrol::patrols)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.author == me)
            .collect::<Vec<Patrol>>()
    });
    let current = Memo::new(move |_| {
        mine.with(|ps| ps.iter().find(|p| p.status != PatrolStatus::Ended).cloned())
    });
    let (grid, community) = (
        StoredValue::new(grid),
        StoredValue::new(member.community.clone()),
    );
    // What the card shows: it is rebuilt when the patrol's state changes, never for a new
    // finding (the form under it keeps its notice and its fields).
    let head = Memo::new(move |_| {
        current.with(|c| {
            c.as_ref().map(|p| {
                let no_fix = p
                    .steps
                    .last()
                    .is_some_and(|s| !matches!(s.position, patrol::Position::Fix { .. }));
                (p.id.clone(), p.status, p.started_at, no_fix)
            })
        })
    });
    let team = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<WriteError>);

    // The track is sampled while a patrol runs, and written a few fixes at a time.
    Effect::new(move |_| {
        let running = current.with(|c| {
            c.as_ref()
                .filter(|p| p.status == PatrolStatus::Running)
                .map(|p| p.id.clone())
        });
        match running {
            Some(pid) => {
                if WATCH.with(|w| w.borrow().is_none()) {
                    let watch = geo::Watch::start(move |fix| {
                        let full = PENDING.with(|p| {
                            let mut p = p.borrow_mut();
                            p.push(fix);
                            p.len() >= CHUNK_FIXES
                        });
                        if full {
                            leptos::task::spawn_local(flush_track(session, doc.id, pid.clone()));
                        }
                    });
                    WATCH.with(|w| *w.borrow_mut() = Some(watch));
                }
            }
            None => WATCH.with(|w| *w.borrow_mut() = None),
        }
    });
    on_cleanup(|| WATCH.with(|w| *w.borrow_mut() = None));

    let start = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let at = geo::here().await;
            let id = random_id("p");
            let t = team.get_untracked();
            let out = session
                .command(doc.id, move |d, w, now| {
                    patrol::start_patrol(d, w, now, &id, &t, at).map(|_| ())
                })
                .await;
            if out.is_ok() {
                let _ = drafts::clear("patrol.team").await;
                team.try_set(String::new());
            }
            busy.try_set(false);
            error.try_set(out.err());
        });
    };
    let take = move |kind: StepKind| {
        let Some(p) = current.get_untracked() else {
            return;
        };
        if kind == StepKind::End {
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(i18n.t().ptl.confirm_end).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            flush_track(session, doc.id, p.id.clone()).await;
            let at = geo::here().await;
            let sid = random_id("s");
            let out = session
                .command(doc.id, move |d, w, now| {
                    patrol::step(d, w, now, &p.id, &sid, kind, at).map(|_| ())
                })
                .await;
            busy.try_set(false);
            error.try_set(out.err());
        });
    };
    let lang = move || i18n.lang();
    view! {
        {move || not_ready(doc.state.get())}
        <Show when=move || doc.state.get() == DocState::Ready>
            {move || match head.get() {
                None => view! {
                    <div class="patrol-start">
                        <DraftField draft_key="patrol.team" value=team label=|t| t.ptl.team placeholder=|t| t.ptl.team_hint/>
                        <button class="primary big" on:click=start disabled=move || busy.get()>{move || i18n.t().ptl.start}</button>
                    </div>
                }.into_any(),
                Some((pid, status, started, no_fix)) => {
                    let running = status == PatrolStatus::Running;
                    let since = crate::components::when::when(started, lang(), false);
                    let status = if running { (i18n.t().ptl.running)(&since) } else { i18n.t().ptl.paused.to_owned() };
                    view! {
                        <div class="patrol-current" data-testid="patrol-current">
                            <p class="status" role="status">{status}</p>
                            <Show when=move || no_fix>
                                <p class="hint">{move || i18n.t().ptl.no_fix}</p>
                            </Show>
                            <div class="actions">
                                {if running {
                                    view! { <button on:click=move |_| take(StepKind::Pause) disabled=move || busy.get()>{move || i18n.t().ptl.pause}</button> }.into_any()
                                } else {
                                    view! { <button on:click=move |_| take(StepKind::Resume) disabled=move || busy.get()>{move || i18n.t().ptl.resume}</button> }.into_any()
                                }}
                                <button class="danger" on:click=move |_| take(StepKind::End) disabled=move || busy.get()>{move || i18n.t().ptl.end}</button>
                            </div>
                            <Show when=move || running>
                                <ObservationForm doc=doc patrol=pid.clone() grid=grid.get_value() dir=dir desk=desk/>
                            </Show>
                        </div>
                    }.into_any()
                }
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
            <Today mine=mine/>
            <MyCases mine=mine community=community.get_value()/>
        </Show>
    }
}

#[component]
fn Today(mine: Memo<Vec<Patrol>>) -> impl IntoView {
    let i18n = use_i18n();
    let today = Memo::new(move |_| {
        let from = today();
        mine.with(|ps| {
            ps.iter()
                .filter(|p| p.started_at >= from)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <h2>{move || i18n.t().ptl.today}</h2>
        <Show when=move || !today.with(Vec::is_empty)
            fallback=move || view! { <p class="empty">{move || i18n.t().ptl.none_today}</p> }>
            <ul class="patrol-list" data-testid="patrols-today">
                <For each=move || today.get() key=|p| (p.id.clone(), p.steps.len(), p.observations.len()) let:p>
                    <li>
                        <span>{crate::components::when::when(p.started_at, i18n.lang(), false)}</span>
                        " · "
                        <span>{match p.ended_at {
                            Some(t) => (i18n.t().ptl.ended)(&crate::components::when::when(t, i18n.lang(), false)),
                            None if p.status == PatrolStatus::Paused => i18n.t().ptl.paused.to_owned(),
                            None => (i18n.t().ptl.running)(&crate::components::when::when(p.started_at, i18n.lang(), false)),
                        }}</span>
                        " · "
                        <span>{(i18n.t().ptl.observations)(p.observations.len())}</span>
                    </li>
                </For>
            </ul>
        </Show>
    }
}

/// The cases this worker escalated this month, where each stands.
#[component]
fn MyCases(mine: Memo<Vec<Patrol>>, community: linli_core::CommunityId) -> impl IntoView {
    let i18n = use_i18n();
    let opener = Opener::new(ESCALATION);
    let cases = Memo::new(move |_| {
        let ids: Vec<DocId> = mine.with(|ps| {
            ps.iter()
                .flat_map(|p| &p.observations)
                .filter(|o| o.outcome == patrol::Outcome::Escalated)
                .map(|o| patrol::escalation_id(&community, &o.id))
                .collect()
        });
        ids.into_iter()
            .filter_map(|id| {
                let d = opener.open(id);
                d.read(patrol::read_case).flatten().map(|c| (id, c))
            })
            .collect::<Vec<_>>()
    });
    view! {
        <h2>{move || i18n.t().ptl.my_cases}</h2>
        <Show when=move || !cases.with(Vec::is_empty)
            fallback=move || view! { <p class="empty">{move || i18n.t().ptl.no_cases}</p> }>
            <ul class="case-list" data-testid="my-cases">
                <For each=move || cases.get() key=|(id, c)| (*id, c.steps.len()) let:row>
                    <li>
                        <A href=format!("/patrol/case/{}", row.0)>{row.1.description.clone()}</A>
                        " · "
                        <span class="case-status">{row.1.status.label(i18n.lang())}</span>
                    </li>
                </For>
            </ul>
        </Show>
    }
}
