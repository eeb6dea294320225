//! The store in a real browser: load, compaction and the damaged-record paths, against
//! Chromium's IndexedDB. Run by `cargo test --target wasm32-unknown-unknown --test store`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::GetUntracked;
use linli::store::{idb, Notice, Store};
use linli_core::doc::Writer;
use linli_core::profile::{self, Profile};
use linli_core::rules::DocContext;
use linli_core::{CommunityId, DocId, DocKind, MemberId, Millis, Role};
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fixture() -> (DocId, Writer, DocContext) {
    let member = MemberId::parse("m1").unwrap();
    let id = DocId::derive(&CommunityId::parse("huqian-2").unwrap(), "profile", "m1");
    (
        id,
        Writer {
            member: member.clone(),
            role: Role::Resident,
        },
        DocContext {
            subject: Some(member),
        },
    )
}

/// A database of its own per test, so tests never see each other's records.
fn db_name(test: &str) -> String {
    format!("linli-test-{test}-{}", js_sys::Math::random())
}

async fn open(name: &str) -> Rc<Store> {
    let store = Store::open(name).await.expect("open store");
    let (id, _, _) = fixture();
    store
        .open_doc(id, DocKind::PROFILE)
        .await
        .expect("open doc");
    store
}

async fn add(store: &Store, label: &str, at: i64) {
    let (id, w, ctx) = fixture();
    store
        .write(id, |d| {
            profile::add_skill(d, &w, &ctx, Millis(at), label, label)
        })
        .await
        .expect("write");
}

fn labels(store: &Store) -> Vec<String> {
    let (id, _, _) = fixture();
    store
        .read(&id, Profile::read)
        .unwrap()
        .skills
        .into_iter()
        .map(|s| s.label)
        .collect()
}

#[wasm_bindgen_test]
async fn writes_are_on_disk_and_load_back_under_a_fresh_actor() {
    let name = db_name("load");
    let (id, _, _) = fixture();
    let first = open(&name).await;
    for (i, l) in ["a", "b", "c"].iter().enumerate() {
        add(&first, l, i as i64).await;
    }
    let stored = idb::read_doc(first.database(), &id.to_string())
        .await
        .unwrap();
    assert_eq!(stored.changes.len(), 3, "one record per change");
    assert!(stored.snapshot.is_none());

    let second = open(&name).await;
    assert_eq!(labels(&second), ["a", "b", "c"]);
    let a1 = first.read(&id, |d| d.get_actor().clone()).unwrap();
    let a2 = second.read(&id, |d| d.get_actor().clone()).unwrap();
    assert_ne!(a1, a2, "each start writes under its own actor id");
    assert_eq!(a2, second.actor(), "a clean load keeps the start's actor");
    assert!(second.notices.get_untracked().is_empty());
}

#[wasm_bindgen_test]
async fn compaction_folds_exactly_the_records_it_holds() {
    let name = db_name("compact");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    for (i, l) in ["a", "b", "c", "d"].iter().enumerate() {
        add(&store, l, i as i64).await;
    }
    store.compact(id).await.unwrap();
    let stored = idb::read_doc(store.database(), &id.to_string())
        .await
        .unwrap();
    assert!(stored.snapshot.is_some());
    assert!(stored.changes.is_empty(), "every folded record is deleted");

    add(&store, "e", 9).await;
    let stored = idb::read_doc(store.database(), &id.to_string())
        .await
        .unwrap();
    assert_eq!(
        stored.changes.len(),
        1,
        "a later change is a record beside the snapshot"
    );

    let again = open(&name).await;
    assert_eq!(labels(&again), ["a", "b", "c", "d", "e"]);
}

#[wasm_bindgen_test]
async fn compaction_keeps_what_another_tab_wrote() {
    let name = db_name("two-tabs");
    let (id, w, ctx) = fixture();
    let tab_a = open(&name).await;
    add(&tab_a, "from-a", 1).await;
    // Another tab wrote and compacted behind A's back (no message reached A): its change
    // lives only in the snapshot now.
    let mut other = linli_core::schema::genesis(&DocKind::PROFILE);
    profile::add_skill(&mut other, &w, &ctx, Millis(2), "from-b", "from-b").unwrap();
    idb::compact(tab_a.database(), &id.to_string(), &other.save(), &[])
        .await
        .unwrap();
    // A's compaction must take that snapshot in, not overwrite it with its own view.
    tab_a.compact(id).await.unwrap();
    let fresh = open(&name).await;
    assert_eq!(labels(&fresh), ["from-a", "from-b"]);
}

#[wasm_bindgen_test]
async fn a_damaged_record_is_set_aside_and_the_rest_loads() {
    let name = db_name("damaged");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    for (i, l) in ["a", "b", "c"].iter().enumerate() {
        add(&store, l, i as i64).await;
    }
    let last = store.read(&id, |d| d.get_heads()[0]).unwrap().to_string();
    let stored = idb::read_doc(store.database(), &id.to_string())
        .await
        .unwrap();
    let (_, bytes) = stored
        .changes
        .iter()
        .find(|(h, _)| *h == last)
        .unwrap()
        .clone();
    let mut broken = bytes.clone();
    let mid = broken.len() / 2;
    broken[mid] ^= 0xff;
    idb::put_changes(store.database(), &id.to_string(), &[(last.clone(), broken)])
        .await
        .unwrap();

    let reopened = Store::open(&name).await.unwrap();
    let actor_at_start = reopened.actor();
    reopened.open_doc(id, DocKind::PROFILE).await.unwrap();
    assert_ne!(
        reopened.actor(),
        actor_at_start,
        "a loss makes the tab take a new actor"
    );
    assert_eq!(
        reopened.read(&id, |d| d.get_actor().clone()).unwrap(),
        reopened.actor()
    );
    assert_eq!(labels(&reopened), ["a", "b"]);
    assert_eq!(
        reopened.notices.get_untracked(),
        vec![Notice::DamagedRecords(1)]
    );
    assert_eq!(
        reopened.set_aside_count().await.unwrap(),
        1,
        "kept aside, not deleted"
    );
    let old_actor = store.read(&id, |d| d.get_actor().clone()).unwrap();

    // The next write still succeeds, under an actor no lost change used.
    add(&reopened, "d", 5).await;
    assert_eq!(labels(&reopened), ["a", "b", "d"]);
    assert_ne!(
        reopened.read(&id, |d| d.get_actor().clone()).unwrap(),
        old_actor
    );
    let clean = open(&name).await;
    assert_eq!(labels(&clean), ["a", "b", "d"]);
    assert!(
        clean.notices.get_untracked().is_empty(),
        "the damage is reported once"
    );
}

#[wasm_bindgen_test]
async fn compaction_never_overwrites_a_snapshot_it_cannot_read() {
    let name = db_name("no-overwrite");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    add(&store, "a", 1).await;
    // Damage appears on disk after the document was opened (another tab, a bad disk).
    idb::compact(store.database(), &id.to_string(), b"not a snapshot", &[])
        .await
        .unwrap();
    assert!(store.compact(id).await.is_err(), "compaction refuses");
    let stored = idb::read_doc(store.database(), &id.to_string())
        .await
        .unwrap();
    assert_eq!(
        stored.snapshot.as_deref(),
        Some(&b"not a snapshot"[..]),
        "left for loading to set aside"
    );
    assert_eq!(stored.changes.len(), 1, "and no record was deleted");
}

#[wasm_bindgen_test]
async fn a_damaged_snapshot_is_refused_loudly() {
    let name = db_name("snapshot");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    add(&store, "a", 1).await;
    store.compact(id).await.unwrap();
    add(&store, "b", 2).await;
    let stored = idb::read_doc(store.database(), &id.to_string())
        .await
        .unwrap();
    let mut snap = stored.snapshot.unwrap();
    let n = snap.len();
    snap[n - 4] ^= 0x5a;
    idb::compact(store.database(), &id.to_string(), &snap, &[])
        .await
        .unwrap();

    let reopened = open(&name).await;
    assert!(reopened
        .notices
        .get_untracked()
        .contains(&Notice::DamagedSnapshot));
    assert_eq!(reopened.set_aside_count().await.unwrap(), 1);
    // "b" depended on what the snapshot held, so it waits rather than showing half a story.
    assert!(reopened
        .notices
        .get_untracked()
        .contains(&Notice::Waiting(1)));
    assert!(labels(&reopened).is_empty());
}

#[wasm_bindgen_test]
async fn a_document_from_a_newer_app_is_read_only() {
    use automerge::transaction::Transactable;
    use linli::store::WriteError;
    use linli_core::schema::SCHEMA_VERSION;
    use linli_core::LinliError;

    let name = db_name("newer");
    let (id, w, ctx) = fixture();
    let store = open(&name).await;
    add(&store, "a", 1).await;
    // A newer app, on another device, raised the schema; its change arrives here.
    let mut newer = store.read(&id, |d| d.fork()).unwrap();
    let before = newer.get_heads();
    newer
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "schema", SCHEMA_VERSION + 1)?;
            Ok(())
        })
        .unwrap();
    let change = newer.get_changes(&before).remove(0);
    let record = (change.hash().to_string(), change.raw_bytes().to_vec());
    idb::put_changes(store.database(), &id.to_string(), &[record])
        .await
        .unwrap();

    let reopened = open(&name).await;
    assert_eq!(labels(&reopened), ["a"], "still readable");
    assert!(reopened
        .notices
        .get_untracked()
        .contains(&Notice::NewerSchema));
    let refused = reopened
        .write(id, |d| profile::add_skill(d, &w, &ctx, Millis(2), "b", "b"))
        .await;
    assert!(matches!(
        refused,
        Err(WriteError::Refused(LinliError::SchemaTooNew { .. }))
    ));
    assert_eq!(labels(&reopened), ["a"]);
}

#[wasm_bindgen_test]
async fn refused_changes_are_kept_aside_and_the_document_goes_on_without_them() {
    let name = db_name("refused");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    add(&store, "keep", 1).await;
    add(&store, "refused", 2).await;
    add(&store, "later", 3).await;
    let refused = store.read(&id, |d| d.get_changes(&[])[2].hash()).unwrap();
    let actor = store.actor();

    let n = store
        .set_aside_refused(id, &[refused], "你没有权限", "not allowed")
        .await
        .unwrap();
    assert_eq!(n, 2, "the refused change and the one built on it");
    assert_eq!(labels(&store), vec!["keep".to_owned()]);
    assert_ne!(store.actor(), actor, "a new actor after the rebuild");
    // The person is told, with what they wrote.
    let told = store.notices.get_untracked();
    assert!(
        told.iter()
            .any(|n| matches!(n, Notice::ChangesRefused { texts, .. }
            if texts.iter().any(|t| t == "refused") && texts.iter().any(|t| t == "later"))),
        "{told:?}"
    );
    // On disk: the rebuilt document alone, the refused changes in their own store.
    let kept = store.refused().await.unwrap();
    assert_eq!(kept.len(), 2);
    assert!(kept
        .iter()
        .all(|r| r.zh == "你没有权限" && r.doc == id.to_string()));
    drop(store);
    let again = open(&name).await;
    assert_eq!(labels(&again), vec!["keep".to_owned()]);
    // Writing goes on, and a second refusal of the same hashes finds nothing to remove.
    add(&again, "new", 4).await;
    assert_eq!(labels(&again).len(), 2);
    let none = again
        .set_aside_refused(id, &[refused], "你没有权限", "not allowed")
        .await
        .unwrap();
    assert_eq!(none, 0);
}

#[wasm_bindgen_test]
async fn a_write_on_disk_succeeds_even_when_the_fold_after_it_fails() {
    let name = db_name("fold-fails");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    add(&store, "a", 1).await;
    idb::compact(store.database(), &id.to_string(), b"not a snapshot", &[])
        .await
        .unwrap();
    // Enough writes to make a fold due; each one is on disk, so each one succeeds.
    for i in 0..linli::store::COMPACT_AFTER as i64 {
        add(&store, &format!("s{i}"), 10 + i).await;
    }
    let told = store.notices.get_untracked();
    assert!(
        told.iter()
            .any(|n| matches!(n, Notice::CompactionFailed(_))),
        "{told:?}"
    );
    assert!(!told.iter().any(|n| matches!(n, Notice::WriteFailed(_))));
    let stored = idb::read_doc(store.database(), &id.to_string())
        .await
        .unwrap();
    assert_eq!(stored.changes.len(), 1 + linli::store::COMPACT_AFTER);
}

#[wasm_bindgen_test]
async fn a_document_opened_as_another_kind_is_refused_and_left_whole() {
    let name = db_name("wrong-kind");
    let (id, _, _) = fixture();
    let store = open(&name).await;
    add(&store, "a", 1).await;
    store.compact(id).await.unwrap();
    add(&store, "b", 2).await;
    drop(store);
    // A crafted link names the profile's id as a help document.
    let other = Store::open(&name).await.unwrap();
    assert_eq!(
        other.open_doc(id, DocKind::HELP).await.err().as_deref(),
        Some(linli::store::WRONG_KIND)
    );
    assert_eq!(
        other.set_aside_count().await.unwrap(),
        0,
        "nothing set aside"
    );
    assert!(other.notices.get_untracked().is_empty());
    drop(other);
    let again = open(&name).await;
    assert_eq!(labels(&again), vec!["a".to_owned(), "b".to_owned()]);

    // Records alone, never folded into a snapshot, say their kind as well.
    let name = db_name("wrong-kind-records");
    let store = open(&name).await;
    add(&store, "a", 1).await;
    drop(store);
    let other = Store::open(&name).await.unwrap();
    assert_eq!(
        other.open_doc(id, DocKind::HELP).await.err().as_deref(),
        Some(linli::store::WRONG_KIND)
    );
}

#[wasm_bindgen_test]
async fn every_tab_learns_of_documents_another_tab_opened_and_wrote() {
    let name = db_name("held");
    let (id, _, _) = fixture();
    // Two tabs on one database: the syncing one has not opened the profile.
    let syncing = Store::open(&name).await.unwrap();
    let heard: Rc<std::cell::RefCell<Vec<(DocId, DocKind)>>> = Rc::default();
    let log = heard.clone();
    syncing.set_on_foreign(move |d, k| log.borrow_mut().push((d, k)));

    let other = open(&name).await;
    add(&other, "a", 1).await;
    // The syncing tab hears of it, with its kind, and finds it among what the device holds.
    for _ in 0..50 {
        if !heard.borrow().is_empty() {
            break;
        }
        sleep_ms(20).await;
    }
    assert_eq!(heard.borrow().as_slice(), &[(id, DocKind::PROFILE)]);
    let held = syncing.held().await.unwrap();
    assert_eq!(held, vec![(id, DocKind::PROFILE)]);
}

/// Waits `ms` milliseconds on the browser's clock.
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[wasm_bindgen_test]
async fn another_tab_takes_a_rebuilt_document_again_from_disk() {
    let name = db_name("rebuilt");
    let (id, _, _) = fixture();
    let syncing = open(&name).await;
    add(&syncing, "keep", 1).await;
    add(&syncing, "refused", 2).await;
    let other = open(&name).await;
    assert_eq!(
        labels(&other),
        vec!["keep".to_owned(), "refused".to_owned()]
    );
    let refused = syncing.read(&id, |d| d.get_changes(&[])[2].hash()).unwrap();
    let actor = other.actor();

    syncing
        .set_aside_refused(id, &[refused], "你没有权限", "not allowed")
        .await
        .unwrap();
    // The other tab drops the refused change from memory (a merge would keep it) and takes
    // a new actor; what it writes next builds on the rebuilt document alone.
    for _ in 0..50 {
        if labels(&other).len() == 1 {
            break;
        }
        sleep_ms(20).await;
    }
    assert_eq!(labels(&other), vec!["keep".to_owned()]);
    assert_ne!(other.actor(), actor);
    add(&other, "after", 3).await;
    let heads_ok = other.read(&id, |d| {
        d.get_changes(&[]).iter().all(|c| c.hash() != refused)
    });
    assert_eq!(heads_ok, Some(true));
    drop(other);
    let again = open(&name).await;
    let mut kept = labels(&again);
    kept.sort();
    assert_eq!(kept, vec!["after".to_owned(), "keep".to_owned()]);
}

/// What an open of the profile document gives, once it has.
type OpenedCell = Rc<std::cell::RefCell<Option<Result<leptos::prelude::ArcRwSignal<u64>, String>>>>;

/// Opens the profile document `id` in a task of its own, as a module's warm-up does.
fn spawn_open(store: &Rc<Store>, id: DocId) -> OpenedCell {
    let cell: OpenedCell = Rc::default();
    let (store, out) = (store.clone(), cell.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let opened = store.open_doc(id, DocKind::PROFILE).await;
        *out.borrow_mut() = Some(opened);
    });
    cell
}

/// What the open in `cell` gave, once it has.
async fn opened(cell: &OpenedCell) -> Result<leptos::prelude::ArcRwSignal<u64>, String> {
    loop {
        if let Some(opened) = cell.borrow_mut().take() {
            return opened;
        }
        sleep_ms(5).await;
    }
}

/// A store opened afresh over a profile document written before, its document not yet
/// open, and no `linli-open:profile` mark left from writing it.
async fn holding_one_profile(test: &str) -> Rc<Store> {
    let name = db_name(test);
    let first = open(&name).await;
    add(&first, "plumbing", 1).await;
    drop(first);
    let perf = web_sys::window().unwrap().performance().unwrap();
    perf.clear_marks_with_mark_name("linli-open:profile");
    Store::open(&name).await.expect("open store")
}

/// A module's warm-up opening a document, and its page asking for it before that is done:
/// the document is read and loaded once, and both follow it.
#[wasm_bindgen_test]
async fn two_opens_of_one_document_at_once_read_and_load_it_once() {
    let store = holding_one_profile("opens").await;
    let perf = web_sys::window().unwrap().performance().unwrap();
    let (id, _, _) = fixture();
    let other = spawn_open(&store, id);
    let first = store
        .open_doc(id, DocKind::PROFILE)
        .await
        .expect("open doc");
    let waited = opened(&other).await.expect("the waiting open");
    assert_eq!(first, waited, "both callers follow the one document");
    assert_eq!(labels(&store), vec!["plumbing".to_owned()]);
    assert_eq!(perf.get_entries_by_name("linli-open:profile").length(), 1);
}

/// An open whose caller goes away midway leaves the open waiting on it to load the
/// document itself, not to fail.
#[wasm_bindgen_test]
async fn a_waiting_open_whose_first_is_abandoned_opens_the_document_itself() {
    use std::future::Future;
    use std::task::{Context, Waker};
    let store = holding_one_profile("abandoned").await;
    let (id, _, _) = fixture();
    // The first open starts reading, then its caller goes away before it finishes.
    let mut abandoned = Box::pin(store.open_doc(id, DocKind::PROFILE));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(abandoned.as_mut().poll(&mut cx).is_pending());
    let other = spawn_open(&store, id);
    sleep_ms(0).await;
    assert!(
        other.borrow().is_none(),
        "the second open waits for the first"
    );
    drop(abandoned);
    let opened = opened(&other).await;
    assert!(opened.is_ok(), "{opened:?}");
    assert_eq!(labels(&store), vec!["plumbing".to_owned()]);
}

/// Before any store is open there is nowhere to keep a draft: saving says so (the field then
/// never shows "kept"), and a read fails rather than claiming there is none (the field then
/// saves nothing over what may be stored).
#[wasm_bindgen_test]
async fn a_draft_before_the_store_opens_is_never_called_kept() {
    assert!(linli::store::get().is_none());
    assert!(linli::store::drafts::save("help.offer.r1", "刚打的字")
        .await
        .is_err());
    assert!(linli::store::drafts::load("help.offer.r1").await.is_err());
}

/// The settings, in the browser's localStorage: a member kept by a device from before the
/// serde form is read once and kept in the new form; a server link survives the trip; a
/// malformed member is not a member.
mod settings {
    use linli::settings::{self, Member, ServerLink};
    use linli_core::{CommunityId, Lang, MemberId, Role};
    use wasm_bindgen_test::*;

    fn local() -> web_sys::Storage {
        web_sys::window().unwrap().local_storage().unwrap().unwrap()
    }

    #[wasm_bindgen_test]
    fn a_member_from_before_is_read_once_and_kept_as_a_serde_type() {
        let s = local();
        s.clear().unwrap();
        for (k, v) in [
            ("linli.member.id", "m_old"),
            ("linli.member.name", "王阿姨"),
            ("linli.member.role", "grid_worker"),
            ("linli.member.community", "huqian-2"),
            ("linli.member.sandbox", "false"),
            ("linli.member.token", "tok"),
            ("linli.member.peer", "peer-1"),
            ("linli.member.community_name", "湖前第二社区"),
            ("linli.lang", "en"),
        ] {
            s.set_item(k, v).unwrap();
        }
        let m = settings::load_member().expect("the old keys make a member");
        assert_eq!(m.id.as_str(), "m_old");
        assert_eq!(m.role, Role::GridWorker);
        assert!(!m.sandbox);
        assert_eq!(m.server.as_ref().unwrap().peer_id, "peer-1");
        assert_eq!(
            s.get_item("linli.member.id").unwrap(),
            None,
            "old keys forgotten"
        );
        assert!(s
            .get_item("linli.member")
            .unwrap()
            .unwrap()
            .starts_with('{'));
        assert_eq!(settings::load_member(), Some(m));
        assert_eq!(settings::load_lang(), Lang::En);
        settings::save_lang(Lang::Zh);
        assert_eq!(settings::load_lang(), Lang::Zh);
    }

    #[wasm_bindgen_test]
    fn a_member_round_trips_and_a_malformed_one_is_none() {
        let s = local();
        s.clear().unwrap();
        assert_eq!(settings::load_member(), None);
        let m = Member {
            id: MemberId::parse("m_new").unwrap(),
            display_name: "小陈".into(),
            role: Role::Resident,
            community: CommunityId::parse("huazhong").unwrap(),
            sandbox: false,
            server: Some(ServerLink {
                token: "t".into(),
                peer_id: "p".into(),
                community_name: "华中社区".into(),
            }),
        };
        settings::save_member(&m).unwrap();
        assert_eq!(settings::load_member(), Some(m));
        s.set_item("linli.member", r#"{"id":"not an id!","name":"x","role":"resident","community":"huazhong","sandbox":true,"server":null}"#)
            .unwrap();
        assert_eq!(settings::load_member(), None);
        s.set_item("linli.member", "not json").unwrap();
        assert_eq!(settings::load_member(), None);
        s.clear().unwrap();
    }
}
