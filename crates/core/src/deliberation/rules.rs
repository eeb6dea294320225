//! Who writes what in a proposal's document. A member writes only their own ballot, their
//! own support and their own comments; staff write the window, assisted ballots, hiding and
//! the outcome; only the server writes the close marker and the certificate. The door stays
//! structural: a late ballot is admitted and derived as not counted, never refused.

use super::commands::{
    BODY_MAX, CHOICE_MAX, COMMENT_MAX, OPTIONS_MAX_CHARS, REASON_MAX, TITLE_MAX,
};
use crate::error::Field;
use crate::rules::{exact as at, Seg, Shape, Who, WriteRules};
use crate::Role;

const STAFF: &[Role] = &[Role::Staff];

/// The decision types, as stored.
pub const DECISIONS: &[&str] = &["for_against", "one", "several"];

/// The one proposal record's key in the `proposal` root map.
pub const RECORD: &str = "p";

const P: Seg = Seg::Key("proposal");
const R: Seg = Seg::Key(RECORD);

pub const RULES: WriteRules = WriteRules {
    rules: &[
        // The proposal: created once, by its author, with every child map.
        at!(P, R; Who::NewRecord, Shape::Map),
        at!(P, R, Seg::Key("author"); Who::NewRecord, Shape::Any),
        at!(P, R, Seg::Key("created_at"); Who::NewRecord, Shape::Int),
        at!(P, R, Seg::Key("decision"); Who::NewRecord, Shape::OneOf(DECISIONS)),
        at!(P, R, Seg::Key("options"); Who::NewRecord, Shape::text(Field::Options, OPTIONS_MAX_CHARS)),
        at!(P, R, Seg::Key("max_choices"); Who::NewRecord, Shape::Int),
        at!(P, R, Seg::Key("title"); Who::Author, Shape::text(Field::Title, TITLE_MAX)),
        at!(P, R, Seg::Key("body"); Who::Author, Shape::text(Field::Details, BODY_MAX)),
        at!(P, R, Seg::Key("published_at"); Who::Author, Shape::Int),
        at!(P, R, Seg::Key("withdrawn_at"); Who::Author, Shape::Int),
        // The window and the bar it must clear: staff's.
        at!(P, R, Seg::Key("opens_at"); Who::Roles(STAFF), Shape::Int),
        at!(P, R, Seg::Key("closes_at"); Who::Roles(STAFF), Shape::Int),
        at!(P, R, Seg::Key("quorum_pct"); Who::Roles(STAFF), Shape::Int),
        at!(P, R, Seg::Key("threshold_pct"); Who::Roles(STAFF), Shape::Int),
        at!(P, R, Seg::Key("grace_hours"); Who::Roles(STAFF), Shape::Int),
        at!(P, R, Seg::Key("closed_early"); Who::Roles(STAFF), Shape::text(Field::Reason, REASON_MAX)),
        // One value per member, written in one op: never a map made on first use.
        at!(Seg::Key("supports"), Seg::Me; Who::Anyone, Shape::Int),
        at!(Seg::Key("ballots"), Seg::Me; Who::Anyone, Shape::text(Field::Choice, CHOICE_MAX)),
        // A ballot staff record for a resident with no phone: "<choice>|<staff member>".
        // The member after the bar is the staff who writes it: nobody records one in
        // another's name.
        at!(Seg::Key("assisted"), Seg::Any; Who::Roles(STAFF), Shape::Signed { field: Field::Choice, max: CHOICE_MAX + 40 }),
        // Comments: records with their `hidden` map, one reply level (`parent`).
        at!(Seg::Key("comments"), Seg::Any; Who::NewRecord, Shape::Map),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("author"); Who::NewRecord, Shape::Any),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("created_at"); Who::NewRecord, Shape::Int),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("parent"); Who::NewRecord, Shape::text(Field::Message, 40)),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("hidden"); Who::NewRecord, Shape::Map),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("text"); Who::Author, Shape::text(Field::Message, COMMENT_MAX)),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("edited_at"); Who::Author, Shape::Int),
        at!(Seg::Key("comments"), Seg::Any, Seg::Key("hidden"), Seg::Me; Who::Roles(STAFF), Shape::text(Field::Reason, REASON_MAX)),
        // What was decided, and what was done about it.
        at!(Seg::Key("outcome"), Seg::Any; Who::Roles(STAFF), Shape::text(Field::Details, BODY_MAX)),
        // Facts no device may forge: the close marker, the certificate.
        at!(Seg::Key("facts"), Seg::Any; Who::Server, Shape::Any),
    ],
};
