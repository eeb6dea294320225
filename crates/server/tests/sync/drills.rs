//! Fault drills that end with nothing lost: a phone back after a week offline to a server
//! that restarted meanwhile, and a whole community's phones reconnecting in one second.

use crate::harness::*;
use crate::help::{draft, writer};
use linli_core::access::{directory_id, profile_id};
use linli_core::help;
use linli_core::schema::genesis;
use linli_core::{profile, DocKind, Millis, Role};

/// A grid worker's week with no signal: 1,000 changes over three documents (this month's
/// and last month's help, and the profile), while the server restarted. On reconnecting,
/// every change reaches the server and a second device, and none is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_week_offline_with_a_thousand_changes_reaches_a_restarted_server_whole() {
    let ts = TestServer::start().await;
    let who = ts.join(HUQIAN, Role::Resident, "老周").await;
    let now = ts.srv.now();
    let this_month = help::doc_id(&community(HUQIAN), now);
    let last_month = help::doc_id(&community(HUQIAN), Millis(now.0 - 31 * Millis::DAY));
    let mine = profile_id(&community(HUQIAN), &who.member);
    let docs = [this_month, last_month, mine];
    let mut phone = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    phone.doc(this_month, &DocKind::HELP);
    phone.doc(last_month, &DocKind::HELP);
    phone.doc(mine, &DocKind::PROFILE);
    assert_eq!(phone.sync(&docs).await, Outcome::InStep);
    let before: usize = docs
        .iter()
        .map(|d| phone.docs[d].get_changes(&[]).len())
        .sum();

    // Offline: the socket is gone, the server goes down and comes back a week later.
    let saved = phone.docs.clone();
    drop(phone);
    let ts = ts.restart(7).await;
    let mut offline = saved;
    let ctx = crate::own(&who);
    for i in 0..400 {
        for (doc, n) in [(this_month, i), (last_month, i + 1_000)] {
            let d = offline.get_mut(&doc).unwrap();
            help::post_request(
                d,
                &writer(&who),
                Millis(now.0 + i),
                &format!("w{n}"),
                &draft(),
            )
            .unwrap();
        }
    }
    for i in 0..200 {
        let d = offline.get_mut(&mine).unwrap();
        profile::set_about(
            d,
            &writer(&who),
            &ctx,
            Millis(now.0 + i),
            &format!("第 {i} 天"),
        )
        .unwrap();
    }
    let after: usize = docs.iter().map(|d| offline[d].get_changes(&[]).len()).sum();
    assert_eq!(after - before, 1_000);

    let mut phone = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    phone.docs = offline;
    assert_eq!(phone.sync(&docs).await, Outcome::InStep);
    for d in &docs {
        assert_eq!(ts.srv.fork(*d).await.get_heads(), phone.docs[d].get_heads());
    }
    // A second device of the member's gets all of it from the server.
    let tablet = ts.add_device(&who);
    let mut t = Peer::connect(ts.addr, HUQIAN, &tablet).await.unwrap();
    t.doc(this_month, &DocKind::HELP);
    t.doc(last_month, &DocKind::HELP);
    t.doc(mine, &DocKind::PROFILE);
    assert_eq!(t.sync(&docs).await, Outcome::InStep);
    for d in &docs {
        assert_eq!(t.docs[d].get_heads(), phone.docs[d].get_heads());
    }
    ts.stop().await;
}

/// Three hundred phones opening the app for the first time in the same second (a meeting's
/// sign-up): each fetches the whole directory and syncs its own profile edit; every one ends
/// in step, none refused or closed, none left without an answer for 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_new_phones_at_once_all_end_in_step() {
    phones_at_once(300, Held::Nothing).await;
}

/// After a power cut, a community's phones reconnect in the same second, each holding the
/// directory as it last synced it and one profile edit made meanwhile: every one ends in
/// step, none refused or closed, none left without an answer for 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_phones_reconnecting_at_once_all_end_in_step() {
    phones_at_once(300, Held::LastSync).await;
}

/// What each phone holds before it connects.
#[derive(Clone, Copy)]
enum Held {
    Nothing,
    /// The directory and its profile as they stood when it last synced.
    LastSync,
}

async fn phones_at_once(phones: usize, held: Held) {
    let ts = TestServer::start().await;
    let mut members = Vec::with_capacity(phones);
    for i in 0..phones {
        members.push(ts.join(HUQIAN, Role::Resident, &format!("居民{i}")).await);
    }
    let dir = directory_id(&community(HUQIAN));
    let mut holdings = Vec::with_capacity(phones);
    for who in &members {
        let mine = profile_id(&community(HUQIAN), &who.member);
        holdings.push(match held {
            Held::Nothing => [genesis(&DocKind::DIRECTORY), genesis(&DocKind::PROFILE)],
            Held::LastSync => [ts.srv.fork(dir).await, ts.srv.fork(mine).await],
        });
    }
    let addr = ts.addr;
    let tasks =
        members
            .into_iter()
            .zip(holdings)
            .enumerate()
            .map(|(i, (who, [directory, profile]))| {
                tokio::spawn(async move {
                    let mine = profile_id(&community(HUQIAN), &who.member);
                    let mut p = Peer::connect(addr, HUQIAN, &who)
                        .await
                        .unwrap_or_else(|e| panic!("phone {i} refused: {e:?}"));
                    p.docs.insert(dir, directory);
                    p.docs.insert(mine, profile);
                    profile::set_about(
                        p.doc(mine, &DocKind::PROFILE),
                        &writer(&who),
                        &crate::own(&who),
                        Millis(1),
                        "停电后回来了",
                    )
                    .unwrap();
                    let out = p.sync(&[dir, mine]).await;
                    (out, mine, p.docs[&mine].get_heads())
                })
            });
    let started = std::time::Instant::now();
    let results = futures::future::join_all(tasks).await;
    let mut tally = std::collections::BTreeMap::new();
    for r in &results {
        *tally
            .entry(format!("{:?}", r.as_ref().unwrap().0))
            .or_insert(0) += 1;
    }
    eprintln!("{phones} phones in {:?}: {tally:?}", started.elapsed());
    for (i, r) in results.into_iter().enumerate() {
        let (out, mine, heads) = r.unwrap();
        assert_eq!(out, Outcome::InStep, "phone {i}");
        assert_eq!(ts.srv.fork(mine).await.get_heads(), heads, "phone {i}");
    }
    ts.stop().await;
}

/// A row of the document store damaged while the server was down: the server starts,
/// names the document in its log, serves every other document, and the owner's phone,
/// which kept every change, gives the server its document back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_row_leaves_the_rest_served_and_the_phone_restores_its_document() {
    let ts = TestServer::start().await;
    let who = ts.join(HUQIAN, Role::Resident, "老周").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let mine = profile_id(&community(HUQIAN), &who.member);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    profile::set_about(
        phone.doc(mine, &DocKind::PROFILE),
        &writer(&who),
        &crate::own(&who),
        Millis(1),
        "住 3 栋",
    )
    .unwrap();
    assert_eq!(phone.sync(&[mine]).await, Outcome::InStep);
    let kept = phone.docs.clone();
    drop(phone);

    let ts = ts
        .restart_after(0, |dir| {
            let db = rusqlite::Connection::open(dir.join("documents.sqlite3")).unwrap();
            let damaged = db
                .execute(
                    "UPDATE chunks SET data = x'856f4a83deadbeef00' WHERE key LIKE ?1",
                    [format!("{mine}/%")],
                )
                .unwrap();
            assert!(damaged > 0, "the profile's rows were found");
        })
        .await;
    let dir = directory_id(&community(HUQIAN));
    let mut a = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    a.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(a.sync(&[dir]).await, Outcome::InStep, "the rest is served");

    let mut phone = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    phone.docs = kept;
    assert_eq!(phone.sync(&[mine]).await, Outcome::InStep);
    assert_eq!(
        ts.srv.fork(mine).await.get_heads(),
        phone.docs[&mine].get_heads()
    );
    ts.stop().await;
}

/// The disk fills while a member writes: her message is refused in words and the
/// connection closed, the server acknowledges none of it and keeps serving reads, her
/// phone keeps everything she typed, and once space returns her next connection stores it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_in_words_and_takes_them_once_space_returns() {
    let (ts, who, ann, mine, mut phone) = scene("老周").await;
    let dir = directory_id(&community(HUQIAN));
    let stored = ts.srv.fork(mine).await.get_heads();

    ts.srv.simulate_full_disk(true);
    let ctx = crate::own(&who);
    // More than fits in the pages the store already has (50 notes of 200 characters).
    for i in 0..50 {
        let text = format!("{}{i}", "住 3 栋 2 单元，".repeat(18));
        profile::set_about(
            phone.doc(mine, &DocKind::PROFILE),
            &writer(&who),
            &ctx,
            Millis(i),
            &text,
        )
        .unwrap();
    }
    let typed = phone.docs[&mine].get_heads();
    match phone.sync(&[mine]).await {
        Outcome::Refused(words) => assert!(words.contains("cannot save"), "{words}"),
        other => panic!("expected the connection closed in words, got {other:?}"),
    }
    assert_eq!(
        ts.srv.fork(mine).await.get_heads(),
        stored,
        "nothing of it was taken"
    );
    assert_eq!(
        phone.docs[&mine].get_heads(),
        typed,
        "the phone keeps what was typed"
    );

    // Reads go on meanwhile.
    assert_eq!(http(ts.addr, "GET", "/healthz", "").await.0, 200);
    let mut neighbour = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    neighbour.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(neighbour.sync(&[dir]).await, Outcome::InStep);

    ts.srv.simulate_full_disk(false);
    let kept = phone.docs.clone();
    let mut phone = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    phone.docs = kept;
    assert_eq!(phone.sync(&[mine]).await, Outcome::InStep);
    assert_eq!(ts.srv.fork(mine).await.get_heads(), typed);
    ts.stop().await;
}
