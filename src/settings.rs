//! Small settings in localStorage, through gloo-storage as serde types: the language, who
//! this device's member is, and since when changes wait to sync. Nothing here is a record:
//! records live in documents.

use gloo_storage::{LocalStorage, Storage};
use linli_core::{CommunityId, Lang, MemberId, Millis, Role};
use serde::{Deserialize, Serialize};

const LANG_KEY: &str = "linli.lang";
const MEMBER_KEY: &str = "linli.member";
const UNSYNCED_KEY: &str = "linli.unsynced_since";

/// The member this device acts for.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub display_name: String,
    pub role: Role,
    pub community: CommunityId,
    /// True until the device joins a community through a server: its documents never leave it.
    pub sandbox: bool,
    /// Set once the device joined through a server.
    pub server: Option<ServerLink>,
}

/// A device's membership on the server: the token is its key, the peer id its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerLink {
    pub token: String,
    pub peer_id: String,
    pub community_name: String,
}

/// The member as stored: plain strings, checked again on every load.
#[derive(Serialize, Deserialize)]
struct StoredMember {
    id: String,
    name: String,
    role: String,
    community: String,
    sandbox: bool,
    server: Option<ServerLink>,
}

impl StoredMember {
    fn of(m: &Member) -> StoredMember {
        StoredMember {
            id: m.id.as_str().to_owned(),
            name: m.display_name.clone(),
            role: m.role.as_str().to_owned(),
            community: m.community.as_str().to_owned(),
            sandbox: m.sandbox,
            server: m.server.clone(),
        }
    }

    /// The member, if every field is well formed. A device without a server link is in
    /// the sandbox whatever the flag says: it has nowhere to sync to.
    fn member(self) -> Option<Member> {
        Some(Member {
            id: MemberId::parse(&self.id).ok()?,
            display_name: self.name,
            role: Role::parse(&self.role),
            community: CommunityId::parse(&self.community).ok()?,
            sandbox: self.sandbox || self.server.is_none(),
            server: self.server,
        })
    }
}

/// When the oldest local change that has not reached a server was made. In the sandbox
/// nothing ever syncs, so this stays until the device joins a community.
pub fn unsynced_since() -> Option<Millis> {
    LocalStorage::get::<i64>(UNSYNCED_KEY).ok().map(Millis)
}

/// Notes that a local change now waits to sync, unless an older one already does.
pub fn note_unsynced(now: Millis) {
    if unsynced_since().is_none() {
        let _ = LocalStorage::set(UNSYNCED_KEY, now.0);
    }
}

pub fn load_lang() -> Lang {
    LocalStorage::get::<String>(LANG_KEY)
        .ok()
        .or_else(|| legacy::get(LANG_KEY))
        .map(|t| Lang::from_tag(&t))
        .unwrap_or_default()
}

pub fn save_lang(lang: Lang) {
    // A failed write only means the choice is asked again next time; nothing typed is lost.
    let _ = LocalStorage::set(LANG_KEY, lang.tag());
}

/// The member, if one is stored and well formed; otherwise first run asks again.
pub fn load_member() -> Option<Member> {
    match LocalStorage::get::<StoredMember>(MEMBER_KEY) {
        Ok(stored) => stored.member(),
        Err(_) => {
            let member = legacy::member()?;
            // Kept in the new form at once, so the old keys are read only this once.
            if save_member(&member).is_ok() {
                legacy::forget();
            }
            Some(member)
        }
    }
}

pub fn save_member(member: &Member) -> Result<(), String> {
    LocalStorage::set(MEMBER_KEY, StoredMember::of(member)).map_err(|e| e.to_string())
}

/// Everything has reached the server: the "waited too long" warning no longer applies.
pub fn clear_unsynced() {
    LocalStorage::delete(UNSYNCED_KEY);
}

fn sync_key(doc: &linli_core::DocId) -> String {
    format!("linli.sync.{doc}")
}

/// A document's saved sync state (the heads the server and this device had in common):
/// automerge's bytes, kept as hex.
pub fn load_sync_state(doc: &linli_core::DocId) -> Option<Vec<u8>> {
    let hex = LocalStorage::get::<String>(sync_key(doc)).ok()?;
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Saves it; a failed write costs only a longer sync next time.
pub fn save_sync_state(doc: &linli_core::DocId, state: &[u8]) {
    let hex: String = state.iter().map(|b| format!("{b:02x}")).collect();
    let _ = LocalStorage::set(sync_key(doc), hex);
}

/// Forgets it: after a rebuild the document's history is not what the server was told.
pub fn clear_sync_state(doc: &linli_core::DocId) {
    LocalStorage::delete(sync_key(doc));
}

/// When a document was last known to be in step with the server.
pub fn synced_at(doc: &linli_core::DocId) -> Option<Millis> {
    LocalStorage::get::<i64>(format!("linli.synced.{doc}"))
        .ok()
        .map(Millis)
}

pub fn save_synced_at(doc: &linli_core::DocId, at: Millis) {
    let _ = LocalStorage::set(format!("linli.synced.{doc}"), at.0);
}

/// A fresh id for a sandbox member or a record: 8 random bytes as hex.
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the browser provides randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

/// What devices stored before the settings were serde types: each field a raw string
/// under a key of its own. Read once, then kept in the new form.
mod legacy {
    use super::{Member, ServerLink};
    use gloo_storage::{LocalStorage, Storage};
    use linli_core::{CommunityId, MemberId, Role};

    const MEMBER_KEYS: [&str; 5] = [
        "linli.member.id",
        "linli.member.name",
        "linli.member.role",
        "linli.member.community",
        "linli.member.sandbox",
    ];
    const SERVER_KEYS: [&str; 3] = [
        "linli.member.token",
        "linli.member.peer",
        "linli.member.community_name",
    ];

    pub fn get(key: &str) -> Option<String> {
        LocalStorage::raw().get_item(key).ok().flatten()
    }

    pub fn member() -> Option<Member> {
        let [id, name, role, community, sandbox] = MEMBER_KEYS.map(get);
        let [token, peer_id, community_name] = SERVER_KEYS.map(get);
        let server = match (token, peer_id) {
            (Some(token), Some(peer_id)) => Some(ServerLink {
                token,
                peer_id,
                community_name: community_name.unwrap_or_default(),
            }),
            _ => None,
        };
        Some(Member {
            id: MemberId::parse(&id?).ok()?,
            display_name: name?,
            role: Role::parse(&role?),
            community: CommunityId::parse(&community?).ok()?,
            sandbox: sandbox? != "false" || server.is_none(),
            server,
        })
    }

    pub fn forget() {
        for key in MEMBER_KEYS.into_iter().chain(SERVER_KEYS) {
            LocalStorage::delete(key);
        }
    }
}
