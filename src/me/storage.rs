use crate::i18n::use_i18n;
use crate::session::{use_session, StoreStatus};
use crate::store;
use leptos::prelude::*;

/// Whether the browser promised to keep the data, and what was set aside as damaged.
#[component]
pub fn Storage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let persisted = RwSignal::new(None::<bool>);
    let aside = RwSignal::new(0u32);
    Effect::new(move |_| {
        if session.store.get() != StoreStatus::Ready {
            return;
        }
        // Loading a document may set records aside; it reports them as notices.
        if let Some(s) = store::get() {
            s.notices.track();
        }
        leptos::task::spawn_local(async move {
            persisted.try_set(Some(store::request_persistence().await));
            if let Some(s) = store::get() {
                aside.try_set(s.set_aside_count().await.unwrap_or(0));
            }
        });
    });
    view! {
        <section class="card">
            <h2>{move || i18n.t().storage_title}</h2>
            <p>
                {move || match persisted.get() {
                    Some(true) => i18n.t().storage_persisted,
                    Some(false) => i18n.t().storage_not_persisted,
                    None => i18n.t().loading,
                }}
            </p>
            <Show when=move || { aside.get() > 0 }>
                <p class="warn" data-testid="set-aside">{move || (i18n.t().set_aside)(aside.get() as usize)}</p>
            </Show>
        </section>
    }
}
