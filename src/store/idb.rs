//! A thin IndexedDB layer on web-sys. Every read-write transaction is opened with
//! `durability: "strict"`: Chromium otherwise acknowledges a write before it reaches the disk,
//! and a phone that dies then loses what the app already called saved.
//!
//! Each transaction issues all its requests at once and only then awaits, so it never goes
//! inactive between requests.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbRequest, IdbTransaction};

pub const SNAPSHOTS: &str = "snapshots";
pub const CHANGES: &str = "changes";
pub const QUARANTINE: &str = "quarantine";
pub const DRAFTS: &str = "drafts";
/// Changes the server refused, with what they said and why, kept for the person to see.
pub const REFUSED: &str = "refused";
/// Every document any tab of this device opened, with its kind: the syncing tab holds them
/// all, not only those it opened itself.
pub const HELD: &str = "held";
const VERSION: u32 = 3;

#[wasm_bindgen]
extern "C" {
    /// An `IDBDatabase` seen through a binding of our own: web-sys keeps the options
    /// argument of `transaction` behind an unstable flag; the call itself is plain.
    type OptionsDb;
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &OptionsDb,
        stores: &JsValue,
        mode: &str,
        options: &JsValue,
    ) -> Result<IdbTransaction, JsValue>;
}

/// Errors as text a person can be shown (the browser's own message, which names the cause).
pub type IdbResult<T> = Result<T, String>;

pub fn describe(e: JsValue) -> String {
    if let Some(ex) = e.dyn_ref::<web_sys::DomException>() {
        format!("{}: {}", ex.name(), ex.message())
    } else if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else {
        e.as_string().unwrap_or_else(|| format!("{e:?}"))
    }
}

/// Resolves with the request's result once it succeeds.
async fn request(req: IdbRequest) -> IdbResult<JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok_req = req.clone();
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(
                &JsValue::NULL,
                &ok_req.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let err_req = req.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let err = err_req
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL);
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        req.set_onsuccess(Some(on_ok.unchecked_ref()));
        req.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(describe)
}

/// Resolves when the transaction has committed (to disk, for strict ones).
async fn done(tx: &IdbTransaction) -> IdbResult<()> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let err_tx = tx.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let err = err_tx
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| "aborted".into());
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        tx.set_oncomplete(Some(on_ok.unchecked_ref()));
        // Abort only: a failed request's error reaches the transaction as an error event and
        // then aborts it, so the same once-only handler on both ran twice (a page error,
        // seen when a write failed at quota).
        tx.set_onabort(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(describe)
}

pub async fn open(name: &str) -> IdbResult<IdbDatabase> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(describe)?
        .ok_or("IndexedDB is not available")?;
    let req = factory.open_with_u32(name, VERSION).map_err(describe)?;
    let upgrade_req = req.clone();
    let on_upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        if let Ok(db) = upgrade_req
            .result()
            .and_then(|r| r.dyn_into::<IdbDatabase>())
        {
            let names = db.object_store_names();
            for store in [SNAPSHOTS, CHANGES, QUARANTINE, DRAFTS, REFUSED, HELD] {
                if !names.contains(store) {
                    let _ = db.create_object_store(store);
                }
            }
        }
    });
    req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let db = request(req.clone().unchecked_into()).await;
    req.set_onupgradeneeded(None);
    drop(on_upgrade);
    let db = db?.dyn_into::<IdbDatabase>().map_err(describe)?;
    // A newer version of the app wants to upgrade the database: step aside rather than block
    // it. Writes here then fail loudly, and the update flow reloads this tab.
    let closing = db.clone();
    let on_version = Closure::<dyn FnMut()>::new(move || closing.close());
    db.set_onversionchange(Some(on_version.as_ref().unchecked_ref()));
    on_version.forget();
    Ok(db)
}

fn tx(db: &IdbDatabase, stores: &[&str], write: bool) -> IdbResult<IdbTransaction> {
    let names = Array::new();
    for s in stores {
        names.push(&JsValue::from_str(s));
    }
    let options = Object::new();
    if write {
        Reflect::set(&options, &"durability".into(), &"strict".into()).map_err(describe)?;
    }
    db.unchecked_ref::<OptionsDb>()
        .transaction_with_options(
            &names,
            if write { "readwrite" } else { "readonly" },
            &options,
        )
        .map_err(describe)
}

fn store(tx: &IdbTransaction, name: &str) -> IdbResult<IdbObjectStore> {
    tx.object_store(name).map_err(describe)
}

fn change_key(doc: &str, hash: &str) -> JsValue {
    Array::of2(&doc.into(), &hash.into()).into()
}

fn doc_range(doc: &str) -> IdbResult<IdbKeyRange> {
    // Hashes are lowercase hex, so "~" sorts after every one of them.
    IdbKeyRange::bound(&change_key(doc, ""), &change_key(doc, "~")).map_err(describe)
}

fn record_value(bytes: &[u8]) -> IdbResult<JsValue> {
    let obj = Object::new();
    Reflect::set(&obj, &"bytes".into(), &Uint8Array::from(bytes)).map_err(describe)?;
    Reflect::set(&obj, &"stored_at".into(), &js_sys::Date::now().into()).map_err(describe)?;
    Ok(obj.into())
}

/// The bytes of a stored record, or empty bytes (which never decode) for anything else.
fn record_bytes(value: &JsValue) -> Vec<u8> {
    Reflect::get(value, &"bytes".into())
        .ok()
        .and_then(|b| b.dyn_into::<Uint8Array>().ok())
        .map(|b| b.to_vec())
        .unwrap_or_default()
}

/// What one document has on this device.
pub struct Stored {
    pub snapshot: Option<Vec<u8>>,
    /// (hash from the key, bytes), in key order.
    pub changes: Vec<(String, Vec<u8>)>,
}

pub async fn read_doc(db: &IdbDatabase, doc: &str) -> IdbResult<Stored> {
    let t = tx(db, &[SNAPSHOTS, CHANGES], false)?;
    let snaps = store(&t, SNAPSHOTS)?;
    let changes = store(&t, CHANGES)?;
    let range = doc_range(doc)?;
    let snap_req = snaps.get(&doc.into()).map_err(describe)?;
    let keys_req = changes.get_all_keys_with_key(&range).map_err(describe)?;
    let vals_req = changes.get_all_with_key(&range).map_err(describe)?;
    let snap = request(snap_req).await?;
    let keys: Array = request(keys_req).await?.unchecked_into();
    let vals: Array = request(vals_req).await?.unchecked_into();
    let snapshot = snap.dyn_ref::<Uint8Array>().map(|b| b.to_vec());
    let changes = keys
        .iter()
        .zip(vals.iter())
        .map(|(k, v)| {
            let hash = Reflect::get(&k, &1.into())
                .ok()
                .and_then(|h| h.as_string())
                .unwrap_or_default();
            (hash, record_bytes(&v))
        })
        .collect();
    Ok(Stored { snapshot, changes })
}

/// Stores change records; resolves only once they are on disk.
pub async fn put_changes(
    db: &IdbDatabase,
    doc: &str,
    changes: &[(String, Vec<u8>)],
) -> IdbResult<()> {
    let t = tx(db, &[CHANGES], true)?;
    let s = store(&t, CHANGES)?;
    for (hash, bytes) in changes {
        s.put_with_key(&record_value(bytes)?, &change_key(doc, hash))
            .map_err(describe)?;
    }
    done(&t).await
}

/// Writes the new snapshot and deletes exactly the records folded into it, in one transaction:
/// a crash leaves either the old snapshot and all records, or the new one.
pub async fn compact(
    db: &IdbDatabase,
    doc: &str,
    snapshot: &[u8],
    folded: &[String],
) -> IdbResult<()> {
    let t = tx(db, &[SNAPSHOTS, CHANGES], true)?;
    store(&t, SNAPSHOTS)?
        .put_with_key(&Uint8Array::from(snapshot), &doc.into())
        .map_err(describe)?;
    let s = store(&t, CHANGES)?;
    for hash in folded {
        s.delete(&change_key(doc, hash)).map_err(describe)?;
    }
    done(&t).await
}

/// Moves unreadable records (and a damaged snapshot) out of the way, keeping their bytes.
pub async fn set_aside(
    db: &IdbDatabase,
    doc: &str,
    records: &[(String, Vec<u8>)],
    snapshot: Option<&[u8]>,
) -> IdbResult<()> {
    let t = tx(db, &[SNAPSHOTS, CHANGES, QUARANTINE], true)?;
    let q = store(&t, QUARANTINE)?;
    let changes = store(&t, CHANGES)?;
    let stamp = js_sys::Date::now();
    for (hash, bytes) in records {
        q.put_with_key(
            &record_value(bytes)?,
            &format!("{doc}/{hash}/{stamp}").into(),
        )
        .map_err(describe)?;
        changes.delete(&change_key(doc, hash)).map_err(describe)?;
    }
    if let Some(bytes) = snapshot {
        q.put_with_key(
            &record_value(bytes)?,
            &format!("{doc}/snapshot/{stamp}").into(),
        )
        .map_err(describe)?;
        store(&t, SNAPSHOTS)?
            .delete(&doc.into())
            .map_err(describe)?;
    }
    done(&t).await
}

/// A change the server refused, as this device keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedRecord {
    pub doc: String,
    pub hash: String,
    pub bytes: Vec<u8>,
    pub zh: String,
    pub en: String,
    pub at: f64,
}

/// Replaces a document by one rebuilt without refused changes, in one transaction: the
/// refused changes moved to their own store, the new snapshot, and exactly the records it
/// folded in (`folded`) and the refused ones deleted; records it does not hold (waiting for
/// parents, unreadable, another tab's newest) stay. A failure aborts the whole transaction:
/// the old document stays whole, or the new one stands with the refused changes kept aside.
pub async fn rebuild(
    db: &IdbDatabase,
    doc: &str,
    snapshot: &[u8],
    folded: &[String],
    refused: &[RefusedRecord],
) -> IdbResult<()> {
    let t = tx(db, &[SNAPSHOTS, CHANGES, REFUSED], true)?;
    let queued = (|| -> IdbResult<()> {
        put_refused(&t, refused)?;
        store(&t, SNAPSHOTS)?
            .put_with_key(&Uint8Array::from(snapshot), &doc.into())
            .map_err(describe)?;
        let changes = store(&t, CHANGES)?;
        for hash in folded.iter().chain(refused.iter().map(|r| &r.hash)) {
            changes.delete(&change_key(doc, hash)).map_err(describe)?;
        }
        Ok(())
    })();
    if let Err(e) = queued {
        let _ = t.abort();
        return Err(e);
    }
    done(&t).await
}

fn put_refused(t: &IdbTransaction, refused: &[RefusedRecord]) -> IdbResult<()> {
    let r = store(t, REFUSED)?;
    for rec in refused {
        let value = record_value(&rec.bytes)?;
        for (k, v) in [("zh", &rec.zh), ("en", &rec.en)] {
            Reflect::set(&value, &k.into(), &v.into()).map_err(describe)?;
        }
        r.put_with_key(&value, &format!("{}/{}", rec.doc, rec.hash).into())
            .map_err(describe)?;
    }
    Ok(())
}

/// Keeps changes aside with the refused ones (a tab's unsaved change that built on one).
pub async fn keep_refused(db: &IdbDatabase, refused: &[RefusedRecord]) -> IdbResult<()> {
    let t = tx(db, &[REFUSED], true)?;
    let queued = put_refused(&t, refused);
    if let Err(e) = queued {
        let _ = t.abort();
        return Err(e);
    }
    done(&t).await
}

/// Every (key, text) of a store of texts, in key order.
pub async fn texts(db: &IdbDatabase, name: &str) -> IdbResult<Vec<(String, String)>> {
    let t = tx(db, &[name], false)?;
    let s = store(&t, name)?;
    let keys_req = s.get_all_keys().map_err(describe)?;
    let vals_req = s.get_all().map_err(describe)?;
    let keys: Array = request(keys_req).await?.unchecked_into();
    let vals: Array = request(vals_req).await?.unchecked_into();
    Ok(keys
        .iter()
        .zip(vals.iter())
        .filter_map(|(k, v)| Some((k.as_string()?, v.as_string()?)))
        .collect())
}

/// Every refused change this device keeps, oldest first.
pub async fn refused(db: &IdbDatabase) -> IdbResult<Vec<RefusedRecord>> {
    let t = tx(db, &[REFUSED], false)?;
    let s = store(&t, REFUSED)?;
    let keys_req = s.get_all_keys().map_err(describe)?;
    let vals_req = s.get_all().map_err(describe)?;
    let keys: Array = request(keys_req).await?.unchecked_into();
    let vals: Array = request(vals_req).await?.unchecked_into();
    let text = |v: &JsValue, k: &str| {
        Reflect::get(v, &k.into())
            .ok()
            .and_then(|x| x.as_string())
            .unwrap_or_default()
    };
    let mut out: Vec<RefusedRecord> = keys
        .iter()
        .zip(vals.iter())
        .map(|(k, v)| {
            let key = k.as_string().unwrap_or_default();
            let (doc, hash) = key.split_once('/').unwrap_or((&key, ""));
            RefusedRecord {
                doc: doc.to_owned(),
                hash: hash.to_owned(),
                bytes: record_bytes(&v),
                zh: text(&v, "zh"),
                en: text(&v, "en"),
                at: Reflect::get(&v, &"stored_at".into())
                    .ok()
                    .and_then(|x| x.as_f64())
                    .unwrap_or(0.0),
            }
        })
        .collect();
    linli_core::sort::by(&mut out, |a, b| a.at.total_cmp(&b.at));
    Ok(out)
}

pub async fn count(db: &IdbDatabase, name: &str) -> IdbResult<u32> {
    let t = tx(db, &[name], false)?;
    let req = store(&t, name)?.count().map_err(describe)?;
    Ok(request(req).await?.as_f64().unwrap_or(0.0) as u32)
}

pub async fn get_text(db: &IdbDatabase, name: &str, key: &str) -> IdbResult<Option<String>> {
    let t = tx(db, &[name], false)?;
    let req = store(&t, name)?.get(&key.into()).map_err(describe)?;
    Ok(request(req).await?.as_string())
}

pub async fn put_text(db: &IdbDatabase, name: &str, key: &str, text: &str) -> IdbResult<()> {
    let t = tx(db, &[name], true)?;
    store(&t, name)?
        .put_with_key(&text.into(), &key.into())
        .map_err(describe)?;
    done(&t).await
}

pub async fn delete(db: &IdbDatabase, name: &str, key: &str) -> IdbResult<()> {
    let t = tx(db, &[name], true)?;
    store(&t, name)?.delete(&key.into()).map_err(describe)?;
    done(&t).await
}
