use super::draft_field::DraftField;
use super::lang_toggle::LangToggle;
use crate::communities::DEMO;
use crate::i18n::{use_i18n, Strings};
use crate::session::use_session;
use crate::settings::{self, Member};
use crate::store::drafts;
use leptos::prelude::*;
use linli_core::member::check_display_name;
use linli_core::{CommunityId, MemberId, Role};

#[derive(Clone, Debug, PartialEq)]
enum FormError {
    Invalid(linli_core::LinliError),
    /// localStorage refused the write (private mode, storage full).
    NotSaved,
}

/// Language, name, role and community: asked on first run and edited on the Me page.
#[component]
pub fn MemberForm(submit_label: fn(&Strings) -> &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let current = session.member.get_untracked();
    let name = RwSignal::new(
        current
            .as_ref()
            .map(|m| m.display_name.clone())
            .unwrap_or_default(),
    );
    let role = RwSignal::new(
        current
            .as_ref()
            .map(|m| m.role.clone())
            .unwrap_or(Role::Resident),
    );
    let community = RwSignal::new(
        current
            .as_ref()
            .map(|m| m.community.as_str().to_owned())
            .unwrap_or_else(|| DEMO[0].id.to_owned()),
    );
    let error = RwSignal::new(None::<FormError>);
    let done = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let checked = check_display_name(&name.get_untracked())
            .and_then(|n| Ok((n, CommunityId::parse(&community.get_untracked())?)));
        let (display_name, community) = match checked {
            Ok(ok) => ok,
            Err(e) => return error.set(Some(FormError::Invalid(e))),
        };
        let id = session
            .member
            .with_untracked(|m| m.as_ref().map(|m| m.id.clone()))
            .unwrap_or_else(|| MemberId(settings::random_id("local-")));
        let member = Member {
            id,
            display_name,
            role: role.get_untracked(),
            community,
            sandbox: true,
            server: None,
        };
        if settings::save_member(&member).is_err() {
            return error.set(Some(FormError::NotSaved));
        }
        error.set(None);
        done.set(true);
        leptos::task::spawn_local(async move {
            let _ = drafts::clear("member.name").await;
        });
        session.member.set(Some(member));
    };

    view! {
        <form class="member-form" on:submit=submit novalidate>
            <fieldset class="field">
                <legend>{move || i18n.t().language}</legend>
                <LangToggle/>
            </fieldset>
            <DraftField draft_key="member.name" value=name label=|t| t.your_name placeholder=|t| t.your_name_hint/>
            <div class="field">
                <label for="field-role">{move || i18n.t().your_role}</label>
                <select
                    id="field-role"
                    on:change=move |ev| role.set(Role::parse(&event_target_value(&ev)))
                    prop:value=move || role.get().as_str().to_owned()
                >
                    {Role::KNOWN
                        .into_iter()
                        .map(|r| {
                            let value = r.as_str().to_owned();
                            view! { <option value=value>{move || r.label(i18n.lang()).to_owned()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="field-community">{move || i18n.t().your_community}</label>
                <select
                    id="field-community"
                    on:change=move |ev| community.set(event_target_value(&ev))
                    prop:value=community
                >
                    {DEMO
                        .iter()
                        .map(|c| view! { <option value=c.id>{move || i18n.lang().pick(c.zh, c.en)}</option> })
                        .collect_view()}
                </select>
            </div>
            {move || {
                error
                    .get()
                    .map(|e| {
                        let text = match e {
                            FormError::Invalid(e) => e.message(i18n.lang()),
                            FormError::NotSaved => i18n.t().settings_not_saved.to_owned(),
                        };
                        view! { <p class="error" role="alert">{text}</p> }
                    })
            }}
            <Show when=move || done.get()>
                <p class="ok" role="status">{move || i18n.t().settings_saved}</p>
            </Show>
            <button type="submit" class="primary">{move || submit_label(i18n.t())}</button>
        </form>
    }
}
