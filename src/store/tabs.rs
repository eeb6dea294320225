//! Coordination between tabs of the app: one writes at a time (a Web Lock held around each
//! write and compaction), and each tells the others what it wrote (a BroadcastChannel).

use js_sys::{Function, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, MessageEvent};

const LOCK_NAME: &str = "linli-write";
const CHANNEL_NAME: &str = "linli-docs";

fn lock_manager() -> Option<JsValue> {
    let nav = web_sys::window()?.navigator();
    let locks = Reflect::get(&nav, &"locks".into()).ok()?;
    (!locks.is_undefined()).then_some(locks)
}

/// Whether this browser has Web Locks (every current one does, in a secure context).
pub fn locks_available() -> bool {
    lock_manager().is_some()
}

/// Runs `f` while holding the app-wide write lock. Browsers without Web Locks run it
/// unlocked: each tab still writes records under its own actor id, and the store does not
/// compact there (two unlocked compactions could overwrite each other's snapshot).
pub async fn with_write_lock<T, Fut: Future<Output = T>>(f: impl FnOnce() -> Fut) -> T {
    let Some(locks) = lock_manager() else {
        return f().await;
    };
    let release: Rc<RefCell<Option<Function>>> = Rc::default();
    let held = Promise::new(&mut |resolve, _| *release.borrow_mut() = Some(resolve));
    let mut granted_resolve: Option<Function> = None;
    let granted = Promise::new(&mut |resolve, _| granted_resolve = Some(resolve));
    let granted_resolve = granted_resolve.expect("Promise::new runs its executor at once");
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = granted_resolve.call0(&JsValue::NULL);
        held.into()
    });
    let request = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|r| r.dyn_into::<Function>().ok());
    let requested = request.map(|r| r.call2(&locks, &LOCK_NAME.into(), &callback));
    if !matches!(requested, Some(Ok(_))) {
        return f().await;
    }
    let _ = JsFuture::from(granted).await;
    let out = f().await;
    if let Some(resolve) = release.borrow_mut().take() {
        let _ = resolve.call0(&JsValue::NULL);
    }
    out
}

/// Asks for the Web Lock `name` and keeps it until the page goes away; `granted` runs once
/// it is ours. Without Web Locks it runs at once (every tab then does the work).
pub fn hold_for_life(name: &str, granted: impl FnOnce() + 'static) {
    let Some(locks) = lock_manager() else {
        return granted();
    };
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        granted();
        // Never settles: the lock is released when the page closes.
        Promise::new(&mut |_, _| {}).into()
    });
    let request = Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|r| r.dyn_into::<Function>().ok());
    if let Some(r) = request {
        let _ = r.call2(&locks, &name.into(), &callback);
    }
}

/// What another tab says of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    /// It has new records on disk: merge them in.
    Changed(String),
    /// It was rebuilt without changes the server refused: what this tab holds in memory
    /// still has them, so take the document again from disk.
    Rebuilt(String),
}

const REBUILT: &str = "rebuilt:";

impl Heard {
    fn parse(message: String) -> Heard {
        match message.strip_prefix(REBUILT) {
            Some(doc) => Heard::Rebuilt(doc.to_owned()),
            None => Heard::Changed(message),
        }
    }
}

/// The channel to the app's other tabs.
pub struct Channel {
    channel: Option<BroadcastChannel>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
}

impl Channel {
    /// Listens for what other tabs say of their documents. One channel per database: the
    /// sandbox's tabs and a member's never mix.
    pub fn open(db: &str, on_doc: impl Fn(Heard) + 'static) -> Channel {
        let Ok(channel) = BroadcastChannel::new(&format!("{CHANNEL_NAME}/{db}")) else {
            return Channel {
                channel: None,
                _on_message: None,
            };
        };
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Some(message) = ev.data().as_string() {
                on_doc(Heard::parse(message));
            }
        });
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        Channel {
            channel: Some(channel),
            _on_message: Some(handler),
        }
    }

    /// Tells the other tabs that `doc` has new records on disk.
    pub fn announce(&self, doc: &str) {
        if let Some(c) = &self.channel {
            let _ = c.post_message(&doc.into());
        }
    }

    /// Tells the other tabs that `doc` was rebuilt on disk without refused changes.
    pub fn announce_rebuilt(&self, doc: &str) {
        if let Some(c) = &self.channel {
            let _ = c.post_message(&format!("{REBUILT}{doc}").into());
        }
    }
}

/// A store replaced in place (the sandbox chosen on the first screen) drops its channel:
/// the browser must not call the handler freed with it.
impl Drop for Channel {
    fn drop(&mut self) {
        if let Some(c) = &self.channel {
            c.set_onmessage(None);
            c.close();
        }
    }
}
