//! The installed app: the service worker that serves one build's files as a set, the update
//! flow that switches versions only when the person taps, and the install prompt.

mod install;
mod update;

pub use install::InstallCard;
pub use update::UpdateBanner;

use crate::store::drafts;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerRegistration, ServiceWorkerState};

/// What the UI shows about the app itself.
#[derive(Clone, Copy)]
pub struct Pwa {
    /// A new version is installed and waiting for the person's tap.
    pub update_ready: RwSignal<bool>,
    /// The browser offered to install the app (`beforeinstallprompt`).
    pub can_install: RwSignal<bool>,
}

thread_local! {
    static REGISTRATION: RefCell<Option<ServiceWorkerRegistration>> = const { RefCell::new(None) };
    static INSTALL_EVENT: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    static RELOADING: Cell<bool> = const { Cell::new(false) };
}

pub fn use_pwa() -> Pwa {
    expect_context::<Pwa>()
}

/// Registers the service worker and listens for updates and the install prompt.
pub fn start() -> Pwa {
    let pwa = Pwa {
        update_ready: RwSignal::new(false),
        can_install: RwSignal::new(false),
    };
    let Some(window) = web_sys::window() else {
        return pwa;
    };

    let on_install_offer = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        // Keep the browser's offer for the Me page's button instead of its mini-bar.
        ev.prevent_default();
        INSTALL_EVENT.with(|e| *e.borrow_mut() = Some(ev.into()));
        pwa.can_install.set(true);
    });
    let _ = window.add_event_listener_with_callback(
        "beforeinstallprompt",
        on_install_offer.as_ref().unchecked_ref(),
    );
    on_install_offer.forget(); // lives as long as the page

    let container = window.navigator().service_worker();
    // A tab that started uncontrolled sees one controllerchange when the first worker claims
    // it (no version switch); every later one, and any in a tab that started controlled, is
    // a new version taking over.
    let expected_claims = Cell::new(u8::from(container.controller().is_none()));
    let had_controller = container.controller().is_some();
    let on_controller = Closure::<dyn FnMut()>::new(move || {
        if expected_claims.get() > 0 {
            expected_claims.set(expected_claims.get() - 1);
            return;
        }
        if !RELOADING.replace(true) {
            leptos::task::spawn_local(reload_into_new_version());
        }
    });
    container.set_oncontrollerchange(Some(on_controller.as_ref().unchecked_ref()));
    on_controller.forget();

    let registering = container.register("/sw.js");
    leptos::task::spawn_local(async move {
        // No registration (refused, or a browser that keeps service workers off): the app
        // runs as a plain page, with no offline start and no updates to offer.
        let Ok(reg) = JsFuture::from(registering).await else {
            return;
        };
        let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() else {
            return;
        };
        if reg.waiting().is_some() && had_controller {
            pwa.update_ready.set(true);
        }
        let watched = reg.clone();
        let on_found = Closure::<dyn FnMut()>::new(move || {
            let Some(worker) = watched.installing() else {
                return;
            };
            let w = worker.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                let controlled = web_sys::window()
                    .is_some_and(|w| w.navigator().service_worker().controller().is_some());
                if w.state() == ServiceWorkerState::Installed && controlled {
                    pwa.update_ready.set(true);
                }
            });
            worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        });
        reg.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        REGISTRATION.with(|r| *r.borrow_mut() = Some(reg));
    });
    pwa
}

/// Another tab tapped "update": keep what is typed here, let writes under way reach the
/// disk, then reload so no tab goes on writing with the old code. If a change still is not
/// on disk, reloading would lose it: say so and leave the reload to the person.
async fn reload_into_new_version() {
    drafts::flush_all().await;
    if let Some(store) = crate::store::get() {
        for _ in 0..60 {
            if store.saving.get_untracked() == 0 {
                break;
            }
            sleep_ms(50).await;
        }
        store.flush_all().await;
        if store.unsaved.get_untracked() > 0 {
            store
                .notices
                .update(|n| n.push(crate::store::Notice::ReloadBlocked));
            return;
        }
    }
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Waits `ms` milliseconds on the browser's timer.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Looks for a new version now (on start the browser does this by itself).
pub fn check_for_update() {
    REGISTRATION.with(|r| {
        if let Some(reg) = r.borrow().as_ref() {
            let _ = reg.update();
        }
    });
}

/// Lets the waiting version take over; every tab then reloads into it.
pub fn apply_update() {
    REGISTRATION.with(|r| {
        if let Some(waiting) = r.borrow().as_ref().and_then(|reg| reg.waiting()) {
            let _ = waiting.post_message(&"skip-waiting".into());
        }
    });
}

/// Shows the browser's install dialog, if it offered one.
pub fn prompt_install(pwa: Pwa) {
    let Some(event) = INSTALL_EVENT.with(|e| e.borrow_mut().take()) else {
        return;
    };
    if let Ok(prompt) = js_sys::Reflect::get(&event, &"prompt".into()) {
        if let Some(f) = prompt.dyn_ref::<js_sys::Function>() {
            let _ = f.call0(&event);
        }
    }
    pwa.can_install.set(false);
}
