//! Who is using the app and what is open: shared through context.

use crate::settings::Member;
use crate::store::{self, WriteError};
use leptos::prelude::*;
use linli_core::doc::Writer;
use linli_core::rules::DocContext;
use linli_core::{CommunityId, DocId, DocKind, Millis};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum StoreStatus {
    Opening,
    Ready,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct Session {
    pub member: RwSignal<Option<Member>>,
    pub store: RwSignal<StoreStatus>,
}

impl Session {
    pub fn writer(&self) -> Option<Writer> {
        self.member.with_untracked(|m| {
            m.as_ref().map(|m| Writer {
                member: m.id.clone(),
                role: m.role.clone(),
            })
        })
    }
}

impl Session {
    /// Runs a core command on an open document as this member, with the device's clock as
    /// the (claimed) time, and stores its change durably.
    pub async fn command<T>(
        &self,
        id: DocId,
        f: impl FnOnce(&mut automerge::Automerge, &Writer, Millis) -> linli_core::Result<T>,
    ) -> Result<T, WriteError> {
        let (Some(store), Some(writer)) = (store::get(), self.writer()) else {
            return Err(WriteError::NotReady);
        };
        let now = Millis(js_sys::Date::now() as i64);
        store.write(id, |d| f(d, &writer, now)).await
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The member's profile document: one per member, id derived so it is found again offline.
pub fn profile_doc(member: &Member) -> (DocId, DocContext) {
    (
        DocId::derive(
            &member.community,
            DocKind::PROFILE.as_str(),
            member.id.as_str(),
        ),
        DocContext {
            subject: Some(member.id.clone()),
        },
    )
}

/// Where a document stands for a view.
#[derive(Clone, Debug, PartialEq)]
pub enum DocState {
    Loading,
    Ready,
    Failed(String),
    /// The document here is of another kind than the view asked for (a crafted link).
    WrongKind,
}

/// An open document as a view sees it. Memos that derive views call `track`, so they re-run
/// once per batch of changes to this document and for no other document.
#[derive(Clone, Copy)]
pub struct OpenDoc {
    pub id: DocId,
    pub state: RwSignal<DocState>,
    ticks: RwSignal<Option<ArcRwSignal<u64>>>,
}

/// The same document is the same open document: a memo that re-derives its `OpenDoc`
/// (after a settings change, say) keeps the first one.
impl PartialEq for OpenDoc {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl OpenDoc {
    pub fn track(&self) {
        self.ticks.with(|t| {
            if let Some(t) = t {
                t.track();
            }
        });
    }

    /// Derives a view of the document (tracked); `None` until it is loaded.
    pub fn read<T>(&self, f: impl FnOnce(&automerge::Automerge) -> T) -> Option<T> {
        self.track();
        store::get()?.read(&self.id, f)
    }
}

/// Opens a document once the store is ready.
pub fn use_doc(id: DocId, kind: DocKind) -> OpenDoc {
    let session = use_session();
    let state = RwSignal::new(DocState::Loading);
    let ticks = RwSignal::new(None);
    Effect::new(move |opened: Option<bool>| {
        if opened == Some(true) {
            return true;
        }
        match session.store.get() {
            StoreStatus::Ready => {}
            StoreStatus::Failed(e) => {
                state.set(DocState::Failed(e));
                return false;
            }
            StoreStatus::Opening => return false,
        }
        let Some(store) = store::get() else {
            return false;
        };
        let kind = kind.clone();
        leptos::task::spawn_local(async move {
            match store.open_doc(id, kind).await {
                Ok(t) => {
                    ticks.try_set(Some(t));
                    state.try_set(DocState::Ready);
                }
                Err(e) if e == store::WRONG_KIND => {
                    state.try_set(DocState::WrongKind);
                }
                Err(e) => {
                    state.try_set(DocState::Failed(e));
                }
            }
        });
        true
    });
    OpenDoc { id, state, ticks }
}

/// What a module's warm-up does with the store and the member's community.
pub type Warm = fn(Rc<store::Store>, CommunityId) -> Pin<Box<dyn Future<Output = ()>>>;

/// Starts `open` with the store and the member's community, if both are there yet: how a
/// module opens what its first screen reads while its chunk is fetched (`lazy_pages!`).
/// A plain function of boxed futures: one copy in the shell, not one per module.
pub fn warm(open: Warm) {
    let community = use_session()
        .member
        .with_untracked(|m| m.as_ref().map(|m| m.community.clone()));
    if let (Some(c), Some(store)) = (community, store::get()) {
        leptos::task::spawn_local(open(store, c));
    }
}
