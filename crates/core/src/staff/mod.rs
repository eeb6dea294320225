//! The community staff's document: reports residents file about help requests (through the
//! server's API, so a resident never writes here), and what staff did about each.

use crate::access::{Reader, Scope};
use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::{each_field, map_at, FieldRef};
use crate::registry::{community_doc, none_followed, none_learned, Kind, Module, Serving, World};
use crate::rules::{DocContext, Reach, Rule, Seg, Shape, Who, WriteRules};
use crate::{DocId, DocKind, LinliError, MemberId, Millis, Result, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ReadDoc, ROOT};

pub const REPORT_MAX: usize = 200;

const STAFF: &[Role] = &[Role::Staff];

/// Staff mark reports handled; reports themselves are the server's to write.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("reports"), Seg::Any, Seg::Key("handled")],
            who: Who::Roles(STAFF),
            reach: Reach::Exact,
            shape: Shape::Int,
        },
        // A report is the server's fact: what a resident filed through the API, and when.
        Rule {
            path: &[Seg::Key("reports"), Seg::Any],
            who: Who::Server,
            reach: Reach::Exact,
            shape: Shape::Map,
        },
        Rule {
            path: &[Seg::Key("reports"), Seg::Any, Seg::Any],
            who: Who::Server,
            reach: Reach::Exact,
            shape: Shape::Any,
        },
    ],
};

/// The staff document's place in the registry: one per community, its staff alone.
pub const MODULE: Module = Module {
    name: "staff",
    kinds: &[Kind {
        kind: DocKind::STAFF,
        roots: &["reports", "hidden"],
        rules: Some(&RULES),
        access: crate::access::staff_write,
        receipts: false,
    }],
    held,
    follows: none_followed,
};

/// What the server alone does with this module's documents (kept out of the app's wasm).
pub const SERVING: Serving = Serving {
    module: &MODULE,
    docs,
    learns: none_learned,
    schedules: crate::registry::none_scheduled,
    facts: &[],
};

fn docs(world: &World, out: &mut Vec<(DocId, Scope)>) {
    for c in world.communities {
        out.push(community_doc(c, &DocKind::STAFF, ""));
    }
}

fn held(reader: &Reader, _: Millis, out: &mut Vec<(DocId, DocKind)>) {
    if reader.role == Role::Staff {
        out.push((crate::access::staff_id(&reader.community), DocKind::STAFF));
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: String,
    pub by: MemberId,
    /// The help document and the request in it.
    pub doc: String,
    pub request: String,
    pub reason: String,
    pub at: Millis,
    pub handled: bool,
}

/// The server files a resident's report (the API checked who sent it).
#[allow(clippy::too_many_arguments)]
pub fn file_report(
    doc: &mut Automerge,
    now: Millis,
    id: &str,
    by: &MemberId,
    help_doc: &DocId,
    request: &str,
    reason: &str,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(&Writer::server(), &DocContext::default(), &["reports", id])?;
    MemberId::parse(id)?;
    MemberId::parse(request)?;
    let reason = check_text(Field::Reason, reason, REPORT_MAX)?;
    let reports =
        map_at(doc, &ROOT, "reports").ok_or_else(|| LinliError::Damaged("no reports".into()))?;
    if doc.get(&reports, id)?.is_some() {
        return Ok(None); // the same report delivered twice
    }
    let (_, hash) = transact(doc, now, |tx| {
        let r = tx.put_object(&reports, id, ObjType::Map)?;
        tx.put(&r, "by", by.as_str())?;
        tx.put(&r, "doc", help_doc.to_string())?;
        tx.put(&r, "request", request)?;
        tx.put(&r, "reason", reason.as_str())?;
        tx.put(&r, "at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Staff mark a report handled.
pub fn mark_handled(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
) -> Result<Option<ChangeHash>> {
    RULES.authorize(writer, &DocContext::default(), &["reports", id, "handled"])?;
    let reports = map_at(doc, &ROOT, "reports").ok_or(LinliError::NotFound)?;
    let r = map_at(doc, &reports, id).ok_or(LinliError::NotFound)?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&r, "handled", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

/// Every report, open ones first, newest first.
pub fn reports(doc: &Automerge) -> Vec<Report> {
    let Some(map) = map_at(doc, &ROOT, "reports") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    each_field(doc, &map, |id, v| {
        let FieldRef::Obj(r) = v else { return };
        let (mut by, mut d, mut request, mut reason, mut at, mut handled) = (
            None,
            String::new(),
            String::new(),
            String::new(),
            Millis::default(),
            false,
        );
        each_field(doc, &r, |k, v| match (k, v) {
            ("by", FieldRef::Str(s)) => by = MemberId::parse(s).ok(),
            ("doc", FieldRef::Str(s)) => d = s.to_owned(),
            ("request", FieldRef::Str(s)) => request = s.to_owned(),
            ("reason", FieldRef::Str(s)) => reason = s.to_owned(),
            ("at", FieldRef::Int(t)) => at = Millis(t),
            ("handled", FieldRef::Int(_)) => handled = true,
            _ => {}
        });
        if let Some(by) = by {
            out.push(Report {
                id: id.to_owned(),
                by,
                doc: d,
                request,
                reason,
                at,
                handled,
            });
        }
    });
    crate::sort::by(&mut out, |a, b| {
        a.handled
            .cmp(&b.handled)
            .then(b.at.cmp(&a.at))
            .then(a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{genesis, DocKind};

    #[test]
    fn reports_are_filed_once_and_handled_by_staff() {
        let mut doc = genesis(&DocKind::STAFF);
        let by = MemberId::parse("m_bob").unwrap();
        let help = DocId([1; 16]);
        file_report(&mut doc, Millis(1), "p1", &by, &help, "r1", "留了电话号码").unwrap();
        assert_eq!(
            file_report(&mut doc, Millis(2), "p1", &by, &help, "r1", "again"),
            Ok(None)
        );
        assert_eq!(
            file_report(&mut doc, Millis(2), "p2", &by, &help, "r1", " "),
            Err(LinliError::Empty(Field::Reason))
        );
        let resident = Writer {
            member: by.clone(),
            role: Role::Resident,
        };
        assert!(mark_handled(&mut doc, &resident, Millis(3), "p1").is_err());
        let staff = Writer {
            member: MemberId::parse("m_s").unwrap(),
            role: Role::Staff,
        };
        mark_handled(&mut doc, &staff, Millis(3), "p1").unwrap();
        let all = reports(&doc);
        assert_eq!(all.len(), 1);
        assert!(all[0].handled);
        assert_eq!(all[0].doc, help.to_string());
    }

    #[test]
    fn reports_are_the_servers_to_write_never_a_members() {
        use automerge::transaction::Transactable;
        let mut doc = crate::schema::genesis(&crate::DocKind::STAFF);
        let reports = map_at(&doc, &ROOT, "reports").unwrap();
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let r = tx.put_object(&reports, "p9", ObjType::Map)?;
            tx.put(&r, "reason", "伪造的举报")?;
            Ok(())
        })
        .unwrap();
        let forged = doc.get_changes(&before).pop().unwrap();
        let ctx = DocContext::default();
        for role in [Role::Staff, Role::Resident] {
            let member = Writer {
                member: MemberId::parse("m_s").unwrap(),
                role,
            };
            assert_eq!(
                RULES.check_change(&doc, &forged, &member, &ctx),
                Err(LinliError::Forbidden {
                    path: "reports/p9".into()
                })
            );
        }
        assert_eq!(
            RULES.check_change(&doc, &forged, &Writer::server(), &ctx),
            Ok(())
        );
    }
}
