//! Neighbours: the members the community's directory lists, with what each wrote in their
//! profile. Both come from documents this device holds, so the page works offline.

use crate::i18n::use_i18n;
use crate::session::{use_doc, use_session, DocState, OpenDoc};
use leptos::prelude::*;
use linli_core::access::{directory_id, profile_id};
use linli_core::directory::{members, DirMember};
use linli_core::profile::Profile;
use linli_core::{CommunityId, DocKind, MemberId};

#[component]
pub fn NeighboursPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let who = Memo::new(move |_| {
        session.member.with(|m| {
            m.as_ref()
                .filter(|m| !m.sandbox)
                .map(|m| (m.community.clone(), m.id.clone()))
        })
    });
    view! {
        <section class="page neighbours">
            <h1>{move || i18n.t().neighbours}</h1>
            <p>{move || i18n.t().neighbours_intro}</p>
            {move || match who.get() {
                None => view! { <p class="empty">{move || i18n.t().neighbours_sandbox}</p> }.into_any(),
                Some((community, me)) => view! { <Directory community=community me=me/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Directory(community: CommunityId, me: MemberId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc(directory_id(&community), DocKind::DIRECTORY);
    let listed = Memo::new(move |_| doc.read(members).unwrap_or_default());
    let community = StoredValue::new(community);
    let me = StoredValue::new(me);
    move || match doc.state.get() {
        DocState::Loading => view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any(),
        DocState::Failed(e) => {
            view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }
                .into_any()
        }
        DocState::WrongKind => {
            view! { <p class="error" role="alert">{move || i18n.t().wrong_kind}</p> }.into_any()
        }
        DocState::Ready if listed.with(Vec::is_empty) => {
            view! { <p class="empty" role="status">{move || i18n.t().neighbours_empty}</p> }
                .into_any()
        }
        DocState::Ready => view! {
            <ul class="neighbour-list" data-testid="neighbours">
                <For each=move || listed.get() key=|m| m.id.clone() let:m>
                    <Neighbour
                        is_me=m.id == me.get_value()
                        doc=use_doc(profile_id(&community.get_value(), &m.id), DocKind::PROFILE)
                        member=m
                    />
                </For>
            </ul>
        }
        .into_any(),
    }
}

#[component]
fn Neighbour(member: DirMember, doc: OpenDoc, is_me: bool) -> impl IntoView {
    let i18n = use_i18n();
    let profile = Memo::new(move |_| doc.read(Profile::read).unwrap_or_default());
    let role = member.role.clone();
    view! {
        <li class="neighbour" data-testid="neighbour">
            <p class="neighbour-name">
                <strong>{member.name.clone()}</strong>
                " · "
                {move || role.label(i18n.lang()).to_owned()}
                {is_me.then(|| view! { " " {move || i18n.t().you} })}
            </p>
            {move || {
                let p = profile.get();
                if p.about.is_empty() && p.skills.is_empty() {
                    view! { <p class="muted">{move || i18n.t().no_profile_yet}</p> }.into_any()
                } else {
                    view! {
                        <p class="neighbour-about">{p.about.clone()}</p>
                        <ul class="chips">
                            {p.skills.into_iter().map(|s| view! { <li>{s.label}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </li>
    }
}
