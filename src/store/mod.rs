//! The on-device document store (DESIGN.md, Storage).
//!
//! A document is one snapshot plus one record per change, keyed by (document id, change
//! hash). Every change, local or received, is on disk before the UI calls it saved. Loading
//! trusts no record; compaction folds records into a new snapshot and deletes exactly those
//! records, in one transaction. Each start writes under a fresh actor id, and a fresh one
//! again after any loss.

pub mod api;
pub mod drafts;
pub mod idb;
pub mod load;
mod opening;
pub mod sync;
mod tabs;

use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc, SaveOptions};
use leptos::prelude::*;
use linli_core::{DocId, DocKind, LinliError};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};
use web_sys::IdbDatabase;

/// Records a document may gather before it is folded into a snapshot.
pub const COMPACT_AFTER: usize = 64;

/// `open_doc`'s refusal when the document on this device is of another kind than asked
/// (a crafted link): nothing is read into it, nothing set aside.
pub const WRONG_KIND: &str = "the document here is of another kind";

/// `refresh`'s refusal when the snapshot on disk does not load.
const UNREADABLE_SNAPSHOT: &str = "the snapshot on disk could not be read";

/// Something the person should know about their data, shown as a banner until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    DamagedRecords(usize),
    DamagedSnapshot,
    Waiting(usize),
    WriteFailed(String),
    /// A document written by a newer app: shown read-only until this app updates.
    NewerSchema,
    /// A new version took over in another tab, but this tab holds changes not yet on disk.
    ReloadBlocked,
    /// The server refused a change (its reason, as it gave it). The change stays here.
    SyncRefused(String),
    /// Folding a document's records into a snapshot failed after the change was on disk:
    /// nothing is lost, records keep accumulating.
    CompactionFailed(String),
    /// The server refused these changes of one document: they are kept aside on this
    /// device, the document goes on without them. The reason, and what the person wrote.
    ChangesRefused {
        zh: String,
        en: String,
        texts: Vec<String>,
    },
}

/// Why a write did not happen (a rule refused it) or is not yet durable (the disk refused it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteError {
    Refused(LinliError),
    Disk(String),
    /// The store has not opened (yet, or at all): nothing was written.
    NotReady,
}

/// Why a change of this tab's, not yet on disk, was kept with the refused ones.
const ORPHAN_ZH: &str = "它建立在服务器拒绝的修改之上。";
const ORPHAN_EN: &str = "it builds on a change the server refused";

/// The records that keep changes aside with why, in both languages.
fn refused_records(id: DocId, changes: &[Change], zh: &str, en: &str) -> Vec<idb::RefusedRecord> {
    changes
        .iter()
        .map(|c| idb::RefusedRecord {
            doc: id.to_string(),
            hash: c.hash().to_string(),
            bytes: c.raw_bytes().to_vec(),
            zh: zh.to_owned(),
            en: en.to_owned(),
            at: js_sys::Date::now(),
        })
        .collect()
}

struct Slot {
    kind: DocKind,
    doc: Automerge,
    /// Hashes that have a change record in IndexedDB.
    on_disk: HashSet<ChangeHash>,
    /// Local changes the disk has not confirmed yet; retried with the next write.
    unsaved: Vec<Change>,
    version: ArcRwSignal<u64>,
}

type ChangeHook = Rc<dyn Fn(DocId)>;
type OpenHook = Rc<dyn Fn(DocId, DocKind)>;

pub struct Store {
    db: IdbDatabase,
    actor: RefCell<ActorId>,
    docs: RefCell<HashMap<DocId, Slot>>,
    channel: RefCell<Option<tabs::Channel>>,
    /// Writes under way (the badge shows "saving").
    pub saving: ArcRwSignal<u32>,
    /// Local changes not yet on disk (the badge shows "not saved").
    pub unsaved: ArcRwSignal<usize>,
    pub notices: ArcRwSignal<Vec<Notice>>,
    /// Told of every document that gained changes here (written, or another tab's), so the
    /// sync manager can send them on.
    on_change: RefCell<Option<ChangeHook>>,
    /// Told of every document a view opens, so the sync manager holds it too (next
    /// month's help document, an old one a link leads to).
    on_open: RefCell<Option<OpenHook>>,
    /// Told when another tab stored changes to a document this tab has not opened, with
    /// the kind it was opened as there.
    on_foreign: RefCell<Option<OpenHook>>,
    /// What `held` recorded, by document id, with its kind: read once when the store
    /// opens, so opening a document held before costs no write (a strict one, each).
    held: RefCell<HashMap<String, String>>,
    /// Documents being read and loaded, so a second caller waits rather than loads again.
    opening: opening::Opening,
}

thread_local! {
    static STORE: RefCell<Option<Rc<Store>>> = const { RefCell::new(None) };
}

/// The database a member's documents live in: the sandbox has its own.
pub fn db_name(sandbox: bool) -> &'static str {
    if sandbox {
        "linli-sandbox"
    } else {
        "linli"
    }
}

/// The app's store, once `install`ed.
pub fn get() -> Option<Rc<Store>> {
    STORE.with(|s| s.borrow().clone())
}

pub fn install(store: Rc<Store>) {
    STORE.with(|s| *s.borrow_mut() = Some(store));
}

impl Store {
    /// Opens (creating if needed) the IndexedDB database `name`, asks the browser to keep it,
    /// and starts listening to other tabs.
    pub async fn open(name: &str) -> Result<Rc<Store>, String> {
        let db = idb::open(name).await?;
        let held = idb::texts(&db, idb::HELD).await?.into_iter().collect();
        let store = Rc::new(Store {
            db,
            actor: RefCell::new(ActorId::random()),
            docs: RefCell::default(),
            channel: RefCell::default(),
            saving: ArcRwSignal::new(0),
            unsaved: ArcRwSignal::new(0),
            notices: ArcRwSignal::new(Vec::new()),
            on_change: RefCell::default(),
            on_open: RefCell::default(),
            on_foreign: RefCell::default(),
            held: RefCell::new(held),
            opening: opening::Opening::default(),
        });
        let weak: Weak<Store> = Rc::downgrade(&store);
        let channel = tabs::Channel::open(name, move |heard| {
            let (doc, rebuilt) = match heard {
                tabs::Heard::Changed(doc) => (doc, false),
                tabs::Heard::Rebuilt(doc) => (doc, true),
            };
            let (Some(store), Ok(id)) = (weak.upgrade(), DocId::parse(&doc)) else {
                return;
            };
            // The browser's own task queue, not Leptos's: the store is no view.
            wasm_bindgen_futures::spawn_local(async move {
                if !store.docs.borrow().contains_key(&id) {
                    store.foreign(id).await;
                    return;
                }
                let done = if rebuilt {
                    store.reload(id).await
                } else {
                    store.refresh(id).await
                };
                if let Err(e) = done {
                    store.notify(if e == UNREADABLE_SNAPSHOT {
                        Notice::DamagedSnapshot
                    } else {
                        Notice::WriteFailed(e)
                    });
                }
            });
        });
        *store.channel.borrow_mut() = Some(channel);
        Ok(store)
    }

    pub fn database(&self) -> &IdbDatabase {
        &self.db
    }

    pub fn notify(&self, notice: Notice) {
        self.notices.update(|n| {
            if !n.contains(&notice) {
                n.push(notice)
            }
        });
    }

    /// Takes a new actor id for every open document: after a loss this device must never
    /// reuse a sequence number that a lost change of the old actor had.
    fn renew_actor(&self) {
        let actor = ActorId::random();
        for slot in self.docs.borrow_mut().values_mut() {
            slot.doc.set_actor(actor.clone());
        }
        *self.actor.borrow_mut() = actor;
    }

    /// Loads a document from disk (or starts it from its genesis) and returns the signal that
    /// ticks once per batch of changes to it.
    pub async fn open_doc(&self, id: DocId, kind: DocKind) -> opening::Opened {
        loop {
            if let Some(slot) = self.docs.borrow().get(&id) {
                return Ok(slot.version.clone());
            }
            match self.opening.begin(id, &kind) {
                Ok(guard) => {
                    let opened = self.load_doc(id, kind).await;
                    guard.finish(&opened);
                    return opened;
                }
                // An open abandoned midway leaves this caller to open the document itself.
                Err(wait) => {
                    if let Some(opened) = wait.await {
                        return opened;
                    }
                }
            }
        }
    }

    async fn load_doc(&self, id: DocId, kind: DocKind) -> opening::Opened {
        let key = id.to_string();
        let stored = idb::read_doc(&self.db, &key).await?;
        let copies: HashMap<String, Vec<u8>> = stored.changes.iter().cloned().collect();
        let records: Vec<load::Record> = stored
            .changes
            .into_iter()
            .map(|(key_hash, bytes)| load::Record { key_hash, bytes })
            .collect();
        // The kind the records declare matters only with no snapshot to say it; each
        // snapshot is read once, by assemble.
        let records_kind = match stored.snapshot {
            None => load::stored_kind(None, &records),
            Some(_) => None,
        };
        let loaded = load::assemble(&kind, stored.snapshot.as_deref(), records);
        // The start benchmark counts what a start loads (only what the screen shows), and
        // a test that two opens at once load once.
        crate::app::mark(&format!("linli-open:{}", kind.as_str()));
        if loaded
            .snapshot_kind
            .clone()
            .or(records_kind)
            .is_some_and(|k| k != kind)
        {
            return Err(WRONG_KIND.to_owned());
        }
        let report = loaded.report.clone();
        if !report.unreadable.is_empty() || report.snapshot_damaged {
            let aside: Vec<(String, Vec<u8>)> = report
                .unreadable
                .iter()
                .map(|h| (h.clone(), copies.get(h).cloned().unwrap_or_default()))
                .collect();
            let snap = report
                .snapshot_damaged
                .then_some(stored.snapshot.as_deref())
                .flatten();
            tabs::with_write_lock(|| idb::set_aside(&self.db, &key, &aside, snap)).await?;
        }
        if !report.unreadable.is_empty() {
            self.notify(Notice::DamagedRecords(report.unreadable.len()));
        }
        if report.snapshot_damaged {
            self.notify(Notice::DamagedSnapshot);
        }
        if report.waiting > 0 {
            self.notify(Notice::Waiting(report.waiting));
        }
        let mut doc = loaded.doc;
        if let Err(LinliError::SchemaTooNew { .. }) = linli_core::schema::check_writable(&doc) {
            self.notify(Notice::NewerSchema);
        }
        doc.set_actor(self.actor.borrow().clone());
        let version = ArcRwSignal::new(0);
        // Another caller may have opened it while we read: keep the first, it may hold writes.
        let existing = self.docs.borrow().get(&id).map(|s| s.version.clone());
        if let Some(v) = existing {
            return Ok(v);
        }
        self.docs.borrow_mut().insert(
            id,
            Slot {
                kind,
                doc,
                on_disk: loaded.applied.into_iter().collect(),
                unsaved: Vec::new(),
                version: version.clone(),
            },
        );
        if report.lost_something() {
            self.renew_actor();
        }
        // Every tab's syncing follows what any tab holds: recorded for the syncing tab to
        // load on start. A failure here costs only that the document syncs when this tab
        // is the one syncing, so it is a notice, not a failed open.
        let held_kind = self.kind(&id).unwrap_or(DocKind::parse(""));
        let known = self.held.borrow().get(&key).map(String::as_str) == Some(held_kind.as_str());
        if !known {
            match idb::put_text(&self.db, idb::HELD, &key, held_kind.as_str()).await {
                Ok(()) => {
                    self.held
                        .borrow_mut()
                        .insert(key, held_kind.as_str().to_owned());
                }
                Err(e) => self.notify(Notice::WriteFailed(e)),
            }
        }
        let hook = self.on_open.borrow().clone();
        if let Some(hook) = hook {
            hook(id, self.kind(&id).unwrap_or(DocKind::parse("")));
        }
        Ok(version)
    }

    /// Every document any tab of this device has opened, with its kind.
    pub async fn held(&self) -> Result<Vec<(DocId, DocKind)>, String> {
        Ok(idb::texts(&self.db, idb::HELD)
            .await?
            .into_iter()
            .filter_map(|(id, kind)| Some((DocId::parse(&id).ok()?, DocKind::parse(&kind))))
            .collect())
    }

    pub fn set_on_foreign(&self, f: impl Fn(DocId, DocKind) + 'static) {
        *self.on_foreign.borrow_mut() = Some(Rc::new(f));
    }

    /// Another tab stored changes to `id`, which this tab has not opened.
    async fn foreign(&self, id: DocId) {
        let hook = self.on_foreign.borrow().clone();
        let Some(hook) = hook else { return };
        let kind = match idb::get_text(&self.db, idb::HELD, &id.to_string()).await {
            Ok(Some(kind)) => DocKind::parse(&kind),
            Ok(None) => return,
            Err(e) => return self.notify(Notice::WriteFailed(e)),
        };
        hook(id, kind);
    }

    pub fn set_on_open(&self, f: impl Fn(DocId, DocKind) + 'static) {
        *self.on_open.borrow_mut() = Some(Rc::new(f));
    }

    pub fn set_on_change(&self, f: impl Fn(DocId) + 'static) {
        *self.on_change.borrow_mut() = Some(Rc::new(f));
    }

    fn changed(&self, id: DocId) {
        let hook = self.on_change.borrow().clone();
        if let Some(hook) = hook {
            hook(id);
        }
    }

    /// Takes in what the server sent: `apply` receives the sync message into the document,
    /// and every change it brought is stored as a record like a local one.
    pub async fn receive(
        &self,
        id: DocId,
        apply: impl FnOnce(&mut Automerge) -> Result<(), String>,
    ) -> Result<(), String> {
        tabs::with_write_lock(|| async {
            let grew = {
                let mut docs = self.docs.borrow_mut();
                let slot = docs.get_mut(&id).ok_or("the document is not open")?;
                let heads = slot.doc.get_heads();
                apply(&mut slot.doc)?;
                let new = slot.doc.get_changes(&heads);
                let grew = !new.is_empty();
                slot.unsaved.extend(new);
                if grew {
                    slot.version.update(|v| *v += 1);
                }
                grew
            };
            if grew {
                self.flush(id).await?;
                self.compact_or_notice(id).await;
            }
            Ok(())
        })
        .await
        .inspect_err(|e: &String| self.notify(Notice::WriteFailed(e.clone())))
    }

    /// The actor this tab writes under now.
    pub fn actor(&self) -> ActorId {
        self.actor.borrow().clone()
    }

    /// Retries every change the disk has not confirmed yet (a timer and page hiding call it).
    pub async fn flush_all(&self) {
        let pending: Vec<DocId> = self
            .docs
            .borrow()
            .iter()
            .filter(|(_, s)| !s.unsaved.is_empty())
            .map(|(id, _)| *id)
            .collect();
        for id in pending {
            if let Err(e) = tabs::with_write_lock(|| self.flush(id)).await {
                self.notify(Notice::WriteFailed(e));
            }
        }
        self.count_unsaved();
    }

    /// Derives a view from an open document.
    pub fn read<T>(&self, id: &DocId, f: impl FnOnce(&Automerge) -> T) -> Option<T> {
        self.docs.borrow().get(id).map(|slot| f(&slot.doc))
    }

    /// Runs a core command on a document and stores its change durably. The command's
    /// refusal changes nothing; a disk failure keeps the change in memory and retries it.
    pub async fn write<T>(
        &self,
        id: DocId,
        command: impl FnOnce(&mut Automerge) -> linli_core::Result<T>,
    ) -> Result<T, WriteError> {
        // The write itself is not generic: one copy of its state machine serves every
        // command, where each command's type had one of its own (21 KB gzip of the
        // modules' chunks, scripts/size).
        let mut command = Some(command);
        let mut out = None;
        self.write_once(id, &mut |doc| {
            if let Some(command) = command.take() {
                out = Some(command(doc)?);
            }
            Ok(())
        })
        .await?;
        Ok(out.expect("write_once runs the command before it succeeds"))
    }

    async fn write_once(
        &self,
        id: DocId,
        command: &mut dyn FnMut(&mut Automerge) -> linli_core::Result<()>,
    ) -> Result<(), WriteError> {
        self.saving.update(|n| *n += 1);
        let out = tabs::with_write_lock(|| async {
            {
                let mut docs = self.docs.borrow_mut();
                let slot = docs
                    .get_mut(&id)
                    .ok_or(WriteError::Refused(LinliError::NotFound))?;
                let heads = slot.doc.get_heads();
                command(&mut slot.doc).map_err(WriteError::Refused)?;
                let new = slot.doc.get_changes(&heads);
                if !new.is_empty() {
                    crate::settings::note_unsynced(linli_core::Millis(js_sys::Date::now() as i64));
                }
                slot.unsaved.extend(new);
                slot.version.update(|v| *v += 1);
            }
            // Sync may send it even if the disk refused: the server then holds it too.
            self.changed(id);
            self.flush(id).await.map_err(WriteError::Disk)?;
            // The change is on disk: that is a success. A failed fold is only a notice
            // (records simply accumulate); reporting it as a failed write would have the
            // person write the same thing again.
            self.compact_or_notice(id).await;
            Ok(())
        })
        .await;
        self.saving.update(|n| *n -= 1);
        if let Err(WriteError::Disk(e)) = &out {
            self.notify(Notice::WriteFailed(e.clone()));
        }
        self.count_unsaved();
        out
    }

    fn count_unsaved(&self) {
        let n = self.docs.borrow().values().map(|s| s.unsaved.len()).sum();
        self.unsaved.set(n);
    }

    /// Writes the document's unsaved changes to disk and tells the other tabs.
    async fn flush(&self, id: DocId) -> Result<(), String> {
        let batch: Vec<(String, Vec<u8>)> = match self.docs.borrow().get(&id) {
            Some(slot) => slot
                .unsaved
                .iter()
                .map(|c| (c.hash().to_string(), c.raw_bytes().to_vec()))
                .collect(),
            None => return Ok(()),
        };
        if batch.is_empty() {
            return Ok(());
        }
        idb::put_changes(&self.db, &id.to_string(), &batch).await?;
        if let Some(slot) = self.docs.borrow_mut().get_mut(&id) {
            let written: HashSet<String> = batch.into_iter().map(|(h, _)| h).collect();
            slot.unsaved.retain(|c| {
                let done = written.contains(&c.hash().to_string());
                if done {
                    slot.on_disk.insert(c.hash());
                }
                !done
            });
        }
        if let Some(c) = self.channel.borrow().as_ref() {
            c.announce(&id.to_string());
        }
        Ok(())
    }

    /// Takes in whatever other tabs stored for this document since we last looked.
    /// Takes document `id` again from disk, in place of what this tab holds: another tab
    /// rebuilt it without changes the server refused, which merging would bring back. This
    /// tab's changes not on disk yet are applied again where they still fit; one that built
    /// on a refused change is kept aside with them, so nothing typed is lost.
    pub async fn reload(&self, id: DocId) -> Result<(), String> {
        let Some(kind) = self.kind(&id) else {
            return Ok(());
        };
        // Under the write lock: no write of this tab's lands between the read and the swap
        // (it would be on disk and in neither), and no compaction saves the old document.
        let orphans = tabs::with_write_lock(|| async {
            let stored = idb::read_doc(&self.db, &id.to_string()).await?;
            let records: Vec<load::Record> = stored
                .changes
                .into_iter()
                .map(|(key_hash, bytes)| load::Record { key_hash, bytes })
                .collect();
            let loaded = load::assemble(&kind, stored.snapshot.as_deref(), records);
            let orphans = {
                let mut docs = self.docs.borrow_mut();
                let Some(slot) = docs.get_mut(&id) else {
                    return Ok(Vec::new());
                };
                let mut doc = loaded.doc;
                let mut orphans = Vec::new();
                let mut kept = Vec::new();
                for c in std::mem::take(&mut slot.unsaved) {
                    if c.deps().iter().all(|d| doc.get_change_by_hash(d).is_some())
                        && doc.apply_changes([c.clone()]).is_ok()
                    {
                        kept.push(c);
                    } else {
                        orphans.push(c);
                    }
                }
                slot.doc = doc;
                slot.on_disk = loaded.applied.into_iter().collect();
                slot.unsaved = kept;
                slot.version.update(|v| *v += 1);
                orphans
            };
            if !orphans.is_empty() {
                let records = refused_records(id, &orphans, ORPHAN_ZH, ORPHAN_EN);
                idb::keep_refused(&self.db, &records).await?;
            }
            Ok::<_, String>(orphans)
        })
        .await?;
        // This tab's actor may have written what was refused: its sequence has a gap now.
        self.renew_actor();
        if !orphans.is_empty() {
            // Kept aside, and shown with what the person wrote, never dropped unseen.
            self.notify(Notice::ChangesRefused {
                zh: ORPHAN_ZH.to_owned(),
                en: ORPHAN_EN.to_owned(),
                texts: orphans
                    .iter()
                    .flat_map(linli_core::sync::set_aside::texts)
                    .collect(),
            });
        }
        self.count_unsaved();
        self.changed(id);
        Ok(())
    }

    pub async fn refresh(&self, id: DocId) -> Result<(), String> {
        if !self.docs.borrow().contains_key(&id) {
            return Ok(());
        }
        let stored = idb::read_doc(&self.db, &id.to_string()).await?;
        let mut docs = self.docs.borrow_mut();
        let Some(slot) = docs.get_mut(&id) else {
            return Ok(());
        };
        let before = slot.doc.get_heads();
        if let Some(snap) = stored.snapshot.as_deref() {
            // A snapshot we cannot take in must never be overwritten by our own (it may hold
            // what another tab folded and deleted): refuse, and compaction stops here.
            let merged = Automerge::load(snap).and_then(|mut other| slot.doc.merge(&mut other));
            if merged.is_err() {
                return Err(UNREADABLE_SNAPSHOT.to_owned());
            }
        }
        let mut disk = HashSet::new();
        for (_, bytes) in stored.changes {
            // A record this tab cannot read is reported when it next loads; skip it here.
            if let Ok(change) = Change::from_bytes(bytes) {
                let hash = change.hash();
                if slot.doc.get_change_by_hash(&hash).is_none() {
                    let _ = slot.doc.apply_changes([change]);
                }
                disk.insert(hash);
            }
        }
        slot.on_disk = disk;
        let grew = slot.doc.get_heads() != before;
        if grew {
            slot.version.update(|v| *v += 1);
        }
        drop(docs);
        if grew {
            self.changed(id);
        }
        Ok(())
    }

    async fn compact_or_notice(&self, id: DocId) {
        if let Err(e) = self.compact_if_due(id).await {
            self.notify(Notice::CompactionFailed(e));
        }
    }

    async fn compact_if_due(&self, id: DocId) -> Result<(), String> {
        // Without Web Locks two tabs could compact at once and one snapshot would overwrite
        // the other's; records then simply accumulate, which loses nothing.
        let due = tabs::locks_available()
            && self
                .docs
                .borrow()
                .get(&id)
                .is_some_and(|s| s.on_disk.len() >= COMPACT_AFTER);
        if due {
            self.compact_locked(id).await?;
        }
        Ok(())
    }

    /// Folds the document's records into one snapshot. Public for tests and maintenance.
    /// Does nothing where the browser has no Web Locks (see `compact_if_due`).
    pub async fn compact(&self, id: DocId) -> Result<(), String> {
        if !tabs::locks_available() {
            return Ok(());
        }
        tabs::with_write_lock(|| self.compact_locked(id)).await
    }

    async fn compact_locked(&self, id: DocId) -> Result<(), String> {
        // Take in other tabs' records first, so the snapshot never drops what they wrote.
        self.refresh(id).await?;
        let (snapshot, folded) = {
            let docs = self.docs.borrow();
            let Some(slot) = docs.get(&id) else {
                return Ok(());
            };
            let folded: Vec<String> = slot
                .on_disk
                .iter()
                .filter(|h| slot.doc.get_change_by_hash(h).is_some())
                .map(|h| h.to_string())
                .collect();
            // Uncompressed: the app then carries no DEFLATE encoder, and IndexedDB pages compress anyway.
            let options = SaveOptions {
                deflate: false,
                retain_orphans: false,
            };
            (slot.doc.save_with_options(options), folded)
        };
        idb::compact(&self.db, &id.to_string(), &snapshot, &folded).await?;
        if let Some(slot) = self.docs.borrow_mut().get_mut(&id) {
            slot.on_disk.retain(|h| !folded.contains(&h.to_string()));
        }
        Ok(())
    }

    /// Takes the changes the server refused (and any built on them) out of a document: they
    /// move to the device's store of refused changes, the document is rebuilt without them
    /// under a new actor id, and the person is told what they wrote. Returns how many
    /// changes left the document (0 when it held none of them).
    pub async fn set_aside_refused(
        &self,
        id: DocId,
        refused: &[ChangeHash],
        zh: &str,
        en: &str,
    ) -> Result<usize, String> {
        let removed = tabs::with_write_lock(|| async {
            // Other tabs' records first: the rebuilt snapshot replaces every record.
            self.refresh(id).await?;
            let fresh = ActorId::random();
            let (snapshot, folded, removed) = {
                let docs = self.docs.borrow();
                let Some(slot) = docs.get(&id) else {
                    return Ok(Vec::new());
                };
                let Some(rebuilt) = linli_core::sync::set_aside::without(&slot.doc, refused, fresh)
                else {
                    return Ok(Vec::new());
                };
                let options = SaveOptions {
                    deflate: false,
                    retain_orphans: false,
                };
                // Only records the new snapshot holds are deleted with it.
                let folded: Vec<String> = slot
                    .on_disk
                    .iter()
                    .filter(|h| rebuilt.doc.get_change_by_hash(h).is_some())
                    .map(|h| h.to_string())
                    .collect();
                (
                    rebuilt.doc.save_with_options(options),
                    folded,
                    rebuilt.removed,
                )
            };
            let records = refused_records(id, &removed, zh, en);
            idb::rebuild(&self.db, &id.to_string(), &snapshot, &folded, &records).await?;
            let doc = Automerge::load(&snapshot).map_err(|e| e.to_string())?;
            if let Some(slot) = self.docs.borrow_mut().get_mut(&id) {
                let gone: HashSet<ChangeHash> = removed.iter().map(Change::hash).collect();
                slot.doc = doc;
                slot.on_disk
                    .retain(|h| !gone.contains(h) && !folded.contains(&h.to_string()));
                slot.unsaved.retain(|c| !gone.contains(&c.hash()));
                slot.version.update(|v| *v += 1);
            }
            // The old actor's sequence now has gaps the server will never see filled.
            self.renew_actor();
            if let Some(c) = self.channel.borrow().as_ref() {
                c.announce_rebuilt(&id.to_string());
            }
            Ok::<_, String>(removed)
        })
        .await?;
        if !removed.is_empty() {
            let texts = removed
                .iter()
                .flat_map(linli_core::sync::set_aside::texts)
                .collect();
            self.notify(Notice::ChangesRefused {
                zh: zh.to_owned(),
                en: en.to_owned(),
                texts,
            });
        }
        self.count_unsaved();
        Ok(removed.len())
    }

    /// Every change the server refused that this device keeps.
    pub async fn refused(&self) -> Result<Vec<idb::RefusedRecord>, String> {
        idb::refused(&self.db).await
    }

    /// How many damaged records this device keeps aside.
    pub async fn set_aside_count(&self) -> Result<u32, String> {
        idb::count(&self.db, idb::QUARANTINE).await
    }

    /// The kind a document was opened as.
    pub fn kind(&self, id: &DocId) -> Option<DocKind> {
        self.docs.borrow().get(id).map(|s| s.kind.clone())
    }

    pub fn dismiss(&self, notice: &Notice) {
        self.notices.update(|n| n.retain(|x| x != notice));
    }
}

/// Asks the browser not to evict this site's data; true when it agreed.
pub async fn request_persistence() -> bool {
    let Some(storage) = web_sys::window().map(|w| w.navigator().storage()) else {
        return false;
    };
    match storage.persist() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}
