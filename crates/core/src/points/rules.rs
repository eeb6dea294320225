//! Who writes what in the points document: staff alone, and each record once. Rates and
//! staff's entries are records created whole in one change and never written again, so an
//! earlier entry cannot be rewritten: a mistake is mended by a correction beside it. Only
//! the server writes certified balances.

use super::commands::{ITEM_MAX, REASON_MAX};
use crate::error::Field;
use crate::rules::{exact as at, Seg, Shape, Who, WriteRules};
use crate::Role;

const STAFF: &[Role] = &[Role::Staff];
/// Created whole by staff, and never written again.
const STAFF_ONCE: Who = Who::NewRecordBy(STAFF);

/// Staff's entry kinds, as stored.
pub const ENTRY_KINDS: &[&str] = &["redeem", "correct", "award"];

const RATES: Seg = Seg::Key("rates");
const ITEMS: Seg = Seg::Key("catalogue");
const ENTRIES: Seg = Seg::Key("entries");

/// Members listed in an award: ids, comma-separated.
pub const MEMBERS_MAX: usize = 200 * 65;

pub const RULES: WriteRules = WriteRules {
    rules: &[
        // A version of the rates: whole, once.
        at!(RATES, Seg::Any; STAFF_ONCE, Shape::Map),
        at!(RATES, Seg::Any, Seg::Key("author"); STAFF_ONCE, Shape::Any),
        at!(RATES, Seg::Any, Seg::Key("from"); STAFF_ONCE, Shape::Int),
        at!(RATES, Seg::Any, Seg::Key("help"); STAFF_ONCE, Shape::Int),
        at!(RATES, Seg::Any, Seg::Key("vote"); STAFF_ONCE, Shape::Int),
        at!(RATES, Seg::Any, Seg::Key("adopted"); STAFF_ONCE, Shape::Int),
        at!(RATES, Seg::Any, Seg::Key("pair_cap"); STAFF_ONCE, Shape::Int),
        // The catalogue: an item's name and price change; a redemption copies the price.
        at!(ITEMS, Seg::Any; STAFF_ONCE, Shape::Map),
        at!(ITEMS, Seg::Any, Seg::Key("author"); STAFF_ONCE, Shape::Any),
        at!(ITEMS, Seg::Any, Seg::Key("name"); Who::Roles(STAFF), Shape::text(Field::Item, ITEM_MAX)),
        at!(ITEMS, Seg::Any, Seg::Key("price"); Who::Roles(STAFF), Shape::Int),
        at!(ITEMS, Seg::Any, Seg::Key("retired"); Who::Roles(STAFF), Shape::Bool),
        // Staff's entries: whole, once.
        at!(ENTRIES, Seg::Any; STAFF_ONCE, Shape::Map),
        at!(ENTRIES, Seg::Any, Seg::Key("author"); STAFF_ONCE, Shape::Any),
        at!(ENTRIES, Seg::Any, Seg::Key("kind"); STAFF_ONCE, Shape::OneOf(ENTRY_KINDS)),
        at!(ENTRIES, Seg::Any, Seg::Key("at"); STAFF_ONCE, Shape::Int),
        at!(ENTRIES, Seg::Any, Seg::Key("member"); STAFF_ONCE, Shape::text(Field::Member, 64)),
        at!(ENTRIES, Seg::Any, Seg::Key("members"); STAFF_ONCE, Shape::text(Field::Member, MEMBERS_MAX)),
        at!(ENTRIES, Seg::Any, Seg::Key("amount"); STAFF_ONCE, Shape::Int),
        at!(ENTRIES, Seg::Any, Seg::Key("item"); STAFF_ONCE, Shape::text(Field::Item, 64)),
        at!(ENTRIES, Seg::Any, Seg::Key("name"); STAFF_ONCE, Shape::text(Field::Item, ITEM_MAX)),
        at!(ENTRIES, Seg::Any, Seg::Key("reason"); STAFF_ONCE, Shape::text(Field::Reason, REASON_MAX)),
        // Certified balances: the server's.
        at!(Seg::Key("facts"), Seg::Any; Who::Server, Shape::Any),
    ],
};
