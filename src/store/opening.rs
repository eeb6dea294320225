//! Opens of a document under way. A second caller for the same document waits for the
//! first instead of reading and loading it again: a module's first documents are opened
//! while its chunk is fetched (`lazy_pages!`'s warm), and its page asks for the same ones
//! as soon as it renders, often before the first load is done. Loading is most of a first
//! screen's work, so doing it twice would cost more than the early start wins.

use leptos::prelude::ArcRwSignal;
use linli_core::{DocId, DocKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// What an open gives: the document's change signal, or why not.
pub type Opened = Result<ArcRwSignal<u64>, String>;

#[derive(Default)]
pub(super) struct Opening(RefCell<HashMap<DocId, Rc<RefCell<Pending>>>>);

struct Pending {
    kind: DocKind,
    /// `Some(None)` once the first caller was dropped before it finished.
    outcome: Option<Option<Opened>>,
    wakers: Vec<Waker>,
}

impl Opening {
    /// The caller's turn: `Ok` to load `id` itself (finishing with the guard), or `Err` with
    /// the open already under way as `kind` to wait for. An open under way as another kind
    /// is no answer to this one: that caller loads too, and `open_doc` keeps the first.
    pub(super) fn begin(&self, id: DocId, kind: &DocKind) -> Result<Guard<'_>, Wait> {
        let mut pending = self.0.borrow_mut();
        match pending.get(&id) {
            Some(p) if p.borrow().kind == *kind => Err(Wait(p.clone())),
            Some(_) => Ok(Guard {
                opening: self,
                id: None,
            }),
            None => {
                let p = Pending {
                    kind: kind.clone(),
                    outcome: None,
                    wakers: Vec::new(),
                };
                pending.insert(id, Rc::new(RefCell::new(p)));
                Ok(Guard {
                    opening: self,
                    id: Some(id),
                })
            }
        }
    }

    fn end(&self, id: &DocId, outcome: Option<Opened>) {
        let Some(pending) = self.0.borrow_mut().remove(id) else {
            return;
        };
        let wakers = {
            let mut p = pending.borrow_mut();
            p.outcome = Some(outcome);
            std::mem::take(&mut p.wakers)
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// The first caller's hold on an open: whoever waits hears its outcome, or, should the
/// caller be dropped before it finishes, that there is none (and opens the document itself).
pub(super) struct Guard<'a> {
    opening: &'a Opening,
    id: Option<DocId>,
}

impl Guard<'_> {
    pub(super) fn finish(mut self, outcome: &Opened) {
        if let Some(id) = self.id.take() {
            self.opening.end(&id, Some(outcome.clone()));
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.opening.end(&id, None);
        }
    }
}

/// Waits for an open under way: its outcome, or `None` if it was abandoned.
pub(super) struct Wait(Rc<RefCell<Pending>>);

impl Future for Wait {
    type Output = Option<Opened>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Opened>> {
        let mut p = self.0.borrow_mut();
        match &p.outcome {
            Some(outcome) => Poll::Ready(outcome.clone()),
            None => {
                p.wakers.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
