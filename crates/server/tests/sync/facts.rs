//! Facts only the server writes, by its own clock: a scheduled fact (a close marker, in the
//! test kit's board) that falls due while the server is down is written when it starts, and
//! each change's first arrival is published where core reads it.

use crate::harness::*;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutomergeError, ReadDoc, ROOT};
use linli_core::testkit::{self, BOARD};
use linli_core::{receipts, Millis, Role};

/// Syncs the board on a fresh connection of `who` until `done` holds of it, asking the
/// server to run its due work in between (as its one-second tick does).
async fn board_until(
    ts: &TestServer,
    who: &linli_server::db::Joined,
    done: impl Fn(&automerge::Automerge) -> bool,
) -> automerge::Automerge {
    let board = testkit::board_id(&community(HUQIAN));
    for _ in 0..50 {
        ts.srv.run_due().await;
        let mut p = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
        p.doc(board, &BOARD);
        assert_eq!(p.sync(&[board]).await, Outcome::InStep);
        if done(&p.docs[&board]) {
            return p.docs[&board].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server never wrote it");
}

#[tokio::test]
async fn a_fact_due_while_the_server_was_down_is_written_when_it_starts() {
    let ts = TestServer::start().await;
    let board = testkit::board_id(&community(HUQIAN));
    let r = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let due = Millis(ts.srv.now().0 + Millis::DAY);
    ts.srv
        .schedule(board, "probe.mark", "close", due)
        .await
        .unwrap();
    assert!(ts
        .srv
        .schedule(board, "no.such.fact", "x", due)
        .await
        .is_err());
    // Not due yet: nothing is written.
    assert_eq!(ts.srv.run_due().await.facts, 0);
    let mut p = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    p.doc(board, &BOARD);
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    assert_eq!(testkit::marked(&p.docs[&board], "close"), None);
    drop(p);

    // Down across the due time; the first thing the new server does is write it.
    let ts = ts.restart(2).await;
    let mut p = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    p.doc(board, &BOARD);
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    let at = testkit::marked(&p.docs[&board], "close").expect("written at start");
    assert!(at >= due, "written at {at:?}, due {due:?}");
    // Written once: the next runs find nothing due.
    assert_eq!(ts.srv.run_due().await.facts, 0);

    // The fact's path is the server's alone: a member's forged mark is refused.
    let doc = p.docs.get_mut(&board).unwrap();
    let marks = linli_core::read::map_at(doc, &ROOT, "marks").unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(&marks, "close", 0)?;
        Ok(())
    })
    .unwrap();
    let refused = p.sync(&[board]).await;
    assert!(
        matches!(refused, Outcome::ChangesRefused { .. }),
        "{refused:?}"
    );
    ts.stop().await;
}

#[tokio::test]
async fn receipt_times_are_the_servers_clock_published_into_the_document() {
    let ts = TestServer::start().await;
    let board = testkit::board_id(&community(HUQIAN));
    let r = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let watcher = ts.join(HUQIAN, Role::Resident, "李大爷").await;
    ts.advance_days(3);
    let mut p = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    p.doc(board, &BOARD);
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    // The device claims its note was written at the epoch.
    let doc = p.docs.get_mut(&board).unwrap();
    let notes = linli_core::read::map_at(doc, &ROOT, "notes").unwrap();
    let mut tx = doc.transaction();
    tx.put(&notes, "n1", "明早八点开会").unwrap();
    let (hash, _) = tx.commit_with(CommitOptions::default().with_time(0));
    let hash = hash.unwrap();
    let before = ts.srv.now();
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    let after = ts.srv.now();

    // Another member's device reads the time the server saw it, not the claim.
    let seen = board_until(&ts, &watcher, |d| receipts::received_at(d, &hash).is_some()).await;
    let at = receipts::received_at(&seen, &hash).unwrap();
    assert!(
        before <= at && at <= after,
        "{at:?} not in {before:?}..{after:?}"
    );
    assert_eq!(seen.get_change_by_hash(&hash).unwrap().timestamp(), 0);
    // The same time the server recorded before it acknowledged.
    let recorded = ts.srv.db.receipts(&board.to_string()).unwrap();
    assert!(recorded.contains(&(hash.to_string(), at)));
    // Published once: a second run writes nothing more.
    assert_eq!(ts.srv.run_due().await.receipts, 0);
    ts.stop().await;
}

/// A module asks for a fact from a change the door admitted (a vote's close at the window
/// staff set): the server keeps it in its schedule and writes it when its clock gets there.
#[tokio::test]
async fn an_admitted_change_schedules_a_fact_the_server_writes_on_time() {
    let ts = TestServer::start().await;
    let board = testkit::board_id(&community(HUQIAN));
    let r = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let mut p = Peer::connect(ts.addr, HUQIAN, &r).await.unwrap();
    p.doc(board, &BOARD);
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    let due = Millis(ts.srv.now().0 + Millis::DAY);
    let doc = p.docs.get_mut(&board).unwrap();
    let notes = linli_core::read::map_at(doc, &ROOT, "notes").unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(&notes, "due:meeting", due.0.to_string())?;
        Ok(())
    })
    .unwrap();
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    assert_eq!(ts.srv.run_due().await.facts, 0, "not due yet");
    ts.advance_days(2);
    let seen = board_until(&ts, &r, |d| testkit::marked(d, "meeting").is_some()).await;
    assert!(testkit::marked(&seen, "meeting").unwrap() >= due);
    ts.stop().await;
}
