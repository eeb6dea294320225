//! The limits on what one caller may ask (`linli_server::limits`): guessing invite codes
//! costs the guesser's address and never the community's real code; a member mints only
//! so many documents of their own; made-up document ids are answered at the door, never
//! by samod's hub, and a flood of them closes the connection. Each refusal is in words.

use crate::harness::*;
use linli_core::Role;
use linli_server::limits::{JOIN_FAILURES, JOIN_WINDOW, PERSONAL_DOCS};
use std::time::Duration;

fn join_body(code: &str, name: &str) -> String {
    serde_json::json!({ "code": code, "display_name": name }).to_string()
}

#[tokio::test]
async fn wrong_invite_codes_cost_the_guessers_address_and_never_the_communitys_code() {
    let ts = TestServer::start().await;
    let code = ts
        .srv
        .db
        .create_invite(&community(HUQIAN), &Role::Resident, ts.srv.now())
        .unwrap();
    let guesser = [127, 0, 0, 1];
    for n in 0..JOIN_FAILURES {
        let body = join_body(&format!("WRONG{n:04}"), "猜码的人");
        let (status, _) = http_from(guesser, ts.addr, "POST", "/api/join", &body, None).await;
        assert_eq!(status, 404, "a wrong code is just wrong, at first");
    }
    let (status, body) = http_from(
        guesser,
        ts.addr,
        "POST",
        "/api/join",
        &join_body("WRONG9999", "猜码的人"),
        None,
    )
    .await;
    assert_eq!(status, 429);
    let words: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(words["error"], "too_many_tries");
    assert!(words["zh"].as_str().unwrap().contains("10 分钟"));
    assert!(words["en"].as_str().unwrap().contains("10 minutes"));
    // The guesser's address waits even with the real code…
    let (status, _) = http_from(
        guesser,
        ts.addr,
        "POST",
        "/api/join",
        &join_body(&code, "猜码的人"),
        None,
    )
    .await;
    assert_eq!(status, 429);
    // …while a neighbour elsewhere joins with it at once.
    let (status, _) = http_from(
        [127, 0, 0, 2],
        ts.addr,
        "POST",
        "/api/join",
        &join_body(&code, "新邻居"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    // Once the window has passed, the first address may try again.
    ts.advance(JOIN_WINDOW);
    let (status, _) = http_from(
        guesser,
        ts.addr,
        "POST",
        "/api/join",
        &join_body(&code, "终于加入"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    ts.stop().await;
}

#[tokio::test]
async fn a_member_mints_at_most_a_hundred_documents_of_their_own() {
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    for _ in 0..PERSONAL_DOCS {
        let (status, _) = http_as(ts.addr, "POST", "/api/docs", "", Some(&ann.token)).await;
        assert_eq!(status, 200);
    }
    let (status, body) = http_as(ts.addr, "POST", "/api/docs", "", Some(&ann.token)).await;
    assert_eq!(status, 429);
    let words: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(words["error"], "too_many_docs");
    assert!(!words["zh"].as_str().unwrap().is_empty() && !words["en"].as_str().unwrap().is_empty());
    // Another member is not held to Ann's count.
    let (status, _) = http_as(ts.addr, "POST", "/api/docs", "", Some(&bob.token)).await;
    assert_eq!(status, 200);
    ts.stop().await;
}

/// A request for `doc` from `peer`, as an automerge-repo peer asks for a document it lacks.
fn request(doc: linli_core::DocId, peer: &str) -> Vec<u8> {
    let mut state = automerge::sync::State::new();
    let empty = automerge::Automerge::new();
    let data = automerge::sync::SyncDoc::generate_sync_message(&empty, &mut state)
        .unwrap()
        .encode();
    linli_core::sync::wire::Wire::Request {
        doc,
        sender: peer.to_owned(),
        target: linli_server::SERVER_MEMBER.to_owned(),
        data,
    }
    .encode()
}

#[tokio::test]
async fn made_up_document_ids_are_answered_at_the_door_and_a_flood_of_them_closes_the_connection() {
    let ts = TestServer::start().await;
    let mallory = ts.join(HUQIAN, Role::Resident, "乱问的人").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let made_up = |n: usize| {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&(n as u64).to_be_bytes());
        raw[15] = 0x5a;
        linli_core::DocId(raw)
    };
    let mut m = Peer::connect(ts.addr, HUQIAN, &mallory).await.unwrap();
    let own = m.peer_id().to_owned();
    // One made-up id: unavailable, from the door, and the connection goes on.
    assert_eq!(
        m.send_raw(request(made_up(0), &own)).await,
        Outcome::Unavailable(made_up(0))
    );
    // Another community's directory is known but not hers: unavailable too, and not counted.
    let other = linli_core::access::directory_id(&community(HUAZHONG));
    assert_eq!(
        m.send_raw(request(other, &own)).await,
        Outcome::Unavailable(other)
    );

    // A flood: past the limit the connection is closed, in words.
    for n in 1..=linli_server::limits::UNKNOWN_IDS + 1 {
        if !m.send_only(request(made_up(n), &own)).await {
            break;
        }
    }
    let mut closed = false;
    for _ in 0..40 {
        if m.listen(Duration::from_millis(250)).await.is_none() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the connection stays open past the limit");
    // Meanwhile the server answers, and a neighbour syncs.
    let (status, _) = http(ts.addr, "GET", "/healthz", "").await;
    assert_eq!(status, 200);
    let dir = linli_core::access::directory_id(&community(HUQIAN));
    let mut a = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    a.doc(dir, &linli_core::DocKind::DIRECTORY);
    assert_eq!(a.sync(&[dir]).await, Outcome::InStep);
    ts.stop().await;
}

#[tokio::test]
async fn a_member_holds_so_many_connections_at_once_and_a_closed_one_gives_its_place_back() {
    use linli_server::limits::CONNECTIONS_PER_MEMBER;
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let mut open = Vec::new();
    while open.len() < CONNECTIONS_PER_MEMBER {
        let device = ts.add_device(&ann);
        open.push(Peer::connect(ts.addr, HUQIAN, &device).await.unwrap());
    }
    let tablet = ts.add_device(&ann);
    let refused = Peer::connect(ts.addr, HUQIAN, &tablet)
        .await
        .err()
        .expect("a member's limit");
    assert_eq!(refused.0, 429);
    assert!(refused.1.contains("too_many_connections"), "{}", refused.1);
    // Another member is not held to Ann's count.
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    assert!(Peer::connect(ts.addr, HUQIAN, &bob).await.is_ok());
    // One of Ann's closes: the tablet gets its place.
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        if let Ok(p) = Peer::connect(ts.addr, HUQIAN, &tablet).await {
            again = Some(p);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        again.is_some(),
        "the closed connection's place was never given back"
    );
    ts.stop().await;
}

#[tokio::test]
async fn a_whole_meeting_joins_over_one_address_and_is_never_held_up() {
    let ts = TestServer::start().await;
    let code = ts
        .srv
        .db
        .create_invite(&community(HUQIAN), &Role::Resident, ts.srv.now())
        .unwrap();
    // Thirty residents at the community centre, one Wi-Fi address, one after another.
    for n in 0..30 {
        let body = join_body(&code, &format!("开会的居民{n}"));
        let (status, _) = http(ts.addr, "POST", "/api/join", &body).await;
        assert_eq!(status, 200, "resident {n}");
    }
    // Only failures count: a mistyped code is still just wrong, not "too many tries".
    let (status, _) = http(
        ts.addr,
        "POST",
        "/api/join",
        &join_body("TYPO0000", "打错的人"),
    )
    .await;
    assert_eq!(status, 404);
    ts.stop().await;
}
