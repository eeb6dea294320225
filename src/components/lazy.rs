//! A module's pages fetched when the first of them is opened.
//!
//! In the shipped build (`--features split`, `scripts/split.mjs`) each module's pages are a
//! wasm chunk of their own: the module's `pages()` is a split point that hands back its
//! renderer once the chunk is in, and the first page shows a loading line meanwhile. In
//! every other build the same call returns at once. The renderer is kept, so a module opened
//! before renders at once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::thread::LocalKey;

/// A module's renderer: one of its pages, by name.
pub type Render<P> = fn(P) -> AnyView;
/// What fetching a module's chunk gives: its renderer, or why not (offline before the
/// service worker kept it, say). A failure is not kept: the next try fetches again.
pub type Fetched<P> = Result<Render<P>, leptos::wasm_split::SplitLoaderError>;

/// `page` of a module whose renderer `slot` keeps once `fetch` brought it.
/// `warm` runs as the fetch starts: it may open what `page` will read.
pub fn lazy_page<P, F>(
    page: P,
    slot: &'static LocalKey<Cell<Option<Render<P>>>>,
    fetch: fn() -> F,
    warm: fn(P),
) -> AnyView
where
    P: Copy + 'static,
    F: Future<Output = Fetched<P>> + 'static,
{
    if let Some(render) = slot.get() {
        return render(page);
    }
    warm(page);
    // The waiting is the same for every module: written once below rather than copied into
    // the shell for each module's page type.
    waiting(Rc::new(move || {
        Box::pin(async move {
            let render = fetch().await.ok()?;
            slot.set(Some(render));
            Some(Rc::new(move || render(page)) as Shown)
        })
    }))
}

/// The page, once its chunk is in.
type Shown = Rc<dyn Fn() -> AnyView>;
/// Fetches the chunk: the page, or `None` if it could not be fetched.
type Fetch = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Option<Shown>>>>>;

/// A loading line while `fetch` runs, then the page, or a way to try again.
fn waiting(fetch: Fetch) -> AnyView {
    let i18n = crate::i18n::use_i18n();
    let fetch = StoredValue::new_local(fetch);
    let loaded = RwSignal::new_local(None::<Shown>);
    let failed = RwSignal::new(false);
    let start = move || {
        let fetch = fetch.get_value();
        spawn_local(async move {
            match fetch().await {
                Some(shown) => loaded.set(Some(shown)),
                None => failed.set(true),
            }
        })
    };
    start();
    (move || match (loaded.get(), failed.get()) {
        (Some(shown), _) => shown(),
        (None, false) => {
            view! { <p class="loading" role="status">{move || i18n.t().loading}</p> }.into_any()
        }
        (None, true) => view! {
            <div class="error" role="alert">
                <p>{move || i18n.t().module_unreachable}</p>
                <button type="button" on:click=move |_| {
                    failed.set(false);
                    start();
                }>{move || i18n.t().try_again}</button>
            </div>
        }
        .into_any(),
    })
    .into_any()
}

/// A module's split point, written once for every module: `Page`, the module's pages in its
/// chunk by name (routes say which, the chunk renders it), and `page(Page::…)`, the view a
/// route mounts. `$chunk` names the chunk; `warm`, if given, is told which page is waiting
/// for the chunk and may open what it reads meanwhile; each page's view follows its name.
macro_rules! lazy_pages {
    ($chunk:ident $(, warm $warm:path)?, { $($name:ident => $view:expr),+ $(,)? }) => {
        #[derive(Clone, Copy)]
        enum Page {
            $($name),+
        }

        thread_local! {
            static PAGES: ::std::cell::Cell<Option<$crate::components::lazy::Render<Page>>> =
                const { ::std::cell::Cell::new(None) };
        }

        fn page(p: Page) -> ::leptos::prelude::AnyView {
            $crate::components::lazy::lazy_page(p, &PAGES, fetch, warm_chunk)
        }

        fn warm_chunk(_page: Page) {
            $($warm(_page);)?
        }

        async fn fetch() -> $crate::components::lazy::Fetched<Page> {
            #[cfg(feature = "split")]
            return pages().await;
            #[cfg(not(feature = "split"))]
            return pages();
        }

        /// The split point: the code only these pages reach is the module's chunk.
        #[cfg_attr(
            feature = "split",
            ::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)
        )]
        fn pages() -> $crate::components::lazy::Fetched<Page> {
            Ok(render)
        }

        fn render(p: Page) -> ::leptos::prelude::AnyView {
            use ::leptos::prelude::IntoAny;
            match p {
                $(Page::$name => $view.into_any()),+
            }
        }
    };
}
pub(crate) use lazy_pages;
