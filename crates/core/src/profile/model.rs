use crate::read::{i64_at, map_at, str_at};
use crate::Millis;
use automerge::{Automerge, ReadDoc, ROOT};

/// One thing a member offers to help with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skill {
    pub id: String,
    pub label: String,
    pub added_at: Millis,
}

/// The profile as the UI shows it, derived from the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub about: String,
    /// Oldest first, ties broken by id so every replica lists them alike.
    pub skills: Vec<Skill>,
    /// Shown on the points leaderboard: yes unless the member opted out.
    pub on_board: bool,
}

impl Default for Profile {
    fn default() -> Profile {
        Profile {
            about: String::new(),
            skills: Vec::new(),
            on_board: true,
        }
    }
}

impl Profile {
    pub fn read(doc: &Automerge) -> Profile {
        let about = map_at(doc, &ROOT, "fields")
            .and_then(|f| str_at(doc, &f, "about"))
            .unwrap_or_default();
        let mut skills: Vec<Skill> = match map_at(doc, &ROOT, "skills") {
            Some(obj) => doc
                .keys(&obj)
                .filter_map(|id| {
                    // Each record is read on its own: one odd record is skipped, not fatal.
                    let rec = map_at(doc, &obj, &id)?;
                    Some(Skill {
                        label: str_at(doc, &rec, "label")?,
                        added_at: Millis(i64_at(doc, &rec, "added_at").unwrap_or(0)),
                        id,
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        crate::sort::by(&mut skills, |a, b| {
            (a.added_at, &a.id).cmp(&(b.added_at, &b.id))
        });
        // Stored as a string: anything but the opt-out reads as shown.
        let on_board = map_at(doc, &ROOT, "fields")
            .and_then(|f| str_at(doc, &f, "leaderboard"))
            .is_none_or(|v| v != "hidden");
        Profile {
            about,
            skills,
            on_board,
        }
    }
}
