//! samod's storage over SQLite: each key one row, each write its own transaction, on disk
//! (WAL, synchronous=FULL) before samod hears it is done. samod's storage trait has no way
//! to report a failure, so a write that still fails after retries stops the server loudly:
//! a server that goes on after losing a write would tell a device its change is safe when
//! it is not. Devices keep every change until the server holds it, so stopping loses nothing.

use rusqlite::{params, Connection, OptionalExtension};
use samod::storage::{Storage, StorageKey};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, data BLOB NOT NULL)";

#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
}

/// The exit code of a server stopped by a failing store (EX_SOFTWARE would hide it).
const EXIT_STORE_FAILED: i32 = 74;

impl SqliteStorage {
    pub fn open(dir: &Path) -> rusqlite::Result<SqliteStorage> {
        let conn = Connection::open(dir.join("documents.sqlite3"))?;
        // A failed storage write stops the server: wait out another process's write instead.
        conn.busy_timeout(crate::db::BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
        })
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
        let k = key_text(&key);
        let data = Arc::new(data);
        self.run("put", move |c| {
            // The door writes each change ahead under samod's own key; samod's write of the
            // same bytes then costs no second sync to disk.
            let same: bool = c
                .prepare_cached("SELECT data = ?2 FROM chunks WHERE key = ?1")?
                .query_row(params![k, data.as_slice()], |r| r.get(0))
                .optional()?
                .unwrap_or(false);
            if !same {
                c.prepare_cached("INSERT OR REPLACE INTO chunks (key, data) VALUES (?1, ?2)")?
                    .execute(params![k, data.as_slice()])?;
            }
            Ok(())
        })
        .await
    }

    async fn delete(&self, key: StorageKey) {
        let k = key_text(&key);
        self.run("delete", move |c| {
            c.prepare_cached("DELETE FROM chunks WHERE key = ?1")?
                .execute([&k])?;
            Ok(())
        })
        .await
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
        // A second handle on the same file sees what the first wrote.
        let again = SqliteStorage::open(dir.path()).unwrap();
        assert_eq!(
            again.load(key(&["doc10", "snapshot", "c"])).await,
            Some(vec![3])
        );
    }
}
