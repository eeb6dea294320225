//! Joining a community with an invite code: the one step that needs a connection. The server
//! gives back the device's token and peer id, and the app leaves the sandbox for the real
//! community. What was typed stays as drafts until the join succeeds.

use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::settings::{self, Member, ServerLink};
use crate::store::{api, drafts};
use leptos::prelude::*;
use linli_core::member::check_display_name;
use linli_core::{CommunityId, Lang, MemberId, Role};

#[derive(Clone, Debug, PartialEq)]
enum JoinError {
    Invalid(linli_core::LinliError),
    NoCode,
    Offline,
    /// The server's own words, in both languages.
    Server(String, String),
    NotSaved,
}

/// The invite code a link carried (`/?invite=ABCD-EFGH`), if any.
fn code_from_link() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("invite="))
        .map(|c| c.to_owned())
        .filter(|c| !c.is_empty())
}

#[component]
pub fn JoinForm() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let code = RwSignal::new(code_from_link().unwrap_or_default());
    let name = RwSignal::new(
        session
            .member
            .with_untracked(|m| m.as_ref().map(|m| m.display_name.clone()))
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<JoinError>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let display_name = match check_display_name(&name.get_untracked()) {
            Ok(n) => n,
            Err(e) => return error.set(Some(JoinError::Invalid(e))),
        };
        let typed = code.get_untracked();
        if typed.trim().is_empty() {
            return error.set(Some(JoinError::NoCode));
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let outcome = join(&typed, &display_name).await;
            busy.try_set(false);
            match outcome {
                Ok(member) => {
                    let _ = drafts::clear("join.code").await;
                    let _ = drafts::clear("join.name").await;
                    session.member.try_set(Some(member));
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };

    view! {
        <form class="join-form" on:submit=submit novalidate data-testid="join-form">
            <h2>{move || i18n.t().join_title}</h2>
            <p>{move || i18n.t().join_intro}</p>
            <DraftField draft_key="join.code" value=code label=|t| t.join_code placeholder=|t| t.join_code_hint/>
            <DraftField draft_key="join.name" value=name label=|t| t.your_name placeholder=|t| t.your_name_hint/>
            {move || {
                error
                    .get()
                    .map(|e| {
                        let lang = i18n.lang();
                        let t = i18n.t();
                        let text = match e {
                            JoinError::Invalid(e) => e.message(lang),
                            JoinError::NoCode => t.join_code_empty.to_owned(),
                            JoinError::Offline => t.join_offline.to_owned(),
                            JoinError::Server(zh, en) => lang.pick(&zh, &en).to_owned(),
                            JoinError::NotSaved => t.settings_not_saved.to_owned(),
                        };
                        view! { <p class="error" role="alert">{text}</p> }
                    })
            }}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t().joining } else { i18n.t().join_submit }}
            </button>
        </form>
    }
}

async fn join(code: &str, display_name: &str) -> Result<Member, JoinError> {
    let answer = api::post_json(
        "/api/join",
        &[("code", code), ("display_name", display_name)],
    )
    .await
    .map_err(|_| JoinError::Offline)?;
    if answer.status != 200 {
        let (zh, en) = (answer.text("zh"), answer.text("en"));
        return Err(match (zh, en) {
            (Some(zh), Some(en)) => JoinError::Server(zh, en),
            // Not our server's answer (a captive portal, a proxy): as good as offline.
            _ => JoinError::Offline,
        });
    }
    let field = |k: &str| answer.text(k).ok_or(JoinError::Offline);
    let member = Member {
        id: MemberId::parse(&field("member")?).map_err(JoinError::Invalid)?,
        display_name: field("display_name")?,
        role: Role::parse(&field("role")?),
        community: CommunityId::parse(&field("community")?).map_err(JoinError::Invalid)?,
        sandbox: false,
        server: Some(ServerLink {
            token: field("token")?,
            peer_id: field("peer_id")?,
            community_name: field("community_name")?,
        }),
    };
    settings::save_member(&member).map_err(|_| JoinError::NotSaved)?;
    Ok(member)
}

/// The community's name as the header shows it: the server's name once joined.
pub fn community_label(member: &Member, lang: Lang) -> String {
    match &member.server {
        Some(link) if !link.community_name.is_empty() => link.community_name.clone(),
        _ => crate::communities::name(&member.community, lang),
    }
}
