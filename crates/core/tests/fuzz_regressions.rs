//! The fuzz targets' properties, and every input kept for them replayed as a test.
//!
//! `fuzz/` (run by `scripts/fuzz`) drives the four public functions below with libFuzzer;
//! each of its targets includes this very file, so a target and its regression test call
//! the same code. Every file under `tests/fuzz-regressions/<target>/` (a few inputs of the
//! fuzz corpus, and every crash a run found, minimised) is fed to its function here: none
//! may panic, and each property must hold. `seeds()` makes the honest inputs the corpora
//! started from (`cargo run --manifest-path fuzz/Cargo.toml --example seeds`).

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::CommitOptions;
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ObjType, ReadDoc};
use automerge::{ScalarValue, ROOT};
use linli_core::access::{Access, Scope};
use linli_core::doc::Writer;
use linli_core::help::{self, Category, RequestDraft, Urgency};
use linli_core::schema::{genesis, genesis_actor, DocKind};
use linli_core::sync::cbor::{self, Value};
use linli_core::sync::door::{self, Judged, Refusal};
use linli_core::sync::{shape, Wire};
use linli_core::{CommunityId, DocId, MemberId, Millis, Role};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The fixture's clock: every change carries a time from here on, so runs repeat exactly.
const T0: i64 = 1_796_000_000_000;

/// CBOR: no input panics the decoder, and a value it reads encodes to bytes that read back
/// to the same value. Compared by encoding, which is exact for floats (a NaN is not equal
/// to itself; 0.0 equals -0.0).
pub fn cbor(data: &[u8]) {
    let Ok(value) = cbor::decode(data) else {
        return;
    };
    let once = cbor::encode(&value);
    let again = cbor::decode(&once).expect("what the codec writes, it reads");
    assert_eq!(cbor::encode(&again), once, "{value:?}");
}

/// Wire messages: no frame panics the reader, and a message it reads is written to a frame
/// that reads back as the same message, about the same document.
pub fn wire(data: &[u8]) {
    let Ok(msg) = Wire::decode(data) else {
        return;
    };
    let frame = msg.encode();
    assert_eq!(Wire::decode(&frame).as_ref(), Ok(&msg));
    assert!(matches!(cbor::decode(&frame), Ok(Value::Map(_))));
}

/// A sync message as the server takes it: automerge reads it, `shape::check` bounds what
/// automerge trusts, and what passes reaches the server's copy of the document (samod's
/// receive, then its reply, which reads the sender's Bloom filters) without its changes,
/// which the door judges apart. Nothing may panic; what passed is re-encoded as the server
/// forwards it and must read back the same and pass again.
pub fn sync_message(data: &[u8]) {
    sync_message_with(data, false)
}

/// `strict` is kept for the replay test's sake: `shape::check` refuses hash lists out of
/// order or repeated (found here: `fuzz-regressions/sync_message/crash-*`; automerge's
/// `Message::encode` asserts them sorted, and a hash the server holds asked for twice in
/// `need` panics `generate_sync_message`), so no such list reaches automerge either way.
pub fn sync_message_with(data: &[u8], strict: bool) {
    let Ok(msg) = Message::decode(data) else {
        return;
    };
    if shape::check(&msg).is_err() {
        return;
    }
    let ascending = |h: &[ChangeHash]| h.windows(2).all(|w| w[0] < w[1]);
    let in_order = ascending(&msg.heads)
        && ascending(&msg.need)
        && msg.have.iter().all(|h| ascending(&h.last_sync));
    if !in_order && !strict {
        return;
    }
    let kept = Message {
        changes: Vec::<Vec<u8>>::new().into(),
        ..msg
    };
    // Compared by encoding: an empty Bloom filter reads back with automerge's default
    // parameters, whatever the sender wrote for them.
    let bytes = kept.encode();
    let forwarded = Message::decode(&bytes).expect("the forwarded message reads");
    assert_eq!(forwarded.clone().encode(), bytes);
    assert_eq!(shape::check(&forwarded), Ok(()));
    let mut doc = fixture().base.clone();
    let mut state = State::new();
    let _ = doc.receive_sync_message(&mut state, forwarded);
    let _ = doc.generate_sync_message(&mut state);
}

/// The door, on a fork of a real help document with its write rules: nothing panics, what
/// it admits is in the document afterwards and nothing else entered it, what it refuses or
/// drops is not there, no change under another member's actor is taken, and a member who
/// may only read changes nothing.
///
/// A panic inside automerge while the door runs is taken as the server takes it (it runs
/// the door under `catch_unwind` and refuses the message): automerge 0.12 panics on some
/// changes it is sent (`fuzz-regressions/door/crash-automerge-unknown-actor`), which the
/// door cannot prevent. `door_with(.., true)` lets such a panic through.
pub fn door(data: &[u8]) {
    door_with(data, false)
}

pub fn door_with(data: &[u8], strict: bool) {
    let Some(input) = DoorInput::read(data) else {
        return;
    };
    let f = fixture();
    let mut view = f.base.clone();
    let before = view.get_heads();
    let writer = member(input.writer);
    let judged = if strict {
        judge(&mut view, &input)
    } else {
        match tolerating_automerge(|| judge(&mut view, &input)) {
            Some(judged) => judged,
            None => return,
        }
    };
    let after: HashSet<ChangeHash> = view.get_changes(&before).iter().map(|c| c.hash()).collect();
    let j = match judged {
        Ok(j) => j,
        Err(_) => {
            assert_eq!(
                view.get_heads(),
                before,
                "a refused message changed the view"
            );
            return;
        }
    };
    let admitted: HashSet<ChangeHash> = j.changes.iter().map(|c| c.hash()).collect();
    assert_eq!(admitted.len(), j.changes.len(), "a change admitted twice");
    assert_eq!(after, admitted, "the view holds exactly what was admitted");
    for h in j.refused.iter().chain(&j.dropped) {
        assert!(
            !admitted.contains(h),
            "{h} both admitted and refused or dropped"
        );
        assert!(
            view.get_change_by_hash(h).is_none(),
            "{h} refused but in the view"
        );
    }
    let refused: HashSet<&ChangeHash> = j.refused.iter().collect();
    assert_eq!(refused.len(), j.refused.len(), "a change refused twice");
    assert!(j.dropped.iter().all(|h| !refused.contains(h)));
    assert_eq!(j.reason.is_some(), !j.refused.is_empty(), "{j:?}");
    if input.granted != Access::Write {
        assert!(j.changes.is_empty() && j.new_actors.is_empty(), "{j:?}");
    }
    for c in &j.changes {
        let owner = f.bound(c.actor_id());
        assert!(
            owner.is_none() || owner.as_ref() == Some(&writer.member),
            "a change under {:?}'s actor was taken from {}",
            owner,
            writer.member.as_str()
        );
    }
    for a in &j.new_actors {
        assert!(*a != genesis_actor() && f.bound(a).is_none());
        assert!(j.changes.iter().any(|c| c.actor_id() == a));
    }
    // What the server and the app read of an admitted document.
    let _ = help::requests(&view);
    let _ = help::touched(&view, &j.changes);
}

thread_local! {
    static TOLERATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static IN_AUTOMERGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`; `None` if it panicked inside automerge's own code (said nothing of), and any
/// other panic goes on as it would have (the fuzzer's hook reports it).
fn tolerating_automerge<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The registry's automerge, or the copy the build carries (vendor/README.md).
            let in_automerge = info.location().is_some_and(|l| {
                l.file().contains("/automerge-0.") || l.file().contains("vendor/automerge/")
            });
            if in_automerge && TOLERATING.get() {
                IN_AUTOMERGE.set(true);
            } else {
                previous(info)
            }
        }));
    });
    TOLERATING.set(true);
    IN_AUTOMERGE.set(false);
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    TOLERATING.set(false);
    match ran {
        Ok(v) => Some(v),
        Err(_) if IN_AUTOMERGE.take() => None,
        Err(e) => std::panic::resume_unwind(e),
    }
}

/// Runs the door on `view` with the input's chunks, writer and access.
pub fn judge(view: &mut Automerge, input: &DoorInput) -> Result<Judged, Refusal> {
    let f = fixture();
    let chunks: Vec<&[u8]> = input.chunks.iter().map(Vec::as_slice).collect();
    door::admit(
        view,
        &chunks,
        &member(input.writer),
        &f.scope,
        input.granted,
        |a| f.bound(a),
    )
}

/// The members of the fixture: the request's author, the neighbour who offered, a
/// neighbour not yet heard from, and staff. Each writes under an actor bound to them.
const MEMBERS: [(&str, Role, u8); 4] = [
    ("m_ann", Role::Resident, 0xa1),
    ("m_bob", Role::Resident, 0xb2),
    ("m_cai", Role::Resident, 0xc3),
    ("m_sta", Role::Staff, 0xd4),
];
/// An actor no member is bound to yet.
const FRESH: u8 = 0xe5;

fn actor(byte: u8) -> ActorId {
    ActorId::from(&[byte; 16][..])
}

pub struct Fixture {
    /// A help document: genesis, m_ann's request `r1` and m_bob's offer on it.
    pub base: Automerge,
    pub scope: Scope,
}

impl Fixture {
    fn bound(&self, a: &ActorId) -> Option<MemberId> {
        MEMBERS
            .iter()
            .find(|(_, _, b)| *a == actor(*b))
            .map(|(id, _, _)| MemberId::parse(id).unwrap())
    }
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut base = genesis(&DocKind::HELP);
        let (ann, bob) = (member(0), member(1));
        base.set_actor(actor(MEMBERS[0].2));
        help::post_request(&mut base, &ann, Millis(T0), "r1", &draft()).unwrap();
        base.set_actor(actor(MEMBERS[1].2));
        help::offer(&mut base, &bob, Millis(T0 + 1), "r1", "我下午有空").unwrap();
        Fixture {
            base,
            scope: Scope::Community {
                community: CommunityId::parse("huqian-2").unwrap(),
                kind: DocKind::HELP,
            },
        }
    })
}

/// The `i`-th of `MEMBERS`, writing.
fn member(i: usize) -> Writer {
    let (id, role, _) = &MEMBERS[i % MEMBERS.len()];
    Writer {
        member: MemberId::parse(id).unwrap(),
        role: role.clone(),
    }
}

fn draft() -> RequestDraft {
    RequestDraft {
        category: Category::Errand,
        title: "帮忙取药".into(),
        details: String::new(),
        urgency: Urgency::Normal,
        place: "3 幢".into(),
        needed_by: None,
        expires_in_days: None,
    }
}

/// A door target's input. The first byte: bits 0–1 the writer (`MEMBERS`), bit 2 read-only
/// access, bit 3 checksums set right (raw mode; else few chunks would ever get past
/// automerge's checksum), bit 4 ops mode, bits 5–6 how ops mode packs its changes, bit 7
/// ops mode leaves out its first change (the rest wait for it). Raw mode: up to four
/// chunks, each a little-endian u16 length and its bytes (the last takes what is left).
/// Ops mode: a program of edits on forks of the fixture (`build`), whose changes are sent.
pub struct DoorInput {
    pub writer: usize,
    pub granted: Access,
    pub chunks: Vec<Vec<u8>>,
}

pub const READ_ONLY: u8 = 1 << 2;
pub const FIX_CHECKSUMS: u8 = 1 << 3;
pub const OPS: u8 = 1 << 4;
pub const PACK_BUNDLE: u8 = 1 << 5;
pub const PACK_DOCUMENT: u8 = 2 << 5;
pub const PACK_REVERSED: u8 = 3 << 5;
pub const SKIP_FIRST: u8 = 1 << 7;

impl DoorInput {
    pub fn read(data: &[u8]) -> Option<DoorInput> {
        let (&flags, rest) = data.split_first()?;
        let granted = if flags & READ_ONLY != 0 {
            Access::Read
        } else {
            Access::Write
        };
        let chunks = if flags & OPS != 0 {
            build(flags, rest)
        } else {
            let mut chunks = split(rest);
            if flags & FIX_CHECKSUMS != 0 {
                chunks.iter_mut().for_each(|c| fix_checksums(c));
            }
            chunks
        };
        Some(DoorInput {
            writer: usize::from(flags & 3),
            granted,
            chunks,
        })
    }
}

fn split(mut rest: &[u8]) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    while !rest.is_empty() {
        if chunks.len() == 3 || rest.len() < 2 {
            chunks.push(rest.to_vec());
            break;
        }
        let n = usize::from(u16::from_le_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        chunks.push(rest[2..2 + n].to_vec());
        rest = &rest[2 + n..];
    }
    chunks
}

/// Writes raw-mode chunks (the inverse of `split`).
pub fn join(flags: u8, chunks: &[Vec<u8>]) -> Vec<u8> {
    assert!(chunks.len() <= 4);
    let mut out = vec![flags];
    for (i, c) in chunks.iter().enumerate() {
        if i < 3 {
            out.extend(u16::try_from(c.len()).unwrap().to_le_bytes());
        }
        out.extend_from_slice(c);
    }
    out
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Sets the checksum of every document, change and bundle chunk in `bytes` as automerge
/// computes it: the first four bytes of SHA-256 over the type, the length and the data.
/// (A compressed change's checksum is its inflated change's, left as it is.)
fn fix_checksums(bytes: &mut [u8]) {
    use sha2::{Digest, Sha256};
    let mut at = 0;
    while bytes.len() >= at + 9 && bytes[at..at + 4] == MAGIC {
        let typ = bytes[at + 8];
        let mut len: u64 = 0;
        let mut i = at + 9;
        let mut shift = 0;
        loop {
            let Some(&b) = bytes.get(i) else { return };
            i += 1;
            len |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            shift += 7;
            if b & 0x80 == 0 || shift > 63 {
                break;
            }
        }
        let Some(end) = usize::try_from(len).ok().and_then(|n| i.checked_add(n)) else {
            return;
        };
        if end > bytes.len() {
            return;
        }
        if typ != 2 {
            let mut header = vec![typ];
            let mut n = len;
            loop {
                let b = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    header.push(b);
                    break;
                }
                header.push(b | 0x80);
            }
            let mut h = Sha256::new();
            h.update(&header);
            h.update(&bytes[i..end]);
            let sum = h.finalize();
            bytes[at + 4..at + 8].copy_from_slice(&sum[..4]);
        }
        at = end;
    }
}

/// Keys an ops program writes under: the help document's own, its members' ids, and a few
/// it has no rule for.
const KEYS: [&str; 28] = [
    "requests",
    "r1",
    "r2",
    "author",
    "created_at",
    "category",
    "title",
    "details",
    "urgency",
    "place",
    "needed_by",
    "expires_at",
    "cancelled_at",
    "confirmed_at",
    "offers",
    "offered_at",
    "withdrawn",
    "done",
    "accepts",
    "hidden",
    "hidden_at",
    "m_ann",
    "m_bob",
    "m_cai",
    "m_sta",
    "schema",
    "kind",
    "x",
];

pub fn key(k: &str) -> u8 {
    KEYS.iter().position(|x| *x == k).unwrap() as u8
}

fn scalar(b: u8) -> ScalarValue {
    match b % 16 {
        0 => "m_ann".into(),
        1 => "m_bob".into(),
        2 => "m_cai".into(),
        3 => "errand".into(),
        4 => "high".into(),
        5 => "帮忙取药".into(),
        6 => "".into(),
        7 => "长".repeat(600).into(),
        8 => ScalarValue::Int(T0),
        9 => ScalarValue::Int(0),
        10 => ScalarValue::Int(-1),
        11 => ScalarValue::Uint(7),
        12 => ScalarValue::F64(1.5),
        13 => ScalarValue::Boolean(true),
        14 => ScalarValue::Null,
        _ => ScalarValue::Timestamp(T0),
    }
}

/// Ops-mode instructions, each followed by its operand byte where it has one.
pub mod op {
    /// Into the map under a key (stays put if there is none).
    pub const DESCEND: u8 = 0;
    /// A key and a value (`scalar`).
    pub const PUT: u8 = 1;
    /// A new map under a key, and into it.
    pub const PUT_MAP: u8 = 2;
    pub const DELETE: u8 = 3;
    /// Ends the change; back to the root.
    pub const COMMIT: u8 = 4;
    /// Ends the change; the next ones under another actor (`MEMBERS`, then a fresh one,
    /// then the genesis actor).
    pub const ACTOR: u8 = 5;
    /// A list or text (odd operand) under a key.
    pub const PUT_SEQ: u8 = 6;
    /// Ends the change; the next ones on a new fork of the fixture, concurrent with these.
    pub const BRANCH: u8 = 7;
}

const MAX_CHANGES: usize = 24;

/// Runs an ops program on forks of the fixture and packs the changes it made (by
/// `flags`) as a device would send them.
fn build(flags: u8, program: &[u8]) -> Vec<Vec<u8>> {
    let f = fixture();
    let base_heads = f.base.get_heads();
    let actors: Vec<ActorId> = MEMBERS
        .iter()
        .map(|m| actor(m.2))
        .chain([actor(FRESH), genesis_actor()])
        .collect();
    let mut who = actor(MEMBERS[usize::from(flags & 3)].2);
    let mut done: Vec<Automerge> = Vec::new();
    let mut doc = f.base.clone();
    let mut bytes = program.iter().copied();
    let mut time = T0 + 10;
    let mut made = 0;
    while made < MAX_CHANGES && bytes.len() > 0 {
        doc.set_actor(who.clone());
        let mut tx = doc.transaction();
        let mut obj: ObjId = ROOT;
        let mut branch = false;
        while let Some(b) = bytes.next() {
            let arg = bytes.next().unwrap_or(0);
            let k = KEYS[usize::from(arg) % KEYS.len()];
            match b % 8 {
                op::DESCEND => {
                    if let Ok(Some((automerge::Value::Object(ObjType::Map), id))) = tx.get(&obj, k)
                    {
                        obj = id;
                    }
                }
                op::PUT => {
                    let v = scalar(bytes.next().unwrap_or(0));
                    let _ = tx.put(&obj, k, v);
                }
                op::PUT_MAP => {
                    if let Ok(id) = tx.put_object(&obj, k, ObjType::Map) {
                        obj = id;
                    }
                }
                op::DELETE => {
                    let _ = tx.delete(&obj, k);
                }
                op::PUT_SEQ => {
                    let t = if arg & 1 == 1 {
                        ObjType::Text
                    } else {
                        ObjType::List
                    };
                    let _ = tx.put_object(&obj, k, t);
                }
                op::COMMIT => break,
                op::ACTOR => {
                    who = actors[usize::from(arg) % actors.len()].clone();
                    break;
                }
                _ => {
                    branch = true;
                    break;
                }
            }
        }
        tx.commit_with(CommitOptions::default().with_time(time));
        made += 1;
        time += 1;
        if branch {
            done.push(std::mem::replace(&mut doc, f.base.clone()));
        }
    }
    let mut all = f.base.clone();
    for mut d in done.into_iter().chain([doc]) {
        let _ = all.merge(&mut d);
    }
    let mut changes: Vec<_> = all.get_changes(&base_heads);
    if flags & SKIP_FIRST != 0 && !changes.is_empty() {
        changes.remove(0);
    }
    let raw = |c: &automerge::Change| c.raw_bytes().to_vec();
    match flags & (3 << 5) {
        PACK_BUNDLE => {
            let hashes: Vec<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
            all.bundle(hashes)
                .map(|b| vec![b.bytes().to_vec()])
                .unwrap_or_default()
        }
        PACK_DOCUMENT => vec![all.save()],
        PACK_REVERSED => changes.iter().rev().map(raw).collect(),
        _ => changes.iter().map(raw).collect(),
    }
}

/// The honest inputs the corpora started from: real frames, real sync messages, real
/// changes made by help's commands, and a few forgeries.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let f = fixture();
    let doc_id = DocId::derive(&CommunityId::parse("huqian-2").unwrap(), "help", "2026-11");

    // Sync messages: a new peer asking, the server answering with the whole document, and
    // the peer's reply after it.
    let mut server = f.base.clone();
    let mut peer = Automerge::new();
    let (mut ss, mut ps) = (State::new(), State::new());
    let mut messages = Vec::new();
    for _ in 0..3 {
        if let Some(m) = peer.generate_sync_message(&mut ps) {
            messages.push(m.clone().encode());
            server.receive_sync_message(&mut ss, m).unwrap();
        }
        if let Some(m) = server.generate_sync_message(&mut ss) {
            messages.push(m.clone().encode());
            peer.receive_sync_message(&mut ps, m).unwrap();
        }
    }
    for (i, m) in messages.iter().enumerate() {
        out.push(("sync_message", format!("seed-sync-{i}"), m.clone()));
    }

    // Wire frames of every kind, one carrying a real sync message.
    let frames = [
        Wire::Join {
            sender: "p-1".into(),
            versions: vec!["1".into()],
        },
        Wire::Peer {
            sender: "linli-server".into(),
            target: "p-1".into(),
            version: "1".into(),
        },
        Wire::Leave {
            sender: "p-1".into(),
        },
        Wire::Request {
            doc: doc_id,
            sender: "p-1".into(),
            target: "linli-server".into(),
            data: messages[0].clone(),
        },
        Wire::Sync {
            doc: doc_id,
            sender: "p-1".into(),
            target: "linli-server".into(),
            data: messages[1].clone(),
        },
        Wire::DocUnavailable {
            doc: doc_id,
            sender: "linli-server".into(),
            target: "p-1".into(),
        },
        Wire::Error {
            message: "无权访问".into(),
        },
        Wire::Refused {
            doc: doc_id,
            sender: "linli-server".into(),
            target: "p-1".into(),
            changes: vec!["ab".repeat(32)],
            zh: "只读".into(),
            en: "read-only".into(),
        },
        Wire::Other {
            kind: "ephemeral".into(),
            doc: Some(doc_id),
        },
    ];
    for (i, m) in frames.iter().enumerate() {
        out.push(("wire", format!("seed-frame-{i}"), m.encode()));
        out.push(("cbor", format!("seed-frame-{i}"), m.encode()));
    }
    // As a JavaScript peer writes: the id as bytes, a float timestamp, indefinite lengths
    // and a half float (RFC 8949, Appendix A).
    let js = Value::Map(vec![
        (Value::text("type"), Value::text("sync")),
        (Value::text("documentId"), Value::Bytes(doc_id.0.to_vec())),
        (Value::text("senderId"), Value::text("p-1")),
        (Value::text("targetId"), Value::text("linli-server")),
        (Value::text("data"), Value::Bytes(messages[0].clone())),
        (Value::text("timestamp"), Value::Float(1.7e12)),
    ]);
    out.push(("wire", "seed-js".into(), cbor::encode(&js)));
    out.push(("cbor", "seed-js".into(), cbor::encode(&js)));
    out.push((
        "cbor",
        "seed-indefinite".into(),
        vec![
            0xbf, 0x61, b'a', 0x5f, 0x42, 1, 2, 0xff, 0x61, b'b', 0x9f, 0xf9, 0x3c, 0x00, 0xfa,
            0x7f, 0xc0, 0, 0, 0x20, 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf6,
            0xf7, 0xf5, 0x7f, 0x61, b'x', 0xff, 0xff, 0xff,
        ],
    ));

    // The door, raw: honest changes of each member, a bundle, a whole document, a change
    // waiting for its parent, and forgeries.
    let honest = |who: usize, edit: &dyn Fn(&mut Automerge, &Writer)| {
        let mut d = f.base.clone();
        d.set_actor(actor(MEMBERS[who].2));
        edit(&mut d, &member(who));
        d.get_changes(&f.base.get_heads())
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>()
    };
    let now = |i: i64| Millis(T0 + 100 + i);
    let raw: Vec<(&str, u8, Vec<Vec<u8>>)> = vec![
        (
            "cai-offers",
            2,
            honest(2, &|d, w| {
                help::offer(d, w, now(0), "r1", "我也可以").unwrap();
            }),
        ),
        (
            "ann-accepts-and-edits",
            0,
            honest(0, &|d, w| {
                let bob = MemberId::parse("m_bob").unwrap();
                help::accept(d, w, now(0), "r1", &bob).unwrap();
                help::extend(d, w, now(1), "r1", 3).unwrap();
            }),
        ),
        (
            "bob-withdraws",
            1,
            honest(1, &|d, w| {
                help::withdraw_offer(d, w, now(0), "r1").unwrap();
            }),
        ),
        (
            "staff-hides",
            3,
            honest(3, &|d, w| {
                help::hide(d, w, now(0), "r1", "重复的求助").unwrap();
            }),
        ),
        (
            "cai-posts",
            2,
            honest(2, &|d, w| {
                help::post_request(d, w, now(0), "r2", &draft()).unwrap();
                help::cancel(d, w, now(1), "r2").unwrap();
            }),
        ),
    ];
    for (name, who, chunks) in &raw {
        let flags = *who | FIX_CHECKSUMS;
        out.push(("door", format!("seed-raw-{name}"), join(flags, chunks)));
    }
    let mut doc = f.base.clone();
    doc.set_actor(actor(MEMBERS[2].2));
    let before = doc.get_heads();
    help::offer(&mut doc, &member(2), now(0), "r1", "一").unwrap();
    help::withdraw_offer(&mut doc, &member(2), now(1), "r1").unwrap();
    let new: Vec<ChangeHash> = doc.get_changes(&before).iter().map(|c| c.hash()).collect();
    let bundle = doc.bundle(new.clone()).unwrap().bytes().to_vec();
    out.push(("door", "seed-raw-bundle".into(), join(2, &[bundle])));
    out.push(("door", "seed-raw-document".into(), join(2, &[doc.save()])));
    let second = doc
        .get_change_by_hash(&new[1])
        .unwrap()
        .raw_bytes()
        .to_vec();
    out.push(("door", "seed-raw-waiting".into(), join(2, &[second])));
    // Read-only, and a forged author under the writer's own actor.
    out.push((
        "door",
        "seed-raw-read-only".into(),
        join(2 | READ_ONLY, &raw[0].2),
    ));

    // The door, ops: a neighbour's offer by hand, a forged author, a write as the genesis
    // actor, under another member's actor, and concurrent edits on two branches.
    use op::*;
    let offer = [
        DESCEND,
        key("requests"),
        DESCEND,
        key("r1"),
        DESCEND,
        key("offers"),
        PUT,
        key("m_cai"),
        5,
        COMMIT,
        0,
        DESCEND,
        key("requests"),
        DESCEND,
        key("r1"),
        DESCEND,
        key("offered_at"),
        PUT,
        key("m_cai"),
        8,
    ];
    let forged = [
        DESCEND,
        key("requests"),
        DESCEND,
        key("r1"),
        PUT,
        key("author"),
        2,
    ];
    let new_record = [
        DESCEND,
        key("requests"),
        PUT_MAP,
        key("r2"),
        PUT,
        key("author"),
        0,
        PUT,
        key("title"),
        5,
        PUT_MAP,
        key("offers"),
    ];
    let mut as_genesis = vec![ACTOR, 5];
    as_genesis.extend([PUT, key("schema"), 9]);
    // m_cai sends an offer under m_bob's actor (dropped), then, on a branch, a forgery
    // under their own (refused).
    let mut as_bob = vec![ACTOR, 1];
    as_bob.extend(offer);
    let mut branches = vec![ACTOR, 2, BRANCH, 0];
    branches.extend(forged);
    let ops: [(&str, u8, Vec<u8>); 8] = [
        ("offer", 2, offer.to_vec()),
        ("offer-bundle", 2 | PACK_BUNDLE, offer.to_vec()),
        ("offer-document", 2 | PACK_DOCUMENT, offer.to_vec()),
        (
            "offer-reversed",
            2 | PACK_REVERSED | SKIP_FIRST,
            offer.to_vec(),
        ),
        ("forged-author", 2, forged.to_vec()),
        ("new-record", 2, new_record.to_vec()),
        ("as-genesis", 0, as_genesis),
        ("as-bob-and-branches", 2, [as_bob, branches].concat()),
    ];
    for (name, flags, program) in ops {
        let mut input = vec![flags | OPS];
        input.extend(program);
        out.push(("door", format!("seed-ops-{name}"), input));
    }
    out
}

/// What a fuzz target calls with its input.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name.
pub const TARGETS: [(&str, Check); 4] = [
    ("cbor", cbor),
    ("wire", wire),
    ("sync_message", sync_message),
    ("door", door),
];

#[cfg(test)]
mod replay {
    use super::*;
    use std::path::PathBuf;

    fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-regressions")
            .join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p, bytes)
            })
            .collect()
    }

    fn replay(target: &str) {
        let check = TARGETS.iter().find(|(t, _)| *t == target).unwrap().1;
        let inputs = inputs(target);
        assert!(!inputs.is_empty(), "no inputs kept for {target}");
        for (path, bytes) in inputs {
            let ran = std::panic::catch_unwind(|| check(&bytes));
            assert!(ran.is_ok(), "{target}: {} failed", path.display());
        }
    }

    #[test]
    fn cbor_inputs() {
        replay("cbor");
    }

    #[test]
    fn wire_inputs() {
        replay("wire");
    }

    #[test]
    fn sync_message_inputs() {
        replay("sync_message");
    }

    #[test]
    fn door_inputs() {
        replay("door");
    }

    #[test]
    fn hash_lists_out_of_order_never_reach_automerge() {
        strictly("sync_message", |b| sync_message_with(b, true));
    }

    #[test]
    #[ignore = "automerge 0.12 panics (op_set2/change/batch.rs:1121, an unwrap in \
                import_ops) on a change naming an actor the document lacks"]
    fn automerge_never_panics_in_the_door() {
        strictly("door", |b| door_with(b, true));
    }

    /// Replays every input of `target` with `check`, naming each that fails.
    fn strictly(target: &str, check: fn(&[u8])) {
        let failed: Vec<String> = inputs(target)
            .into_iter()
            .filter(|(_, bytes)| std::panic::catch_unwind(|| check(bytes)).is_err())
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert!(failed.is_empty(), "failed: {failed:#?}");
    }

    #[test]
    fn every_seed_holds() {
        for (target, name, bytes) in seeds() {
            let check = TARGETS.iter().find(|(t, _)| *t == target).unwrap().1;
            let ran = std::panic::catch_unwind(|| check(&bytes));
            assert!(ran.is_ok(), "{target}: seed {name} failed");
        }
    }

    /// The door's seeds reach its rules: honest changes pass whole, forgeries are refused
    /// by a rule, and a read-only member's changes by access. A fuzz target whose inputs
    /// never got this far would test automerge's parser alone.
    #[test]
    fn door_seeds_reach_the_rules() {
        let verdict = |name: &str| {
            let (_, _, bytes) = seeds()
                .into_iter()
                .find(|(_, n, _)| n == name)
                .unwrap_or_else(|| panic!("no seed {name}"));
            let input = DoorInput::read(&bytes).unwrap();
            judge(&mut fixture().base.clone(), &input).unwrap_or_else(|e| panic!("{name}: {e:?}"))
        };
        for honest in [
            "seed-raw-cai-offers",
            "seed-raw-ann-accepts-and-edits",
            "seed-raw-bob-withdraws",
            "seed-raw-staff-hides",
            "seed-raw-cai-posts",
            "seed-raw-bundle",
            "seed-raw-document",
            "seed-ops-offer",
            "seed-ops-offer-bundle",
            "seed-ops-offer-document",
        ] {
            let j = verdict(honest);
            assert!(!j.changes.is_empty(), "{honest}: {j:?}");
            assert!(
                j.refused.is_empty() && j.dropped.is_empty(),
                "{honest}: {j:?}"
            );
        }
        let waiting = verdict("seed-raw-waiting");
        assert!(waiting.changes.is_empty() && waiting.missing.len() == 1);
        let reversed = verdict("seed-ops-offer-reversed");
        assert!(reversed.changes.is_empty() && !reversed.waiting.is_empty());
        assert_eq!(
            verdict("seed-raw-read-only").reason,
            Some(Refusal::ReadOnly)
        );
        for forged in ["seed-ops-forged-author", "seed-ops-new-record"] {
            let j = verdict(forged);
            assert!(
                matches!(j.reason, Some(Refusal::Rule(_))),
                "{forged}: {j:?}"
            );
        }
        assert_eq!(
            verdict("seed-ops-as-genesis").reason,
            Some(Refusal::FalseGenesis)
        );
        let j = verdict("seed-ops-as-bob-and-branches");
        assert!(!j.dropped.is_empty() && !j.refused.is_empty(), "{j:?}");
    }
}
