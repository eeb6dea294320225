use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::session::{use_session, OpenDoc};
use crate::store::{drafts, WriteError};
use leptos::prelude::*;
use linli_core::profile::{self, Profile};
use linli_core::rules::DocContext;

const DRAFT: &str = "profile.about";

#[component]
pub fn About(doc: OpenDoc, ctx: DocContext) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let saved_text = Memo::new(move |_| doc.read(|d| Profile::read(d).about).unwrap_or_default());
    let text = RwSignal::new(String::new());
    let restored = RwSignal::new(None::<bool>);
    // With no draft waiting, the field starts from what the document holds.
    Effect::new(move |_| {
        if restored.get() == Some(false) {
            text.set(saved_text.get_untracked());
        }
    });
    let status = RwSignal::new(None::<Result<(), WriteError>>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = text.get_untracked();
        let ctx = ctx.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let out = session
                .command(doc.id, |d, w, now| {
                    profile::set_about(d, w, &ctx, now, &value)
                })
                .await
                .map(|_| ());
            if out.is_ok() {
                let _ = drafts::clear(DRAFT).await;
            }
            status.try_set(Some(out));
            busy.try_set(false);
        });
    };
    view! {
        <form class="card" on:submit=save>
            <DraftField draft_key=DRAFT value=text label=|t| t.about_me placeholder=|t| t.about_me_hint multiline=true restored=restored/>
            <p class="saved-text" data-testid="about-saved">{move || saved_text.get()}</p>
            {move || match status.get() {
                Some(Ok(())) => Some(view! { <p class="ok" role="status">{move || i18n.t().saved}</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> }.into_any()),
                None => None,
            }}
            <button type="submit" class="primary" disabled=busy>
                {move || if busy.get() { i18n.t().saving } else { i18n.t().save }}
            </button>
        </form>
    }
}

/// A write error in the person's words.
pub fn write_error(e: &WriteError, i18n: crate::i18n::I18n) -> String {
    match e {
        WriteError::Refused(e) => e.message(i18n.lang()),
        WriteError::Disk(e) => (i18n.t().write_failed)(e),
        WriteError::NotReady => i18n.t().storage_not_ready.to_owned(),
    }
}
