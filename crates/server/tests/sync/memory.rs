//! Documents nobody uses leave the server's memory and come back from storage when asked
//! for, with everything written to them; a document a device is syncing stays, and hears
//! the server's later writes.

use crate::harness::*;
use crate::writer;
use linli_core::access::{directory_id, profile_id};
use linli_core::{profile, DocKind, Millis, Role};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_documents_leave_memory_and_come_back_whole() {
    let ts = TestServer::start().await;
    let mut members = Vec::new();
    for i in 0..20 {
        members.push(ts.join(HUQIAN, Role::Resident, &format!("邻居{i}")).await);
    }
    // Each member's phone writes its profile once, then goes away.
    for who in &members {
        let mine = profile_id(&community(HUQIAN), &who.member);
        let mut p = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
        profile::set_about(
            p.doc(mine, &DocKind::PROFILE),
            &writer(who),
            &crate::own(who),
            Millis(1),
            &format!("我是{}", who.member.as_str()),
        )
        .unwrap();
        assert_eq!(p.sync(&[mine]).await, Outcome::InStep);
    }
    // One device stays, syncing the directory.
    let stays = ts.join(HUQIAN, Role::Resident, "一直在线").await;
    let dir = directory_id(&community(HUQIAN));
    let mut online = Peer::connect(ts.addr, HUQIAN, &stays).await.unwrap();
    online.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(online.sync(&[dir]).await, Outcome::InStep);

    let loaded = ts.srv.loaded_documents();
    assert!(loaded > members.len(), "{loaded} loaded");
    // Sockets close a moment after the phones drop them: sweep until the server saw it.
    let mut unloaded = 0;
    for _ in 0..50 {
        unloaded += ts.srv.unload_idle(Duration::ZERO);
        if ts.srv.loaded_documents() <= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(unloaded >= members.len(), "{unloaded} unloaded");
    assert_eq!(
        ts.srv.loaded_documents(),
        1,
        "only the directory a device is syncing stays"
    );

    // The server writes to the directory: the device still syncing it hears of it.
    let late = ts.join(HUQIAN, Role::Resident, "新来的").await;
    let heard = online.listen(Duration::from_secs(3)).await.unwrap();
    assert!(!heard.is_empty(), "the device hears the directory change");
    assert_eq!(
        ts.srv.fork(dir).await.get_heads(),
        online.docs[&dir].get_heads()
    );
    assert!(
        linli_core::directory::members(&online.docs[&dir])
            .iter()
            .any(|m| m.id == late.member),
        "the newcomer is in the device's directory"
    );
    // Every unloaded profile comes back from storage with its write.
    for who in &members {
        let mine = profile_id(&community(HUQIAN), &who.member);
        let about = profile::Profile::read(&ts.srv.fork(mine).await).about;
        assert_eq!(about, format!("我是{}", who.member.as_str()));
    }
    ts.stop().await;
}

/// A peer that says `leave` is closed by samod itself, not by its socket dropping: the
/// documents it joined still hear it is gone, so they leave memory like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_says_leave_lets_its_documents_go() {
    let ts = TestServer::start().await;
    let who = ts.join(HUQIAN, Role::Resident, "告辞了").await;
    let mine = profile_id(&community(HUQIAN), &who.member);
    let mut p = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    profile::set_about(
        p.doc(mine, &DocKind::PROFILE),
        &writer(&who),
        &crate::own(&who),
        Millis(1),
        "再见",
    )
    .unwrap();
    assert_eq!(p.sync(&[mine]).await, Outcome::InStep);
    let leave = linli_core::sync::Wire::Leave {
        sender: p.peer_id().to_owned(),
    };
    assert!(p.send_only(leave.encode()).await);
    for _ in 0..50 {
        ts.srv.unload_idle(Duration::ZERO);
        if ts.srv.loaded_documents() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        ts.srv.loaded_documents(),
        0,
        "the profile it left is unloaded"
    );
    drop(p);
    ts.stop().await;
}
