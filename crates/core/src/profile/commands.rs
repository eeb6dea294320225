use super::RULES;
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::map_at;
use crate::rules::DocContext;
use crate::{LinliError, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ReadDoc, ROOT};

pub const ABOUT_MAX: usize = 200;
pub const SKILL_MAX: usize = 30;

fn root(doc: &Automerge, name: &str) -> Result<automerge::ObjId> {
    map_at(doc, &ROOT, name).ok_or_else(|| LinliError::Damaged(format!("no {name} map")))
}

/// Sets the "about me" text. Blank clears it.
pub fn set_about(
    doc: &mut Automerge,
    writer: &Writer,
    ctx: &DocContext,
    now: Millis,
    text: &str,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, ctx, &["fields", "about"])?;
    let text = text.trim();
    if text.chars().count() > ABOUT_MAX {
        return Err(LinliError::TooLong {
            field: Field::About,
            max: ABOUT_MAX,
        });
    }
    let fields = root(doc, "fields")?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&fields, "about", text)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Whether the member shows on the community's points leaderboard (they do unless they
/// say not). The same choice again writes nothing.
pub fn set_on_board(
    doc: &mut Automerge,
    writer: &Writer,
    ctx: &DocContext,
    now: Millis,
    shown: bool,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, ctx, &["fields", "leaderboard"])?;
    if super::Profile::read(doc).on_board == shown {
        return Ok(None);
    }
    let fields = root(doc, "fields")?;
    let value = if shown { "shown" } else { "hidden" };
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&fields, "leaderboard", value)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Adds a skill under `id`, a fresh random id the caller made (core reads no randomness).
/// The record and all its fields are written in this one change.
pub fn add_skill(
    doc: &mut Automerge,
    writer: &Writer,
    ctx: &DocContext,
    now: Millis,
    id: &str,
    label: &str,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, ctx, &["skills", id])?;
    let label = check_text(Field::Skill, label, SKILL_MAX)?;
    crate::MemberId::parse(id)?; // record ids follow the same plain form as member ids
    let skills = root(doc, "skills")?;
    if doc.get(&skills, id)?.is_some() {
        return Err(LinliError::BadId);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let rec = tx.put_object(&skills, id, ObjType::Map)?;
        tx.put(&rec, "label", label.as_str())?;
        tx.put(&rec, "added_at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Removes a skill. A skill another device already removed is `NotFound`.
pub fn remove_skill(
    doc: &mut Automerge,
    writer: &Writer,
    ctx: &DocContext,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, ctx, &["skills", id])?;
    let skills = root(doc, "skills")?;
    if doc.get(&skills, id)?.is_none() {
        return Err(LinliError::NotFound);
    }
    let (_, hash) = transact(doc, now, |tx| {
        tx.delete(&skills, id)?;
        Ok(())
    })?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::schema::{genesis, DocKind, SCHEMA_VERSION};
    use crate::{MemberId, Role};

    fn me() -> (Writer, DocContext) {
        let member = MemberId::parse("m1").unwrap();
        (
            Writer {
                member: member.clone(),
                role: Role::Resident,
            },
            DocContext {
                subject: Some(member),
            },
        )
    }

    #[test]
    fn add_list_and_remove_skills() {
        let (w, ctx) = me();
        let mut doc = genesis(&DocKind::PROFILE);
        add_skill(&mut doc, &w, &ctx, Millis(20), "b", "修自行车").unwrap();
        add_skill(&mut doc, &w, &ctx, Millis(10), "a", "陪老人聊天").unwrap();
        let p = Profile::read(&doc);
        let labels: Vec<_> = p.skills.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["陪老人聊天", "修自行车"]);
        remove_skill(&mut doc, &w, &ctx, Millis(30), "a").unwrap();
        assert_eq!(Profile::read(&doc).skills.len(), 1);
        assert_eq!(
            remove_skill(&mut doc, &w, &ctx, Millis(31), "a"),
            Err(LinliError::NotFound)
        );
    }

    #[test]
    fn bad_input_changes_nothing() {
        let (w, ctx) = me();
        let mut doc = genesis(&DocKind::PROFILE);
        let heads = doc.get_heads();
        assert_eq!(
            add_skill(&mut doc, &w, &ctx, Millis(1), "a", "   "),
            Err(LinliError::Empty(Field::Skill))
        );
        assert!(matches!(
            add_skill(
                &mut doc,
                &w,
                &ctx,
                Millis(1),
                "a",
                &"长".repeat(SKILL_MAX + 1)
            ),
            Err(LinliError::TooLong { .. })
        ));
        assert!(set_about(&mut doc, &w, &ctx, Millis(1), &"x".repeat(ABOUT_MAX + 1)).is_err());
        assert_eq!(
            add_skill(&mut doc, &w, &ctx, Millis(1), "a/b", "ok"),
            Err(LinliError::BadId)
        );
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn only_the_owner_writes_a_profile() {
        let (_, ctx) = me();
        let other = Writer {
            member: MemberId::parse("m2").unwrap(),
            role: Role::Staff,
        };
        let mut doc = genesis(&DocKind::PROFILE);
        assert!(matches!(
            set_about(&mut doc, &other, &ctx, Millis(1), "hi"),
            Err(LinliError::Forbidden { .. })
        ));
        assert!(matches!(
            set_on_board(&mut doc, &other, &ctx, Millis(1), false),
            Err(LinliError::Forbidden { .. })
        ));
        assert_eq!(
            Profile::read(&doc),
            Profile::read(&genesis(&DocKind::PROFILE))
        );
    }

    #[test]
    fn a_member_opts_out_of_the_leaderboard_and_back_in() {
        let (w, ctx) = me();
        let mut doc = genesis(&DocKind::PROFILE);
        assert!(Profile::read(&doc).on_board, "shown unless they say not");
        let before = doc.get_heads();
        assert!(set_on_board(&mut doc, &w, &ctx, Millis(1), false)
            .unwrap()
            .is_some());
        assert!(!Profile::read(&doc).on_board);
        assert_eq!(set_on_board(&mut doc, &w, &ctx, Millis(2), false), Ok(None));
        set_on_board(&mut doc, &w, &ctx, Millis(3), true).unwrap();
        assert!(Profile::read(&doc).on_board);
        for change in doc.get_changes(&before) {
            RULES.check_change(&doc, &change, &w, &ctx).unwrap();
        }
    }

    #[test]
    fn commands_make_changes_the_rules_accept() {
        let (w, ctx) = me();
        let mut doc = genesis(&DocKind::PROFILE);
        let before = doc.get_heads();
        set_about(&mut doc, &w, &ctx, Millis(1), "住 3 幢").unwrap();
        add_skill(&mut doc, &w, &ctx, Millis(2), "a", "搬东西").unwrap();
        remove_skill(&mut doc, &w, &ctx, Millis(3), "a").unwrap();
        for change in doc.get_changes(&before) {
            RULES.check_change(&doc, &change, &w, &ctx).unwrap();
        }
        // Someone else sending the very same changes is refused at the door.
        let other = Writer {
            member: MemberId::parse("m2").unwrap(),
            role: Role::Resident,
        };
        let change = doc.get_changes(&before).remove(0);
        assert!(RULES.check_change(&doc, &change, &other, &ctx).is_err());
    }

    #[test]
    fn a_document_from_a_newer_app_is_not_written() {
        let (w, ctx) = me();
        let mut doc = genesis(&DocKind::PROFILE);
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "schema", SCHEMA_VERSION + 1)?;
            Ok(())
        })
        .unwrap();
        assert!(matches!(
            add_skill(&mut doc, &w, &ctx, Millis(1), "a", "ok"),
            Err(LinliError::SchemaTooNew { .. })
        ));
    }
}
