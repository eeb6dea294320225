//! Help through the server: its write rules at the door, and the pair's private document.

use crate::harness::*;
use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ObjType, ReadDoc, ROOT};
use linli_core::doc::Writer;
use linli_core::help::{self, Category, RequestDraft, Urgency};
use linli_core::read::map_at;
use linli_core::{help_private, DocId, DocKind, Millis, Role};
use linli_server::db::Joined;

pub(crate) fn writer(j: &Joined) -> Writer {
    Writer {
        member: j.member.clone(),
        role: j.role.clone(),
    }
}

/// Ann's request as the tests post it.
pub(crate) fn draft() -> RequestDraft {
    RequestDraft {
        category: Category::Errand,
        title: "帮忙取药".into(),
        details: String::new(),
        urgency: Urgency::High,
        place: "3 幢".into(),
        needed_by: None,
        expires_in_days: None,
    }
}

/// Ann's request r1, on the server, as the devices of `who` then hold it.
async fn with_request(ts: &TestServer, ann: &Joined) -> (DocId, Millis) {
    let now = ts.srv.now();
    let id = help::doc_id(&community(HUQIAN), now);
    let mut phone = Peer::connect(ts.addr, HUQIAN, ann).await.unwrap();
    help::post_request(
        phone.doc(id, &DocKind::HELP),
        &writer(ann),
        now,
        "r1",
        &draft(),
    )
    .unwrap();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    (id, now)
}

async fn fetch(ts: &TestServer, who: &Joined, id: DocId, kind: &DocKind) -> (Peer, Outcome) {
    let mut p = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
    p.doc(id, kind);
    let out = p.sync(&[id]).await;
    (p, out)
}

fn record(doc: &Automerge) -> automerge::ObjId {
    let requests = map_at(doc, &ROOT, "requests").unwrap();
    map_at(doc, &requests, "r1").unwrap()
}

/// Sends a doctored change and expects the door to refuse it, then checks that a fresh
/// device of Ann's sees nothing of it.
async fn refused(
    ts: &TestServer,
    ann: &Joined,
    who: &Joined,
    id: DocId,
    f: impl FnOnce(
        &mut automerge::transaction::Transaction<'_>,
        &Automerge,
    ) -> Result<(), AutomergeError>,
) {
    let (mut p, out) = fetch(ts, who, id, &DocKind::HELP).await;
    assert_eq!(out, Outcome::InStep);
    let doc = p.docs.get_mut(&id).unwrap();
    let snapshot = doc.fork();
    doc.transact(|tx| f(tx, &snapshot))
        .map_err(|e| e.error)
        .unwrap();
    let forged = doc.get_heads();
    let refused = p.sync(&[id]).await.refused_in(id, "not allowed");
    assert_eq!(refused, forged);
    let fresh = ts.add_device(ann);
    let (held, _) = fetch(ts, &fresh, id, &DocKind::HELP).await;
    for h in forged {
        assert!(
            held.docs[&id].get_change_by_hash(&h).is_none(),
            "the forged change was stored"
        );
    }
}

#[tokio::test]
async fn the_door_refuses_forged_offers_edits_and_hiding() {
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let (id, _) = with_request(&ts, &ann).await;

    // Bob writes an offer in Cai's name.
    refused(&ts, &ann, &bob, id, |tx, d| {
        let offers = map_at(d, &record(d), "offers").unwrap();
        let o = tx.put_object(&offers, "m_somebody_else", ObjType::Map)?;
        tx.put(&o, "note", "冒名")
    })
    .await;
    // Bob edits Ann's request.
    refused(&ts, &ann, &bob, id, |tx, d| {
        tx.put(record(d), "title", "改了")
    })
    .await;
    // Bob, a resident, hides it.
    let me = bob.member.as_str().to_owned();
    refused(&ts, &ann, &bob, id, move |tx, d| {
        let hidden = map_at(d, &record(d), "hidden").unwrap();
        tx.put_object(&hidden, me.as_str(), ObjType::Map)
            .map(|_| ())
    })
    .await;
    ts.stop().await;
}

#[tokio::test]
async fn only_the_pair_reads_its_private_document() {
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let cai = ts.join(HUQIAN, Role::Resident, "蔡姐").await;
    let (id, now) = with_request(&ts, &ann).await;
    let private = help_private::doc_id(&community(HUQIAN), &id, "r1", &bob.member);

    // Nobody reads it before a helper is chosen.
    let (_, out) = fetch(&ts, &bob, private, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::Unavailable(private));

    let (mut b, _) = fetch(&ts, &bob, id, &DocKind::HELP).await;
    help::offer(
        b.docs.get_mut(&id).unwrap(),
        &writer(&bob),
        now,
        "r1",
        "我来",
    )
    .unwrap();
    assert_eq!(b.sync(&[id]).await, Outcome::InStep);
    let (mut c, _) = fetch(&ts, &cai, id, &DocKind::HELP).await;
    help::offer(
        c.docs.get_mut(&id).unwrap(),
        &writer(&cai),
        now,
        "r1",
        "我也行",
    )
    .unwrap();
    assert_eq!(c.sync(&[id]).await, Outcome::InStep);

    let (mut a, _) = fetch(&ts, &ann, id, &DocKind::HELP).await;
    help::accept(
        a.docs.get_mut(&id).unwrap(),
        &writer(&ann),
        now,
        "r1",
        &bob.member,
    )
    .unwrap();
    assert_eq!(a.sync(&[id]).await, Outcome::InStep);

    // Ann leaves her number; Bob reads it; Cai cannot reach the document at all.
    let (mut ap, out) = fetch(&ts, &ann, private, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::InStep);
    help_private::set_contact(
        ap.docs.get_mut(&private).unwrap(),
        &writer(&ann),
        now,
        "138 0000 0000",
    )
    .unwrap();
    assert_eq!(ap.sync(&[private]).await, Outcome::InStep);
    let (bp, out) = fetch(&ts, &bob, private, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::InStep);
    let seen = help_private::read(&bp.docs[&private]);
    assert_eq!(seen.contacts[0].1, "138 0000 0000");
    let (_, out) = fetch(&ts, &cai, private, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::Unavailable(private));
    ts.stop().await;
}

#[tokio::test]
async fn a_helper_chosen_later_never_sees_the_first_pairs_messages() {
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let tablet = ts.add_device(&ann);
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let cai = ts.join(HUQIAN, Role::Resident, "蔡姐").await;
    let (id, now) = with_request(&ts, &ann).await;
    for (who, note) in [(&bob, "我来"), (&cai, "我也行")] {
        let (mut p, _) = fetch(&ts, who, id, &DocKind::HELP).await;
        help::offer(p.docs.get_mut(&id).unwrap(), &writer(who), now, "r1", note).unwrap();
        assert_eq!(p.sync(&[id]).await, Outcome::InStep);
    }
    // Ann's tablet sees both offers, then goes offline.
    let (mut t, _) = fetch(&ts, &tablet, id, &DocKind::HELP).await;

    // On her phone Ann chooses Bob, and they talk.
    let (mut a, _) = fetch(&ts, &ann, id, &DocKind::HELP).await;
    help::accept(
        a.docs.get_mut(&id).unwrap(),
        &writer(&ann),
        now,
        "r1",
        &bob.member,
    )
    .unwrap();
    assert_eq!(a.sync(&[id]).await, Outcome::InStep);
    let first = help_private::doc_id(&community(HUQIAN), &id, "r1", &bob.member);
    let (mut bp, out) = fetch(&ts, &bob, first, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::InStep);
    help_private::send_message(
        bp.docs.get_mut(&first).unwrap(),
        &writer(&bob),
        now,
        "x1",
        "我家门牌是 3-201",
    )
    .unwrap();
    assert_eq!(bp.sync(&[first]).await, Outcome::InStep);

    // The tablet, apart, chose Cai a moment earlier: by the rule Cai is now the helper.
    help::accept(
        t.docs.get_mut(&id).unwrap(),
        &writer(&ann),
        Millis(now.0 - 1_000),
        "r1",
        &cai.member,
    )
    .unwrap();
    assert_eq!(t.sync(&[id]).await, Outcome::InStep);
    let (check, _) = fetch(&ts, &cai, id, &DocKind::HELP).await;
    let r = help::read_request(&check.docs[&id], "r1").unwrap();
    assert_eq!(r.accepted.as_ref(), Some(&cai.member));

    // Cai gets a pair document of her own, empty, and never Bob's.
    let (_, out) = fetch(&ts, &cai, first, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::Unavailable(first));
    let second = help_private::doc_id(&community(HUQIAN), &id, "r1", &cai.member);
    let (cp, out) = fetch(&ts, &cai, second, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::InStep);
    assert!(help_private::read(&cp.docs[&second]).messages.is_empty());
    // Bob still reads what he and Ann wrote.
    let (bp, out) = fetch(&ts, &bob, first, &DocKind::HELP_PRIVATE).await;
    assert_eq!(out, Outcome::InStep);
    assert_eq!(help_private::read(&bp.docs[&first]).messages.len(), 1);
    ts.stop().await;
}
