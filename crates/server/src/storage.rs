//! samod's storage over SQLite: each key one row, on disk (WAL, synchronous=FULL) before
//! samod hears it is done, writes committed together when they wait together
//! (`batch.rs`). samod's storage trait has no way to report a failure, so a write that
//! still fails after retries stops the server loudly: a server that goes on after losing a
//! write would tell a device its change is safe when it is not. Devices keep every change
//! until the server holds it, so stopping loses nothing.
//!
//! A full disk is the one failure that passes: the door's own writes (`try_put`) fail at
//! once, so devices hear in words that the server cannot save and keep their changes, and
//! samod's writes wait, retried each second, until space returns.

use crate::batch::Batcher;
use rusqlite::{params, Connection, OptionalExtension};
use samod::storage::{Storage, StorageKey};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL)";

#[derive(Clone)]
pub struct SqliteStorage {
    /// Reads; writes go to the writer thread.
    conn: Arc<Mutex<Connection>>,
    writes: Batcher<Write, StoreError>,
    /// Whether the last commit found the disk full.
    full: Arc<AtomicBool>,
    /// A drill's request to the writer (`simulate_full_disk`).
    drill: Arc<AtomicU8>,
}

/// Why a write was not stored: each write hears its own batch's, so a batch committed
/// meanwhile can never make a full disk look like another failure.
#[derive(Clone, Debug)]
pub enum StoreError {
    /// The disk is full: nothing of the batch was stored; space may return.
    Full(String),
    Failed(String),
}

impl From<&'static str> for StoreError {
    fn from(e: &'static str) -> Self {
        StoreError::Failed(e.to_owned())
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full(e) => write!(f, "the disk is full ({e})"),
            StoreError::Failed(e) => f.write_str(e),
        }
    }
}

/// Cheap to clone: a write waiting for space is sent again.
#[derive(Clone)]
enum Write {
    Put(String, Arc<Vec<u8>>),
    Delete(String),
}

/// What a drill asks of the writer before its next commit.
const DRILL_NONE: u8 = 0;
const DRILL_FILL: u8 = 1;
const DRILL_FREE: u8 = 2;

/// How often a write of samod's that found the disk full is tried again.
const FULL_RETRY: Duration = Duration::from_secs(1);

/// Writes one transaction may hold: a burst waits at most this many commits' worth.
const MAX_BATCH: usize = 1_024;

/// The exit code of a server stopped by a failing store (EX_SOFTWARE would hide it).
const EXIT_STORE_FAILED: i32 = 74;

impl SqliteStorage {
    pub fn open(dir: &Path) -> rusqlite::Result<SqliteStorage> {
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(dir.join("documents.sqlite3"))?;
            // A failed storage write stops the server: wait out another process's write.
            conn.busy_timeout(crate::db::BUSY_TIMEOUT)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.execute_batch(SCHEMA)?;
            Ok(conn)
        };
        let (conn, mut writer) = (open()?, open()?);
        let full = Arc::new(AtomicBool::new(false));
        let drill = Arc::new(AtomicU8::new(DRILL_NONE));
        let (full_w, drill_w) = (full.clone(), drill.clone());
        let writes = Batcher::start("document-writes", MAX_BATCH, move |batch: &[Write]| {
            if let Err(e) = run_drill(&writer, drill_w.swap(DRILL_NONE, Ordering::SeqCst)) {
                tracing::warn!(error = %e, "the full-disk drill could not be set");
            }
            let mut attempt = 0;
            loop {
                match commit(&mut writer, batch) {
                    Ok(()) => {
                        if full_w.swap(false, Ordering::SeqCst) {
                            tracing::warn!("the document store takes writes again");
                        }
                        return Ok(());
                    }
                    // Retrying at once cannot help; the writes' owners decide what to do.
                    Err(e) if is_full(&e) => {
                        if !full_w.swap(true, Ordering::SeqCst) {
                            tracing::error!(writes = batch.len(), "the disk is full: the document store refuses writes until space returns");
                        }
                        return Err(StoreError::Full(e.to_string()));
                    }
                    Err(e) if attempt < 3 => {
                        attempt += 1;
                        tracing::warn!(error = %e, attempt, writes = batch.len(), "document store failed; retrying");
                        std::thread::sleep(Duration::from_millis(50 << attempt));
                    }
                    Err(e) => return Err(StoreError::Failed(e.to_string())),
                }
            }
        })
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            writes,
            full,
            drill,
        })
    }

    /// Waits until `write` is on disk, however long the disk stays full; any other failure
    /// stops the server.
    async fn write(&self, what: &'static str, write: Write) {
        loop {
            match self.writes.write(write.clone()).await {
                Ok(()) => return,
                Err(StoreError::Full(_)) => tokio::time::sleep(FULL_RETRY).await,
                Err(e) => fatal(what, &e.to_string()),
            }
        }
    }

    /// Stores one row, or says why not at once (a full disk): for the door, which can
    /// refuse a message in words and let the device send it again later.
    pub async fn try_put(&self, key: StorageKey, data: Vec<u8>) -> Result<(), StoreError> {
        self.writes
            .write(Write::Put(key_text(&key), Arc::new(data)))
            .await
    }

    /// Whether the last write found the disk full.
    pub fn is_full(&self) -> bool {
        self.full.load(Ordering::SeqCst)
    }

    /// For drills: the store behaves as on a full disk (SQLite's `max_page_count` held at
    /// the pages it has, so a write that needs a new page fails as it would with no space
    /// left), or has space again. Takes effect from the next commit.
    #[doc(hidden)]
    pub fn simulate_full_disk(&self, full: bool) {
        let ask = if full { DRILL_FILL } else { DRILL_FREE };
        self.drill.store(ask, Ordering::SeqCst);
    }

    async fn run<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl Fn(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> T {
        let conn = self.conn.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut attempt = 0;
            loop {
                let out = {
                    let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                    f(&conn)
                };
                match out {
                    Ok(v) => return Ok(v),
                    Err(e) if attempt < 3 => {
                        attempt += 1;
                        tracing::warn!(error = %e, what, attempt, "document store failed; retrying");
                        std::thread::sleep(Duration::from_millis(50 << attempt));
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
        })
        .await;
        match done {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => fatal(what, &e),
            Err(e) => fatal(what, &e.to_string()),
        }
    }
}

fn is_full(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull)
}

fn run_drill(conn: &Connection, ask: u8) -> rusqlite::Result<()> {
    match ask {
        DRILL_FILL => {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            conn.pragma_update(None, "max_page_count", pages)
        }
        // SQLite's own default ceiling.
        DRILL_FREE => conn.pragma_update(None, "max_page_count", 4_294_967_294_i64),
        _ => Ok(()),
    }
}

fn commit(conn: &mut Connection, batch: &[Write]) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for write in batch {
        match write {
            Write::Put(k, data) => {
                // The door writes each change ahead under samod's own key; samod's write of
                // the same bytes then costs no second write.
                let same: bool = tx
                    .prepare_cached("SELECT data = ?2 FROM chunks WHERE key = ?1")?
                    .query_row(params![k, data.as_slice()], |r| r.get(0))
                    .optional()?
                    .unwrap_or(false);
                if !same {
                    tx.prepare_cached("INSERT OR REPLACE INTO chunks (key, data) VALUES (?1, ?2)")?
                        .execute(params![k, data.as_slice()])?;
                }
            }
            Write::Delete(k) => {
                tx.prepare_cached("DELETE FROM chunks WHERE key = ?1")?
                    .execute([k])?;
            }
        }
    }
    tx.commit()
}

fn fatal(what: &str, error: &str) -> ! {
    tracing::error!(what, error, "the document store failed; stopping");
    eprintln!("linli-server: the document store failed ({what}): {error}; stopping");
    std::process::exit(EXIT_STORE_FAILED)
}

fn key_text(key: &StorageKey) -> String {
    // Components never contain '/', so the joined form is a faithful flat key.
    key.to_string()
}

fn parse_key(text: &str) -> Option<StorageKey> {
    StorageKey::from_parts(text.split('/')).ok()
}

impl Storage for SqliteStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let k = key_text(&key);
        self.run("load", move |c| {
            let mut stmt = c.prepare_cached("SELECT data FROM chunks WHERE key = ?1")?;
            let mut rows = stmt.query([&k])?;
            match rows.next()? {
                Some(r) => Ok(Some(r.get(0)?)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let p = key_text(&prefix);
        let rows: Vec<(String, Vec<u8>)> = self
            .run("load_range", move |c| {
                // Keys under `p` run from "p/" up to (not including) "p0": '0' follows '/'.
                let mut stmt = c.prepare_cached(
                    "SELECT key, data FROM chunks WHERE key = ?1 OR (key >= ?1 || '/' AND key < ?1 || '0')",
                )?;
                let rows = stmt
                    .query_map([&p], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .await;
        rows.into_iter()
            .filter_map(|(k, v)| Some((parse_key(&k)?, v)))
            .collect()
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        self.write("put", Write::Put(key_text(&key), Arc::new(data)))
            .await
    }

    async fn delete(&self, key: StorageKey) {
        self.write("delete", Write::Delete(key_text(&key))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts.iter().map(|s| s.to_string())).unwrap()
    }

    /// On a full disk the door's write fails at once and samod's waits; both succeed once
    /// space returns, and the server never stops.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_disk_fails_the_doors_writes_and_holds_samods_until_space_returns() {
        let dir = crate::testdir::TestDir::new("storage-full");
        let s = SqliteStorage::open(dir.path()).unwrap();
        s.put(key(&["d", "a"]), vec![0; 1_000]).await;
        s.simulate_full_disk(true);
        let refused = s.try_put(key(&["d", "b"]), vec![1; 64 * 1024]).await;
        assert!(matches!(refused, Err(StoreError::Full(_))), "{refused:?}");
        assert!(s.is_full());
        let waiting = tokio::spawn({
            let s = s.clone();
            async move { s.put(key(&["d", "c"]), vec![2; 64 * 1024]).await }
        });
        tokio::time::sleep(FULL_RETRY * 2).await;
        assert!(!waiting.is_finished(), "samod's write waits for space");
        assert_eq!(s.load(key(&["d", "c"])).await, None);

        s.simulate_full_disk(false);
        tokio::time::timeout(FULL_RETRY * 5, waiting)
            .await
            .expect("the write completes once space returns")
            .unwrap();
        assert_eq!(
            s.load(key(&["d", "c"])).await.map(|d| d.len()),
            Some(64 * 1024)
        );
        assert!(s
            .try_put(key(&["d", "b"]), vec![1; 64 * 1024])
            .await
            .is_ok());
        assert!(!s.is_full());
    }

    #[tokio::test]
    async fn ranges_hold_exactly_the_keys_below_a_prefix() {
        let dir = crate::testdir::TestDir::new("storage");
        let s = SqliteStorage::open(dir.path()).unwrap();
        s.put(key(&["doc1", "snapshot", "a"]), vec![1]).await;
        s.put(key(&["doc1", "incremental", "b"]), vec![2]).await;
        s.put(key(&["doc10", "snapshot", "c"]), vec![3]).await;
        let range = s.load_range(key(&["doc1"])).await;
        assert_eq!(range.len(), 2);
        assert_eq!(range[&key(&["doc1", "incremental", "b"])], vec![2]);
        assert_eq!(s.load_range(key(&["doc1", "snapshot"])).await.len(), 1);
        s.delete(key(&["doc1", "snapshot", "a"])).await;
        s.delete(key(&["doc1", "snapshot", "missing"])).await;
        assert_eq!(s.load(key(&["doc1", "snapshot", "a"])).await, None);
        // A put then a delete of the same key, waiting together, end deleted.
        let (a, b) = tokio::join!(
            s.put(key(&["doc2", "snapshot", "x"]), vec![7]),
            s.delete(key(&["doc2", "snapshot", "x"]))
        );
        let ((), ()) = (a, b);
        assert_eq!(s.load(key(&["doc2", "snapshot", "x"])).await, None);
        // A second handle on the same file sees what the first wrote.
        let again = SqliteStorage::open(dir.path()).unwrap();
        assert_eq!(
            again.load(key(&["doc10", "snapshot", "c"])).await,
            Some(vec![3])
        );
    }

    /// Many writers at once: every write is acknowledged only once on disk, and all of them
    /// are there, read by another connection, after the storage is gone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_waiting_together_are_committed_together_and_all_kept() {
        let dir = crate::testdir::TestDir::new("storage-batch");
        let s = SqliteStorage::open(dir.path()).unwrap();
        let writers = (0..500).map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.put(
                    key(&["doc", "incremental", &format!("{i:04}")]),
                    vec![i as u8; 64],
                )
                .await
            })
        });
        for w in futures::future::join_all(writers).await {
            w.unwrap();
        }
        drop(s);
        let again = SqliteStorage::open(dir.path()).unwrap();
        let kept = again.load_range(key(&["doc"])).await;
        assert_eq!(kept.len(), 500);
        assert_eq!(
            kept[&key(&["doc", "incremental", "0499"])],
            vec![(499 % 256) as u8; 64]
        );
    }
}
