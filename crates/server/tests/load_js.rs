//! Under load, the server takes every honest change from off-the-shelf automerge-repo peers:
//! fifty members, each with a JavaScript writer device making changes to a document of their
//! own and a watcher device following it, through `interop/load.mjs`. Nothing may be lost,
//! no connection refused or closed.
//!
//! Smaller runs: LINLI_LOAD_WRITERS, LINLI_LOAD_RATE (changes a second per writer) and
//! LINLI_LOAD_SECONDS (how long they write).

#[path = "sync/harness.rs"]
#[allow(dead_code)]
mod harness;

use automerge::{Automerge, ReadDoc, ROOT};
use harness::{http_as, interop_script, ws_url, TestServer, HUQIAN};
use linli_core::{DocId, Role};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

fn env_or(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number")),
        Err(_) => default,
    }
}

/// How many entries a load document's `log` holds.
fn logged(doc: &Automerge) -> usize {
    match doc.get(ROOT, "log") {
        Ok(Some((automerge::Value::Object(_), list))) => doc.length(&list),
        _ => 0,
    }
}

/// How long the script waits, once writing ends, for every watcher to catch up.
const DRAIN_SECONDS: u64 = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_javascript_writers_lose_nothing_and_are_never_refused() {
    let writers = env_or("LINLI_LOAD_WRITERS", 50);
    let rate = env_or("LINLI_LOAD_RATE", 10);
    let seconds = env_or("LINLI_LOAD_SECONDS", 20);
    let script = interop_script("load.mjs");

    let ts = TestServer::start().await;
    let mut entries = Vec::new();
    let mut docs = Vec::new();
    for i in 0..writers {
        let writer = ts.join(HUQIAN, Role::Resident, &format!("居民{i}")).await;
        let watcher = ts.add_device(&writer);
        // A document of the member's own: the server keeps those only under ids it minted.
        let (status, body) = http_as(ts.addr, "POST", "/api/docs", "", Some(&writer.token)).await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        docs.push(DocId::parse(body["doc"].as_str().unwrap()).unwrap());
        entries.push(json!({
            "writerUrl": ws_url(&ts, &writer),
            "writerPeer": writer.peer_id,
            "watcherUrl": ws_url(&ts, &watcher),
            "watcherPeer": watcher.peer_id,
            "docId": body["doc"],
        }));
    }
    let config = json!({
        "writers": entries,
        "rate": rate,
        "seconds": seconds,
        "drainSeconds": DRAIN_SECONDS,
    });

    let mut node = Command::new("node")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    {
        // Dropped at the end of the block: the script reads its config to the end of stdin.
        let mut stdin = node.stdin.take().unwrap();
        stdin.write_all(config.to_string().as_bytes()).unwrap();
    }
    // Read off the runtime's threads: the server runs on them and must answer node meanwhile.
    let stdout = node.stdout.take().unwrap();
    // To the end, not just one line: a pipe closed early would fail node's late writes.
    let reading = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        stdout.take(1 << 20).read_to_string(&mut text).map(|_| text)
    });
    // The script ends by itself; this only keeps a hung node from hanging the test.
    let limit = Duration::from_secs(seconds + DRAIN_SECONDS + 120);
    let text = match tokio::time::timeout(limit, reading).await {
        Ok(read) => read.unwrap().unwrap(),
        Err(_) => {
            let _ = node.kill();
            let _ = node.wait();
            panic!("load.mjs did not finish within {limit:?}");
        }
    };
    let status = tokio::task::spawn_blocking(move || node.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "load.mjs failed: {status}; printed {text:?}"
    );
    // The figures are the script's last line.
    let line = text.lines().last().unwrap_or_default();
    let figures: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("load.mjs printed no JSON ({e}): {text:?}"));

    println!("load.mjs: {figures}");
    for key in [
        "writers",
        "changesMade",
        "changesSeen",
        "lost",
        "errorMessages",
        "otherMessages",
        "closes",
        "seconds",
    ] {
        println!("  {key:>13}: {}", figures[key]);
    }
    if let Some(texts) = figures["errorTexts"].as_object().filter(|t| !t.is_empty()) {
        println!("  error messages from the server:");
        for (text, n) in texts {
            println!("    {n} × {text}");
        }
    }
    // Whether a loss is the server's or only a watcher's: what the server's copies hold.
    let mut held = 0;
    for id in &docs {
        held += logged(&ts.srv.fork(*id).await);
    }
    println!("  server holds: {held} changes");
    ts.stop().await;

    let count = |key: &str| {
        figures[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} missing: {figures}"))
    };
    assert!(count("changesMade") > 0, "no changes were made: {figures}");
    assert_eq!(count("errorMessages"), 0, "the server refused: {figures}");
    assert_eq!(count("closes"), 0, "connections closed: {figures}");
    // A per-document refusal (linli-refused) of an honest change is a refusal too.
    assert_eq!(count("otherMessages"), 0, "the server refused: {figures}");
    assert_eq!(count("lost"), 0, "changes were lost: {figures}");
}
