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
//! Registered (`module.rs`): every member holds the community's points document, and the door
//! judges it by the rules.
//!
//! Certified balances and late facts. After a month and the grace period, the server
//! certifies at the month's end, the cut (`certificate`): every balance from the facts
//! claiming a time before it, and the heads of each document it folded ([`Opening`]). A
//! device folds onto the latest certificate only the facts it does not hold (`fold_from`):
//! those whose change the heads do not hold, and those claiming the cut or later. So old
//! help and proposal documents need not stay on the phone, and this month's history stays
//! whole. A fact the certificate does not hold that claims an earlier time (a confirmation
//! made offline on the 30th and synced on the 3rd, a redemption at a desk without signal)
//! is booked at the cut, in the open period: never lost, never counted twice. A device
//! lacking changes a certificate holds cannot tell which of that document's earlier facts
//! are in it, so it counts none of them until it is in step. Each fact's change is the op
//! that wrote it: the confirmation, the entry's record, the vote's certificate.

mod certificate;
mod commands;
mod ledger;
mod model;
mod module;
mod rules;
mod views;

pub use certificate::{
    certificates, certify, due, month_ends, opening, write_certificate, MonthEnd, GRACE,
};
pub use commands::{award, correct, redeem, set_item, set_rates, ITEM_MAX, REASON_MAX};
pub use ledger::{
    fold, fold_facts, fold_from, followed_staff_facts, help_facts, proposal_facts, proposal_held,
    staff_facts, still_held, Entry, Ledger, Opening, Source, Sources,
};
pub use model::{
    catalogue, follow_staff, rates_at, staff_entries, Item, RateBook, Rates, StaffEntry,
    StaffRecord,
};
pub use module::{doc_id, MODULE, SERVING};
pub use rules::RULES;
pub use views::{board, chart, Standing, CHART_MONTHS};

use crate::DocKind;

/// The community's points document's kind.
pub const KIND: DocKind = DocKind::named("points");

/// The root maps a points document starts with.
pub const ROOTS: &[&str] = &["rates", "catalogue", "entries", "facts"];

#[cfg(test)]
mod tests;
