//! Sync figures on loopback, with the door (write rules, actor binding, write-ahead) on:
//! - catch-up: time and bytes for a device to send 1,000 changes it made offline, and for
//!   another device of the same member, offline meanwhile, to receive them;
//! - throughput: changes per second the server takes from 100 concurrent clients, each
//!   writing its member's profile and waiting until the server acknowledged every change.
//!
//! `cargo bench -p linli-server --bench sync_load`: the bench profile builds at the server's
//! opt-level 3 (the workspace's Cargo.toml), not the wasm's size-optimised release profile.
//! A benchmark prints; it asserts nothing about time.

#[path = "../tests/sync/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{community, Outcome, Peer, TestServer, HUQIAN};
use linli_core::access::profile_id;
use linli_core::doc::Writer;
use linli_core::rules::DocContext;
use linli_core::{profile, DocKind, Millis, Role};
use linli_server::db::Joined;
use std::time::Instant;

const OFFLINE_CHANGES: usize = 1_000;
const CLIENTS: usize = 100;
const CHANGES_PER_CLIENT: usize = 20;

fn writer(j: &Joined) -> (Writer, DocContext) {
    (
        Writer {
            member: j.member.clone(),
            role: j.role.clone(),
        },
        DocContext {
            subject: Some(j.member.clone()),
        },
    )
}

async fn catch_up(ts: &TestServer) {
    let a = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let tablet = ts.add_device(&a);
    let id = profile_id(&community(HUQIAN), &a.member);
    let (w, ctx) = writer(&a);

    // The tablet holds the profile as it was, then goes offline.
    let mut t = Peer::connect(ts.addr, HUQIAN, &tablet).await.unwrap();
    t.doc(id, &DocKind::PROFILE);
    assert_eq!(t.sync(&[id]).await, Outcome::InStep);
    let saved = t.docs.clone();
    drop(t);

    // The phone makes 1,000 changes with no signal, then syncs.
    let mut phone = Peer::connect(ts.addr, HUQIAN, &a).await.unwrap();
    let doc = phone.doc(id, &DocKind::PROFILE);
    for i in 0..OFFLINE_CHANGES {
        profile::set_about(doc, &w, &ctx, Millis(i as i64), &format!("第 {i} 次修改")).unwrap();
    }
    let start = Instant::now();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    let up = start.elapsed();
    println!(
        "catch-up, sending {OFFLINE_CHANGES} offline changes: {:.1} ms, {} bytes up, {} bytes down",
        up.as_secs_f64() * 1e3,
        phone.sent,
        phone.received
    );

    // The tablet comes back and receives them.
    let mut t = Peer::connect_with(ts.addr, HUQIAN, &tablet.token, &tablet.peer_id, saved)
        .await
        .unwrap();
    let start = Instant::now();
    assert_eq!(t.sync(&[id]).await, Outcome::InStep);
    let down = start.elapsed();
    assert_eq!(t.docs[&id].get_heads(), phone.docs[&id].get_heads());
    println!(
        "catch-up, receiving {OFFLINE_CHANGES} changes made while offline: {:.1} ms, {} bytes down, {} bytes up",
        down.as_secs_f64() * 1e3,
        t.received,
        t.sent
    );
}

async fn throughput(ts: &TestServer) {
    let mut members = Vec::new();
    for i in 0..CLIENTS {
        members.push(ts.join(HUQIAN, Role::Resident, &format!("邻居{i}")).await);
    }
    let mut peers = Vec::new();
    for m in &members {
        peers.push((Peer::connect(ts.addr, HUQIAN, m).await.unwrap(), m.clone()));
    }
    let start = Instant::now();
    let tasks: Vec<_> = peers
        .into_iter()
        .map(|(mut p, m)| {
            tokio::spawn(async move {
                let id = profile_id(&community(HUQIAN), &m.member);
                let (w, ctx) = writer(&m);
                for i in 0..CHANGES_PER_CLIENT {
                    let doc = p.doc(id, &DocKind::PROFILE);
                    profile::add_skill(doc, &w, &ctx, Millis(i as i64), &format!("s{i}"), "帮忙")
                        .unwrap();
                    assert_eq!(p.sync(&[id]).await, Outcome::InStep);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let total = CLIENTS * CHANGES_PER_CLIENT;
    println!(
        "throughput: {CLIENTS} clients × {CHANGES_PER_CLIENT} changes, each acknowledged: {total} changes in {:.2} s = {:.0} changes/s",
        secs,
        total as f64 / secs
    );
}

fn main() {
    // `cargo test --benches` runs this binary too; only a real `cargo bench` measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let ts = TestServer::start().await;
        catch_up(&ts).await;
        throughput(&ts).await;
        ts.stop().await;
    });
}
