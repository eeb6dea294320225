//! The app's side of the module registry: what each module's folder contributes to the
//! shell beyond its routes (which `app.rs` mounts, one line per module). Core's registry
//! (`linli_core::registry`) says which documents exist and sync; this says what to call them.

use crate::i18n::Strings;
use linli_core::DocKind;

/// Each module's names for its documents, in the order of core's registry.
const LABELS: &[fn(&DocKind, &Strings) -> Option<&'static str>] = &[
    directory_label,
    crate::help::doc_label,
    crate::deliberation::doc_label,
    crate::points::doc_label,
    crate::patrol::doc_label,
];

fn directory_label(kind: &DocKind, t: &Strings) -> Option<&'static str> {
    (*kind == DocKind::DIRECTORY).then_some(t.doc_directory)
}

/// What the sync page calls a document of `kind` (a profile is named by its owner there).
pub fn doc_label(kind: &DocKind, t: &Strings) -> &'static str {
    LABELS
        .iter()
        .find_map(|label| label(kind, t))
        .unwrap_or(t.doc_unknown)
}
