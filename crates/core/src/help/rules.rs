use crate::rules::{Reach, Rule, Seg, Who, WriteRules};
use crate::Role;

const STAFF: &[Role] = &[Role::Staff];

/// A record and the fields only its creation writes.
const CREATED_WITH: [&str; 5] = ["author", "created_at", "offers", "accepts", "hidden"];
/// The fields its author may change later.
const AUTHOR_EDITS: [&str; 9] = [
    "category",
    "title",
    "details",
    "urgency",
    "place",
    "needed_by",
    "expires_at",
    "cancelled_at",
    "confirmed_at",
];

macro_rules! field {
    ($key:expr, $who:expr) => {
        Rule {
            path: &[Seg::Key("requests"), Seg::Any, Seg::Key($key)],
            who: $who,
            reach: Reach::Exact,
        }
    };
}

/// A resident creates requests, edits, cancels, accepts and confirms only their own, and
/// writes only `offers[self]`; only staff write `hidden`, each under their own id.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("requests"), Seg::Any],
            who: Who::NewRecord,
            reach: Reach::Exact,
        },
        field!(CREATED_WITH[0], Who::NewRecord),
        field!(CREATED_WITH[1], Who::NewRecord),
        field!(CREATED_WITH[2], Who::NewRecord),
        field!(CREATED_WITH[3], Who::NewRecord),
        field!(CREATED_WITH[4], Who::NewRecord),
        field!(AUTHOR_EDITS[0], Who::Author),
        field!(AUTHOR_EDITS[1], Who::Author),
        field!(AUTHOR_EDITS[2], Who::Author),
        field!(AUTHOR_EDITS[3], Who::Author),
        field!(AUTHOR_EDITS[4], Who::Author),
        field!(AUTHOR_EDITS[5], Who::Author),
        field!(AUTHOR_EDITS[6], Who::Author),
        field!(AUTHOR_EDITS[7], Who::Author),
        field!(AUTHOR_EDITS[8], Who::Author),
        Rule {
            path: &[
                Seg::Key("requests"),
                Seg::Any,
                Seg::Key("accepts"),
                Seg::Any,
            ],
            who: Who::Author,
            reach: Reach::Below,
        },
        Rule {
            path: &[Seg::Key("requests"), Seg::Any, Seg::Key("offers"), Seg::Me],
            who: Who::Anyone,
            reach: Reach::Below,
        },
        Rule {
            path: &[Seg::Key("requests"), Seg::Any, Seg::Key("hidden"), Seg::Me],
            who: Who::Roles(STAFF),
            reach: Reach::Below,
        },
    ],
};
