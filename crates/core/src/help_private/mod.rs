//! The private side of an accepted help request: contact details and messages between the
//! requester and the chosen helper, in a document only those two can read (DESIGN.md). The
//! server learns the pair from the help document and shares this document with them alone.

use crate::doc::{transact, Writer};
use crate::error::{check_text, Field};
use crate::read::{i64_at, map_at, str_at};
use crate::rules::{DocContext, Reach, Record, Rule, Seg, Shape, Who, WriteRules};
use crate::{CommunityId, DocId, DocKind, LinliError, MemberId, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ReadDoc, ROOT};

pub const CONTACT_MAX: usize = 60;
pub const MESSAGE_MAX: usize = 300;

/// The private document of request `request` of help document `help` with the chosen
/// helper `helper`. Bound to that document and to that pair: when an acceptance made
/// elsewhere (or written with an earlier time) chooses another helper, the new pair gets a
/// document of its own, and nothing the first pair wrote ever reaches the new helper.
pub fn doc_id(community: &CommunityId, help: &DocId, request: &str, helper: &MemberId) -> DocId {
    DocId::derive(
        community,
        DocKind::HELP_PRIVATE.as_str(),
        &format!("{help}/{request}/{}", helper.as_str()),
    )
}

/// Each of the two writes only their own contact; messages are records nobody edits.
pub const RULES: WriteRules = WriteRules {
    rules: &[
        Rule {
            path: &[Seg::Key("contacts"), Seg::Me],
            who: Who::Anyone,
            reach: Reach::Exact,
            shape: Shape::Text {
                field: Field::Contact,
                max: CONTACT_MAX,
            },
        },
        Rule {
            path: &[Seg::Key("messages"), Seg::Any],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Map,
        },
        // `author` must name the writer (`NewRecord` reads it), so any other value fails.
        Rule {
            path: &[Seg::Key("messages"), Seg::Any, Seg::Key("author")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Any,
        },
        Rule {
            path: &[Seg::Key("messages"), Seg::Any, Seg::Key("text")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Text {
                field: Field::Message,
                max: MESSAGE_MAX,
            },
        },
        Rule {
            path: &[Seg::Key("messages"), Seg::Any, Seg::Key("at")],
            who: Who::NewRecord,
            reach: Reach::Exact,
            shape: Shape::Int,
        },
    ],
};

/// Shares how to reach `writer` (a phone number, a WeChat id): the other one sees it.
pub fn set_contact(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    contact: &str,
) -> Result<Option<ChangeHash>> {
    let me = writer.member.as_str();
    RULES.authorize(writer, &DocContext::default(), &["contacts", me])?;
    let contact = check_text(Field::Contact, contact, CONTACT_MAX)?;
    let contacts =
        map_at(doc, &ROOT, "contacts").ok_or_else(|| LinliError::Damaged("no contacts".into()))?;
    let (_, hash) = transact(doc, now, |tx| {
        tx.put(&contacts, me, contact.as_str())?;
        Ok(())
    })?;
    Ok(hash)
}

/// Sends a message under `id`, a fresh random id the caller made.
pub fn send_message(
    doc: &mut Automerge,
    writer: &Writer,
    now: Millis,
    id: &str,
    text: &str,
) -> Result<Option<ChangeHash>> {
    MemberId::parse(id)?;
    let new = Record {
        author: Some(writer.member.clone()),
        created_now: true,
    };
    RULES.authorize_in(writer, &DocContext::default(), &new, &["messages", id])?;
    let text = check_text(Field::Message, text, MESSAGE_MAX)?;
    let messages =
        map_at(doc, &ROOT, "messages").ok_or_else(|| LinliError::Damaged("no messages".into()))?;
    if doc.get(&messages, id)?.is_some() {
        return Err(LinliError::BadId);
    }
    let (_, hash) = transact(doc, now, |tx| {
        let m = tx.put_object(&messages, id, ObjType::Map)?;
        tx.put(&m, "author", writer.member.as_str())?;
        tx.put(&m, "text", text.as_str())?;
        tx.put(&m, "at", now.0)?;
        Ok(())
    })?;
    Ok(hash)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub author: MemberId,
    pub text: String,
    pub at: Millis,
}

/// What the two see: each one's contact, and the messages oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    pub contacts: Vec<(MemberId, String)>,
    pub messages: Vec<Message>,
}

pub fn read(doc: &Automerge) -> Conversation {
    let contacts = map_at(doc, &ROOT, "contacts")
        .map(|m| {
            doc.keys(&m)
                .filter_map(|k| Some((MemberId::parse(&k).ok()?, str_at(doc, &m, &k)?)))
                .collect()
        })
        .unwrap_or_default();
    let mut messages: Vec<Message> = map_at(doc, &ROOT, "messages")
        .map(|m| {
            doc.keys(&m)
                .filter_map(|id| {
                    let r = map_at(doc, &m, &id)?;
                    Some(Message {
                        author: MemberId::parse(&str_at(doc, &r, "author")?).ok()?,
                        text: str_at(doc, &r, "text")?,
                        at: Millis(i64_at(doc, &r, "at").unwrap_or_default()),
                        id,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    crate::sort::by(&mut messages, |a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    Conversation { contacts, messages }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::genesis;
    use crate::Role;

    fn w(id: &str) -> Writer {
        Writer {
            member: MemberId::parse(id).unwrap(),
            role: Role::Resident,
        }
    }

    #[test]
    fn contacts_and_messages_read_back_and_bad_input_changes_nothing() {
        let mut doc = genesis(&DocKind::HELP_PRIVATE);
        set_contact(&mut doc, &w("m_ann"), Millis(1), "138 0000 0000").unwrap();
        send_message(&mut doc, &w("m_bob"), Millis(3), "x2", "我到楼下了").unwrap();
        send_message(&mut doc, &w("m_ann"), Millis(2), "x1", "谢谢！").unwrap();
        let c = read(&doc);
        assert_eq!(
            c.contacts,
            vec![(MemberId::parse("m_ann").unwrap(), "138 0000 0000".into())]
        );
        let texts: Vec<_> = c.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["谢谢！", "我到楼下了"]);
        let heads = doc.get_heads();
        assert_eq!(
            send_message(&mut doc, &w("m_ann"), Millis(4), "x3", "  "),
            Err(LinliError::Empty(Field::Message))
        );
        assert_eq!(
            send_message(&mut doc, &w("m_ann"), Millis(4), "x1", "again"),
            Err(LinliError::BadId)
        );
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn nobody_writes_the_other_ones_contact_or_edits_a_message() {
        let mut doc = genesis(&DocKind::HELP_PRIVATE);
        send_message(&mut doc, &w("m_ann"), Millis(1), "x1", "你好").unwrap();
        let contacts = map_at(&doc, &ROOT, "contacts").unwrap();
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(&contacts, "m_ann", "假号码"))
            .unwrap();
        let c = doc.get_changes(&before).pop().unwrap();
        assert!(RULES
            .check_change(&doc, &c, &w("m_bob"), &DocContext::default())
            .is_err());
        let messages = map_at(&doc, &ROOT, "messages").unwrap();
        let m = map_at(&doc, &messages, "x1").unwrap();
        let before = doc.get_heads();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(&m, "text", "改过"))
            .unwrap();
        let c = doc.get_changes(&before).pop().unwrap();
        assert!(RULES
            .check_change(&doc, &c, &w("m_ann"), &DocContext::default())
            .is_err());
    }
}
