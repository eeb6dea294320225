//! What one member's connection can send, honest or not, never stops the server, never
//! speaks for anyone else, and a refused change stops only itself.

use crate::harness::*;
use crate::help::writer;
use automerge::transaction::Transactable;
use automerge::{AutomergeError, ReadDoc};
use linli_core::access::{directory_id, profile_id};
use linli_core::help;
use linli_core::sync::cbor::{self, Value};
use linli_core::sync::Wire;
use linli_core::{profile, DocKind, Millis, Role};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// One `have` whose Bloom filter has one entry and zero bits per entry: automerge 0.12
/// decodes it and then divides by zero when it probes the filter.
const ZERO_BIT_BLOOM: [u8; 10] = [0x42, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x00, 0x07, 0x00];

/// Counts panics on any thread of this process. samod handles each document on a task of
/// its own; in a test build a panic there ends only that task, while the release build
/// aborts the whole server (`panic = "abort"`), so a test must look for the panic itself.
fn panics() -> usize {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            COUNT.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
    COUNT.load(Ordering::SeqCst)
}

/// An ephemeral message as automerge-repo sends one, under whatever sender it names.
fn ephemeral(doc: linli_core::DocId, sender: &str) -> Vec<u8> {
    let t = Value::text;
    cbor::encode(&Value::Map(vec![
        (t("type"), t("ephemeral")),
        (t("senderId"), t(sender)),
        (t("targetId"), t(linli_server::SERVER_MEMBER)),
        (t("documentId"), t(&doc.to_string())),
        (t("count"), Value::Uint(1)),
        (t("sessionId"), t("s-1")),
        (t("data"), Value::Bytes(b"\xa1ahbhi".to_vec())),
    ]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_bytes_and_a_forged_sender_never_stop_the_server_or_reach_anyone() {
    let panicked = panics();
    let ts = TestServer::start().await;
    let mallory = ts.join(HUQIAN, Role::Resident, "捣乱者").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let dir = directory_id(&community(HUQIAN));

    // Ann holds the directory, as every member does, and listens.
    let mut listener = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    listener.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(listener.sync(&[dir]).await, Outcome::InStep);

    let mut m = Peer::connect(ts.addr, HUQIAN, &mallory).await.unwrap();
    m.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(m.sync(&[dir]).await, Outcome::InStep);
    let own = m.peer_id().to_owned();
    let ten_bytes = Wire::Sync {
        doc: dir,
        sender: own.clone(),
        target: linli_server::SERVER_MEMBER.to_owned(),
        data: ZERO_BIT_BLOOM.to_vec(),
    }
    .encode();
    // The same filter after heads the server holds, which leads automerge to probe it
    // when it answers.
    let probed = automerge::sync::Message {
        heads: m.docs[&dir].get_heads(),
        need: vec![],
        have: vec![automerge::sync::Have {
            last_sync: vec![],
            bloom: automerge::sync::BloomFilter::try_from(&[1u8, 0, 7][..]).unwrap(),
        }],
        changes: automerge::sync::ChunkList::empty(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let probed = Wire::Sync {
        doc: dir,
        sender: own.clone(),
        target: linli_server::SERVER_MEMBER.to_owned(),
        data: probed.encode(),
    }
    .encode();
    for frame in [ten_bytes, probed] {
        assert!(m.send_only(frame).await);
        // Mallory hears it was not taken; the connection stays open.
        let told = m
            .listen(Duration::from_millis(500))
            .await
            .expect("still open");
        assert!(
            told.iter().any(
                |w| matches!(w, Wire::Refused { doc, changes, .. } if *doc == dir && changes.is_empty())
            ),
            "{told:?}"
        );
    }
    // Ephemeral messages in the server's name, in Ann's, and in Mallory's own.
    for sender in [
        linli_server::SERVER_MEMBER,
        listener.peer_id(),
        own.as_str(),
    ] {
        assert!(m.send_only(ephemeral(dir, sender)).await);
    }
    // The same frame for a document Mallory cannot read at all.
    let staff = linli_core::access::staff_id(&community(HUQIAN));
    assert!(m.send_only(ephemeral(staff, &own)).await);

    // Ann hears none of it, and her connection is fine.
    let heard = listener
        .listen(Duration::from_millis(1500))
        .await
        .expect("Ann's connection stays open");
    assert!(
        heard
            .iter()
            .all(|w| !matches!(w, Wire::Other { kind, .. } if kind == "ephemeral")),
        "an ephemeral message was relayed: {heard:?}"
    );
    // The server still runs: a third member joins and syncs, and so does Mallory.
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let mut b = Peer::connect(ts.addr, HUQIAN, &bob).await.unwrap();
    b.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(b.sync(&[dir]).await, Outcome::InStep);
    still_writes(&mut m, &mallory).await;
    assert_eq!(panics(), panicked, "something panicked on the way");
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_change_in_one_document_leaves_every_other_document_syncing_both_ways() {
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let tablet = ts.add_device(&ann);
    let c = community(HUQIAN);
    let now = ts.srv.now();
    let help_doc = help::doc_id(&c, now);
    let mine = profile_id(&c, &ann.member);
    let ctx = crate::own(&ann);

    let mut phone = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    phone.doc(help_doc, &DocKind::HELP);
    phone.doc(mine, &DocKind::PROFILE);
    assert_eq!(phone.sync(&[help_doc, mine]).await, Outcome::InStep);

    // Document A: an honest request, then a forged offer in someone else's name.
    let d = phone.docs.get_mut(&help_doc).unwrap();
    help::post_request(d, &writer(&ann), now, "r1", &crate::help::draft()).unwrap();
    let honest = d.get_heads();
    let requests = linli_core::read::map_at(d, &automerge::ROOT, "requests").unwrap();
    let rec = linli_core::read::map_at(d, &requests, "r1").unwrap();
    let offers = linli_core::read::map_at(d, &rec, "offers").unwrap();
    d.transact::<_, _, AutomergeError>(|tx| {
        tx.put(&offers, "m_someone_else", "冒名")?;
        Ok(())
    })
    .unwrap();
    let forged = d.get_heads();
    // Document B: an honest edit in the same round.
    profile::set_about(
        phone.doc(mine, &DocKind::PROFILE),
        &writer(&ann),
        &ctx,
        Millis(1),
        "住 3 栋",
    )
    .unwrap();

    let refused = phone
        .sync(&[help_doc, mine])
        .await
        .refused_in(help_doc, "not allowed");
    assert_eq!(refused, forged);
    assert_eq!(phone.settle(&[mine]).await, Outcome::InStep, "B went up");

    // B comes down on the same connection: the tablet edits the profile.
    let mut t = Peer::connect(ts.addr, HUQIAN, &tablet).await.unwrap();
    t.doc(mine, &DocKind::PROFILE);
    assert_eq!(t.sync(&[mine]).await, Outcome::InStep);
    profile::set_about(
        t.docs.get_mut(&mine).unwrap(),
        &writer(&ann),
        &ctx,
        Millis(2),
        "住 5 栋",
    )
    .unwrap();
    let heads = t.docs[&mine].get_heads();
    assert_eq!(t.sync(&[mine]).await, Outcome::InStep);
    assert_eq!(
        phone.wait_for(mine, &heads).await,
        Outcome::InStep,
        "B came down"
    );

    // The server kept A's honest request and nothing of the forgery.
    let mut fresh = Peer::connect(ts.addr, HUQIAN, &ts.add_device(&ann))
        .await
        .unwrap();
    fresh.doc(help_doc, &DocKind::HELP);
    assert_eq!(fresh.sync(&[help_doc]).await, Outcome::InStep);
    let held = &fresh.docs[&help_doc];
    assert!(held.get_change_by_hash(&honest[0]).is_some());
    assert!(held.get_change_by_hash(&forged[0]).is_none());
    ts.stop().await;
}

/// A sync message of `mine` carrying `chunks` as its changes.
fn carrying(p: &Peer, mine: linli_core::DocId, chunks: Vec<Vec<u8>>) -> Vec<u8> {
    let msg = automerge::sync::Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: chunks.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    Wire::Sync {
        doc: mine,
        sender: p.peer_id().to_owned(),
        target: linli_server::SERVER_MEMBER.to_owned(),
        data: msg.encode(),
    }
    .encode()
}

/// 256 MB of zeros deflate to a quarter of a megabyte: automerge would inflate all of it
/// (the server's memory went from 156 to 623 MB for 200 MB). The door measures it first,
/// inflating into a counter no further than its budget, and refuses it in words; the
/// connection stays open and a neighbour syncs meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_that_inflates_past_the_budget_is_refused_before_automerge_reads_it() {
    let bomb = linli_core::sync::inflate::compressed_chunk(&vec![0u8; 256 << 20]);
    assert!(bomb.len() < 300 << 10, "{}", bomb.len());
    refused_as_too_large_and_life_goes_on("炸弹客", bomb).await;
}

/// Sends `chunk` as a change of the sender's profile: it is refused as too large, in words,
/// the connection goes on (her honest edit is taken) and a neighbour syncs.
async fn refused_as_too_large_and_life_goes_on(name: &str, chunk: Vec<u8>) {
    let (ts, mallory, ann, mine, mut m) = scene(name).await;
    let told = m.send_raw(carrying(&m, mine, vec![chunk])).await;
    assert!(
        matches!(&told, Outcome::ChangesRefused { doc, reason, .. }
            if *doc == mine && reason.contains("too large")),
        "{told:?}"
    );
    still_writes(&mut m, &mallory).await;
    a_neighbour_syncs(&ts, &ann).await;
    ts.stop().await;
}

/// Profile edits by `who`, each its own change, into their device's copy.
fn edits(p: &mut Peer, who: &linli_server::db::Joined, doc: linli_core::DocId, n: usize) {
    let ctx = crate::own(who);
    let d = p.doc(doc, &DocKind::PROFILE);
    for i in 0..n {
        profile::set_about(
            d,
            &writer(who),
            &ctx,
            Millis(i as i64 + 1),
            &format!("第 {i} 次"),
        )
        .unwrap();
    }
}

/// A device back after a long time offline sends more changes in one message than the
/// door judges in a round: each round admits its share and asks for the rest, and the
/// device ends in step with nothing refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_changes_than_a_round_are_judged_over_rounds_and_all_arrive() {
    let ts = TestServer::start().await;
    let who = ts.join(HUQIAN, Role::Resident, "出远门的人").await;
    let mine = profile_id(&community(HUQIAN), &who.member);
    let mut p = Peer::connect(ts.addr, HUQIAN, &who).await.unwrap();
    p.doc(mine, &DocKind::PROFILE);
    assert_eq!(p.sync(&[mine]).await, Outcome::InStep);
    edits(
        &mut p,
        &who,
        mine,
        linli_core::sync::door::MAX_CHANGES * 2 + 50,
    );
    assert_eq!(p.sync(&[mine]).await, Outcome::InStep);
    assert_eq!(
        ts.srv.fork(mine).await.get_heads(),
        p.docs[&mine].get_heads()
    );
    ts.stop().await;
}

/// Judging runs off the async workers within a time budget; a message that overruns it
/// closes its connection in words, while `/healthz` and a neighbour are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_overruns_the_judging_budget_closes_its_connection_in_words() {
    let (ts, mallory, ann, mine, mut m) = scene("慢吞吞").await;
    // A budget no real message fits: 3,000 changes take a good part of a second.
    ts.srv.set_judge_budget(Duration::from_millis(1));
    edits(&mut m, &mallory, mine, 3_000);
    let told = m.push_everything(mine).await;
    assert!(
        matches!(&told, Outcome::Refused(r) if r.contains("too long")),
        "{told:?}"
    );
    ts.srv.set_judge_budget(linli_server::limits::JUDGE_BUDGET);
    a_neighbour_syncs(&ts, &ann).await;
    // Mallory comes back, and with an ordinary budget her edits are taken.
    let mut again = Peer::connect(ts.addr, HUQIAN, &mallory).await.unwrap();
    again.docs.insert(mine, m.docs[&mine].clone());
    assert_eq!(again.sync(&[mine]).await, Outcome::InStep);
    ts.stop().await;
}

/// A flood of frames on one connection is read at the frame rate once its burst is spent:
/// the server stops reading that socket for a while, so the flood slows its sender and no
/// one else. The connection stays open, and once the flood is read her edit is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_frames_is_read_at_the_frame_rate_and_slows_only_its_sender() {
    let (ts, mallory, ann, mine, mut m) = scene("刷屏的人").await;
    assert_eq!(ts.srv.throttled_connections(), 0);

    // Half a second's frames past the burst: small, so nothing but their number counts.
    let flood = linli_server::limits::FRAME_BURST + linli_server::limits::FRAMES_PER_SECOND / 2.0;
    let frame = carrying(&m, mine, vec![]);
    for _ in 0..flood as usize {
        assert!(
            m.send_only(frame.clone()).await,
            "the server kept the connection"
        );
    }
    a_neighbour_syncs(&ts, &ann).await;
    still_writes(&mut m, &mallory).await;
    assert_eq!(
        ts.srv.throttled_connections(),
        1,
        "only the flooding connection"
    );
    ts.stop().await;
}

/// One operation claiming ten million predecessors fits in 30 bytes; automerge would read
/// them all before any rule ran (4.6 s and 1.7 GB, measured by a reviewer outside the
/// tree). The door counts what the change's columns promise and refuses it in words; the
/// connection stays open, her honest edit is taken and a neighbour syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_promising_ten_million_predecessors_is_refused_before_automerge_reads_it() {
    let bomb = linli_core::sync::ops::predecessor_bomb(10_000_000);
    refused_as_too_large_and_life_goes_on("许诺者", bomb).await;
}

/// A 6 MB frame holding one CBOR map of 699,050 keys (the shape that once held a core for
/// 22.6 minutes while no one else's handshake was answered) is refused as unreadable once
/// the map passes the decoder's 65,536 entries: the connection is closed in words, a
/// neighbour syncs meanwhile, and the sender's next connection writes as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_of_a_map_with_seven_hundred_thousand_keys_is_refused_without_reading_it_all() {
    let (ts, mallory, ann, mine, mut m) = scene("大地图").await;
    let keys: u32 = 699_050;
    let mut frame = vec![0xba];
    frame.extend(keys.to_be_bytes());
    for i in 0..keys {
        let key = format!("k{i:06}");
        frame.push(0x60 + key.len() as u8);
        frame.extend(key.as_bytes());
        frame.push(0x00);
    }
    assert!(
        frame.len() > 6_000_000 && frame.len() < 8 << 20,
        "{}",
        frame.len()
    );
    let told = m.send_raw(frame).await;
    assert!(
        matches!(&told, Outcome::Refused(r) if r.contains("unreadable")),
        "{told:?}"
    );
    a_neighbour_syncs(&ts, &ann).await;
    let mut again = Peer::connect(ts.addr, HUQIAN, &mallory).await.unwrap();
    again.docs.insert(mine, m.docs[&mine].clone());
    still_writes(&mut again, &mallory).await;
    ts.stop().await;
}

/// The member's own honest edit is still taken on connection `p`.
async fn still_writes(p: &mut Peer, who: &linli_server::db::Joined) {
    let mine = profile_id(&community(HUQIAN), &who.member);
    profile::set_about(
        p.doc(mine, &DocKind::PROFILE),
        &writer(who),
        &crate::own(who),
        Millis(1),
        "还在",
    )
    .unwrap();
    assert_eq!(p.sync(&[mine]).await, Outcome::InStep);
}

/// `/healthz` answers and a neighbour's device syncs the directory.
async fn a_neighbour_syncs(ts: &TestServer, who: &linli_server::db::Joined) {
    let (status, _) = http(ts.addr, "GET", "/healthz", "").await;
    assert_eq!(status, 200);
    let dir = directory_id(&community(HUQIAN));
    let mut a = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
    a.doc(dir, &DocKind::DIRECTORY);
    assert_eq!(a.sync(&[dir]).await, Outcome::InStep);
}

/// A megabyte of text inserted in one change is a million operations in under 64 KB: automerge
/// would hold every one while the rules judged it (3 s and 105 MB of the server's memory,
/// measured before the count). The door counts them from the change's columns and refuses
/// it in words before automerge loads it; the connection stays open, her honest edit is
/// taken and a neighbour syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_a_million_operations_is_refused_before_automerge_loads_it() {
    use automerge::transaction::Transactable;
    let (ts, mallory, ann, mine, mut m) = scene("长篇大论").await;
    // Her own actor, already bound to her: only the size is wrong.
    still_writes(&mut m, &mallory).await;
    let honest = m.docs[&mine].clone();
    let d = m.doc(mine, &DocKind::PROFILE);
    let mut tx = d.transaction();
    let essay = tx
        .put_object(automerge::ROOT, "essay", automerge::ObjType::Text)
        .unwrap();
    tx.splice_text(&essay, 0, 0, &"长".repeat(1 << 20)).unwrap();
    tx.commit();
    let told = m.push_everything(mine).await;
    assert!(
        matches!(&told, Outcome::ChangesRefused { doc, reason, .. }
            if *doc == mine && reason.contains("too large")),
        "{told:?}"
    );
    m.docs.insert(mine, honest);
    still_writes(&mut m, &mallory).await;
    a_neighbour_syncs(&ts, &ann).await;
    ts.stop().await;
}
