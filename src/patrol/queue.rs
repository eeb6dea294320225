//! The department officer's queue: every escalation addressed to their department from
//! every community it serves, overdue first, each opening its page to act on.

use super::{member, not_ready, now, use_dir, Opener};
use crate::components::when::when;
use crate::i18n::use_i18n;
use crate::session::{use_doc, DocState};
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::patrol::{self, Late, DEPARTMENT, ESCALATION};

#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let Some(m) = member() else {
        return ().into_any();
    };
    let dir = use_dir(&m);
    let department = Memo::new(move |_| {
        dir.reader
            .with(|r| r.posting.as_ref().map(|p| p.department.clone()))
    });
    view! {
        <section class="page patrol-queue">
            <h1>{move || i18n.t().ptl.queue_title}</h1>
            {move || match department.get() {
                None => view! { <p class="empty" role="status">{move || i18n.t().ptl.no_department}</p> }.into_any(),
                Some(d) => view! { <Queue department=d/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Queue(department: String) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc(patrol::department_id(&department), DEPARTMENT);
    let opener = Opener::new(ESCALATION);
    let rows = Memo::new(move |_| {
        let listed = doc.read(patrol::department_cases).unwrap_or_default();
        let t = now();
        let mut rows: Vec<_> = listed
            .into_iter()
            .filter_map(|(id, community)| {
                let c = opener.open(id).read(patrol::read_case).flatten()?;
                let late = c.late(t);
                Some((id, community, c, late))
            })
            .collect();
        // Overdue first, then what is still open, each oldest first; finished cases last.
        linli_core::sort::by_key(&mut rows, |(_, _, c, late)| {
            (
                late.is_none(),
                !c.status.open(),
                c.received.or(Some(c.reported_at)),
            )
        });
        rows
    });
    let lang = move || i18n.lang();
    view! {
        {move || not_ready(doc.state.get())}
        <Show when=move || doc.state.get() == DocState::Ready>
            <Show when=move || !rows.with(Vec::is_empty)
                fallback=move || view! { <p class="empty">{move || i18n.t().ptl.queue_empty}</p> }>
                <ul class="case-list" data-testid="queue">
                    <For each=move || rows.get() key=|(id, _, c, late)| (*id, c.steps.len(), *late) let:row>
                        {
                            let (id, community, c, late) = row;
                            view! {
                                <li class:late=late.is_some()>
                                    <A href=format!("/patrol/case/{id}")>{c.description.clone()}</A>
                                    <span class="case-status">{c.status.label(lang())}</span>
                                    {late.map(|l| view! { <span class="late">{match l {
                                        Late::Acknowledge => i18n.t().ptl.late_ack,
                                        Late::Resolve => i18n.t().ptl.late_resolve,
                                    }}</span> })}
                                    <small>{format!("{} · {} · {}", community.as_str(), c.grid, when(c.reported_at, lang(), false))}</small>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
        </Show>
    }
}
