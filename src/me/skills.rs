use super::about::write_error;
use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::session::{use_session, OpenDoc};
use crate::settings::random_id;
use crate::store::{drafts, WriteError};
use leptos::prelude::*;
use linli_core::profile::{self, Profile, Skill};
use linli_core::rules::DocContext;

const DRAFT: &str = "profile.skill";

#[component]
pub fn Skills(doc: OpenDoc, ctx: DocContext) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let skills = Memo::new(move |_| doc.read(|d| Profile::read(d).skills).unwrap_or_default());
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<WriteError>);
    let ctx = StoredValue::new(ctx);

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = label.get_untracked();
        let ctx = ctx.get_value();
        leptos::task::spawn_local(async move {
            let id = random_id("s");
            match session
                .command(doc.id, |d, w, now| {
                    profile::add_skill(d, w, &ctx, now, &id, &value)
                })
                .await
            {
                Ok(_) => {
                    error.try_set(None);
                    // The draft goes only once the skill is on disk: nothing typed is lost.
                    label.try_set(String::new());
                    let _ = drafts::clear(DRAFT).await;
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };

    view! {
        <section class="card">
            <h2>{move || i18n.t().skills}</h2>
            <Show
                when=move || !skills.with(Vec::is_empty)
                fallback=move || view! { <p class="empty" data-testid="skills-empty">{move || i18n.t().skills_empty}</p> }
            >
                <ul class="records" data-testid="skills">
                    <For each=move || skills.get() key=|s| s.id.clone() let:skill>
                        <SkillRow skill=skill doc=doc ctx=ctx error=error/>
                    </For>
                </ul>
            </Show>
            <form class="inline-form" on:submit=add>
                <DraftField draft_key=DRAFT value=label label=|t| t.skills placeholder=|t| t.skill_placeholder/>
                <button type="submit" class="primary">{move || i18n.t().add}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
        </section>
    }
}

/// One skill, with a remove button that asks before it removes.
#[component]
fn SkillRow(
    skill: Skill,
    doc: OpenDoc,
    ctx: StoredValue<DocContext>,
    error: RwSignal<Option<WriteError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let confirming = RwSignal::new(false);
    let label = skill.label.clone();
    let id = skill.id.clone();
    let remove = move |_| {
        let ctx = ctx.get_value();
        let id = id.clone();
        leptos::task::spawn_local(async move {
            let removed = session
                .command(doc.id, |d, w, now| {
                    profile::remove_skill(d, w, &ctx, now, &id)
                })
                .await;
            if let Err(e) = removed {
                error.try_set(Some(e));
            }
        });
    };
    view! {
        <li class="record">
            <span class="record-title">{skill.label.clone()}</span>
            <Show
                when=move || confirming.get()
                fallback=move || {
                    view! {
                        <button type="button" class="link" on:click=move |_| confirming.set(true)>
                            {move || i18n.t().remove}
                        </button>
                    }
                }
            >
                <span class="confirm" role="group">
                    <span>{
                        let label = label.clone();
                        move || (i18n.t().confirm_remove)(&label)
                    }</span>
                    <button type="button" class="danger" on:click=remove.clone()>{move || i18n.t().remove}</button>
                    <button type="button" on:click=move |_| confirming.set(false)>{move || i18n.t().cancel}</button>
                </span>
            </Show>
        </li>
    }
}
