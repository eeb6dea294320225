//! Linli's rules: ids, document schemas, commands, write rules and derived views.
//!
//! Nothing here touches a browser, a disk or a network, so the app (wasm32) and the
//! server (native) run the very same checks. The UI calls commands from the module
//! folders and renders the views they derive; it never edits a document directly.

pub mod access;
pub mod deliberation;
pub mod directory;
pub mod doc;
pub mod error;
pub mod follow;
pub mod help;
pub mod help_private;
pub mod id;
pub mod lang;
pub mod member;
pub mod patrol;
pub mod points;
pub mod profile;
pub mod read;
pub mod receipts;
pub mod registry;
pub mod role;
pub mod rules;
pub mod schema;
pub mod sort;
pub mod staff;
pub mod sync;
#[cfg(test)]
mod test_fixtures;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod time;
pub mod tree;
#[cfg(feature = "year")]
pub mod year;

pub use error::{LinliError, Result};
pub use id::{CommunityId, DocId, MemberId};
pub use lang::Lang;
pub use role::Role;
pub use schema::DocKind;
pub use time::Millis;
