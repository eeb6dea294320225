//! Linli's client: a Leptos CSR app. Views call commands in `linli-core` through the store
//! and render the views core derives; they never edit a document themselves.

pub mod app;
pub mod communities;
pub mod components;
pub mod deliberation;
pub mod help;
pub mod i18n;
pub mod me;
pub mod modules;
pub mod neighbours;
pub mod onboarding;
pub mod patrol;
pub mod points;
pub mod pwa;
pub mod session;
pub mod settings;
pub mod store;

/// This build's version as people see it: the crate version, or `LINLI_BUILD` when the build
/// names itself (the update test builds a second version this way).
pub const VERSION: &str = match option_env!("LINLI_BUILD") {
    Some(v) => v,
    None => env!("CARGO_PKG_VERSION"),
};
