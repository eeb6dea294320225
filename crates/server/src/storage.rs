//! samod's storage over SQLite: each key one row, on disk (WAL, synchronous=FULL) before
//! samod hears it is done, writes committed together when they wait together
//! (`batch.rs`). samod's storage trait has no way to report a failure, so a write that
//! still fails after retries stops the server loudly: a server that goes on after losing a
//! write would tell a device its change is safe when it is not. Devices keep every change
//! until the server holds it, so stopping loses nothing.

use crate::batch::Batcher;
use rusqlite::{params, Connection, OptionalExtension};
use samod::storage::{Storage, StorageKey};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL)";

#[derive(Clone)]
pub struct SqliteStorage {
    /// Reads; writes go to the writer thread.
    conn: Arc<Mutex<Connection>>,
    writes: Batcher<Write>,
}

enum Write {
    Put(String, Vec<u8>),
    Delete(String),
}

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
        let writes = Batcher::start("document-writes", MAX_BATCH, move |batch: &[Write]| {
            let mut attempt = 0;
            loop {
                match commit(&mut writer, batch) {
                    Ok(()) => return Ok(()),
                    Err(e) if attempt < 3 => {
                        attempt += 1;
                        tracing::warn!(error = %e, attempt, writes = batch.len(), "document store failed; retrying");
                        std::thread::sleep(Duration::from_millis(50 << attempt));
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
        })
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
            writes,
        })
    }

    /// Waits until `write` is on disk; a store that cannot take it stops the server.
    async fn write(&self, what: &'static str, write: Write) {
        if let Err(e) = self.writes.write(write).await {
            fatal(what, &e);
        }
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
        self.write("put", Write::Put(key_text(&key), data)).await
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
