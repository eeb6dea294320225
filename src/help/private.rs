//! The pair's private panel: each one's contact and their messages, from the request's
//! help-private document (only these two receive it from the server).

use super::{name_of, when};
use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session, DocState};
use crate::settings::random_id;
use crate::store::{drafts, WriteError};
use leptos::prelude::*;
use linli_core::help_private::{self, Conversation};
use linli_core::{DocKind, MemberId};

#[component]
pub fn PrivatePanel(
    help: linli_core::DocId,
    request: String,
    /// The chosen helper: with the request, it names the pair's document.
    helper: MemberId,
    other: MemberId,
    names: Memo<Vec<(MemberId, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let Some(member) = session.member.get_untracked() else {
        return ().into_any();
    };
    let doc = use_doc(
        help_private::doc_id(&member.community, &help, &request, &helper),
        DocKind::HELP_PRIVATE,
    );
    let talk = Memo::new(move |_| doc.read(help_private::read).unwrap_or_default());
    let contact = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<WriteError>);
    let other = StoredValue::new(other);
    let me = member.id.clone();
    // Drafts belong to this conversation: text typed for one pair never shows in another's.
    let contact_key: &'static str = Box::leak(format!("help.contact.{request}").into_boxed_str());
    let message_key: &'static str = Box::leak(format!("help.message.{request}").into_boxed_str());

    let save_contact = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = contact.get_untracked();
        leptos::task::spawn_local(async move {
            let done = session
                .command(doc.id, |d, w, now| {
                    help_private::set_contact(d, w, now, &text)
                })
                .await;
            if done.is_ok() {
                let _ = drafts::clear(contact_key).await;
            }
            error.try_set(done.err());
        });
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = message.get_untracked();
        leptos::task::spawn_local(async move {
            let id = random_id("x");
            let done = session
                .command(doc.id, |d, w, now| {
                    help_private::send_message(d, w, now, &id, &text)
                })
                .await;
            if done.is_ok() {
                drafts::sent(message_key, message, &text).await;
            }
            error.try_set(done.err());
        });
    };
    let their_contact = move || {
        let who = other.get_value();
        let name = name_of(&names.get(), &who);
        let t = i18n.t();
        match talk.with(|c: &Conversation| {
            c.contacts
                .iter()
                .find(|(m, _)| *m == who)
                .map(|(_, c)| c.clone())
        }) {
            Some(c) => (t.help_their_contact)(&name, &c),
            None => (t.help_no_contact)(&name),
        }
    };
    let mine = me.clone();
    view! {
        <section class="private-panel" data-testid="private-panel">
            <h2>{move || i18n.t().help_private}</h2>
            {move || match doc.state.get() {
                DocState::Loading => view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any(),
                DocState::Failed(e) => view! { <p class="error" role="alert">{move || (i18n.t().storage_failed)(&e)}</p> }.into_any(),
                DocState::WrongKind => view! { <p class="error" role="alert">{move || i18n.t().wrong_kind}</p> }.into_any(),
                DocState::Ready => ().into_any(),
            }}
            <p data-testid="their-contact">{their_contact}</p>
            <form class="inline-form" on:submit=save_contact>
                <DraftField draft_key=contact_key value=contact label=|t| t.help_contact placeholder=|t| t.help_contact_hint/>
                <button type="submit">{move || i18n.t().save}</button>
            </form>
            {move || talk.with(|c| c.contacts.iter().find(|(m, _)| *m == mine).map(|(_, c)| c.clone()))
                .map(|c| view! { <p class="muted" data-testid="my-contact">{c}</p> })}
            <h3>{move || i18n.t().help_messages}</h3>
            <ul class="messages" data-testid="messages">
                {move || talk.get().messages.into_iter().map(|m| {
                    let who = name_of(&names.get_untracked(), &m.author);
                    view! { <li><strong>{who}</strong> " " <span class="muted">{when(m.at, i18n.lang())}</span> <p>{m.text}</p></li> }
                }).collect_view()}
            </ul>
            <form class="inline-form" on:submit=send>
                <DraftField draft_key=message_key value=message label=|t| t.help_messages/>
                <button type="submit">{move || i18n.t().help_message_send}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        </section>
    }
    .into_any()
}
