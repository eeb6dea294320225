//! Points at the door: every member holds the community's points document, staff's desk
//! writes it, a member reads what staff wrote, and a resident's own entry is refused alone,
//! with nothing stored.

use super::writer;
use crate::harness::*;
use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjType, ROOT};
use linli_core::points::{self, Sources};
use linli_core::{Millis, Role};

const NOW: Millis = Millis(1_796_000_000_000);

#[tokio::test]
async fn staff_write_the_points_document_and_a_residents_own_entry_is_refused_with_nothing_stored()
{
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = points::doc_id(&community(HUQIAN));

    // Staff's desk: an item in the catalogue, and a redemption that overdraws.
    let mut desk = Peer::connect(ts.addr, HUQIAN, &staff).await.unwrap();
    desk.doc(id, &points::KIND);
    assert_eq!(desk.sync(&[id]).await, Outcome::InStep);
    let members = [ann.member.clone(), staff.member.clone()];
    let doc = desk.docs.get_mut(&id).unwrap();
    let w = writer(&staff);
    points::set_item(doc, &w, NOW, "meal", "长者食堂午餐", 15, false).unwrap();
    points::redeem(doc, &w, NOW, "x1", &ann.member, "meal", &members).unwrap();
    assert_eq!(desk.sync(&[id]).await, Outcome::InStep);

    // Ann's phone receives it, and her ledger shows it, flagged.
    let mut phone = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    phone.doc(id, &points::KIND);
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    let stored = phone.docs[&id].get_heads();
    let ledger = points::fold(&Sources {
        points: Some(("points", &phone.docs[&id])),
        ..Default::default()
    });
    assert_eq!(ledger.balance(&ann.member), -15);
    assert_eq!(ledger.flagged().count(), 1);

    // A doctored app on Ann's phone writes her a correction of her own.
    let doc = phone.docs.get_mut(&id).unwrap();
    let entries = linli_core::read::map_at(doc, &ROOT, "entries").unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        let e = tx.put_object(&entries, "c9", ObjType::Map)?;
        tx.put(&e, "author", ann.member.as_str())?;
        tx.put(&e, "kind", "correct")?;
        tx.put(&e, "at", NOW.0)?;
        tx.put(&e, "member", ann.member.as_str())?;
        tx.put(&e, "amount", 500)?;
        tx.put(&e, "reason", "自己加")?;
        Ok(())
    })
    .unwrap();
    let forged = phone.docs[&id].get_heads();
    assert_eq!(phone.sync(&[id]).await.refused_in(id, ""), forged);

    // Another device of staff's finds only what staff wrote.
    let mut other = Peer::connect(ts.addr, HUQIAN, &ts.add_device(&staff))
        .await
        .unwrap();
    other.doc(id, &points::KIND);
    assert_eq!(other.sync(&[id]).await, Outcome::InStep);
    assert_eq!(other.docs[&id].get_heads(), stored, "nothing was stored");
    ts.stop().await;
}
