//! The member's profile: a few words about themselves and the things they can help with.
//!
//! It is the first document the app writes: before a device joins a community it lives in
//! the local sandbox, and it will sync as the member's own document once joining exists.

mod commands;
mod model;
mod module;
mod rules;

pub use commands::{add_skill, remove_skill, set_about, set_on_board, ABOUT_MAX, SKILL_MAX};
pub use model::{Profile, Skill};
pub use module::{MODULE, SERVING};
pub use rules::RULES;
