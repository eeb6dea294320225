//! Drafts: text being typed, kept in their own IndexedDB store a moment after each keystroke,
//! so a half-written form survives a reload or a crash. A draft becomes a document change
//! only when it is submitted, and is cleared once that change is durable.

use super::{get, idb};

/// The draft kept under `key`; `Err` when it could not be read (then nothing may be saved
/// over it).
pub async fn load(key: &str) -> Result<Option<String>, String> {
    let store = get().ok_or(NOT_OPEN)?;
    idb::get_text(store.database(), idb::DRAFTS, key).await
}

/// Why a draft could not be kept before the store opened.
const NOT_OPEN: &str = "the store is not open";

pub async fn save(key: &str, text: &str) -> Result<(), String> {
    // Before the store opens there is nowhere to keep a draft: say so, never "kept".
    let store = get().ok_or(NOT_OPEN)?;
    if text.is_empty() {
        idb::delete(store.database(), idb::DRAFTS, key).await
    } else {
        idb::put_text(store.database(), idb::DRAFTS, key, text).await
    }
}

/// What a field shows once its stored draft arrives: what was typed meanwhile is newer, so
/// both are kept, the stored draft first; neither is ever dropped.
pub fn restore(stored: &str, typed: &str, multiline: bool) -> String {
    if typed.trim().is_empty() || typed == stored {
        stored.to_owned()
    } else if stored.trim().is_empty() {
        typed.to_owned()
    } else {
        format!("{stored}{}{typed}", if multiline { "\n" } else { " " })
    }
}

/// Drops a draft once what it held is submitted and durable.
pub async fn clear(key: &'static str) -> Result<(), String> {
    set_open(key, false);
    save(key, "").await
}

/// Once `text`, sent from `field`, is written: empties the field and its draft, unless the
/// person typed on while it was being written. Then both keep what they typed; emptying
/// them anyway would lose it (a worker acknowledging a case and typing the next note).
pub async fn sent(key: &'static str, field: RwSignal<String>, text: &str) {
    sent_form(&[(key, field, text)]).await
}

/// [`sent`] for a form of several fields, each `(draft key, field, text sent)`: all are
/// emptied, or, if any holds newer text, none is (the next entry, typed meanwhile).
pub async fn sent_form(fields: &[(&'static str, RwSignal<String>, &str)]) {
    let mut gone = false;
    for (_, field, text) in fields {
        match field.try_get_untracked() {
            Some(now) if now != *text => return,
            Some(_) => {}
            // The form has left the page (navigated away, or its last step taken): its
            // drafts still go, or a form opened later would restore what was already sent.
            None => gone = true,
        }
    }
    for (key, field, _) in fields {
        if !gone {
            field.try_set(String::new());
        }
        let _ = clear(key).await;
    }
}

use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Flush = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

thread_local! {
    /// The draft fields on screen, each able to write its text at once.
    static FLUSHERS: RefCell<BTreeMap<&'static str, Flush>> = RefCell::default();
    // Reference-counted, not owned by whichever component first touched it.
    static OPEN: ArcRwSignal<BTreeSet<&'static str>> = ArcRwSignal::new(BTreeSet::new());
}

/// The drafts that hold typed, unsubmitted text: the app does not switch versions under them.
pub fn open_drafts() -> ArcRwSignal<BTreeSet<&'static str>> {
    OPEN.with(|o| o.clone())
}

/// Marks a draft as holding typed text (or no longer).
pub fn set_open(key: &'static str, open: bool) {
    open_drafts().update(|o| {
        if open {
            o.insert(key);
        } else {
            o.remove(key);
        }
    });
}

pub fn register_flusher(key: &'static str, flush: Flush) {
    FLUSHERS.with(|f| f.borrow_mut().insert(key, flush));
}

pub fn unregister_flusher(key: &'static str) {
    FLUSHERS.with(|f| f.borrow_mut().remove(key));
}

/// Writes every on-screen draft now, before the page goes away.
pub async fn flush_all() {
    let all: Vec<Flush> = FLUSHERS.with(|f| f.borrow().values().cloned().collect());
    for flush in all {
        flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::restore;

    #[test]
    fn a_late_restore_never_overwrites_what_was_typed_meanwhile() {
        assert_eq!(restore("明天下午", "", false), "明天下午");
        assert_eq!(restore("明天下午", "   ", false), "明天下午");
        assert_eq!(restore("明天下午", "明天下午", false), "明天下午");
        assert_eq!(restore("明天下午", "三点以后", false), "明天下午 三点以后");
        assert_eq!(restore("第一行", "第二行", true), "第一行\n第二行");
        assert_eq!(restore("", "刚打的字", false), "刚打的字");
    }
}
