//! The server's own records: communities, invites, members and their device tokens. They
//! live in SQLite (bundled, no set-up), never in a document a client can write. Every write
//! is a transaction that is on disk (WAL, synchronous=FULL) before the call returns, and
//! every failure is returned, never swallowed.

use linli_core::access::{Posting, Reader};
use linli_core::member::check_display_name;
use linli_core::{CommunityId, LinliError, MemberId, Millis, Role};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// How long an invite code stays usable.
pub const INVITE_DAYS: i64 = 30;
/// How long a device token stays valid without being renewed.
pub const TOKEN_DAYS: i64 = 365;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS communities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS invites (
    code TEXT PRIMARY KEY,
    community TEXT NOT NULL REFERENCES communities(id),
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- NULL: any number of people (residents of a building); staff and officers get one use.
    uses_left INTEGER
);
CREATE TABLE IF NOT EXISTS members (
    id TEXT PRIMARY KEY,
    community TEXT NOT NULL REFERENCES communities(id),
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS devices (
    peer_id TEXT PRIMARY KEY,
    member TEXT NOT NULL REFERENCES members(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
-- A community's grids: each has its patrol documents, one per month.
CREATE TABLE IF NOT EXISTS grids (
    community TEXT NOT NULL REFERENCES communities(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (community, id)
);
-- Who wrote with an actor id first: nobody else may write with it (DESIGN.md, write rules).
CREATE TABLE IF NOT EXISTS actors (
    actor TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    bound_at INTEGER NOT NULL
);
-- Help-private documents and the two members who may read them.
CREATE TABLE IF NOT EXISTS pairs (
    doc TEXT PRIMARY KEY,
    community TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT NOT NULL
);
-- City departments, and the communities each serves (a department serves many).
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS department_serves (
    department TEXT NOT NULL REFERENCES departments(id),
    community TEXT NOT NULL REFERENCES communities(id),
    PRIMARY KEY (department, community)
);
-- Who works where: a grid worker's grids (in their community), an officer's department.
-- Access follows these records, never anything a document says.
CREATE TABLE IF NOT EXISTS assignments (
    member TEXT NOT NULL REFERENCES members(id),
    kind TEXT NOT NULL CHECK (kind IN ('grid', 'department')),
    target TEXT NOT NULL,
    PRIMARY KEY (member, kind, target)
);
-- What an invite assigns the person who joins with it.
CREATE TABLE IF NOT EXISTS invite_assignments (
    code TEXT NOT NULL REFERENCES invites(code),
    kind TEXT NOT NULL CHECK (kind IN ('grid', 'department')),
    target TEXT NOT NULL
);
-- When each change first reached the server, by the server's clock: written before the
-- change is stored or acknowledged, never changed after (device times are claims).
CREATE TABLE IF NOT EXISTS receipts (
    hash TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_by_doc ON receipts(doc);
-- Documents a module learned of from changes the door admitted (a proposal from its index
-- entry, a case from the report that opened it), with the scope they were given, as JSON.
CREATE TABLE IF NOT EXISTS learned (
    doc TEXT PRIMARY KEY,
    scope TEXT NOT NULL
);
-- Receipts not yet published into their document (for kinds that publish them).
CREATE TABLE IF NOT EXISTS receipts_unpublished (
    hash TEXT PRIMARY KEY REFERENCES receipts(hash),
    doc TEXT NOT NULL
);
-- Facts the server writes at a time of its clock (a vote's close marker). Kept until
-- written, so a fact that fell due while the server was down is written when it starts.
CREATE TABLE IF NOT EXISTS schedule (
    key TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    fact TEXT NOT NULL,
    payload TEXT NOT NULL,
    due INTEGER NOT NULL,
    written_at INTEGER
);
CREATE INDEX IF NOT EXISTS schedule_due ON schedule(due) WHERE written_at IS NULL;
-- The changes the server wrote as facts, while it still records who it sent them to.
CREATE TABLE IF NOT EXISTS fact_changes (
    doc TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (doc, hash)
);
-- When the server first sent one of a member's devices a fact it wrote into a document
-- (a vote's close marker): rule 4 of the offline vote rule trusts this, not the device.
CREATE TABLE IF NOT EXISTS deliveries (
    doc TEXT NOT NULL,
    member TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (doc, member)
);
-- When the server first heard of a change it lacked, named in a device's heads while the
-- document's facts are watched: an offline ballot is named before the device is sent the
-- close marker, so rule 4 does not take it for one made after.
CREATE TABLE IF NOT EXISTS announced (
    doc TEXT NOT NULL,
    hash TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (doc, hash)
);
-- Documents a member made under a random id (any automerge-repo peer may): theirs alone.
CREATE TABLE IF NOT EXISTS personal_docs (
    doc TEXT PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES members(id),
    created_at INTEGER NOT NULL
);
";

/// Facts written per run of the scheduler, so a backlog never holds the server for long.
const FACTS_PER_RUN: i64 = 500;

/// What an invite or a staff command assigns a member to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignment {
    Grid(String),
    Department(String),
}

impl Assignment {
    fn as_row(&self) -> (&'static str, &str) {
        match self {
            Assignment::Grid(g) => ("grid", g),
            Assignment::Department(d) => ("department", d),
        }
    }
}

/// A city department and the communities it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub serves: Vec<CommunityId>,
}

#[derive(Debug)]
pub enum DbError {
    /// The person's input was refused (a bad name, an unknown or expired code).
    Refused(Refusal),
    /// The store itself failed; the server reports it and changes nothing.
    Store(String),
}

/// Why a request from a person was refused, in words the app can show.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    UnknownInvite,
    ExpiredInvite,
    UnknownCommunity,
    CommunityExists,
    UnknownMember,
    Invalid(LinliError),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Store(e.to_string())
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// What joining gives a device: keep the token secret, it is the device's key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Joined {
    pub member: MemberId,
    pub peer_id: String,
    pub token: String,
    pub community: CommunityId,
    pub role: Role,
    pub display_name: String,
}

/// A member as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: MemberId,
    pub community: CommunityId,
    pub display_name: String,
    pub role: Role,
    pub revoked: bool,
}

/// Why a token does not open a connection: 401 for the first two, 403 for the rest.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthError {
    Unknown,
    Expired,
    DeviceRevoked,
    MemberRevoked,
}

/// A connection's verified identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authed {
    pub member: MemberRow,
    pub peer_id: String,
}

/// The changes of one message that reached the server at `at`; `publish` when their
/// document's kind asks for its receipt times.
pub struct Receipts {
    pub doc: String,
    pub hashes: Vec<String>,
    pub at: Millis,
    pub publish: bool,
}

pub struct Db {
    conn: Mutex<Connection>,
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS provides randomness");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Eight characters people can read aloud and type: no 0/O, 1/I/L.
fn invite_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut buf = [0u8; 8];
    getrandom::fill(&mut buf).expect("the OS provides randomness");
    let chars: String = buf
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Invite codes are typed by people: case and the dash do not matter.
pub fn normalize_code(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    if plain.len() == 8 {
        format!("{}-{}", &plain[..4], &plain[4..])
    } else {
        plain
    }
}

/// A `members` row selected as id, community, display_name, role, revoked_at.
fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    Ok(MemberRow {
        id: MemberId(r.get(0)?),
        community: CommunityId(r.get(1)?),
        display_name: r.get(2)?,
        role: Role::parse(&r.get::<_, String>(3)?),
        revoked: r.get::<_, Option<i64>>(4)?.is_some(),
    })
}

/// How long a write waits for another connection's (the CLI's, another process's) to end.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Every transaction here that writes takes the write lock when it begins. A deferred one
/// that reads first and then writes fails at once with SQLITE_BUSY if another connection
/// wrote in between (WAL cannot upgrade a stale snapshot), whatever the busy timeout.
fn write(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

impl Db {
    pub fn open(dir: &Path) -> DbResult<Db> {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbError::Store(format!("{}: {e}", dir.display())))?;
        Self::with_connection(Connection::open(dir.join("linli.sqlite3"))?)
    }

    pub fn in_memory() -> DbResult<Db> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> DbResult<Db> {
        // The staff's CLI writes the same file from another process while the server runs;
        // without a busy timeout a join that meets its write fails at once as a store error.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_empty(&self) -> DbResult<bool> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM communities", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    pub fn create_community(&self, id: &CommunityId, name: &str, now: Millis) -> DbResult<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(DbError::Refused(Refusal::Invalid(LinliError::BadId)));
        }
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO communities (id, name, created_at) VALUES (?1, ?2, ?3)",
            params![id.as_str(), name, now.0],
        )?;
        if n == 0 {
            return Err(DbError::Refused(Refusal::CommunityExists));
        }
        Ok(())
    }

    pub fn community_name(&self, id: &CommunityId) -> DbResult<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name FROM communities WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn create_invite(
        &self,
        community: &CommunityId,
        role: &Role,
        now: Millis,
    ) -> DbResult<String> {
        if matches!(role, Role::Unknown(_)) {
            return Err(DbError::Refused(Refusal::Invalid(LinliError::BadId)));
        }
        if self.community_name(community)?.is_none() {
            return Err(DbError::Refused(Refusal::UnknownCommunity));
        }
        let code = invite_code();
        // Staff and officer rights are personal: their invites admit one person.
        let uses: Option<i64> = matches!(role, Role::Staff | Role::Officer).then_some(1);
        self.conn().execute(
            "INSERT INTO invites (code, community, role, created_at, expires_at, uses_left) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![code, community.as_str(), role.as_str(), now.0, now.0 + INVITE_DAYS * Millis::DAY, uses],
        )?;
        Ok(code)
    }

    /// An invite that also assigns whoever joins with it: a grid worker to a grid of the
    /// community, an officer to a department serving it.
    pub fn create_invite_assigned(
        &self,
        community: &CommunityId,
        role: &Role,
        assign: &Assignment,
        now: Millis,
    ) -> DbResult<String> {
        let known = match (role, assign) {
            (Role::GridWorker, Assignment::Grid(g)) => {
                self.grids(community)?.iter().any(|(id, _)| id == g)
            }
            (Role::Officer, Assignment::Department(d)) => {
                self.departments()?.iter().any(|x| x.id == *d)
            }
            _ => false,
        };
        if !known {
            return Err(DbError::Refused(Refusal::Invalid(LinliError::BadId)));
        }
        let code = self.create_invite(community, role, now)?;
        let (kind, target) = assign.as_row();
        self.conn().execute(
            "INSERT INTO invite_assignments (code, kind, target) VALUES (?1, ?2, ?3)",
            params![code, kind, target],
        )?;
        Ok(code)
    }

    /// Creates a department (or renames it) and sets the communities it serves.
    pub fn create_department(&self, id: &str, name: &str, serves: &[CommunityId]) -> DbResult<()> {
        MemberId::parse(id).map_err(|e| DbError::Refused(Refusal::Invalid(e)))?;
        for c in serves {
            if self.community_name(c)?.is_none() {
                return Err(DbError::Refused(Refusal::UnknownCommunity));
            }
        }
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        tx.execute(
            "INSERT INTO departments (id, name) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET name = ?2",
            params![id, name],
        )?;
        tx.execute("DELETE FROM department_serves WHERE department = ?1", [id])?;
        for c in serves {
            tx.execute(
                "INSERT INTO department_serves (department, community) VALUES (?1, ?2)",
                params![id, c.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn departments(&self) -> DbResult<Vec<Department>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, name FROM departments ORDER BY id")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut serves = conn.prepare(
            "SELECT community FROM department_serves WHERE department = ?1 ORDER BY community",
        )?;
        rows.into_iter()
            .map(|(id, name)| {
                let communities = serves
                    .query_map([&id], |r| Ok(CommunityId(r.get(0)?)))?
                    .collect::<Result<_, _>>()?;
                Ok(Department {
                    id,
                    name,
                    serves: communities,
                })
            })
            .collect()
    }

    /// Assigns a member to a grid of their community, or to a department.
    pub fn assign(&self, member: &MemberId, assign: &Assignment) -> DbResult<()> {
        let row = self
            .member(member)?
            .ok_or(DbError::Refused(Refusal::UnknownMember))?;
        let known = match assign {
            Assignment::Grid(g) => self.grids(&row.community)?.iter().any(|(id, _)| id == g),
            Assignment::Department(d) => self.departments()?.iter().any(|x| x.id == *d),
        };
        if !known {
            return Err(DbError::Refused(Refusal::Invalid(LinliError::BadId)));
        }
        let (kind, target) = assign.as_row();
        self.conn().execute(
            "INSERT OR IGNORE INTO assignments (member, kind, target) VALUES (?1, ?2, ?3)",
            params![member.as_str(), kind, target],
        )?;
        Ok(())
    }

    /// What a member reads and writes by: their community and role, their grids, and
    /// their department with the communities it serves.
    pub fn reader(&self, m: &MemberRow) -> DbResult<Reader> {
        let mut reader = Reader::new(m.id.clone(), m.role.clone(), m.community.clone());
        let rows: Vec<(String, String)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT kind, target FROM assignments WHERE member = ?1 ORDER BY kind, target",
            )?;
            let rows = stmt
                .query_map([m.id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            rows
        };
        for (kind, target) in rows {
            match kind.as_str() {
                "grid" => reader.grids.push(target),
                _ => {
                    let serves = self
                        .departments()?
                        .into_iter()
                        .find(|d| d.id == target)
                        .map(|d| d.serves)
                        .unwrap_or_default();
                    reader.posting = Some(Posting {
                        department: target,
                        serves,
                    });
                }
            }
        }
        Ok(reader)
    }

    pub(crate) fn member(&self, id: &MemberId) -> DbResult<Option<MemberRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, community, display_name, role, revoked_at FROM members WHERE id = ?1",
                [id.as_str()],
                member_row,
            )
            .optional()?)
    }

    /// Turns an invite code and a display name into a member with one device token. The same
    /// code may bring several people (a building's residents, say) until it expires.
    pub fn join(&self, code: &str, display_name: &str, now: Millis) -> DbResult<Joined> {
        let display_name =
            check_display_name(display_name).map_err(|e| DbError::Refused(Refusal::Invalid(e)))?;
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        let code = normalize_code(code);
        let invite: Option<(String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT community, role, expires_at, uses_left FROM invites WHERE code = ?1",
                [&code],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((community, role, expires_at, uses_left)) = invite else {
            return Err(DbError::Refused(Refusal::UnknownInvite));
        };
        if now.0 > expires_at || uses_left == Some(0) {
            return Err(DbError::Refused(Refusal::ExpiredInvite));
        }
        if uses_left.is_some() {
            tx.execute(
                "UPDATE invites SET uses_left = uses_left - 1 WHERE code = ?1",
                [&code],
            )?;
        }
        let member = MemberId(format!("m_{}", random_hex(8)));
        let peer_id = format!("p_{}", random_hex(8));
        let token = random_hex(32);
        tx.execute(
            "INSERT INTO members (id, community, display_name, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![member.as_str(), community, display_name, role, now.0],
        )?;
        tx.execute(
            "INSERT INTO devices (peer_id, member, token_sha256, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![peer_id, member.as_str(), token_hash(&token), now.0, now.0 + TOKEN_DAYS * Millis::DAY],
        )?;
        tx.execute(
            "INSERT INTO assignments (member, kind, target) SELECT ?1, kind, target FROM invite_assignments WHERE code = ?2",
            params![member.as_str(), code],
        )?;
        tx.commit()?;
        Ok(Joined {
            member,
            peer_id,
            token,
            community: CommunityId(community),
            role: Role::parse(&role),
            display_name,
        })
    }

    /// A further device for a member (a work phone beside a tablet): its own peer id and
    /// token, revocable on its own.
    pub fn add_device(&self, member: &MemberId, now: Millis) -> DbResult<(String, String)> {
        let conn = self.conn();
        let active: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM members WHERE id = ?1 AND revoked_at IS NULL",
                [member.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if active.is_none() {
            return Err(DbError::Refused(Refusal::UnknownMember));
        }
        let peer_id = format!("p_{}", random_hex(8));
        let token = random_hex(32);
        conn.execute(
            "INSERT INTO devices (peer_id, member, token_sha256, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![peer_id, member.as_str(), token_hash(&token), now.0, now.0 + TOKEN_DAYS * Millis::DAY],
        )?;
        Ok((peer_id, token))
    }

    /// Who a token belongs to, or why it opens nothing.
    pub fn authenticate(&self, token: &str, now: Millis) -> DbResult<Result<Authed, AuthError>> {
        struct Device {
            peer_id: String,
            expires_at: i64,
            revoked: bool,
            member: MemberRow,
        }
        let device = self
            .conn()
            .query_row(
                "SELECT d.peer_id, d.expires_at, d.revoked_at, m.id, m.community, m.display_name, m.role, m.revoked_at
                 FROM devices d JOIN members m ON m.id = d.member WHERE d.token_sha256 = ?1",
                [token_hash(token)],
                |r| {
                    Ok(Device {
                        peer_id: r.get(0)?,
                        expires_at: r.get(1)?,
                        revoked: r.get::<_, Option<i64>>(2)?.is_some(),
                        member: MemberRow {
                            id: MemberId(r.get(3)?),
                            community: CommunityId(r.get(4)?),
                            display_name: r.get(5)?,
                            role: Role::parse(&r.get::<_, String>(6)?),
                            revoked: r.get::<_, Option<i64>>(7)?.is_some(),
                        },
                    })
                },
            )
            .optional()?;
        Ok(match device {
            None => Err(AuthError::Unknown),
            Some(d) if d.member.revoked => Err(AuthError::MemberRevoked),
            Some(d) if d.revoked => Err(AuthError::DeviceRevoked),
            Some(d) if now.0 > d.expires_at => Err(AuthError::Expired),
            Some(d) => {
                // A token in use renews itself: a device used within a year of its last
                // use never has to join again (and lose its history). At most one write
                // a day per device.
                if d.expires_at < now.0 + (TOKEN_DAYS - 1) * Millis::DAY {
                    self.conn().execute(
                        "UPDATE devices SET expires_at = ?2 WHERE peer_id = ?1",
                        params![d.peer_id, now.0 + TOKEN_DAYS * Millis::DAY],
                    )?;
                }
                Ok(Authed {
                    member: d.member,
                    peer_id: d.peer_id,
                })
            }
        })
    }

    /// Records that these changes of `doc` reached the server at `at`; a change seen
    /// before keeps its first time.
    /// `publish`: the document's kind publishes receipts, so they also wait to be written
    /// into it (in the same transaction: none is recorded and forgotten).
    /// Records when changes first reached the server, several messages' worth in one
    /// transaction (`batch.rs`).
    pub fn record_receipts(&self, batch: &[Receipts]) -> DbResult<()> {
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        for r in batch {
            for h in &r.hashes {
                tx.execute(
                    "INSERT OR IGNORE INTO receipts (hash, doc, at) VALUES (?1, ?2, ?3)",
                    params![h, r.doc, r.at.0],
                )?;
                if r.publish {
                    tx.execute(
                        "INSERT OR IGNORE INTO receipts_unpublished (hash, doc) VALUES (?1, ?2)",
                        params![h, r.doc],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Receipts waiting to be published: (document, hash, first arrival).
    pub fn unpublished_receipts(&self, limit: usize) -> DbResult<Vec<(String, String, Millis)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT u.doc, u.hash, r.at FROM receipts_unpublished u JOIN receipts r USING (hash)
             ORDER BY u.doc LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, Millis(r.get(2)?)))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn receipts_published(&self, hashes: &[String]) -> DbResult<()> {
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        for h in hashes {
            tx.execute("DELETE FROM receipts_unpublished WHERE hash = ?1", [h])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Schedules `fact` for `doc` at server time `due`. The same fact for the same document
    /// and payload is one entry: scheduling it again moves its time, until it is written.
    pub fn schedule_fact(&self, doc: &str, fact: &str, payload: &str, due: Millis) -> DbResult<()> {
        let key = format!("{doc}/{fact}/{payload}");
        self.conn().execute(
            "INSERT INTO schedule (key, doc, fact, payload, due) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(key) DO UPDATE SET due = excluded.due WHERE written_at IS NULL",
            params![key, doc, fact, payload, due.0],
        )?;
        Ok(())
    }

    /// Facts due by `now` and not yet written, oldest first, at most `FACTS_PER_RUN`:
    /// (key, document, fact, payload).
    pub fn due_facts(&self, now: Millis) -> DbResult<Vec<(String, String, String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT key, doc, fact, payload FROM schedule
             WHERE written_at IS NULL AND due <= ?1 ORDER BY due, key LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![now.0, FACTS_PER_RUN], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Runs the fact `key` again at `due` (it has more to write then).
    pub fn reschedule(&self, key: &str, due: Millis) -> DbResult<()> {
        self.conn().execute(
            "UPDATE schedule SET due = ?2, written_at = NULL WHERE key = ?1",
            params![key, due.0],
        )?;
        Ok(())
    }

    /// Starts recording who is sent these changes the server wrote into `doc`.
    pub fn watch_fact_changes(&self, doc: &str, hashes: &[String]) -> DbResult<()> {
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        for h in hashes {
            tx.execute(
                "INSERT OR IGNORE INTO fact_changes (doc, hash) VALUES (?1, ?2)",
                params![doc, h],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stops recording deliveries for `doc` (its facts are all written); what was recorded
    /// stays.
    pub fn unwatch(&self, doc: &str) -> DbResult<()> {
        self.conn()
            .execute("DELETE FROM fact_changes WHERE doc = ?1", [doc])?;
        Ok(())
    }

    /// Every watched fact change: (document, hash).
    pub fn watched(&self) -> DbResult<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT doc, hash FROM fact_changes")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records that a device of `member` was sent a fact change of `doc`; the first time
    /// stands.
    pub fn record_delivery(&self, doc: &str, member: &str, at: Millis) -> DbResult<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO deliveries (doc, member, at) VALUES (?1, ?2, ?3)",
            params![doc, member, at.0],
        )?;
        Ok(())
    }

    /// Records that a device named these changes of `doc` in its heads; the first time
    /// stands.
    pub fn record_announced(&self, doc: &str, hashes: &[String], at: Millis) -> DbResult<()> {
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        for h in hashes {
            tx.execute(
                "INSERT OR IGNORE INTO announced (doc, hash, at) VALUES (?1, ?2, ?3)",
                params![doc, h, at.0],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When the server first heard of each change of `doc`: named in a device's heads, or
    /// arrived, whichever came first.
    pub fn first_heard(&self, doc: &str) -> DbResult<Vec<(String, Millis)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT hash, MIN(at) FROM (
                 SELECT hash, at FROM receipts WHERE doc = ?1
                 UNION ALL SELECT hash, at FROM announced WHERE doc = ?1
             ) GROUP BY hash",
        )?;
        let rows = stmt
            .query_map([doc], |r| Ok((r.get(0)?, Millis(r.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// When each member was first sent a fact change of `doc`.
    pub fn deliveries(&self, doc: &str) -> DbResult<Vec<(String, Millis)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT member, at FROM deliveries WHERE doc = ?1")?;
        let rows = stmt
            .query_map([doc], |r| Ok((r.get(0)?, Millis(r.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn fact_written(&self, key: &str, at: Millis) -> DbResult<()> {
        self.conn().execute(
            "UPDATE schedule SET written_at = ?2 WHERE key = ?1",
            params![key, at.0],
        )?;
        Ok(())
    }

    /// When each change of `doc` first reached the server, oldest first.
    pub fn receipts(&self, doc: &str) -> DbResult<Vec<(String, Millis)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT hash, at FROM receipts WHERE doc = ?1 ORDER BY at, hash")?;
        let rows = stmt
            .query_map([doc], |r| Ok((r.get(0)?, Millis(r.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// `authenticate`, and what the member reads by (role and assignments).
    pub fn authenticate_reader(
        &self,
        token: &str,
        now: Millis,
    ) -> DbResult<Result<(Authed, Reader), AuthError>> {
        match self.authenticate(token, now)? {
            Ok(a) => {
                let reader = self.reader(&a.member)?;
                Ok(Ok((a, reader)))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    /// Gives a member another role (a resident who becomes a grid worker). Open connections
    /// take it up at their next token check.
    pub fn set_role(&self, member: &MemberId, role: &Role) -> DbResult<()> {
        let n = self.conn().execute(
            "UPDATE members SET role = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![member.as_str(), role.as_str()],
        )?;
        if n == 0 {
            return Err(DbError::Refused(Refusal::UnknownMember));
        }
        Ok(())
    }

    pub fn members(&self, community: &CommunityId) -> DbResult<Vec<MemberRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, community, display_name, role, revoked_at FROM members WHERE community = ?1 ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map([community.as_str()], member_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every community's id.
    pub fn communities(&self) -> DbResult<Vec<CommunityId>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id FROM communities ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok(CommunityId(r.get(0)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn create_grid(&self, community: &CommunityId, id: &str, name: &str) -> DbResult<()> {
        MemberId::parse(id).map_err(|e| DbError::Refused(Refusal::Invalid(e)))?;
        self.conn().execute(
            "INSERT OR REPLACE INTO grids (community, id, name) VALUES (?1, ?2, ?3)",
            params![community.as_str(), id, name],
        )?;
        Ok(())
    }

    /// A community's grids as (id, name), by id.
    pub fn grids(&self, community: &CommunityId) -> DbResult<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, name FROM grids WHERE community = ?1 ORDER BY id")?;
        let rows = stmt
            .query_map([community.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every member of every community (revoked ones too: their documents stay readable).
    pub fn all_members(&self) -> DbResult<Vec<MemberRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, community, display_name, role, revoked_at FROM members ORDER BY created_at, id",
        )?;
        let rows = stmt
            .query_map([], member_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Binds each actor id (hex) to `member` unless it is bound already; returns every
    /// binding of these actors as it stands after the call, so a race between two
    /// connections is settled by the store.
    pub fn bind_actors(
        &self,
        member: &str,
        actors: &[String],
        now: Millis,
    ) -> DbResult<Vec<(String, String)>> {
        let mut conn = self.conn();
        let tx = write(&mut conn)?;
        let mut out = Vec::with_capacity(actors.len());
        for actor in actors {
            tx.execute(
                "INSERT OR IGNORE INTO actors (actor, member, bound_at) VALUES (?1, ?2, ?3)",
                params![actor, member, now.0],
            )?;
            let owner: String =
                tx.query_row("SELECT member FROM actors WHERE actor = ?1", [actor], |r| {
                    r.get(0)
                })?;
            out.push((actor.clone(), owner));
        }
        tx.commit()?;
        Ok(out)
    }

    pub fn actor_bindings(&self) -> DbResult<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT actor, member FROM actors")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records `owner` as the owner of a new personal document; returns the owner on record
    /// (an earlier claim wins).
    pub fn claim_personal(&self, doc: &str, owner: &MemberId, now: Millis) -> DbResult<MemberId> {
        let conn = self.conn();
        conn.execute(
            "INSERT OR IGNORE INTO personal_docs (doc, owner, created_at) VALUES (?1, ?2, ?3)",
            params![doc, owner.as_str(), now.0],
        )?;
        let owner: String = conn.query_row(
            "SELECT owner FROM personal_docs WHERE doc = ?1",
            [doc],
            |r| r.get(0),
        )?;
        Ok(MemberId(owner))
    }

    /// How many documents of their own `owner` has.
    pub fn personal_count(&self, owner: &MemberId) -> DbResult<usize> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM personal_docs WHERE owner = ?1",
            [owner.as_str()],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Records (or moves, when a request's chosen helper changed) who shares a document.
    pub fn set_pair(
        &self,
        doc: &str,
        community: &CommunityId,
        a: &MemberId,
        b: &MemberId,
    ) -> DbResult<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO pairs (doc, community, a, b) VALUES (?1, ?2, ?3, ?4)",
            params![doc, community.as_str(), a.as_str(), b.as_str()],
        )?;
        Ok(())
    }

    /// Records a learned document's scope; a document already learned keeps its first.
    pub fn learn(&self, doc: &str, scope: &str) -> DbResult<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO learned (doc, scope) VALUES (?1, ?2)",
            params![doc, scope],
        )?;
        Ok(())
    }

    pub fn learned(&self) -> DbResult<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT doc, scope FROM learned")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn pairs(&self) -> DbResult<Vec<(String, CommunityId, MemberId, MemberId)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT doc, community, a, b FROM pairs")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    CommunityId(r.get(1)?),
                    MemberId(r.get(2)?),
                    MemberId(r.get(3)?),
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn personal_docs(&self) -> DbResult<Vec<(String, MemberId)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT doc, owner FROM personal_docs")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, MemberId(r.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Revokes a member and every device of theirs: their tokens are refused from the next
    /// connection on.
    pub fn revoke_member(&self, member: &MemberId, now: Millis) -> DbResult<()> {
        let n = self.conn().execute(
            "UPDATE members SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![member.as_str(), now.0],
        )?;
        if n == 0 {
            return Err(DbError::Refused(Refusal::UnknownMember));
        }
        Ok(())
    }

    /// Revokes one device (a lost phone) and leaves the member's others working.
    pub fn revoke_device(&self, peer_id: &str, now: Millis) -> DbResult<()> {
        let n = self.conn().execute(
            "UPDATE devices SET revoked_at = ?2 WHERE peer_id = ?1 AND revoked_at IS NULL",
            params![peer_id, now.0],
        )?;
        if n == 0 {
            return Err(DbError::Refused(Refusal::UnknownMember));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = Millis(1_796_000_000_000);

    fn huqian(db: &Db) -> CommunityId {
        let id = CommunityId::parse("huqian-2").unwrap();
        db.create_community(&id, "湖前第二社区", T0).unwrap();
        id
    }

    #[test]
    fn an_invite_brings_a_member_with_a_working_token() {
        let db = Db::in_memory().unwrap();
        let c = huqian(&db);
        let code = db.create_invite(&c, &Role::Resident, T0).unwrap();
        let joined = db
            .join(&code.to_lowercase().replace('-', ""), " 王阿姨 ", T0)
            .unwrap();
        assert_eq!(joined.display_name, "王阿姨");
        assert_eq!(joined.role, Role::Resident);
        let authed = db.authenticate(&joined.token, T0).unwrap().unwrap();
        assert_eq!(authed.member.id, joined.member);
        assert_eq!(authed.peer_id, joined.peer_id);
        assert_eq!(db.members(&c).unwrap().len(), 1);
    }

    #[test]
    fn a_join_waits_for_the_staffs_cli_writing_in_another_process() {
        let dir = crate::testdir::TestDir::new("busy");
        let server = Db::open(dir.path()).unwrap();
        let c = huqian(&server);
        let code = server.create_invite(&c, &Role::Resident, T0).unwrap();
        // A second connection to the same file is what `linli-server invite create` is.
        let cli = Db::open(dir.path()).unwrap();
        let (locked, wait) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            let mut conn = cli.conn();
            let tx = write(&mut conn).unwrap();
            tx.execute("UPDATE communities SET name = name", [])
                .unwrap();
            locked.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            tx.commit().unwrap();
        });
        wait.recv().unwrap();
        let joined = server.join(&code, "王阿姨", T0);
        holder.join().unwrap();
        assert_eq!(joined.unwrap().display_name, "王阿姨");
    }

    #[test]
    fn bad_codes_names_and_tokens_are_refused() {
        let db = Db::in_memory().unwrap();
        let c = huqian(&db);
        let code = db.create_invite(&c, &Role::Resident, T0).unwrap();
        assert!(matches!(
            db.join("NOPE-NOPE", "王", T0),
            Err(DbError::Refused(Refusal::UnknownInvite))
        ));
        assert!(matches!(
            db.join(&code, "  ", T0),
            Err(DbError::Refused(Refusal::Invalid(_)))
        ));
        let late = Millis(T0.0 + INVITE_DAYS * Millis::DAY + 1);
        assert!(matches!(
            db.join(&code, "王", late),
            Err(DbError::Refused(Refusal::ExpiredInvite))
        ));
        assert_eq!(
            db.members(&c).unwrap().len(),
            0,
            "a refused join creates nobody"
        );
        assert_eq!(
            db.authenticate("not-a-token", T0).unwrap(),
            Err(AuthError::Unknown)
        );
        let other = CommunityId::parse("nowhere").unwrap();
        assert!(matches!(
            db.create_invite(&other, &Role::Staff, T0),
            Err(DbError::Refused(Refusal::UnknownCommunity))
        ));
    }

    #[test]
    fn expired_and_revoked_tokens_open_nothing() {
        let db = Db::in_memory().unwrap();
        let c = huqian(&db);
        let code = db.create_invite(&c, &Role::GridWorker, T0).unwrap();
        let a = db.join(&code, "张网格", T0).unwrap();
        let b = db.join(&code, "李网格", T0).unwrap();
        let much_later = Millis(T0.0 + TOKEN_DAYS * Millis::DAY + 1);
        assert_eq!(
            db.authenticate(&a.token, much_later).unwrap(),
            Err(AuthError::Expired)
        );
        db.revoke_device(&a.peer_id, T0).unwrap();
        assert_eq!(
            db.authenticate(&a.token, T0).unwrap(),
            Err(AuthError::DeviceRevoked)
        );
        db.revoke_member(&b.member, T0).unwrap();
        assert_eq!(
            db.authenticate(&b.token, T0).unwrap(),
            Err(AuthError::MemberRevoked)
        );
        assert!(db.members(&c).unwrap().iter().any(|m| m.revoked));
    }

    #[test]
    fn a_token_in_use_renews_itself_and_an_idle_one_expires() {
        let db = Db::in_memory().unwrap();
        let c = huqian(&db);
        let code = db.create_invite(&c, &Role::Resident, T0).unwrap();
        let used = db.join(&code, "天天用", T0).unwrap();
        let idle = db.join(&code, "不常用", T0).unwrap();
        // Used every 300 days for three years: never expires.
        let mut t = T0;
        for _ in 0..4 {
            t = Millis(t.0 + 300 * Millis::DAY);
            assert!(db.authenticate(&used.token, t).unwrap().is_ok(), "at {t:?}");
        }
        assert!(t.0 > T0.0 + 2 * TOKEN_DAYS * Millis::DAY);
        // Untouched for more than a year: expired, as before.
        assert_eq!(
            db.authenticate(&idle.token, t).unwrap(),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn a_role_change_shows_at_the_next_token_check() {
        let db = Db::in_memory().unwrap();
        let c = huqian(&db);
        let code = db.create_invite(&c, &Role::Staff, T0).unwrap();
        let s = db.join(&code, "社区小陈", T0).unwrap();
        db.set_role(&s.member, &Role::Resident).unwrap();
        let authed = db.authenticate(&s.token, T0).unwrap().unwrap();
        assert_eq!(authed.member.role, Role::Resident);
        assert!(db
            .set_role(&MemberId::parse("m_nobody").unwrap(), &Role::Staff)
            .is_err());
    }

    #[test]
    fn a_staff_invite_admits_one_person() {
        let db = Db::in_memory().unwrap();
        let c = huqian(&db);
        let code = db.create_invite(&c, &Role::Staff, T0).unwrap();
        assert!(db.join(&code, "社区小陈", T0).is_ok());
        assert!(matches!(
            db.join(&code, "冒名者", T0),
            Err(DbError::Refused(Refusal::ExpiredInvite))
        ));
        let residents = db.create_invite(&c, &Role::Resident, T0).unwrap();
        for name in ["甲", "乙", "丙"] {
            assert!(db.join(&residents, name, T0).is_ok());
        }
    }

    #[test]
    fn records_survive_a_reopen() {
        let dir = std::env::temp_dir().join(format!("linli-db-{}", random_hex(6)));
        let token = {
            let db = Db::open(&dir).unwrap();
            let c = huqian(&db);
            let code = db.create_invite(&c, &Role::Staff, T0).unwrap();
            db.join(&code, "社区小陈", T0).unwrap().token
        };
        let db = Db::open(&dir).unwrap();
        assert!(db.authenticate(&token, T0).unwrap().is_ok());
        assert!(!db.is_empty().unwrap());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
