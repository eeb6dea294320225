use crate::i18n::{use_i18n, Strings};
use crate::session::{use_session, StoreStatus};
use crate::store::drafts;
use leptos::prelude::*;
use std::time::Duration;

/// How long after the last keystroke a draft is written.
const SAVE_AFTER: Duration = Duration::from_millis(300);

/// A text field whose content is kept as a draft in IndexedDB a moment after each keystroke
/// (and when it loses focus), and restored on the next load.
#[component]
pub fn DraftField(
    /// The draft's key in the drafts store: one per form field.
    draft_key: &'static str,
    value: RwSignal<String>,
    label: fn(&Strings) -> &'static str,
    #[prop(optional)] placeholder: Option<fn(&Strings) -> &'static str>,
    #[prop(optional)] multiline: bool,
    /// `Some(found)` once the stored draft was looked for.
    #[prop(optional)]
    restored: Option<RwSignal<Option<bool>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let generation = StoredValue::new(0u64);
    let saved = RwSignal::new(false);
    // Until the stored draft has been read, nothing is saved over it; if it cannot be read,
    // nothing is saved over it at all, and the person is told.
    let loaded = RwSignal::new(false);
    let unreadable = RwSignal::new(false);

    // Runs from timers and blur events that may fire after the field is gone.
    async fn save(
        draft_key: &'static str,
        value: RwSignal<String>,
        saved: RwSignal<bool>,
        loaded: RwSignal<bool>,
        unreadable: RwSignal<bool>,
    ) {
        let Some(text) = value.try_get_untracked() else {
            return;
        };
        if !loaded.try_get_untracked().unwrap_or(false)
            || unreadable.try_get_untracked().unwrap_or(true)
        {
            return;
        }
        saved.try_set(drafts::save(draft_key, &text).await.is_ok() && !text.is_empty());
    }
    let write_now = move || save(draft_key, value, saved, loaded, unreadable);
    let write = write_now;

    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || session.store.get() != StoreStatus::Ready {
            return done.unwrap_or(false);
        }
        leptos::task::spawn_local(async move {
            let found = match drafts::load(draft_key).await {
                Ok(found) => found.filter(|d| !d.is_empty()),
                Err(_) => {
                    unreadable.try_set(true);
                    None
                }
            };
            let had = found.is_some();
            if let Some(text) = found {
                drafts::set_open(draft_key, true);
                let typed = value.try_get_untracked().unwrap_or_default();
                value.try_set(drafts::restore(&text, &typed, multiline));
            }
            loaded.try_set(true);
            if had || value.try_get_untracked().is_some_and(|v| !v.is_empty()) {
                write_now().await;
            }
            if let Some(r) = restored {
                r.try_set(Some(had));
            }
        });
        true
    });

    let save_now = move || leptos::task::spawn_local(write());
    drafts::register_flusher(draft_key, std::rc::Rc::new(move || Box::pin(write())));
    on_cleanup(move || {
        drafts::unregister_flusher(draft_key);
        drafts::set_open(draft_key, false);
    });
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        drafts::set_open(draft_key, !text.trim().is_empty());
        value.set(text);
        saved.set(false);
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        set_timeout(
            move || {
                if generation.try_get_value() == Some(mine) {
                    save_now();
                }
            },
            SAVE_AFTER,
        );
    };
    let on_blur = move |_| save_now();
    let id = format!("field-{}", draft_key.replace('.', "-"));
    let hint = move || placeholder.map(|p| p(i18n.t())).unwrap_or("");
    let input = if multiline {
        view! {
            <textarea id=id.clone() rows="3" placeholder=hint prop:value=value on:input=on_input on:blur=on_blur
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() type="text" placeholder=hint prop:value=value on:input=on_input on:blur=on_blur/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{move || label(i18n.t())}</label>
            {input}
            // Always laid out, shown when saved: the form never jumps under a finger.
            <small
                class="draft-saved"
                class:shown=move || saved.get()
                aria-hidden=move || (!saved.get()).to_string()
                data-testid=format!("draft-saved-{draft_key}")
            >
                {move || i18n.t().draft_kept}
            </small>
            <Show when=move || unreadable.get()>
                <small class="error" role="alert">{move || i18n.t().draft_unreadable}</small>
            </Show>
        </div>
    }
}
