//! Write rules: which paths of a document a member may change.
//!
//! Each module declares a table of [`Rule`]s for its document kinds. The same table serves
//! twice: commands call [`WriteRules::authorize`] before they write, so an honest app never
//! makes a forbidden change, and the server calls [`WriteRules::check_change`] on every change
//! a client sends, op by op (a change may hold ops that lose a conflict today and win after a
//! later delete, so looking at the merged result alone would let a forgery through).

use crate::doc::Writer;
use crate::{LinliError, MemberId, Result, Role};
use automerge::{Automerge, Change, ObjId, Prop, ReadDoc};

/// One step of a path pattern.
#[derive(Clone, Copy, Debug)]
pub enum Seg {
    /// Exactly this map key.
    Key(&'static str),
    /// Any key: a record id.
    Any,
    /// Only the writer's own member id: `offers[self]`, `votes[self]`.
    Me,
}

/// Who a rule admits.
#[derive(Clone, Copy, Debug)]
pub enum Who {
    /// Every member who may write the document at all.
    Anyone,
    /// Members holding one of these roles.
    Roles(&'static [Role]),
    /// The member the document belongs to (a profile's owner).
    Subject,
}

/// Members admitted by `who` may change anything at or below a path matching `path`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub path: &'static [Seg],
    pub who: Who,
}

/// What the checker knows of the document beyond its bytes: whose it is, if anyone's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocContext {
    pub subject: Option<MemberId>,
}

#[derive(Clone, Copy, Debug)]
pub struct WriteRules {
    pub rules: &'static [Rule],
}

impl WriteRules {
    /// May `writer` change what lives at `path`? Paths not covered by any rule (the root's
    /// `schema` and `kind`, the root maps themselves) are nobody's to change.
    pub fn authorize(&self, writer: &Writer, ctx: &DocContext, path: &[&str]) -> Result<()> {
        let allowed = self
            .rules
            .iter()
            .any(|rule| matches(rule.path, path, writer) && admits(rule.who, writer, ctx));
        if allowed {
            Ok(())
        } else {
            Err(LinliError::Forbidden {
                path: path.join("/"),
            })
        }
    }

    /// Checks every op of `change` against the rules. `doc` must already hold the change
    /// (apply it to a fork first): objects the change creates are located through it.
    pub fn check_change(
        &self,
        doc: &Automerge,
        change: &Change,
        writer: &Writer,
        ctx: &DocContext,
    ) -> Result<()> {
        for op in change.decode().operations {
            let mut path = object_path(doc, &op.obj.to_string())?;
            if let automerge::legacy::Key::Map(key) = &op.key {
                path.push(key.to_string());
            }
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            self.authorize(writer, ctx, &path)?;
        }
        Ok(())
    }
}

fn matches(pattern: &[Seg], path: &[&str], writer: &Writer) -> bool {
    // A rule covers its path and everything below it, never anything above.
    path.len() >= pattern.len()
        && pattern.iter().zip(path).all(|(seg, key)| match seg {
            Seg::Key(k) => k == key,
            Seg::Any => true,
            Seg::Me => *key == writer.member.as_str(),
        })
}

fn admits(who: Who, writer: &Writer, ctx: &DocContext) -> bool {
    match who {
        Who::Anyone => true,
        Who::Roles(roles) => roles.contains(&writer.role),
        Who::Subject => ctx.subject.as_ref() == Some(&writer.member),
    }
}

/// What a list element contributes to a path: its index means nothing to a rule, and a
/// pattern reaches inside a list only through `Seg::Any`.
pub const LIST_ELEMENT: &str = "[]";

/// The keys from the root down to the object written as `id` ("_root" or "counter@actor"),
/// with `LIST_ELEMENT` for each list element on the way.
fn object_path(doc: &Automerge, id: &str) -> Result<Vec<String>> {
    let obj: ObjId = doc
        .import_obj(id)
        .map_err(|_| LinliError::Damaged(format!("unknown object {id}")))?;
    let mut path: Vec<String> = Vec::new();
    for parent in doc.parents(&obj)? {
        match parent.prop {
            Prop::Map(key) => path.push(key),
            Prop::Seq(_) => path.push(LIST_ELEMENT.to_owned()),
        }
    }
    path.reverse();
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{genesis, DocKind};
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT};

    const STAFF: &[Role] = &[Role::Staff];
    const TABLE: WriteRules = WriteRules {
        rules: &[
            Rule {
                path: &[Seg::Key("reports"), Seg::Any],
                who: Who::Anyone,
            },
            Rule {
                path: &[Seg::Key("hidden"), Seg::Any],
                who: Who::Roles(STAFF),
            },
        ],
    };

    fn writer(id: &str, role: Role) -> Writer {
        Writer {
            member: MemberId::parse(id).unwrap(),
            role,
        }
    }

    #[test]
    fn authorize_follows_the_table() {
        let ctx = DocContext::default();
        let res = writer("r1", Role::Resident);
        let staff = writer("s1", Role::Staff);
        assert!(TABLE
            .authorize(&res, &ctx, &["reports", "x", "text"])
            .is_ok());
        assert!(TABLE.authorize(&res, &ctx, &["hidden", "x"]).is_err());
        assert!(TABLE.authorize(&staff, &ctx, &["hidden", "x"]).is_ok());
        // The root maps and the header belong to genesis alone.
        assert!(TABLE.authorize(&staff, &ctx, &["reports"]).is_err());
        assert!(TABLE.authorize(&staff, &ctx, &["schema"]).is_err());
    }

    #[test]
    fn a_key_inside_a_list_is_judged_by_its_whole_path() {
        // Only staff may write under reports/*/verdict; a resident must not reach a
        // `verdict` key by nesting it in a list inside their own report.
        const NESTED: WriteRules = WriteRules {
            rules: &[
                Rule {
                    path: &[Seg::Key("reports"), Seg::Any, Seg::Key("notes")],
                    who: Who::Anyone,
                },
                Rule {
                    path: &[Seg::Key("reports"), Seg::Any, Seg::Key("verdict")],
                    who: Who::Roles(STAFF),
                },
            ],
        };
        let ctx = DocContext::default();
        let res = writer("r1", Role::Resident);
        let mut doc = genesis(&DocKind::Staff);
        let reports = crate::read::map_at(&doc, &ROOT, "reports").unwrap();
        let mut record = None;
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            record = Some(tx.put_object(&reports, "r-1", ObjType::Map)?);
            Ok(())
        })
        .unwrap();
        let r = record.unwrap();
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let notes = tx.put_object(&r, "notes", ObjType::List)?;
            let note = tx.insert_object(&notes, 0, ObjType::Map)?;
            tx.put(&note, "verdict", "my note")?;
            Ok(())
        })
        .unwrap();
        let nested = doc.get_changes(&before).pop().unwrap();
        // The note's key sits at reports/r-1/notes/[]/verdict: the notes rule covers it.
        assert!(NESTED.check_change(&doc, &nested, &res, &ctx).is_ok());

        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(&r, "verdict", "resolved")?;
            Ok(())
        })
        .unwrap();
        let direct = doc.get_changes(&before).pop().unwrap();
        assert_eq!(
            NESTED.check_change(&doc, &direct, &res, &ctx),
            Err(LinliError::Forbidden {
                path: "reports/r-1/verdict".into()
            })
        );
        assert!(NESTED
            .check_change(&doc, &direct, &writer("s1", Role::Staff), &ctx)
            .is_ok());
    }

    #[test]
    fn check_change_sees_every_op_of_a_change() {
        let ctx = DocContext::default();
        let mut doc = genesis(&DocKind::Staff);
        let reports = crate::read::map_at(&doc, &ROOT, "reports").unwrap();
        let hidden = crate::read::map_at(&doc, &ROOT, "hidden").unwrap();
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let r = tx.put_object(&reports, "r-1", ObjType::Map)?;
            tx.put(&r, "text", "漏水")?;
            let notes = tx.put_object(&r, "notes", ObjType::List)?;
            tx.insert(&notes, 0, "first")?;
            Ok(())
        })
        .unwrap();
        let good = doc.get_changes(&before).pop().unwrap();
        let res = writer("r1", Role::Resident);
        assert!(TABLE.check_change(&doc, &good, &res, &ctx).is_ok());

        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(&reports, "r-2", "ok")?;
            tx.put(&hidden, "r-1", true)?;
            Ok(())
        })
        .unwrap();
        let sneaky = doc.get_changes(&before).pop().unwrap();
        assert_eq!(
            TABLE.check_change(&doc, &sneaky, &res, &ctx),
            Err(LinliError::Forbidden {
                path: "hidden/r-1".into()
            })
        );
        let staff = writer("s1", Role::Staff);
        assert!(TABLE.check_change(&doc, &sneaky, &staff, &ctx).is_ok());
    }
}
