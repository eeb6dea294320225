//! automerge leaves out of a sync message a change the other side's Bloom filter seems to
//! hold (about one change in a hundred), and sends its children. The server must then ask
//! for the change, as automerge itself would: the door holds the children back from samod,
//! so samod cannot. Unasked, both sides answered each other forever and the device never
//! synced again (seen in CI under load).

use super::*;
use automerge::sync::BloomFilter;
use automerge::{Automerge, Change};

/// A device holding what the server holds of `a`'s profile plus one honest edit whose hash
/// the server's filter claims, found by trying texts.
async fn an_edit_the_server_seems_to_hold(ts: &TestServer, a: &Joined) -> (Automerge, Change) {
    let id = profile_id(&harness::community(HUQIAN), &a.member);
    let held = server_copy(ts, a, id, &DocKind::PROFILE).await;
    let hashes: Vec<_> = held.get_changes(&[]).iter().map(Change::hash).collect();
    // What the server advertises on a fresh sync: every change it holds.
    let bloom = BloomFilter::from_hashes(hashes.iter());
    for i in 0..100_000 {
        let mut doc = held.fork();
        let text = format!("住 {i} 栋");
        profile::set_about(&mut doc, &writer(a), &own(a), Millis(1), &text).unwrap();
        let edit = doc.get_changes(&hashes).pop().unwrap();
        if bloom.contains_hash(&edit.hash()) {
            return (doc, edit);
        }
    }
    panic!("no edit collides with the filter");
}

#[tokio::test]
async fn an_honest_change_the_servers_filter_seems_to_hold_is_asked_for() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = profile_id(&harness::community(HUQIAN), &a.member);
    let (mut doc, edit) = an_edit_the_server_seems_to_hold(&ts, &a).await;
    profile::add_skill(&mut doc, &writer(&a), &own(&a), Millis(2), "s1", "修自行车").unwrap();
    let heads = doc.get_heads();
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    phone.docs.insert(id, doc);
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    let held = server_copy(&ts, &a, id, &DocKind::PROFILE).await;
    assert_eq!(held.get_heads(), heads);
    assert!(held.get_change_by_hash(&edit.hash()).is_some());
    ts.stop().await;
}

#[tokio::test]
async fn a_forged_change_on_one_the_filter_seems_to_hold_is_refused_alone() {
    let ts = TestServer::start().await;
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = profile_id(&harness::community(HUQIAN), &a.member);
    let (mut doc, edit) = an_edit_the_server_seems_to_hold(&ts, &a).await;
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, "schema", 99)?;
        Ok(())
    })
    .unwrap();
    let forged = doc.get_heads();
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    phone.docs.insert(id, doc);
    let refused = phone.sync(&[id]).await.refused_in(id, "not allowed");
    assert_eq!(refused, forged, "exactly the forged change");
    let held = server_copy(&ts, &a, id, &DocKind::PROFILE).await;
    assert!(
        held.get_change_by_hash(&edit.hash()).is_some(),
        "the honest one is in"
    );
    assert!(held.get_change_by_hash(&forged[0]).is_none());
    ts.stop().await;
}
