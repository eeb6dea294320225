//! The discussion under a proposal: comments with replies one level deep; authors edit
//! their own, staff hide one with a reason that shows in its place.

use super::detail::Page;
use crate::components::act::draft_key;
use crate::components::draft_field::DraftField;
use crate::help::{name_of, use_names, when};
use crate::i18n::use_i18n;
use crate::session::use_session;
use crate::settings::random_id;
use leptos::prelude::*;
use linli_core::deliberation::{self, Comment};

#[component]
pub(super) fn Discussion(page: Page) -> impl IntoView {
    let i18n = use_i18n();
    let all = Memo::new(move |_| page.doc.read(deliberation::comments).unwrap_or_default());
    let open = move || page.acts.with(|a| a.comment);
    view! {
        <Show when=move || open() || all.with(|c| !c.is_empty())>
            <h2>{move || i18n.t().delib.comments}</h2>
            {move || {
                let comments = all.get();
                if comments.is_empty() {
                    return view! { <p class="empty">{move || i18n.t().delib.no_comments}</p> }.into_any();
                }
                let tops: Vec<Comment> = comments.iter().filter(|c| c.parent.is_none()).cloned().collect();
                view! {
                    <ul class="comments" data-testid="comments">
                        {tops.into_iter().map(|c| {
                            let replies: Vec<Comment> = comments
                                .iter()
                                .filter(|r| r.parent.as_deref() == Some(c.id.as_str()))
                                .cloned()
                                .collect();
                            view! { <Entry page=page comment=c replies=replies/> }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <Show when=open>
                <CommentForm page=page parent=None/>
            </Show>
        </Show>
    }
}

#[component]
fn Entry(page: Page, comment: Comment, replies: Vec<Comment>) -> impl IntoView {
    let i18n = use_i18n();
    let replying = RwSignal::new(false);
    let id = StoredValue::new(comment.id.clone());
    view! {
        <li class="comment" data-testid="comment">
            <Body page=page comment=comment/>
            {(!replies.is_empty()).then(|| view! {
                <ul class="replies">
                    {replies.into_iter().map(|r| view! { <li class="comment reply" data-testid="reply"><Body page=page comment=r/></li> }).collect_view()}
                </ul>
            })}
            <Show when=move || page.acts.with(|a| a.comment)>
                <Show
                    when=move || replying.get()
                    fallback=move || view! { <button type="button" class="link" on:click=move |_| replying.set(true)>{move || i18n.t().delib.reply}</button> }
                >
                    <CommentForm page=page parent=Some(id.get_value())/>
                </Show>
            </Show>
        </li>
    }
}

/// One comment's words (or staff's reason for hiding them), with its author's and staff's
/// actions.
#[component]
fn Body(page: Page, comment: Comment) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let names = use_names();
    let author = name_of(&names.get_untracked(), &comment.author);
    let mine = session
        .member
        .with_untracked(|m| m.as_ref().is_some_and(|m| m.id == comment.author));
    let editing = RwSignal::new(false);
    let hiding = RwSignal::new(false);
    let id = StoredValue::new(comment.id.clone());
    let text = RwSignal::new(comment.text.clone());
    let reason = RwSignal::new(String::new());
    let edit_key = draft_key("delib.comment", "edit", &comment.id);
    let hide_key = draft_key("delib.comment", "hide", &comment.id);
    let hidden = comment.hidden.clone();
    let visible = hidden.is_none();
    view! {
        <p class="muted">
            {format!("{author} · {}", when(comment.created_at, i18n.lang()))}
            {comment.edited.then(|| view! { " " {move || i18n.t().delib.edited} })}
        </p>
        {match hidden {
            Some(r) => view! { <p class="notice warn" data-testid="comment-hidden">{move || (i18n.t().delib.hidden)(&r)}</p> }.into_any(),
            None => view! { <p data-testid="comment-text">{comment.text.clone()}</p> }.into_any(),
        }}
        <Show when=move || editing.get()>
            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let (c, t) = (id.get_value(), text.get_untracked());
                page.act.run_then(
                    Box::new(move |d, w, now| deliberation::edit_comment(d, w, now, &c, &t).map(|_| ())),
                    move || {
                        editing.try_set(false);
                        leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(edit_key).await; });
                    },
                );
            }>
                <DraftField draft_key=edit_key value=text label=|t| t.delib.comment multiline=true/>
                <button type="submit">{move || i18n.t().save}</button>
                <button type="button" on:click=move |_| editing.set(false)>{move || i18n.t().cancel}</button>
            </form>
        </Show>
        <Show when=move || hiding.get()>
            <form class="inline-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let (c, r) = (id.get_value(), reason.get_untracked());
                page.act.run_then(
                    Box::new(move |d, w, now| deliberation::hide_comment(d, w, now, &c, &r).map(|_| ())),
                    move || {
                        hiding.try_set(false);
                        leptos::task::spawn_local(async move { let _ = crate::store::drafts::clear(hide_key).await; });
                    },
                );
            }>
                <DraftField draft_key=hide_key value=reason label=|t| t.delib.hide_reason/>
                <button type="submit" class="danger">{move || i18n.t().delib.hide}</button>
                <button type="button" on:click=move |_| hiding.set(false)>{move || i18n.t().cancel}</button>
            </form>
        </Show>
        <Show when=move || !editing.get() && !hiding.get()>
            {(mine && visible).then(|| view! {
                <button type="button" class="link" on:click=move |_| editing.set(true)>{move || i18n.t().delib.edit}</button>
            })}
            <Show when=move || visible && page.acts.with(|a| a.hide_comment)>
                <button type="button" class="link" on:click=move |_| hiding.set(true)>{move || i18n.t().delib.hide}</button>
            </Show>
        </Show>
    }
}

#[component]
fn CommentForm(page: Page, parent: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let under = parent.clone().unwrap_or_else(|| "top".into());
    let key = draft_key("delib.comment", &under, &page.id.get_value());
    let parent = StoredValue::new(parent);
    view! {
        <form class="inline-form" data-testid="comment-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (t, p) = (text.get_untracked(), parent.get_value());
            let sent = t.clone();
            let id = random_id("c");
            page.act.run_then(
                Box::new(move |d, w, now| deliberation::comment(d, w, now, &id, p.as_deref(), &t).map(|_| ())),
                move || {
                    leptos::task::spawn_local(async move { crate::store::drafts::sent(key, text, &sent).await });
                },
            );
        }>
            <DraftField draft_key=key value=text label=|t| t.delib.comment multiline=true/>
            <button type="submit" data-testid="comment-post">{move || i18n.t().delib.post}</button>
        </form>
    }
}
