//! The limits on what one caller may ask (`linli_server::limits`): guessing invite codes
//! costs the guesser's address and never the community's real code; a member mints only
//! so many documents of their own. Each refusal is in words, in both languages.

use crate::harness::*;
use linli_core::Role;
use linli_server::limits::{JOIN_FAILURES, JOIN_WINDOW, PERSONAL_DOCS};

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
