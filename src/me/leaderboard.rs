//! The member's choice to show on the points leaderboard, kept in their profile so every
//! device of the community leaves them out once it has synced.

use super::write_error;
use crate::i18n::use_i18n;
use crate::session::{use_session, OpenDoc};
use crate::store::WriteError;
use leptos::prelude::*;
use linli_core::profile::{self, Profile};
use linli_core::rules::DocContext;

#[component]
pub fn OnBoard(doc: OpenDoc, ctx: DocContext) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let shown = Memo::new(move |_| doc.read(|d| Profile::read(d).on_board).unwrap_or(true));
    let error = RwSignal::new(None::<WriteError>);
    let ctx = StoredValue::new(ctx);
    view! {
        <label class="check card">
            <input type="checkbox" data-testid="on-board" prop:checked=move || shown.get() on:change=move |ev| {
                let on = event_target_checked(&ev);
                let ctx = ctx.get_value();
                leptos::task::spawn_local(async move {
                    let out = session
                        .command(doc.id, move |d, w, now| profile::set_on_board(d, w, &ctx, now, on))
                        .await;
                    error.try_set(out.err());
                });
            }/>
            {move || i18n.t().pts.on_board}
        </label>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
    }
}
