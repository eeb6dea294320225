//! The convergence harness: random commands on 2–5 replicas, synced along random pairs and
//! finally merged in a random order. Every replica must end equal *and* every command a
//! replica accepted must still show after the merge, unless a stated rule of its module
//! overrides it (equality alone proves nothing: Automerge always converges).
//!
//! Each module adds a [`harness::Model`] in its own file here.

mod harness;
mod help;
mod patrol;
mod profile;
