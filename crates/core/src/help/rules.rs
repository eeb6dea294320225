use super::commands::{DETAILS_MAX, NOTE_MAX, PLACE_MAX, REASON_MAX, TITLE_MAX};
use crate::error::Field;
use crate::rules::{Reach, Rule, Seg, Shape, Who, WriteRules};
use crate::Role;

const STAFF: &[Role] = &[Role::Staff];

/// The strings `Category` and `Urgency` store (`as_str`); a test keeps them in step.
pub const CATEGORIES: &[&str] = &["errand", "care", "repair", "lending", "company", "other"];
pub const URGENCIES: &[&str] = &["high", "normal", "low"];

/// The per-member maps a record is created with. Each member's entry in them is one value
/// written in one op (DESIGN.md): a map created on first use by two devices of the same
/// member apart would be two maps under one key, and one device's entry would vanish.
pub const MEMBER_MAPS: [&str; 7] = [
    "offers",
    "offered_at",
    "withdrawn",
    "done",
    "accepts",
    "hidden",
    "hidden_at",
];

macro_rules! field {
    ($key:expr, $who:expr, $shape:expr) => {
        Rule {
            path: &[Seg::Key("requests"), Seg::Any, Seg::Key($key)],
            who: $who,
            reach: Reach::Exact,
            shape: $shape,
        }
    };
}

macro_rules! entry {
    ($map:expr, $seg:expr, $who:expr, $shape:expr) => {
        Rule {
            path: &[Seg::Key("requests"), Seg::Any, Seg::Key($map), $seg],
            who: $who,
            reach: Reach::Exact,
            shape: $shape,
        }
    };
}

const fn text(field: Field, max: usize) -> Shape {
    Shape::Text { field, max }
}

/// A resident creates requests, edits, cancels, accepts and confirms only their own, and
/// writes only their own entries (`offers[self]`, …); only staff write `hidden`, each under
/// their own id. Fields written only at creation: `author`, `created_at`, the member maps.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("requests"), Seg::Any],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Map,
        },
        // `author` must name the writer (`NewRecord` reads it), so any other value fails.
        field!("author", Who::NewRecord, Shape::Any),
        field!("created_at", Who::NewRecord, Shape::Int),
        field!(MEMBER_MAPS[0], Who::NewRecord, Shape::Map),
        field!(MEMBER_MAPS[1], Who::NewRecord, Shape::Map),
        field!(MEMBER_MAPS[2], Who::NewRecord, Shape::Map),
        field!(MEMBER_MAPS[3], Who::NewRecord, Shape::Map),
        field!(MEMBER_MAPS[4], Who::NewRecord, Shape::Map),
        field!(MEMBER_MAPS[5], Who::NewRecord, Shape::Map),
        field!(MEMBER_MAPS[6], Who::NewRecord, Shape::Map),
        field!("category", Who::Author, Shape::OneOf(CATEGORIES)),
        field!("title", Who::Author, text(Field::Title, TITLE_MAX)),
        field!("details", Who::Author, text(Field::Details, DETAILS_MAX)),
        field!("urgency", Who::Author, Shape::OneOf(URGENCIES)),
        field!("place", Who::Author, text(Field::Place, PLACE_MAX)),
        field!("needed_by", Who::Author, Shape::Int),
        field!("expires_at", Who::Author, Shape::Int),
        field!("cancelled_at", Who::Author, Shape::Int),
        field!("confirmed_at", Who::Author, Shape::Int),
        entry!("accepts", Seg::Any, Who::Author, Shape::Int),
        entry!("offers", Seg::Me, Who::Anyone, text(Field::Note, NOTE_MAX)),
        entry!("offered_at", Seg::Me, Who::Anyone, Shape::Int),
        entry!("withdrawn", Seg::Me, Who::Anyone, Shape::Bool),
        entry!("done", Seg::Me, Who::Anyone, Shape::Int),
        entry!(
            "hidden",
            Seg::Me,
            Who::Roles(STAFF),
            text(Field::Reason, REASON_MAX)
        ),
        entry!("hidden_at", Seg::Me, Who::Roles(STAFF), Shape::Int),
    ],
};
