//! Points (邻里积分): earned by helping and taking part, derived from what people did, never
//! minted. Nobody, staff included, types a number into a balance.
//!
//! The ledger (`ledger`) is a pure function of documents: a help request its requester
//! confirmed done pays its helper; a ballot counted in a certified result pays its voter
//! once per proposal; an adopted proposal pays its author. Each entry's id is derived from
//! the fact that caused it, so the same fact never pays twice, whatever the merge order.
//!
//! The community's points document holds what only staff write: the rates (each version
//! applying from its date forward), the catalogue, and staff's entries (redemptions,
//! corrections, awards), each a record written once and never rewritten. A redemption that
//! takes a balance below zero is kept and flagged on every replica, never dropped.
//!
//! Not yet registered: the door, the server's monthly certified balances and the pages
//! come with the module's registration, and the genesis stays unfrozen until the rule
//! below is built.
//!
//! The rule for late facts, to build before registering. Today `fold_from` cuts by the
//! month an entry claims, so a fact written into a month the server has already certified
//! (a confirmation made offline on the 30th and synced on the 3rd, a redemption at a desk
//! without signal) would be skipped by every phone folding from the certificate: lost. The
//! certificate will instead carry, with the balances, the heads of each document it folded;
//! an entry whose change those heads cover is in the certificate, and any other counts in
//! the open period, booked at the certificate's cut if it claims an earlier time (as a vote's
//! certificate does with late ballots). Every replica then folds from the latest
//! certificate in the points document, the server included, so caps and flags stay the same
//! everywhere. It needs each fact's change (the op that wrote `confirmed_at`, the entry's
//! record, the vote's certificate: `hash_for_opid`), and help's facts keyed by document id.

mod commands;
mod ledger;
mod model;
mod rules;

pub use commands::{award, correct, redeem, set_item, set_rates, ITEM_MAX, REASON_MAX};
pub use ledger::{
    fold, fold_facts, fold_from, help_facts, proposal_facts, staff_facts, Entry, Ledger, Opening,
    Source, Sources,
};
pub use model::{catalogue, rates_at, staff_entries, Item, RateBook, Rates, StaffEntry};
pub use rules::RULES;

use crate::{CommunityId, DocId, DocKind};

/// The community's points document's kind.
pub const KIND: DocKind = DocKind::named("points");

/// The root maps a points document starts with.
pub const ROOTS: &[&str] = &["rates", "catalogue", "entries", "facts"];

/// The community's one points document.
pub fn doc_id(community: &CommunityId) -> DocId {
    DocId::derive(community, KIND.as_str(), "ledger")
}

#[cfg(test)]
mod tests;
