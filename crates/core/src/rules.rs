//! Write rules: which paths of a document a member may change.
//!
//! Each module declares a table of [`Rule`]s for its document kinds. The same table serves
//! twice: commands call [`WriteRules::authorize`] before they write, so an honest app never
//! makes a forbidden change, and the server calls [`WriteRules::check_change`] on every change
//! a client sends, op by op (a change may hold ops that lose a conflict today and win after a
//! later delete, so looking at the merged result alone would let a forgery through).

use crate::doc::Writer;
use crate::error::Field;
use crate::{LinliError, MemberId, Result, Role};
use automerge::legacy::OpType;
use automerge::{ActorId, Automerge, Change, ObjId, ObjType, Prop, ReadDoc, ScalarValue};

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
    /// The member named in the `author` field of the record the write falls in. Records
    /// live at `<root map>/<id>`; `author` can be written only when the record is created
    /// (see `NewRecord`), so it always names who created it.
    Author,
    /// Only the server, under its own bound actor: facts no device may forge (a vote's
    /// close, a certified result, the time a report was filed). The door refuses these
    /// paths from every member, staff included.
    Server,
    /// Only as part of creating the record, by its author: the change that writes this
    /// also creates the record (a record creates every child map in its first change), and
    /// a record is never created over one that exists.
    NewRecord,
    /// `NewRecord`, by an author holding one of these roles: a record only staff create
    /// (a points entry) and nobody rewrites.
    NewRecordBy(&'static [Role]),
}

/// How much of the tree below its path a rule covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The path and everything below it.
    Below,
    /// Exactly the path: a record's own slot, or one field.
    Exact,
}

impl Shape {
    /// A string of at most `max` characters, named `field` in refusals.
    pub const fn text(field: Field, max: usize) -> Shape {
        Shape::Text { field, max }
    }
}

/// What may be written at exactly a rule's path: the door checks values as well as who
/// writes them, so a client that skips the command still cannot store a 100,000-character
/// field. The limits are the commands' own constants.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    /// Anything (what lies below a `Below` rule is judged by deeper rules, if any).
    Any,
    /// A map object: a record.
    Map,
    /// A string of at most `max` characters.
    Text {
        field: Field,
        max: usize,
    },
    /// One of these strings: an enum stored as a string.
    OneOf(&'static [&'static str]),
    /// An integer: a time in milliseconds, a count.
    Int,
    Bool,
    /// Bytes, at most `max` of them: a compact blob such as a stretch of a GPS track.
    Bytes {
        max: usize,
    },
    /// A string of at most `max` characters ending in `|<the writer's member id>`: a value
    /// signed with the name of whoever wrote it (an assisted ballot names the staff member
    /// who recorded it), so nobody records one in another's name.
    Signed {
        field: Field,
        max: usize,
    },
}

impl Shape {
    /// Whether an op writing `action` fits. Deletions carry no value: who may delete is the
    /// rule's `who`.
    fn accepts(self, action: &OpType, path: &[&str], writer: &Writer) -> Result<()> {
        let bad = || LinliError::BadValue {
            path: path.join("/"),
        };
        match (self, action) {
            (Shape::Any, _) | (_, OpType::Delete) => Ok(()),
            (Shape::Map, OpType::Make(ObjType::Map)) => Ok(()),
            (Shape::Text { field, max }, OpType::Put(ScalarValue::Str(s))) => {
                if s.chars().count() <= max {
                    Ok(())
                } else {
                    Err(LinliError::TooLong { field, max })
                }
            }
            (Shape::OneOf(allowed), OpType::Put(ScalarValue::Str(s)))
                if allowed.contains(&s.as_str()) =>
            {
                Ok(())
            }
            (Shape::Int, OpType::Put(ScalarValue::Int(_) | ScalarValue::Uint(_))) => Ok(()),
            (Shape::Bool, OpType::Put(ScalarValue::Boolean(_))) => Ok(()),
            (Shape::Bytes { max }, OpType::Put(ScalarValue::Bytes(b))) if b.len() <= max => Ok(()),
            (Shape::Signed { field, max }, OpType::Put(ScalarValue::Str(s))) => {
                match s.rsplit_once('|') {
                    Some((_, by)) if by == writer.member.as_str() => {
                        Shape::Text { field, max }.accepts(action, path, writer)
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }
}

/// Members admitted by `who` may change what lives at a path matching `path` (and, with
/// `Reach::Below`, anything below it); what they write at exactly `path` has `shape`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub path: &'static [Seg],
    pub who: Who,
    pub reach: Reach,
    pub shape: Shape,
}

/// What is known of the record a write falls in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The record's `author` field.
    pub author: Option<MemberId>,
    /// The record is created by the very change being judged (a command creating it says so).
    pub created_now: bool,
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
        self.authorize_in(writer, ctx, &Record::default(), path)
    }

    /// As `authorize`, for a write inside a record (commands read the record first).
    pub fn authorize_in(
        &self,
        writer: &Writer,
        ctx: &DocContext,
        record: &Record,
        path: &[&str],
    ) -> Result<()> {
        let allowed = self.rules.iter().any(|rule| {
            matches(rule.path, rule.reach, path, writer) && admits(rule.who, writer, ctx, record)
        });
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
        let decoded = change.decode();
        let start = decoded.start_op.get();
        let ops = decoded.operations.len() as u64;
        let made_here = |id: &str| created_by(id, change.actor_id(), start, ops);
        for (i, op) in decoded.operations.iter().enumerate() {
            let (mut path, nodes) = object_path(doc, &op.obj.to_string())?;
            if let automerge::legacy::Key::Map(key) = &op.key {
                path.push(key.to_string());
            }
            // The record the op falls in: below `<root map>/<id>`, or the record an op at
            // exactly that slot creates (never one written over another: `pred` is empty).
            let record_id = match nodes.get(1) {
                Some(record) => Some(record.clone()),
                None if path.len() == 2
                    && op.pred.is_empty()
                    && matches!(op.action, automerge::legacy::OpType::Make(_))
                    && sole_value(doc, &nodes_root(doc, &path), &path[1]) =>
                {
                    let id = format!("{}@{}", start + i as u64, change.actor_id().to_hex_string());
                    doc.import_obj(&id).ok()
                }
                None => None,
            };
            let record = match &record_id {
                Some(r) => Record {
                    author: crate::read::str_at(doc, r, "author")
                        .and_then(|a| MemberId::parse(&a).ok()),
                    created_now: made_here(&r.to_string()),
                },
                None => Record::default(),
            };
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            self.authorize_op(writer, ctx, &record, &path, &op.action)?;
        }
        Ok(())
    }

    /// Some rule admits the writer at `path`, and the value the op writes there fits that
    /// rule's shape.
    fn authorize_op(
        &self,
        writer: &Writer,
        ctx: &DocContext,
        record: &Record,
        path: &[&str],
        action: &OpType,
    ) -> Result<()> {
        let mut refusal = LinliError::Forbidden {
            path: path.join("/"),
        };
        for rule in self.rules.iter().filter(|rule| {
            matches(rule.path, rule.reach, path, writer) && admits(rule.who, writer, ctx, record)
        }) {
            let at_slot = path.len() == rule.path.len();
            match if at_slot {
                rule.shape.accepts(action, path, writer)
            } else {
                Ok(())
            } {
                Ok(()) => return Ok(()),
                Err(e) => refusal = e,
            }
        }
        Err(refusal)
    }
}

/// The root map a two-key path starts from (`requests` in `requests/<id>`).
fn nodes_root(doc: &Automerge, path: &[String]) -> Option<ObjId> {
    crate::read::map_at(doc, &automerge::ROOT, &path[0])
}

/// Whether `key` of `map` holds exactly one value: a record created over (or beside)
/// another member's record under the same key is no creation.
fn sole_value(doc: &Automerge, map: &Option<ObjId>, key: &str) -> bool {
    map.as_ref()
        .and_then(|m| doc.get_all(m, key).ok())
        .is_some_and(|values| values.len() == 1)
}

/// Whether the object written as `id` ("counter@actor") was made by the change of `actor`
/// whose ops are numbered `start .. start + ops`.
fn created_by(id: &str, actor: &ActorId, start: u64, ops: u64) -> bool {
    let Some((counter, by)) = id.split_once('@') else {
        return false;
    };
    let Ok(counter) = counter.parse::<u64>() else {
        return false;
    };
    by == actor.to_hex_string() && (start..start + ops).contains(&counter)
}

fn matches(pattern: &[Seg], reach: Reach, path: &[&str], writer: &Writer) -> bool {
    // A rule covers its path (and with `Below` everything below it), never anything above.
    let depth_ok = match reach {
        Reach::Below => path.len() >= pattern.len(),
        Reach::Exact => path.len() == pattern.len(),
    };
    depth_ok
        && pattern.iter().zip(path).all(|(seg, key)| match seg {
            Seg::Key(k) => k == key,
            Seg::Any => true,
            Seg::Me => *key == writer.member.as_str(),
        })
}

fn admits(who: Who, writer: &Writer, ctx: &DocContext, record: &Record) -> bool {
    match who {
        Who::Anyone => true,
        Who::Server => writer.is_server(),
        Who::Roles(roles) => roles.contains(&writer.role),
        Who::Subject => ctx.subject.as_ref() == Some(&writer.member),
        Who::Author => record.author.as_ref() == Some(&writer.member),
        Who::NewRecord => record.created_now && record.author.as_ref() == Some(&writer.member),
        Who::NewRecordBy(roles) => {
            roles.contains(&writer.role) && admits(Who::NewRecord, writer, ctx, record)
        }
    }
}

/// What a list element contributes to a path: its index means nothing to a rule, and a
/// pattern reaches inside a list only through `Seg::Any`.
pub const LIST_ELEMENT: &str = "[]";

/// The keys from the root down to the object written as `id` ("_root" or "counter@actor"),
/// with `LIST_ELEMENT` for each list element on the way, and the objects those keys reach
/// (`nodes[i]` is the object at the first `i + 1` keys).
fn object_path(doc: &Automerge, id: &str) -> Result<(Vec<String>, Vec<ObjId>)> {
    let obj: ObjId = doc
        .import_obj(id)
        .map_err(|_| LinliError::Damaged(format!("unknown object {id}")))?;
    let mut steps: Vec<(ObjId, String)> = Vec::new();
    for parent in doc.parents(&obj)? {
        let key = match parent.prop {
            Prop::Map(key) => key,
            Prop::Seq(_) => LIST_ELEMENT.to_owned(),
        };
        steps.push((parent.obj, key));
    }
    steps.reverse();
    let path: Vec<String> = steps.iter().map(|(_, k)| k.clone()).collect();
    let mut nodes: Vec<ObjId> = steps.iter().skip(1).map(|(o, _)| o.clone()).collect();
    if !path.is_empty() {
        nodes.push(obj);
    }
    Ok((path, nodes))
}

/// A rule for exactly one path: `exact!(seg, seg, ... ; who, shape)`, as module rule tables
/// list them.
macro_rules! exact {
    ($($seg:expr),+ ; $who:expr, $shape:expr) => {
        $crate::rules::Rule {
            path: &[$($seg),+],
            who: $who,
            reach: $crate::rules::Reach::Exact,
            shape: $shape,
        }
    };
}
pub(crate) use exact;

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
                reach: Reach::Below,
                shape: Shape::Any,
            },
            Rule {
                path: &[Seg::Key("hidden"), Seg::Any],
                who: Who::Roles(STAFF),
                reach: Reach::Below,
                shape: Shape::Any,
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
                    reach: Reach::Below,
                    shape: Shape::Any,
                },
                Rule {
                    path: &[Seg::Key("reports"), Seg::Any, Seg::Key("verdict")],
                    who: Who::Roles(STAFF),
                    reach: Reach::Below,
                    shape: Shape::Any,
                },
            ],
        };
        let ctx = DocContext::default();
        let res = writer("r1", Role::Resident);
        let mut doc = genesis(&DocKind::STAFF);
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
        let mut doc = genesis(&DocKind::STAFF);
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
