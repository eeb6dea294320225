//! Drafts: text being typed, kept in their own IndexedDB store a moment after each keystroke,
//! so a half-written form survives a reload or a crash. A draft becomes a document change
//! only when it is submitted, and is cleared once that change is durable.

use super::{get, idb};

pub async fn load(key: &str) -> Option<String> {
    let store = get()?;
    idb::get_text(store.database(), idb::DRAFTS, key)
        .await
        .ok()
        .flatten()
}

pub async fn save(key: &str, text: &str) -> Result<(), String> {
    let store = get().ok_or("storage is not open")?;
    if text.is_empty() {
        idb::delete(store.database(), idb::DRAFTS, key).await
    } else {
        idb::put_text(store.database(), idb::DRAFTS, key, text).await
    }
}

pub async fn clear(key: &str) -> Result<(), String> {
    save(key, "").await
}
