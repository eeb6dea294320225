use crate::components::draft_field::DraftField;
use crate::components::when::parse_local;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::{use_doc, use_session};
use crate::settings::random_id;
use crate::store::{drafts, WriteError};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use linli_core::help::{self, Category, RequestDraft, Urgency};
use linli_core::{DocKind, Millis};

const DRAFTS: [&str; 3] = ["help.title", "help.details", "help.place"];
const EXPIRY_DAYS: [i64; 4] = [3, 7, 14, 30];

#[component]
pub fn NewRequestPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    // The document a new request goes into is this month's: open it while the form is up.
    let target = Memo::new(move |_| {
        session.member.with(|m| {
            m.as_ref().map(|m| {
                let id = help::doc_id(&m.community, Millis(js_sys::Date::now() as i64));
                use_doc(id, DocKind::HELP)
            })
        })
    });
    let title = RwSignal::new(String::new());
    let details = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let category = RwSignal::new(Category::Errand);
    let urgency = RwSignal::new(Urgency::Normal);
    let needed_by = RwSignal::new(String::new());
    let days = RwSignal::new(7i64);
    let error = RwSignal::new(None::<WriteError>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(doc) = target.get_untracked() else {
            return;
        };
        let draft = RequestDraft {
            category: category.get_untracked(),
            title: title.get_untracked(),
            details: details.get_untracked(),
            urgency: urgency.get_untracked(),
            place: place.get_untracked(),
            needed_by: parse_local(&needed_by.get_untracked()),
            expires_in_days: Some(days.get_untracked()),
        };
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let id = random_id("r");
            let done = session
                .command(doc.id, |d, w, now| {
                    help::post_request(d, w, now, &id, &draft)
                })
                .await;
            busy.try_set(false);
            match done {
                Ok(_) => {
                    for key in DRAFTS {
                        let _ = drafts::clear(key).await;
                    }
                    navigate(&format!("/help/r/{}/{id}", doc.id), Default::default());
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };

    view! {
        <section class="page help-new">
            <h1>{move || i18n.t().help_new}</h1>
            <form class="request-form" on:submit=submit novalidate>
                <div class="field">
                    <label for="field-help-category">{move || i18n.t().help_category}</label>
                    <select id="field-help-category" on:change=move |ev| category.set(Category::parse(&event_target_value(&ev)))>
                        {Category::KNOWN
                            .into_iter()
                            .map(|c| {
                                let value = c.as_str().to_owned();
                                view! { <option value=value>{move || c.label(i18n.lang()).to_owned()}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <DraftField draft_key="help.title" value=title label=|t| t.help_title placeholder=|t| t.help_title_hint/>
                <DraftField draft_key="help.details" value=details label=|t| t.help_details placeholder=|t| t.help_details_hint multiline=true/>
                <DraftField draft_key="help.place" value=place label=|t| t.help_place placeholder=|t| t.help_place_hint/>
                <div class="field">
                    <label for="field-help-urgency">{move || i18n.t().help_urgency}</label>
                    <select
                        id="field-help-urgency"
                        on:change=move |ev| urgency.set(Urgency::parse(&event_target_value(&ev)))
                        prop:value=move || urgency.get().as_str().to_owned()
                    >
                        {Urgency::KNOWN
                            .into_iter()
                            .map(|u| {
                                let value = u.as_str().to_owned();
                                view! { <option value=value>{move || u.label(i18n.lang()).to_owned()}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="field-help-needed-by">{move || i18n.t().help_needed_by}</label>
                    <input id="field-help-needed-by" type="datetime-local" on:input=move |ev| needed_by.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="field-help-expires">{move || i18n.t().help_expires}</label>
                    <select
                        id="field-help-expires"
                        on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(7))
                        prop:value=move || days.get().to_string()
                    >
                        {EXPIRY_DAYS
                            .into_iter()
                            .map(|d| view! { <option value=d.to_string()>{move || (i18n.t().help_days)(d)}</option> })
                            .collect_view()}
                    </select>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>{move || i18n.t().help_post}</button>
            </form>
        </section>
    }
}
