//! Sync with the server: the automerge-repo wire protocol and a sans-IO client for it.

pub mod cbor;
pub mod client;
pub mod door;
pub mod inflate;
pub mod ops;
pub mod set_aside;
pub mod shape;
pub mod wire;

pub use client::{Client, Event};
pub use wire::Wire;
