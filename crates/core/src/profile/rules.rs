use crate::rules::{Rule, Seg, Who, WriteRules};

/// Only the member a profile belongs to writes it.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("fields"), Seg::Any],
            who: Who::Subject,
        },
        Rule {
            path: &[Seg::Key("skills"), Seg::Any],
            who: Who::Subject,
        },
    ],
};
