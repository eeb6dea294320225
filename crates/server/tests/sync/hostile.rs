//! What one member's connection can send, honest or not, never stops the server, never
//! speaks for anyone else, and a refused change stops only itself.

use crate::harness::*;
use crate::help::writer;
use automerge::transaction::Transactable;
use automerge::{AutomergeError, ReadDoc};
use linli_core::access::{directory_id, profile_id};
use linli_core::help;
use linli_core::rules::DocContext;
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
    let mine = profile_id(&community(HUQIAN), &mallory.member);
    profile::set_about(
        m.doc(mine, &DocKind::PROFILE),
        &writer(&mallory),
        &DocContext {
            subject: Some(mallory.member.clone()),
        },
        Millis(1),
        "还在",
    )
    .unwrap();
    assert_eq!(m.sync(&[mine]).await, Outcome::InStep);
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
    let ctx = DocContext {
        subject: Some(ann.member.clone()),
    };

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
