//! linli-server speaks the protocol any automerge-repo peer speaks: a JavaScript peer
//! (@automerge/automerge-repo with its WebSocket adapter, from npm) and core's Rust client
//! exchange documents through it, both ways.

#[path = "sync/harness.rs"]
#[allow(dead_code)]
mod harness;

use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ReadDoc, ROOT};
use harness::{http_as, interop_script, ws_url, Outcome, Peer, TestServer, HUQIAN};
use linli_core::{DocId, Role};
use linli_server::db::Joined;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn greeting(doc: &Automerge) -> Option<String> {
    match doc.get(ROOT, "greeting").ok()?? {
        (automerge::Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        // automerge-repo writes strings as text objects.
        (automerge::Value::Object(_), id) => doc.text(&id).ok(),
    }
}

/// Syncs `id` from the server until `greeting` shows, reconnecting while the server does
/// not have it yet.
async fn fetch(ts: &TestServer, who: &Joined, id: DocId) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        let mut p = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
        p.docs.insert(id, Automerge::new());
        if p.sync(&[id]).await == Outcome::InStep {
            if let Some(g) = greeting(&p.docs[&id]) {
                return Some(g);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_peer_and_a_rust_peer_exchange_documents() {
    let ts = TestServer::start().await;
    let me = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let laptop = ts.add_device(&me);

    // JavaScript creates, Rust reads.
    let mut node = Command::new("node")
        .arg(interop_script("peer.mjs"))
        .args([
            "create",
            &ws_url(&ts, &laptop),
            &laptop.peer_id,
            "你好，来自 JavaScript",
            &laptop.token,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    // Read off the runtime's thread: the server runs on it and must answer node meanwhile.
    let stdout = node.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let url = line.trim();
    let id = DocId::parse(url.strip_prefix("automerge:").expect("an automerge URL")).unwrap();
    let got = fetch(&ts, &me, id).await;
    drop(node.stdin.take());
    node.wait().unwrap();
    assert_eq!(got.as_deref(), Some("你好，来自 JavaScript"));

    // Rust creates, JavaScript reads.
    let mut doc = Automerge::new();
    doc.transact::<_, _, AutomergeError>(|tx| {
        tx.put(ROOT, "greeting", "你好，来自 Rust")?;
        Ok(())
    })
    .unwrap();
    // A document of one's own: the server mints its id.
    let (status, body) = http_as(ts.addr, "POST", "/api/docs", "", Some(&me.token)).await;
    assert_eq!(status, 200, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = DocId::parse(body["doc"].as_str().unwrap()).unwrap();
    let mut p = Peer::connect(ts.addr, HUQIAN, &me).await.unwrap();
    p.docs.insert(id, doc);
    assert_eq!(p.sync(&[id]).await, Outcome::InStep);
    let args = [
        "read".to_owned(),
        ws_url(&ts, &laptop),
        laptop.peer_id.clone(),
        format!("automerge:{id}"),
    ];
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(interop_script("peer.mjs"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(json["greeting"], "你好，来自 Rust");
    let _ = std::io::stdout().flush();
    ts.stop().await;
}

/// A plain automerge-repo peer knows nothing of linli's refusal message: after a change the
/// server refuses (in the member's own profile, at a path no rule gives them), it hears the
/// refusal, its connection stays, and the next document it makes reaches the server and
/// another device. (Into a document the member only reads, automerge-repo sends no change at
/// all: the server's messages mark it read-only for that peer.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_javascript_peer_goes_on_syncing_after_a_refusal() {
    let ts = TestServer::start().await;
    let me = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let laptop = ts.add_device(&me);
    let profile = linli_core::access::profile_id(&harness::community(HUQIAN), &me.member);
    let mut node = Command::new("node")
        .arg(interop_script("peer.mjs"))
        .args([
            "forge",
            &ws_url(&ts, &laptop),
            &laptop.peer_id,
            "拒绝之后照常同步",
            &laptop.token,
            &format!("automerge:{profile}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let stdout = node.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut out = BufReader::new(stdout);
        let mut lines = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            lines.push(line.trim().to_owned());
        }
        lines
    })
    .await
    .unwrap();
    assert!(lines[0].starts_with("refused "), "{lines:?}");
    assert_ne!(lines[0], "refused 0", "the forged change is named");
    let id = DocId::parse(
        lines[1]
            .strip_prefix("automerge:")
            .expect("an automerge URL"),
    )
    .unwrap();
    let got = fetch(&ts, &me, id).await;
    drop(node.stdin.take());
    node.wait().unwrap();
    assert_eq!(got.as_deref(), Some("拒绝之后照常同步"));
    // The server holds nothing of the forgery.
    let mut p = Peer::connect(ts.addr, HUQIAN, &me).await.unwrap();
    p.doc(profile, &linli_core::DocKind::PROFILE);
    assert_eq!(p.sync(&[profile]).await, Outcome::InStep);
    assert!(p.docs[&profile].get(ROOT, "forged").unwrap().is_none());
    ts.stop().await;
}
