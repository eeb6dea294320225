//! Linli's client: a Leptos CSR app. Views call commands in `linli-core` through the store
//! and render the views core derives; they never edit a document themselves.

pub mod app;
pub mod communities;
pub mod components;
pub mod i18n;
pub mod me;
pub mod onboarding;
pub mod session;
pub mod settings;
pub mod store;
