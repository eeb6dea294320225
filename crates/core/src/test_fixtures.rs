//! What every module's tests share: the writers they write as (three residents and a member
//! of staff), a refusal that must change nothing, and a raw change judged as the door would.

use crate::doc::Writer;
use crate::rules::{DocContext, WriteRules};
use crate::{LinliError, MemberId, Role};
use automerge::transaction::Transaction;
use automerge::{Automerge, AutomergeError};

pub fn w(id: &str, role: Role) -> Writer {
    Writer {
        member: MemberId::parse(id).unwrap(),
        role,
    }
}
pub fn ann() -> Writer {
    w("m_ann", Role::Resident)
}
pub fn bob() -> Writer {
    w("m_bob", Role::Resident)
}
pub fn cai() -> Writer {
    w("m_cai", Role::Resident)
}
pub fn staff() -> Writer {
    w("m_staff", Role::Staff)
}

/// Runs a command that must be refused with `expected`, and checks it changed nothing.
pub fn refused<T: std::fmt::Debug>(
    doc: &mut Automerge,
    expected: LinliError,
    f: impl FnOnce(&mut Automerge) -> crate::Result<T>,
) {
    let before = doc.get_heads();
    assert_eq!(f(doc).unwrap_err(), expected);
    assert_eq!(doc.get_heads(), before, "a refusal changed the document");
}

/// Makes a change on `doc` with a raw transaction, as a doctored app would, and judges it
/// under `rules` as `writer`.
pub fn judge(
    rules: &WriteRules,
    doc: &mut Automerge,
    writer: &Writer,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<(), AutomergeError>,
) -> crate::Result<()> {
    let before = doc.get_heads();
    doc.transact(|tx| f(tx)).map_err(|e| e.error).unwrap();
    let change = doc.get_changes(&before).pop().unwrap();
    rules.check_change(doc, &change, writer, &DocContext::default())
}
