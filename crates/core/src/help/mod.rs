//! Help (邻里帮): neighbours ask for help and offer it.
//!
//! Requests live in the community's help document of the month they were posted (a
//! derived id, so a device offline at the turn of the month opens the same next document
//! as everyone else). A request creates every child map in the change that creates it;
//! offers are keyed by the helper's member id; the requester accepts one offer. Contact
//! details never sit here: they belong in the pair's help-private document.

mod actions;
mod commands;
mod model;
mod module;
mod rules;

pub use actions::{actions, Actions};
pub use commands::{
    accept, cancel, confirm, extend, hide, mark_done, offer, post_request, withdraw_offer,
    RequestDraft, DETAILS_MAX, NOTE_MAX, PLACE_MAX, REASON_MAX, TITLE_MAX,
};
pub use model::{
    follow, list, list_of, my_offers, my_offers_of, my_requests, my_requests_of, order,
    read_request, requests, settled, Category, Filter, Hidden, Offer, Request, Settled, Status,
    Urgency,
};
pub use module::{MODULE, SERVING};
pub use rules::RULES;

use crate::{CommunityId, DocId, DocKind, Millis};

/// A request expires this long after it was posted unless its author says otherwise.
pub const DEFAULT_EXPIRY_DAYS: i64 = 7;

/// The requests `changes` created or wrote into (the server learns from them who may read
/// each request's private document); `doc` already holds the changes.
pub fn touched(doc: &automerge::Automerge, changes: &[automerge::Change]) -> Vec<Request> {
    use automerge::ReadDoc;
    let mut ids: Vec<String> = Vec::new();
    let mut note = |id: &str| {
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    };
    for c in changes {
        for op in c.decode().operations {
            let Ok(obj) = doc.import_obj(&op.obj.to_string()) else {
                continue;
            };
            let Ok(parents) = doc.parents(&obj) else {
                continue;
            };
            // From the object up to the root: the key just below `requests` is the record.
            let keys: Vec<String> = parents
                .map(|p| match p.prop {
                    automerge::Prop::Map(k) => k,
                    automerge::Prop::Seq(_) => String::new(),
                })
                .collect();
            match keys.len() {
                // An op on the requests map itself: it creates record `key`.
                1 if keys[0] == "requests" => {
                    if let automerge::legacy::Key::Map(k) = &op.key {
                        note(k);
                    }
                }
                n if n >= 2 && keys[n - 1] == "requests" => note(&keys[n - 2]),
                _ => {}
            }
        }
    }
    ids.iter().filter_map(|id| read_request(doc, id)).collect()
}

/// The help documents a device holds: this month's and last month's (a request stays open
/// up to 30 days, so last month's may still ask for help).
pub fn recent_docs(community: &CommunityId, now: Millis) -> [DocId; 2] {
    let (_, _, day) = now.civil_date_china();
    let last_month = Millis(now.0 - day as i64 * Millis::DAY);
    [doc_id(community, now), doc_id(community, last_month)]
}

/// The help document for the month `at` falls in.
pub fn doc_id(community: &CommunityId, at: Millis) -> DocId {
    DocId::derive(community, DocKind::HELP.as_str(), &at.month())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod month_tests {
    use super::*;

    #[test]
    fn a_device_holds_this_month_and_the_last() {
        let c = CommunityId::parse("huqian-2").unwrap();
        // 2026-03-01 08:00 in China, and 2026-03-31.
        let first = Millis(1_772_323_200_000);
        assert_eq!(first.month(), "2026-03");
        let [now, before] = recent_docs(&c, first);
        assert_eq!(now, DocId::derive(&c, "help", "2026-03"));
        assert_eq!(before, DocId::derive(&c, "help", "2026-02"));
        let last = Millis(first.0 + 30 * Millis::DAY);
        assert_eq!(
            recent_docs(&c, last)[1],
            DocId::derive(&c, "help", "2026-02")
        );
    }
}
