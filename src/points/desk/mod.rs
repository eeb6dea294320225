//! Staff's points desk: record a redemption by choosing a member and an item (offline too:
//! it is a change on this device first), see flagged balances, correct or award points,
//! and edit the catalogue and the rules. Every write is a core command; a refusal shows
//! in words and changes nothing.

mod catalogue;
mod entries;
mod rates;
mod redeem;

use super::{community, use_points, Points};
use crate::components::act::Act;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::use_session;
use crate::store::WriteError;
use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::{LinliError, MemberId, Role};

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
pub(super) struct Outcome {
    act: Act,
    done: RwSignal<bool>,
}

impl Outcome {
    pub(super) fn new(points: &Points) -> Outcome {
        Outcome {
            act: Act {
                session: use_session(),
                doc: points.doc.id,
                error: RwSignal::new(None::<WriteError>),
            },
            done: RwSignal::new(false),
        }
    }

    pub(super) fn run(self, f: crate::components::act::Command, then: impl FnOnce() + 'static) {
        self.done.set(false);
        let done = self.done;
        self.act.run_then(f, move || {
            done.try_set(true);
            then();
        });
    }

    pub(super) fn view(self) -> impl IntoView {
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

pub(super) fn member_ids(names: &[(MemberId, String)]) -> Vec<MemberId> {
    names.iter().map(|(m, _)| m.clone()).collect()
}

#[component]
fn Desk() -> impl IntoView {
    let i18n = use_i18n();
    let Some(c) = community() else {
        return ().into_any();
    };
    let p = use_points(&c);
    // The forms start from what the document holds (the rules in force), so they wait for it.
    let state = Memo::new(move |_| p.doc.state.get());
    view! {
        <p>{move || i18n.t().pts.desk_intro}</p>
        {move || match super::not_ready(state.get()) {
            Some(shown) => shown,
            None => view! {
                <redeem::RedeemForm points=p/>
                <redeem::Flagged points=p/>
                <entries::CorrectForm points=p/>
                <entries::AwardForm points=p/>
                <catalogue::Catalogue points=p/>
                <rates::RatesForm points=p/>
            }
            .into_any(),
        }}
    }
    .into_any()
}

pub(super) fn member_options(names: &[(MemberId, String)]) -> impl IntoView {
    let mut names = names.to_vec();
    linli_core::sort::by(&mut names, |a, b| a.1.cmp(&b.1));
    names.dedup_by(|a, b| a.0 == b.0);
    names
        .into_iter()
        .map(|(id, name)| view! { <option value=id.as_str().to_owned()>{name}</option> })
        .collect_view()
}

pub(super) fn parse_member(s: &str) -> linli_core::Result<MemberId> {
    MemberId::parse(s).map_err(|_| LinliError::NotAMember)
}
