//! The sync manager: the browser side of the automerge-repo protocol, over a WebSocket to
//! linli-server, driven by core's sans-IO client (samod reads the system clock, which
//! wasm32 lacks).
//!
//! One tab syncs at a time (it holds the `linli-sync` Web Lock for as long as it lives);
//! the others see its changes through the store's BroadcastChannel. It connects on start,
//! when the browser comes online, when the page becomes visible and on a timer, backing off
//! with jitter after each failure. It never drops a change: what the server has not
//! acknowledged is offered again on every connection, and a refusal leaves the data here.

use super::{api, Notice, Store};
use crate::settings::{self, Member};
use js_sys::Uint8Array;
use leptos::prelude::*;
use linli_core::sync::{Client, Event};
use linli_core::{access, registry};
use linli_core::{DocId, DocKind, Millis};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// Where this device stands with the server, for the badge.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncStatus {
    /// Not connected (no network, or the server cannot be reached); retrying.
    Offline,
    Connecting,
    /// Connected, exchanging changes.
    Syncing,
    /// Connected; this many local changes are not yet on the server.
    Waiting(usize),
    InStep,
    /// The server refused a change; its reason. Data stays on the device.
    Refused(String),
    /// The server no longer accepts this device's token: (zh, en) reason. Not retried.
    SignedOut(String, String),
    /// Another tab of the app syncs for this device.
    OtherTab,
}

/// One synced document, for the detail view.
#[derive(Clone, Debug, PartialEq)]
pub struct DocSync {
    pub id: DocId,
    pub kind: DocKind,
    pub in_step: bool,
    pub waiting: usize,
    pub last_in_step: Option<Millis>,
    pub unavailable: bool,
}

/// How many times an unavailable document is asked for again on one page.
const ASK_AGAIN: u32 = 5;

/// The longest wait between two attempts to connect.
const MAX_BACKOFF_MS: f64 = 60_000.0;
/// How often a disconnected manager tries again even without an event.
const TICK: Duration = Duration::from_secs(30);

type Handler = Closure<dyn FnMut(JsValue)>;

pub struct SyncManager {
    store: Rc<Store>,
    member: Member,
    url: String,
    client: RefCell<Client>,
    ws: RefCell<Option<WebSocket>>,
    docs: RefCell<BTreeMap<DocId, DocKind>>,
    unavailable: RefCell<Vec<DocId>>,
    /// How often each unavailable document was asked for again on this page.
    asked_again: RefCell<BTreeMap<DocId, u32>>,
    inbox: RefCell<VecDeque<Vec<u8>>>,
    pumping: Cell<bool>,
    failures: Cell<u32>,
    /// The server refused a change on this connection or the last: reconnecting would
    /// only repeat it, so the backoff keeps growing instead of starting over.
    refused: Cell<bool>,
    /// Documents in step at the last look, to note when each last came into step.
    in_step: RefCell<std::collections::BTreeSet<DocId>>,
    retry_pending: Cell<bool>,
    stopped: Cell<bool>,
    pub status: ArcRwSignal<SyncStatus>,
    pub detail: ArcRwSignal<Vec<DocSync>>,
    /// The page's listeners, kept for the manager's life.
    handlers: RefCell<Vec<Handler>>,
    /// The current socket's callbacks.
    socket_handlers: RefCell<Vec<Handler>>,
}

thread_local! {
    static MANAGER: RefCell<Option<Rc<SyncManager>>> = const { RefCell::new(None) };
    static STARTED: ArcTrigger = ArcTrigger::new();
}

/// The running manager, if this device has joined a community. Views that call it re-run
/// once it starts.
pub fn get() -> Option<Rc<SyncManager>> {
    STARTED.with(|t| t.track());
    MANAGER.with(|m| m.borrow().clone())
}

fn sync_url(member: &Member) -> Option<String> {
    let link = member.server.as_ref()?;
    let loc = web_sys::window()?.location();
    let scheme = if loc.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{scheme}://{}/api/sync/{}?token={}",
        loc.host().ok()?,
        member.community.as_str(),
        link.token
    ))
}

/// Starts syncing for a joined member (once per page); does nothing in the sandbox.
pub fn start(store: Rc<Store>, member: Member) {
    if member.sandbox || get().is_some() {
        return;
    }
    let Some(url) = sync_url(&member) else {
        return;
    };
    let peer = member
        .server
        .as_ref()
        .map(|l| l.peer_id.clone())
        .unwrap_or_default();
    // What every module says a member holds from the start.
    let now = Millis(js_sys::Date::now() as i64);
    let docs: BTreeMap<DocId, DocKind> = registry::held(&reader_here(&store, &member), now)
        .into_iter()
        .collect();
    let manager = Rc::new(SyncManager {
        store: store.clone(),
        member,
        url,
        client: RefCell::new(Client::new(&peer)),
        ws: RefCell::default(),
        docs: RefCell::new(docs),
        unavailable: RefCell::default(),
        asked_again: RefCell::default(),
        inbox: RefCell::default(),
        pumping: Cell::new(false),
        failures: Cell::new(0),
        refused: Cell::new(false),
        in_step: RefCell::default(),
        retry_pending: Cell::new(false),
        stopped: Cell::new(false),
        status: ArcRwSignal::new(SyncStatus::Connecting),
        detail: ArcRwSignal::new(Vec::new()),
        handlers: RefCell::default(),
        socket_handlers: RefCell::default(),
    });
    MANAGER.with(|m| *m.borrow_mut() = Some(manager.clone()));
    STARTED.with(|t| t.notify());
    let weak = Rc::downgrade(&manager);
    store.set_on_change(move |id| {
        if let Some(m) = weak.upgrade() {
            m.send(id);
            m.refresh_status();
            let m = m.clone();
            leptos::task::spawn_local(async move { m.follow(id).await });
        }
    });
    let weak = Rc::downgrade(&manager);
    store.set_on_open(move |id, kind| {
        let Some(m) = weak.upgrade() else { return };
        if syncable(&kind) && !m.docs.borrow().contains_key(&id) {
            if let Some(saved) = settings::load_sync_state(&id) {
                m.client.borrow_mut().restore(id, &saved);
            }
            m.docs.borrow_mut().insert(id, kind);
            m.send(id);
        }
    });
    // A document another tab opened and wrote to: this tab syncs it too.
    let weak = Rc::downgrade(&manager);
    store.set_on_foreign(move |id, kind| {
        let Some(m) = weak.upgrade() else { return };
        if syncable(&kind) && !m.docs.borrow().contains_key(&id) {
            leptos::task::spawn_local(async move {
                m.open(id, kind).await;
                m.send(id);
            });
        }
    });
    leptos::task::spawn_local(async move {
        // Only the tab holding the lock syncs; the others wait their turn.
        manager.status.set(SyncStatus::OtherTab);
        let m = manager.clone();
        super::tabs::hold_for_life("linli-sync", move || {
            leptos::task::spawn_local(async move { m.begin().await });
        });
    });
}

/// Documents of a kind some module declares sync; what the server refuses stays local.
fn syncable(kind: &DocKind) -> bool {
    kind.is_known()
}

/// The member as the registry's rules see them, before the directory is on the device.
fn reader(member: &Member) -> access::Reader {
    access::Reader::new(
        member.id.clone(),
        member.role.clone(),
        member.community.clone(),
    )
}

/// The member with their assignments as the directory on this device lists them (the
/// server writes them there from its records): which grids' logs and which department's
/// cases to hold.
fn reader_here(store: &Store, member: &Member) -> access::Reader {
    let dir = access::directory_id(&member.community);
    store
        .read(&dir, |d| {
            linli_core::directory::reader_of(d, &member.id, &member.role, &member.community)
        })
        .unwrap_or_else(|| reader(member))
}

impl SyncManager {
    async fn begin(self: Rc<Self>) {
        let mut ids: Vec<(DocId, DocKind)> = self
            .docs
            .borrow()
            .iter()
            .map(|(i, k)| (*i, k.clone()))
            .collect();
        // And whatever any tab of this device opened before, with changes that may wait.
        match self.store.held().await {
            Ok(held) => {
                for (id, kind) in held {
                    if syncable(&kind) && !ids.iter().any(|(i, _)| *i == id) {
                        ids.push((id, kind));
                    }
                }
            }
            Err(e) => self.store.notify(Notice::WriteFailed(e)),
        }
        for (id, kind) in ids {
            self.open(id, kind).await;
        }
        // The directory is open now: what its assignments lead to is held from the start,
        // with no signal too.
        let now = Millis(js_sys::Date::now() as i64);
        for (id, kind) in registry::held(&reader_here(&self.store, &self.member), now) {
            if !self.docs.borrow().contains_key(&id) {
                self.open(id, kind).await;
            }
        }
        self.listen();
        self.connect();
    }

    /// Opens a document in the store and takes up its saved sync state.
    async fn open(&self, id: DocId, kind: DocKind) {
        if self.store.open_doc(id, kind.clone()).await.is_ok() {
            if let Some(saved) = settings::load_sync_state(&id) {
                self.client.borrow_mut().restore(id, &saved);
            }
            self.docs.borrow_mut().insert(id, kind);
        }
    }

    /// Reconnects on `online`, on becoming visible, and on a timer.
    fn listen(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let on = |weak: Weak<SyncManager>, reset: bool| {
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                if let Some(m) = weak.upgrade() {
                    if reset {
                        m.failures.set(0);
                    }
                    m.connect();
                }
            })
        };
        let online = on(Rc::downgrade(self), true);
        let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        let visible = {
            let weak = Rc::downgrade(self);
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                let hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.hidden());
                if let (false, Some(m)) = (hidden, weak.upgrade()) {
                    m.connect();
                }
            })
        };
        if let Some(doc) = window.document() {
            let _ = doc.add_event_listener_with_callback(
                "visibilitychange",
                visible.as_ref().unchecked_ref(),
            );
        }
        // Going offline may leave a socket that looks open for a long while, and its close
        // event waits for a closing handshake that cannot cross a dead network: drop it
        // now, so the badge says "offline" at once and the next `online` reconnects.
        let offline = {
            let weak = Rc::downgrade(self);
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                let Some(m) = weak.upgrade() else { return };
                let ws = m.ws.borrow().clone();
                match ws {
                    Some(ws) => {
                        let _ = ws.close();
                        m.closed(true, 1000);
                    }
                    None => m.refresh_status(),
                }
            })
        };
        let _ =
            window.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
        self.handlers
            .borrow_mut()
            .extend([online, visible, offline]);
        let weak = Rc::downgrade(self);
        set_interval(
            move || {
                if let Some(m) = weak.upgrade() {
                    m.connect();
                }
            },
            TICK,
        );
    }

    fn online() -> bool {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }

    /// Opens a connection unless one is open or opening, or the server has signed us out.
    pub fn connect(self: &Rc<Self>) {
        if self.stopped.get() || self.ws.borrow().is_some() {
            return;
        }
        if !Self::online() {
            self.refresh_status();
            return;
        }
        let Ok(ws) = WebSocket::new(&self.url) else {
            self.retry_later();
            return;
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let opened = Rc::new(Cell::new(false));
        let on_open = {
            let (weak, opened) = (Rc::downgrade(self), opened.clone());
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                opened.set(true);
                if let Some(m) = weak.upgrade() {
                    let hello = m.client.borrow().join();
                    m.transmit(&hello);
                }
            })
        };
        let on_message = {
            let weak = Rc::downgrade(self);
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let Some(m) = weak.upgrade() else { return };
                let Ok(ev) = ev.dyn_into::<MessageEvent>() else {
                    return;
                };
                if let Ok(buf) = ev.data().dyn_into::<js_sys::ArrayBuffer>() {
                    m.inbox
                        .borrow_mut()
                        .push_back(Uint8Array::new(&buf).to_vec());
                    m.pump();
                }
            })
        };
        let on_close = {
            let (weak, opened) = (Rc::downgrade(self), opened);
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                let Some(m) = weak.upgrade() else { return };
                let code = ev.dyn_ref::<CloseEvent>().map(|c| c.code()).unwrap_or(0);
                m.closed(opened.get(), code);
            })
        };
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.socket_handlers.borrow_mut() = vec![on_open, on_message, on_close];
        *self.ws.borrow_mut() = Some(ws);
        if !matches!(self.status.get_untracked(), SyncStatus::Refused(_)) {
            self.status.set(SyncStatus::Connecting);
        }
    }

    fn transmit(&self, frame: &[u8]) {
        if let Some(ws) = self.ws.borrow().as_ref() {
            let _ = ws.send_with_u8_array(frame);
        }
    }

    /// Changes of `id` the server has not acknowledged yet (for "waiting to sync" marks).
    pub fn waiting_in(&self, id: &DocId) -> usize {
        self.detail
            .with(|rows| rows.iter().find(|r| r.id == *id).map(|r| r.waiting))
            .unwrap_or(0)
    }

    /// Sends whatever `id` has to say, if connected.
    fn send(&self, id: DocId) {
        if !self.client.borrow().connected() {
            return;
        }
        let frame = self
            .store
            .read(&id, |doc| self.client.borrow_mut().outgoing(id, doc))
            .flatten();
        if let Some(frame) = frame {
            self.transmit(&frame);
        }
    }

    fn closed(self: &Rc<Self>, opened: bool, code: u16) {
        // Handlers of the old socket must not outlive it.
        if let Some(ws) = self.ws.borrow_mut().take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
        }
        // This may run inside one of them: free them once it has returned.
        let old = std::mem::take(&mut *self.socket_handlers.borrow_mut());
        leptos::task::spawn_local(async move { drop(old) });
        self.client.borrow_mut().disconnected();
        if !opened && code == 1006 && Self::online() {
            // The upgrade failed: ask the API whether the token is still good.
            let m = self.clone();
            leptos::task::spawn_local(async move { m.check_token().await });
            return;
        }
        self.refresh_status();
        self.retry_later();
    }

    async fn check_token(self: Rc<Self>) {
        let token = self
            .member
            .server
            .as_ref()
            .map(|l| l.token.clone())
            .unwrap_or_default();
        match api::get_with_token("/api/me", &token).await {
            Ok(a) if a.status == 401 || a.status == 403 => {
                self.stopped.set(true);
                self.status.set(SyncStatus::SignedOut(
                    a.text("zh").unwrap_or_default(),
                    a.text("en").unwrap_or_default(),
                ));
            }
            _ => {
                self.refresh_status();
                self.retry_later();
            }
        }
    }

    /// Schedules the next attempt: 1 s, 2 s, 4 s … up to a minute, each with jitter so a
    /// hundred phones coming back together do not arrive together.
    fn retry_later(self: &Rc<Self>) {
        if self.retry_pending.replace(true) || self.stopped.get() {
            return;
        }
        let n = self.failures.get();
        self.failures.set(n.saturating_add(1));
        let base = (1000.0 * 2f64.powi(n.min(16) as i32)).min(MAX_BACKOFF_MS);
        let delay = base * (0.5 + js_sys::Math::random() / 2.0);
        let weak = Rc::downgrade(self);
        set_timeout(
            move || {
                if let Some(m) = weak.upgrade() {
                    m.retry_pending.set(false);
                    m.connect();
                }
            },
            Duration::from_millis(delay as u64),
        );
    }

    /// Handles queued frames one at a time, in order: each may wait for the write lock.
    fn pump(self: &Rc<Self>) {
        if self.pumping.replace(true) {
            return;
        }
        let m = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                let next = m.inbox.borrow_mut().pop_front();
                let Some(frame) = next else { break };
                m.handle(frame).await;
            }
            m.pumping.set(false);
        });
    }

    async fn handle(self: &Rc<Self>, frame: Vec<u8>) {
        let event = self.client.borrow_mut().handle(&frame);
        match event {
            Ok(Event::Connected) => {
                if !self.refused.get() {
                    self.failures.set(0);
                }
                // Reports made offline go now the server is reachable.
                if let Some(link) = self.member.server.clone() {
                    leptos::task::spawn_local(async move {
                        crate::help::reports::flush(&link.token).await;
                    });
                }
                let ids: Vec<DocId> = self.docs.borrow().keys().copied().collect();
                for id in ids {
                    self.send(id);
                }
            }
            Ok(Event::Sync(id, msg)) => {
                if !self.docs.borrow().contains_key(&id) {
                    return; // announced, but not a document this device holds
                }
                let received = self
                    .store
                    .receive(id, |doc| {
                        self.client
                            .borrow_mut()
                            .receive(id, doc, msg)
                            .map_err(|e| e.to_string())
                    })
                    .await;
                if received.is_ok() {
                    if let Some(state) = self.client.borrow().saved_state(&id) {
                        settings::save_sync_state(&id, &state);
                    }
                    self.unavailable.borrow_mut().retain(|d| *d != id);
                    self.asked_again.borrow_mut().remove(&id);
                }
                self.send(id);
                self.follow(id).await;
            }
            Ok(Event::Unavailable(id)) => {
                {
                    let mut u = self.unavailable.borrow_mut();
                    if !u.contains(&id) {
                        u.push(id);
                    }
                }
                // The server learns of some documents only from another one (an escalated
                // case from the finding that opens it, sent in the same burst): asked for a
                // moment too early, it is asked for again, a few times, further apart.
                let tries = {
                    let mut asked = self.asked_again.borrow_mut();
                    let n = asked.entry(id).or_insert(0);
                    *n += 1;
                    *n
                };
                if tries <= ASK_AGAIN {
                    let weak = Rc::downgrade(self);
                    set_timeout(
                        move || {
                            if let Some(m) = weak.upgrade() {
                                m.client.borrow_mut().forget(&id);
                                m.send(id);
                            }
                        },
                        Duration::from_millis(1_000 * u64::from(tries)),
                    );
                }
            }
            Ok(Event::Refused(reason)) => {
                self.refused.set(true);
                self.store.notify(Notice::SyncRefused(reason.clone()));
                self.status.set(SyncStatus::Refused(reason));
            }
            Ok(Event::ChangesRefused {
                doc,
                changes,
                zh,
                en,
            }) => {
                // Refused for this document alone: set them aside, rebuild, sync on.
                match self.store.set_aside_refused(doc, &changes, &zh, &en).await {
                    // Nothing of ours named: the server dropped the whole message. Start the
                    // document's sync afresh (it would wait for an answer that never comes)
                    // and say why.
                    Ok(0) if changes.is_empty() => {
                        self.client.borrow_mut().forget(&doc);
                        settings::clear_sync_state(&doc);
                        self.store
                            .notify(Notice::SyncRefused(format!("{zh} / {en}")));
                        self.send(doc);
                    }
                    Ok(0) => {}
                    Ok(_) => {
                        self.client.borrow_mut().forget(&doc);
                        settings::clear_sync_state(&doc);
                        self.send(doc);
                    }
                    Err(e) => self.store.notify(Notice::WriteFailed(e)),
                }
            }
            Ok(Event::Nothing) => {}
            Err(e) => {
                leptos::logging::warn!("sync: {e}");
            }
        }
        self.refresh_status();
    }

    /// Holds the documents `id` leads this member to, as its module says (every listed
    /// neighbour's profile, the private document of a pair they belong to).
    async fn follow(self: &Rc<Self>, id: DocId) {
        let Some(kind) = self.docs.borrow().get(&id).cloned() else {
            return;
        };
        let reader = reader_here(&self.store, &self.member);
        let mut led = self
            .store
            .read(&id, |d| registry::follows(&reader, &kind, &id, d))
            .unwrap_or_default();
        // The directory says where the member works: the documents that opens are held too.
        if kind == DocKind::DIRECTORY {
            led.extend(registry::held(&reader, Millis(js_sys::Date::now() as i64)));
        }
        for (next, kind) in led {
            if self.docs.borrow().contains_key(&next) {
                continue;
            }
            self.open(next, kind).await;
            self.send(next);
        }
    }

    fn refresh_status(&self) {
        let connected = self.client.borrow().connected();
        let unavailable = self.unavailable.borrow().clone();
        let now = Millis(js_sys::Date::now() as i64);
        let mut rows = Vec::new();
        for (id, kind) in self.docs.borrow().iter() {
            let row = self.store.read(id, |doc| {
                let c = self.client.borrow();
                (c.in_step(id, doc), c.waiting(id, doc))
            });
            let Some((in_step, waiting)) = row else {
                continue;
            };
            let in_step = connected && in_step;
            // Noted as it comes into step, not on every message: hundreds of documents.
            if in_step && self.in_step.borrow_mut().insert(*id) {
                settings::save_synced_at(id, now);
            } else if !in_step {
                self.in_step.borrow_mut().remove(id);
            }
            rows.push(DocSync {
                id: *id,
                kind: kind.clone(),
                in_step,
                waiting,
                last_in_step: settings::synced_at(id),
                unavailable: unavailable.contains(id),
            });
        }
        // A document the server does not have (and will not take) is not "waiting".
        let waiting: usize = rows
            .iter()
            .filter(|r| !r.unavailable)
            .map(|r| r.waiting)
            .sum();
        let all_in_step = rows.iter().all(|r| r.in_step || r.unavailable);
        self.detail.set(rows);
        let current = self.status.get_untracked();
        if matches!(current, SyncStatus::SignedOut(..)) {
            return;
        }
        let next = if !connected {
            if matches!(current, SyncStatus::Refused(_)) {
                current.clone()
            } else if Self::online() && self.ws.borrow().is_some() {
                SyncStatus::Connecting
            } else {
                SyncStatus::Offline
            }
        } else if all_in_step {
            settings::clear_unsynced();
            self.refused.set(false);
            SyncStatus::InStep
        } else if waiting > 0 {
            SyncStatus::Waiting(waiting)
        } else {
            SyncStatus::Syncing
        };
        if next != current {
            self.status.set(next);
        }
    }
}
