use super::commands::{ABOUT_MAX, SKILL_MAX};
use crate::error::Field;
use crate::rules::{Reach, Rule, Seg, Shape, Who, WriteRules};

/// Only the member a profile belongs to writes it.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("fields"), Seg::Key("about")],
            who: Who::Subject,
            reach: Reach::Exact,
            shape: Shape::Text {
                field: Field::About,
                max: ABOUT_MAX,
            },
        },
        Rule {
            path: &[Seg::Key("fields"), Seg::Key("leaderboard")],
            who: Who::Subject,
            reach: Reach::Exact,
            shape: Shape::OneOf(&["shown", "hidden"]),
        },
        Rule {
            path: &[Seg::Key("skills"), Seg::Any],
            who: Who::Subject,
            reach: Reach::Exact,
            shape: Shape::Map,
        },
        Rule {
            path: &[Seg::Key("skills"), Seg::Any, Seg::Key("label")],
            who: Who::Subject,
            reach: Reach::Exact,
            shape: Shape::Text {
                field: Field::Skill,
                max: SKILL_MAX,
            },
        },
        Rule {
            path: &[Seg::Key("skills"), Seg::Any, Seg::Key("added_at")],
            who: Who::Subject,
            reach: Reach::Exact,
            shape: Shape::Int,
        },
    ],
};
