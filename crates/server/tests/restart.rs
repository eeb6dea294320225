//! A change the server has acknowledged survives `kill -9`: the real binary, killed with
//! SIGKILL mid-flight, restarted on the same data directory.

#[path = "sync/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{http, Outcome, Peer};
use linli_core::access::profile_id;
use linli_core::doc::Writer;
use linli_core::rules::DocContext;
use linli_core::{profile, CommunityId, DocKind, MemberId, Millis, Role};
use linli_server::db::Joined;
use linli_server::testdir::TestDir;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_linli-server");

struct Running {
    child: Child,
    addr: SocketAddr,
    codes: Vec<(String, String)>,
}

impl Running {
    /// SIGKILL: no signal handler runs, nothing is flushed.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

// The child is reaped by `Running`'s drop, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn serve(data: &std::path::Path, dist: &std::path::Path) -> Running {
    let mut child = Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args(["serve", "--addr", "127.0.0.1:0", "--dist"])
        .arg(dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut codes = Vec::new();
    loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Linli is running at http://") {
            let addr = rest.trim_end_matches('/').parse().unwrap();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Running { child, addr, codes };
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [role, code, _link] = words[..] {
            codes.push((role.to_owned(), code.to_owned()));
        }
    }
}

fn add_device(data: &std::path::Path, member: &MemberId) -> (String, String) {
    let out = Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args(["member", "add-device", member.as_str()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    (field("peer "), field("token "))
}

#[tokio::test]
async fn an_acknowledged_change_survives_sigkill() {
    let data = TestDir::new("restart-data");
    let dist = TestDir::new("restart-dist");
    std::fs::write(dist.path().join("index.html"), "<!doctype html>").unwrap();

    let mut first = serve(data.path(), dist.path());
    let resident = &first.codes.iter().find(|(r, _)| r == "resident").unwrap().1;
    let body = serde_json::json!({ "code": resident, "display_name": "王阿姨" }).to_string();
    let (status, joined) = http(first.addr, "POST", "/api/join", &body).await;
    assert_eq!(status, 200, "{joined}");
    let joined: serde_json::Value = serde_json::from_str(&joined).unwrap();
    let member = MemberId(joined["member"].as_str().unwrap().to_owned());
    let c = CommunityId::parse(joined["community"].as_str().unwrap()).unwrap();
    let me = Joined {
        member: member.clone(),
        peer_id: joined["peer_id"].as_str().unwrap().to_owned(),
        token: joined["token"].as_str().unwrap().to_owned(),
        community: c.clone(),
        role: Role::Resident,
        display_name: "王阿姨".into(),
    };
    let id = profile_id(&c, &member);
    let mut phone = Peer::connect(first.addr, c.as_str(), &me).await.unwrap();

    // The demo seed: a dozen help requests, in every state.
    let month = linli_core::help::doc_id(&c, linli_server::api::now());
    phone.doc(month, &DocKind::HELP);
    assert_eq!(phone.sync(&[month]).await, Outcome::InStep);
    let requests = linli_core::help::requests(&phone.docs[&month]);
    assert_eq!(requests.len(), 12);
    let states: std::collections::BTreeSet<String> = requests
        .iter()
        .map(|r| format!("{:?}", r.status(linli_server::api::now())))
        .collect();
    assert_eq!(states.len(), 7, "{states:?}");

    let doc = phone.doc(id, &DocKind::PROFILE);
    let writer = Writer {
        member: member.clone(),
        role: Role::Resident,
    };
    let ctx = DocContext {
        subject: Some(member.clone()),
    };
    // The device claims a time in 1970; the server records its own.
    profile::set_about(doc, &writer, &ctx, Millis(1), "住 3 栋 2 单元").unwrap();
    let edit = phone.docs[&id].get_heads()[0];
    let sent_at = linli_server::api::now();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);

    // The server's heads hold the change: kill it without a chance to flush anything.
    first.kill();
    drop(phone);

    // The time the change reached the server was on disk before the server said so.
    let receipts = linli_server::db::Db::open(data.path())
        .unwrap()
        .receipts(&id.to_string())
        .unwrap();
    let at = receipts
        .iter()
        .find(|(h, _)| *h == edit.to_string())
        .map(|(_, at)| *at)
        .expect("a receipt time for the acknowledged change");
    assert!(
        at.0 >= sent_at.0 && at.0 <= linli_server::api::now().0,
        "{at:?}"
    );

    let mut second = serve(data.path(), dist.path());
    assert!(
        second.codes.is_empty(),
        "a store with data is not seeded again"
    );
    let (peer_id, token) = add_device(data.path(), &member);
    let tablet = Joined {
        peer_id,
        token,
        ..me.clone()
    };
    let mut fresh = Peer::connect(second.addr, c.as_str(), &tablet)
        .await
        .unwrap();
    fresh.doc(id, &DocKind::PROFILE);
    assert_eq!(fresh.sync(&[id]).await, Outcome::InStep);
    assert_eq!(
        profile::Profile::read(&fresh.docs[&id]).about,
        "住 3 栋 2 单元"
    );
    second.kill();
}

/// Twenty phones write as fast as the server takes their edits, and the server is killed
/// with SIGKILL while their writes wait in the group commit. Every edit a phone saw the
/// server acknowledge (the server's heads reached the phone's) is there after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_in_the_middle_of_a_batch_loses_nothing_acknowledged() {
    const PHONES: usize = 20;
    let data = TestDir::new("batch-kill-data");
    let dist = TestDir::new("batch-kill-dist");
    std::fs::write(dist.path().join("index.html"), "<!doctype html>").unwrap();

    let mut first = serve(data.path(), dist.path());
    let code = first
        .codes
        .iter()
        .find(|(r, _)| r == "resident")
        .unwrap()
        .1
        .clone();
    let mut members = Vec::with_capacity(PHONES);
    for i in 0..PHONES {
        members.push(join(first.addr, &code, &format!("居民{i}")).await);
    }
    let addr = first.addr;
    let writers = members.iter().cloned().map(|me| {
        tokio::spawn(async move {
            let c = me.community.clone();
            let id = profile_id(&c, &me.member);
            let mut phone = Peer::connect(addr, c.as_str(), &me).await.unwrap();
            let writer = Writer {
                member: me.member.clone(),
                role: Role::Resident,
            };
            let ctx = DocContext {
                subject: Some(me.member.clone()),
            };
            let mut acknowledged = Vec::new();
            for n in 0.. {
                let doc = phone.doc(id, &DocKind::PROFILE);
                profile::set_about(doc, &writer, &ctx, Millis(n), &format!("第 {n} 次")).unwrap();
                match phone.sync(&[id]).await {
                    Outcome::InStep => acknowledged = phone.docs[&id].get_heads(),
                    // The kill cut this exchange: the edit was sent, never acknowledged.
                    _ => return (acknowledged, n > 0),
                }
            }
            unreachable!()
        })
    });
    let writers: Vec<_> = writers.collect();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    first.kill();
    let outcomes = futures::future::join_all(writers).await;

    let second = serve(data.path(), dist.path());
    let mut edits = 0;
    for (me, outcome) in members.iter().zip(outcomes) {
        let (acknowledged, wrote) = outcome.unwrap();
        assert!(
            wrote,
            "every phone had an edit acknowledged before the kill"
        );
        let c = me.community.clone();
        let id = profile_id(&c, &me.member);
        let mut phone = Peer::connect(second.addr, c.as_str(), me).await.unwrap();
        phone.doc(id, &DocKind::PROFILE);
        assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
        let stored = &phone.docs[&id];
        for head in &acknowledged {
            assert!(
                stored.get_change_meta_by_hash(head).is_some(),
                "{}: an acknowledged edit is gone",
                me.display_name
            );
        }
        edits += stored.get_changes(&[]).len();
    }
    eprintln!("{PHONES} phones, {edits} changes stored when killed");
}

async fn join(addr: SocketAddr, code: &str, name: &str) -> Joined {
    let body = serde_json::json!({ "code": code, "display_name": name }).to_string();
    let (status, joined) = http(addr, "POST", "/api/join", &body).await;
    assert_eq!(status, 200, "{joined}");
    let joined: serde_json::Value = serde_json::from_str(&joined).unwrap();
    Joined {
        member: MemberId(joined["member"].as_str().unwrap().to_owned()),
        peer_id: joined["peer_id"].as_str().unwrap().to_owned(),
        token: joined["token"].as_str().unwrap().to_owned(),
        community: CommunityId::parse(joined["community"].as_str().unwrap()).unwrap(),
        role: Role::Resident,
        display_name: name.into(),
    }
}
