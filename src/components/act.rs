//! Runs a module's core command on one document as this member. A refusal or a disk
//! failure shows under the page's actions (`error`); the view follows the document either way.

use crate::session::Session;
use crate::store::WriteError;
use leptos::prelude::*;
use linli_core::doc::Writer;
use linli_core::{DocId, Millis};

#[derive(Clone, Copy)]
pub struct Act {
    pub session: Session,
    pub doc: DocId,
    pub error: RwSignal<Option<WriteError>>,
}

pub type Command =
    Box<dyn FnOnce(&mut automerge::Automerge, &Writer, Millis) -> linli_core::Result<()>>;

impl Act {
    pub fn run(self, f: Command) {
        self.run_then(f, || {});
    }

    /// Runs `f`, then `done` only if it succeeded: a field is cleared only once what it
    /// held is a durable change, never when the command refused it.
    pub fn run_then(self, f: Command, done: impl FnOnce() + 'static) {
        leptos::task::spawn_local(async move {
            let out = self
                .session
                .command(self.doc, move |d, w, now| f(d, w, now))
                .await;
            if out.is_ok() {
                done();
            }
            self.error.try_set(out.err());
        });
    }
}

/// A draft key of one record's own (`help.offer.<request>`): text typed on one record's page
/// never shows on another's. Leaked once per record opened: a few bytes each.
pub fn draft_key(module: &str, field: &str, record: &str) -> &'static str {
    Box::leak(format!("{module}.{field}.{record}").into_boxed_str())
}
