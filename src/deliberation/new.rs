use crate::components::draft_field::DraftField;
use crate::i18n::use_i18n;
use crate::me::write_error;
use crate::session::use_session;
use crate::settings::random_id;
use crate::store::{self, drafts, WriteError};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use linli_core::deliberation::{self, index, Decision, ProposalDraft};

const DRAFTS: [&str; 3] = ["delib.title", "delib.body", "delib.options"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ForAgainst,
    One,
    Several,
}

#[component]
pub fn NewProposalPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let options = RwSignal::new(String::new());
    let kind = RwSignal::new(Kind::ForAgainst);
    let max = RwSignal::new(2usize);
    let error = RwSignal::new(None::<WriteError>);
    let busy = RwSignal::new(false);

    let save = move |publish: bool| {
        let opts: Vec<String> = options
            .get_untracked()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let draft = ProposalDraft {
            title: title.get_untracked(),
            body: body.get_untracked(),
            decision: match kind.get_untracked() {
                Kind::ForAgainst => Decision::ForAgainst,
                Kind::One => Decision::One(opts),
                Kind::Several => Decision::Several {
                    options: opts,
                    max: max.get_untracked(),
                },
            },
        };
        let (Some(member), Some(store)) = (session.member.get_untracked(), store::get()) else {
            error.set(Some(WriteError::NotReady));
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let id = random_id("p");
            let doc = deliberation::doc_id(&member.community, &id);
            let index_doc = deliberation::index_id(&member.community);
            let out = async {
                for (d, k) in [(index_doc, index::INDEX), (doc, deliberation::KIND)] {
                    store
                        .open_doc(d, k)
                        .await
                        .map_err(|e| WriteError::Disk(e.to_string()))?;
                }
                // The proposal first: if it is refused, the index names nothing.
                session
                    .command(doc, |d, w, now| deliberation::create(d, w, now, &draft))
                    .await?;
                session
                    .command(index_doc, |d, w, now| index::add(d, w, now, &id))
                    .await?;
                if publish {
                    session.command(doc, deliberation::publish).await?;
                }
                Ok::<_, WriteError>(())
            }
            .await;
            busy.try_set(false);
            match out {
                Ok(()) => {
                    for key in DRAFTS {
                        let _ = drafts::clear(key).await;
                    }
                    navigate(&format!("/deliberation/p/{id}"), Default::default());
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let save_draft = save.clone();
    let kind_option = move |k: Kind,
                            value: &'static str,
                            label: fn(&crate::i18n::Delib) -> &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name="decision" value=value prop:checked=move || kind.get() == k on:change=move |_| kind.set(k)/>
                {move || label(i18n.t().delib)}
            </label>
        }
    };
    view! {
        <section class="page deliberation-new">
            <p><A href="/deliberation">{move || i18n.t().delib.back}</A></p>
            <h1>{move || i18n.t().delib.new}</h1>
            <form class="request-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save(true);
            }>
                <DraftField draft_key="delib.title" value=title label=|t| t.delib.title placeholder=|t| t.delib.title_hint/>
                <DraftField draft_key="delib.body" value=body label=|t| t.delib.body multiline=true/>
                <fieldset class="field">
                    <legend>{move || i18n.t().delib.decision}</legend>
                    {kind_option(Kind::ForAgainst, "for_against", |d| d.for_against)}
                    {kind_option(Kind::One, "one", |d| d.one)}
                    {kind_option(Kind::Several, "several", |d| d.several)}
                </fieldset>
                <Show when=move || kind.get() != Kind::ForAgainst>
                    <DraftField draft_key="delib.options" value=options label=|t| t.delib.options multiline=true/>
                </Show>
                <Show when=move || kind.get() == Kind::Several>
                    <div class="field">
                        <label for="field-delib-max">{move || i18n.t().delib.max_choices}</label>
                        <input id="field-delib-max" type="number" min="1" max="10"
                            prop:value=move || max.get().to_string()
                            on:input=move |ev| max.set(event_target_value(&ev).parse().unwrap_or(0))/>
                    </div>
                </Show>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{write_error(&e, i18n)}</p> })}
                <p class="muted">{move || i18n.t().delib.draft_note}</p>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="proposal-publish" disabled=move || busy.get()>
                        {move || i18n.t().delib.publish}
                    </button>
                    <button type="button" disabled=move || busy.get() on:click=move |_| save_draft(false)>
                        {move || i18n.t().delib.save_draft}
                    </button>
                </div>
            </form>
        </section>
    }
}
