use crate::rules::{Reach, Rule, Seg, Who, WriteRules};

/// Only the member a profile belongs to writes it.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("fields"), Seg::Any],
            who: Who::Subject,
            reach: Reach::Below,
        },
        Rule {
            path: &[Seg::Key("skills"), Seg::Any],
            who: Who::Subject,
            reach: Reach::Below,
        },
    ],
};
