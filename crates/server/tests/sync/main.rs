//! linli-server's sync endpoint with real WebSocket clients on loopback.

mod assignments;
mod bloom;
mod deliberation;
mod drills;
mod facts;
mod harness;
mod help;
mod hostile;
mod limits;
mod memory;
mod patrol;
mod points;

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ReadDoc, ROOT};
use harness::*;
use linli_core::access::{directory_id, profile_id, staff_id};
use linli_core::doc::Writer;
use linli_core::rules::DocContext;
use linli_core::{directory, profile, DocKind, MemberId, Millis, Role};
use linli_server::db::Joined;

fn writer(j: &Joined) -> Writer {
    Writer {
        member: j.member.clone(),
        role: j.role.clone(),
    }
}

/// The context of a member's own documents (their profile).
pub(crate) fn own(j: &Joined) -> DocContext {
    DocContext {
        subject: Some(j.member.clone()),
    }
}

fn about(doc: &automerge::Automerge) -> Option<String> {
    Some(profile::Profile::read(doc).about).filter(|a| !a.is_empty())
}

#[tokio::test]
async fn two_devices_that_changed_a_document_offline_converge() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let a2 = ts.add_device(&a);
    let id = profile_id(&harness::community(HUQIAN), &a.member);

    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let mut tablet = Peer::connect(ts.addr, HUQIAN, &a2).await.unwrap();
    // Both edit while apart: nothing is sent yet.
    let doc = phone.doc(id, &DocKind::PROFILE);
    profile::set_about(doc, &writer(&a), &own(&a), Millis(1), "住 3 栋").unwrap();
    let doc = tablet.doc(id, &DocKind::PROFILE);
    profile::add_skill(doc, &writer(&a), &own(&a), Millis(2), "s1", "修自行车").unwrap();

    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    assert_eq!(tablet.sync(&[id]).await, Outcome::InStep);
    // The phone hears the tablet's change without asking again.
    let both = tablet.docs[&id].get_heads();
    assert_eq!(phone.wait_for(id, &both).await, Outcome::InStep);
    let (p, t) = (&phone.docs[&id], &tablet.docs[&id]);
    assert_eq!(p.get_heads(), t.get_heads());
    assert_eq!(about(t).as_deref(), Some("住 3 栋"));
    assert_eq!(profile::Profile::read(p).skills.len(), 1);
    ts.stop().await;
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401_or_403_and_a_reason() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let b = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let c = ts.join(HUAZHONG, Role::Staff, "陈主任").await;

    let forged = Joined {
        token: "0".repeat(64),
        ..a.clone()
    };
    let (status, body) = Peer::connect(ts.addr, HUQIAN, &forged).await.err().unwrap();
    assert_eq!(status, 401);
    assert!(body.contains("unknown_token"), "{body}");

    let (status, body) = Peer::connect(ts.addr, HUQIAN, &c).await.err().unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("other_community"), "{body}");

    ts.srv.db.revoke_member(&b.member, ts.srv.now()).unwrap();
    let (status, body) = Peer::connect(ts.addr, HUQIAN, &b).await.err().unwrap();
    assert_eq!(status, 403);
    assert!(
        body.contains("member_revoked") && body.contains("revoked"),
        "{body}"
    );

    let a2 = ts.add_device(&a);
    ts.srv.db.revoke_device(&a2.peer_id, ts.srv.now()).unwrap();
    let (status, _) = Peer::connect(ts.addr, HUQIAN, &a2).await.err().unwrap();
    assert_eq!(status, 403);
    assert!(
        Peer::connect(ts.addr, HUQIAN, &a).await.is_ok(),
        "the member's other device still works"
    );

    ts.advance_days(400);
    let (status, body) = Peer::connect(ts.addr, HUQIAN, &a).await.err().unwrap();
    assert_eq!(status, 401);
    assert!(body.contains("expired_token"), "{body}");

    let (status, body) = http(ts.addr, "GET", "/api/sync/huqian-2?token=x", "").await;
    assert_eq!(status, 401, "{body}");
    ts.stop().await;
}

#[tokio::test]
async fn residents_cannot_fetch_staff_patrol_or_another_communitys_documents() {
    let ts = TestServer::start().await;
    let r = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let s = ts.join(HUQIAN, Role::Staff, "陈主任").await;
    let staff_doc = staff_id(&harness::community(HUQIAN));
    let elsewhere = directory_id(&harness::community(HUAZHONG));

    // Staff hold the staff document, so the server has it.
    let mut desk = Peer::connect(ts.addr, HUQIAN, &s).await.unwrap();
    desk.doc(staff_doc, &DocKind::STAFF);
    assert_eq!(desk.sync(&[staff_doc]).await, Outcome::InStep);

    let mut phone = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    phone.doc(staff_doc, &DocKind::STAFF);
    assert_eq!(
        phone.sync(&[staff_doc]).await,
        Outcome::Unavailable(staff_doc)
    );
    phone.doc(elsewhere, &DocKind::DIRECTORY);
    assert_eq!(
        phone.sync(&[elsewhere]).await,
        Outcome::Unavailable(elsewhere)
    );
    // The grid's patrol document: its workers hold it, residents never receive it.
    ts.srv
        .db
        .create_grid(&harness::community(HUQIAN), "g1", "第一网格")
        .unwrap();
    ts.srv.prepare_directories().await.unwrap();
    let month = ts.srv.now().month();
    let (patrol, _) = linli_core::access::grid_doc(
        &harness::community(HUQIAN),
        &linli_core::testkit::GRID,
        "g1",
        &month,
    );
    let code = ts
        .srv
        .db
        .create_invite_assigned(
            &harness::community(HUQIAN),
            &Role::GridWorker,
            &linli_server::db::Assignment::Grid("g1".into()),
            ts.srv.now(),
        )
        .unwrap();
    let w = ts.srv.join(&code, "张网格").await.unwrap();
    let mut round = Peer::connect(ts.addr, HUQIAN, &w).await.unwrap();
    round.doc(patrol, &linli_core::testkit::GRID);
    assert_eq!(round.sync(&[patrol]).await, Outcome::InStep);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    phone.doc(patrol, &linli_core::testkit::GRID);
    assert_eq!(phone.sync(&[patrol]).await, Outcome::Unavailable(patrol));
    // Their own community's directory they do read, with themselves in it.
    let dir = directory_id(&harness::community(HUQIAN));
    phone.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(phone.sync(&[dir]).await, Outcome::InStep);
    let listed = directory::members(&phone.docs[&dir]);
    assert!(listed
        .iter()
        .any(|m| m.id == r.member && m.name == "王阿姨"));
    ts.stop().await;
}

/// What the server holds of a document, as a fresh device of `who` receives it.
async fn server_copy(
    ts: &TestServer,
    who: &Joined,
    id: linli_core::DocId,
    kind: &DocKind,
) -> automerge::Automerge {
    let fresh = ts.add_device(who);
    let mut p = Peer::connect(ts.addr, HUQIAN, &fresh).await.unwrap();
    p.doc(id, kind);
    assert_eq!(p.sync(&[id]).await, Outcome::InStep);
    p.docs.remove(&id).unwrap()
}

#[tokio::test]
async fn writing_into_the_directory_is_refused_and_nothing_is_stored() {
    let ts = TestServer::start().await;
    let r = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let dir = directory_id(&harness::community(HUQIAN));
    let mut phone = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    phone.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(phone.sync(&[dir]).await, Outcome::InStep);
    // A doctored app lists a made-up staff member.
    let fake = MemberId::parse("m_fake").unwrap();
    let doc = phone.docs.get_mut(&dir).unwrap();
    directory::add_member(doc, Millis(5), &fake, "假主任", &Role::Staff).unwrap();
    let forged = phone.docs[&dir].get_heads();
    let refused = phone
        .push_everything(dir)
        .await
        .refused_in(dir, "read-only");
    assert_eq!(refused, forged);
    let held = server_copy(&ts, &r, dir, &DocKind::DIRECTORY).await;
    assert!(directory::members(&held).iter().all(|m| m.id != fake));
    ts.stop().await;
}

#[tokio::test]
async fn a_change_that_breaks_a_write_rule_is_refused_alone() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = profile_id(&harness::community(HUQIAN), &a.member);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(id, &DocKind::PROFILE);
    // An honest change and, in the same message, one the rules forbid (the header).
    profile::set_about(doc, &writer(&a), &own(&a), Millis(1), "住 3 栋").unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, "schema", 99)?;
        Ok(())
    })
    .unwrap();
    let forged = phone.docs[&id].get_heads();
    let refused = phone.sync(&[id]).await.refused_in(id, "not allowed");
    assert_eq!(refused, forged, "exactly the forged change");
    let held = server_copy(&ts, &a, id, &DocKind::PROFILE).await;
    assert_eq!(
        about(&held).as_deref(),
        Some("住 3 栋"),
        "the honest one is in"
    );
    assert!(held.get_change_by_hash(&forged[0]).is_none());
    // A peer that keeps the refused change (an automerge-repo peer knows nothing of
    // refusals) and goes on answering is not answered forever: it was thousands of frames
    // a second, both sides asking the other for what neither would give.
    let frames = phone.converse(std::time::Duration::from_secs(2)).await;
    assert!(frames < 10, "{frames} frames after the refusal");
    // And it still hears what the server takes from elsewhere.
    let mut tablet = Peer::connect(ts.addr, HUQIAN, &ts.add_device(&a))
        .await
        .unwrap();
    tablet.doc(id, &DocKind::PROFILE);
    assert_eq!(tablet.sync(&[id]).await, Outcome::InStep);
    let doc = tablet.docs.get_mut(&id).unwrap();
    profile::add_skill(doc, &writer(&a), &own(&a), Millis(3), "s1", "修自行车").unwrap();
    let skill = doc.get_heads()[0];
    assert_eq!(tablet.sync(&[id]).await, Outcome::InStep);
    let frames = phone.converse(std::time::Duration::from_secs(2)).await;
    assert!(phone.docs[&id].get_change_by_hash(&skill).is_some());
    assert!(frames < 10, "{frames} frames after the tablet's change");
    ts.stop().await;
}

#[tokio::test]
async fn another_members_profile_is_read_only() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let b = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let id = profile_id(&harness::community(HUQIAN), &a.member);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(id, &DocKind::PROFILE);
    profile::set_about(doc, &writer(&a), &own(&a), Millis(1), "住 3 栋").unwrap();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);

    let mut other = Peer::connect(ts.addr, HUQIAN, &b).await.unwrap();
    other.doc(id, &DocKind::PROFILE);
    assert_eq!(other.sync(&[id]).await, Outcome::InStep);
    assert_eq!(about(&other.docs[&id]).as_deref(), Some("住 3 栋"));
    let fields = linli_core::read::map_at(&other.docs[&id], &ROOT, "fields").unwrap();
    other
        .docs
        .get_mut(&id)
        .unwrap()
        .transact::<_, _, AutomergeError>(|tx| {
            tx.put(&fields, "about", "改了")?;
            Ok(())
        })
        .unwrap();
    // An honest app sends nothing to a read-only document; a doctored one is refused.
    other.push_everything(id).await.refused_in(id, "read-only");
    let held = server_copy(&ts, &a, id, &DocKind::PROFILE).await;
    assert_eq!(about(&held).as_deref(), Some("住 3 栋"));
    ts.stop().await;
}

/// A change by an actor bound to another member is not taken, and not named either: an
/// honest device relaying a neighbour's changes (after a server restore) would otherwise set
/// its neighbour's work aside. The connection stays open for everything else.
#[tokio::test]
async fn an_actor_bound_to_one_member_is_dropped_unnamed_from_another() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let b = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let c = harness::community(HUQIAN);
    let (pa, pb) = (profile_id(&c, &a.member), profile_id(&c, &b.member));

    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(pa, &DocKind::PROFILE);
    profile::set_about(doc, &writer(&a), &own(&a), Millis(1), "王").unwrap();
    let actor = doc.get_actor().clone();
    assert_eq!(phone.sync(&[pa]).await, Outcome::InStep);

    // B writes their own profile, but with A's actor id.
    let mut other = Peer::connect(ts.addr, HUQIAN, &b).await.unwrap();
    let doc = other.doc(pb, &DocKind::PROFILE);
    doc.set_actor(actor);
    profile::set_about(doc, &writer(&b), &own(&b), Millis(2), "李").unwrap();
    // Never in step, never refused: the server waits for the change's own author.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(3), other.sync(&[pb])).await;
    assert!(answer.is_err(), "{answer:?}");
    let held = server_copy(&ts, &b, pb, &DocKind::PROFILE).await;
    assert_eq!(about(&held), None);
    // The same connection syncs another document.
    let dir = directory_id(&c);
    other.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(other.sync(&[dir]).await, Outcome::InStep);
    ts.stop().await;
}

#[tokio::test]
async fn the_server_answers_a_plain_request_without_an_upgrade() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let path = format!("/api/sync/{HUQIAN}?token={}", a.token);
    let (status, body) = http(ts.addr, "GET", &path, "").await;
    assert_eq!(status, 400);
    assert!(body.contains("not_websocket"), "{body}");
    ts.stop().await;
}

/// samod leaves a read-only peer that asks for a document the server lacks without any
/// answer; the server holds every member's documents from the start, so nobody waits.
#[tokio::test]
async fn a_profile_asked_for_before_its_member_synced_arrives_once_they_do() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let b = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let id = profile_id(&harness::community(HUQIAN), &a.member);

    // B asks for A's profile before A's phone ever synced it: an empty profile, in step.
    let mut other = Peer::connect(ts.addr, HUQIAN, &b).await.unwrap();
    other.doc(id, &DocKind::PROFILE);
    assert_eq!(other.sync(&[id]).await, Outcome::InStep);
    assert_eq!(about(&other.docs[&id]), None);

    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(id, &DocKind::PROFILE);
    profile::set_about(doc, &writer(&a), &own(&a), Millis(1), "住 3 栋").unwrap();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);

    // B, still connected, receives it.
    let heads = phone.docs[&id].get_heads();
    assert_eq!(other.wait_for(id, &heads).await, Outcome::InStep);
    assert_eq!(about(&other.docs[&id]).as_deref(), Some("住 3 栋"));
    ts.stop().await;
}

/// A map naming a key twice is read differently by different CBOR readers (the door's
/// reader and samod's): refused, so what the door judges is what samod would see.
#[tokio::test]
async fn a_frame_with_a_repeated_key_is_refused() {
    use linli_core::sync::cbor::{encode, Value};
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = directory_id(&harness::community(HUQIAN));
    let t = Value::text;
    let frame = encode(&Value::Map(vec![
        (t("type"), t("ephemeral")),
        (t("documentId"), t(&doc.to_string())),
        (t("senderId"), t(phone.peer_id())),
        (t("targetId"), t(linli_server::SERVER_MEMBER)),
        (t("type"), t("sync")),
        (t("data"), Value::Bytes(vec![0x42])),
    ]));
    match phone.send_raw(frame).await {
        Outcome::Refused(reason) => assert!(reason.contains("unreadable"), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    ts.stop().await;
}

/// An id the server does not know is never claimed over sync: ids the app derives but the
/// server has not learned yet (a future month, a future request's private document) could
/// be squatted that way. Its changes are dropped and nothing is stored.
#[tokio::test]
async fn changes_for_an_unknown_id_are_dropped_not_claimed() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let unknown = linli_core::DocId::derive(&harness::community(HUQIAN), "help", "2099-01");
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(unknown, &DocKind::HELP);
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, "planted", "早占")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(
        phone.push_everything(unknown).await,
        Outcome::Unavailable(unknown)
    );
    let held = ts.srv.fork(unknown).await;
    assert!(held.get_heads().is_empty(), "nothing of it was stored");
    ts.stop().await;
}

/// Staff revoke from the command line, another process: an open connection that writes
/// after that is closed with the reason (once the last check is two seconds old).
#[tokio::test]
async fn a_revoked_member_cannot_keep_writing_on_an_open_connection() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = profile_id(&harness::community(HUQIAN), &a.member);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(id, &DocKind::PROFILE);
    profile::set_about(doc, &writer(&a), &own(&a), Millis(1), "住 3 栋").unwrap();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);

    ts.srv.db.revoke_member(&a.member, ts.srv.now()).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let doc = phone.docs.get_mut(&id).unwrap();
    profile::set_about(doc, &writer(&a), &own(&a), Millis(2), "搬走了").unwrap();
    match phone.sync(&[id]).await {
        Outcome::Refused(reason) => assert!(reason.contains("revoked"), "{reason}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    ts.stop().await;
}

#[tokio::test]
async fn a_revoked_member_stops_receiving_within_seconds() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let b = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let pb = profile_id(&harness::community(HUQIAN), &b.member);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    phone.doc(pb, &DocKind::PROFILE);
    assert_eq!(phone.sync(&[pb]).await, Outcome::InStep);

    ts.srv.db.revoke_member(&a.member, ts.srv.now()).unwrap();
    // The connection ends by itself, without A sending anything, and says why.
    let heard = phone.listen(std::time::Duration::from_secs(5)).await;
    assert!(heard.is_none(), "still open 5 s after revocation");

    // What B writes afterwards never reaches A's device.
    let mut other = Peer::connect(ts.addr, HUQIAN, &b).await.unwrap();
    let doc = other.doc(pb, &DocKind::PROFILE);
    profile::set_about(doc, &writer(&b), &own(&b), Millis(1), "新住户").unwrap();
    assert_eq!(other.sync(&[pb]).await, Outcome::InStep);
    assert_eq!(about(&phone.docs[&pb]), None);
    ts.stop().await;
}

#[tokio::test]
async fn a_role_change_reaches_an_open_connection() {
    let ts = TestServer::start().await;
    let s = ts.join(HUQIAN, Role::Staff, "社区小陈").await;
    let staff = linli_core::access::staff_id(&harness::community(HUQIAN));
    let mut desk = Peer::connect(ts.addr, HUQIAN, &s).await.unwrap();
    desk.doc(staff, &DocKind::STAFF);
    assert_eq!(desk.sync(&[staff]).await, Outcome::InStep);

    ts.srv.db.set_role(&s.member, &Role::Resident).unwrap();
    // The server ends the connection within seconds, so the device comes back ...
    let heard = desk.listen(std::time::Duration::from_secs(5)).await;
    assert!(heard.is_none(), "still open 5 s after the role changed");
    // ... and is then shared what a resident sees: not the staff document.
    let mut again = Peer::connect(ts.addr, HUQIAN, &s).await.unwrap();
    again.doc(staff, &DocKind::STAFF);
    assert_eq!(again.sync(&[staff]).await, Outcome::Unavailable(staff));
    ts.stop().await;
}
