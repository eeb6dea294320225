//! Small settings in localStorage: the language, and who this device's member is. Nothing here
//! is a record: records live in documents.
//!
//! Each field has a key of its own, read with web-sys directly: gloo-storage would bring
//! serde_json into the wasm for five short strings.

use linli_core::{CommunityId, Lang, MemberId, Role};

const LANG_KEY: &str = "linli.lang";
const MEMBER_KEYS: [&str; 5] = [
    "linli.member.id",
    "linli.member.name",
    "linli.member.role",
    "linli.member.community",
    "linli.member.sandbox",
];

/// What joining through a server gave this device: its key and its name on the server.
const SERVER_KEYS: [&str; 3] = [
    "linli.member.token",
    "linli.member.peer",
    "linli.member.community_name",
];

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
#[derive(Clone, Debug, PartialEq)]
pub struct ServerLink {
    pub token: String,
    pub peer_id: String,
    pub community_name: String,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

const UNSYNCED_KEY: &str = "linli.unsynced_since";

/// When the oldest local change that has not reached a server was made. In the sandbox
/// nothing ever syncs, so this stays until the device joins a community.
pub fn unsynced_since() -> Option<linli_core::Millis> {
    get(UNSYNCED_KEY)?.parse().ok().map(linli_core::Millis)
}

/// Notes that a local change now waits to sync, unless an older one already does.
pub fn note_unsynced(now: linli_core::Millis) {
    if unsynced_since().is_none() {
        if let Some(s) = storage() {
            let _ = s.set_item(UNSYNCED_KEY, &now.0.to_string());
        }
    }
}

pub fn load_lang() -> Lang {
    get(LANG_KEY)
        .map(|t| Lang::from_tag(&t))
        .unwrap_or_default()
}

pub fn save_lang(lang: Lang) {
    // A failed write only means the choice is asked again next time; nothing typed is lost.
    if let Some(s) = storage() {
        let _ = s.set_item(LANG_KEY, lang.tag());
    }
}

/// The member, if every field is there and well formed; otherwise first run asks again.
pub fn load_member() -> Option<Member> {
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

pub fn save_member(member: &Member) -> Result<(), String> {
    let s = storage().ok_or("localStorage is not available")?;
    let values = [
        member.id.as_str(),
        member.display_name.as_str(),
        member.role.as_str(),
        member.community.as_str(),
        if member.sandbox { "true" } else { "false" },
    ];
    for (key, value) in MEMBER_KEYS.iter().zip(values) {
        s.set_item(key, value)
            .map_err(crate::store::idb::describe)?;
    }
    match &member.server {
        Some(link) => {
            let values = [&link.token, &link.peer_id, &link.community_name];
            for (key, value) in SERVER_KEYS.iter().zip(values) {
                s.set_item(key, value)
                    .map_err(crate::store::idb::describe)?;
            }
        }
        None => {
            for key in SERVER_KEYS {
                let _ = s.remove_item(key);
            }
        }
    }
    Ok(())
}

/// Everything has reached the server: the "waited too long" warning no longer applies.
pub fn clear_unsynced() {
    if let Some(s) = storage() {
        let _ = s.remove_item(UNSYNCED_KEY);
    }
}

fn sync_key(doc: &linli_core::DocId) -> String {
    format!("linli.sync.{doc}")
}

/// A document's saved sync state (the heads the server and this device had in common).
pub fn load_sync_state(doc: &linli_core::DocId) -> Option<Vec<u8>> {
    let hex = get(&sync_key(doc))?;
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Saves it; a failed write costs only a longer sync next time.
pub fn save_sync_state(doc: &linli_core::DocId, state: &[u8]) {
    if let Some(s) = storage() {
        let hex: String = state.iter().map(|b| format!("{b:02x}")).collect();
        let _ = s.set_item(&sync_key(doc), &hex);
    }
}

/// Forgets it: after a rebuild the document's history is not what the server was told.
pub fn clear_sync_state(doc: &linli_core::DocId) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&sync_key(doc));
    }
}

/// When a document was last known to be in step with the server.
pub fn synced_at(doc: &linli_core::DocId) -> Option<linli_core::Millis> {
    get(&format!("linli.synced.{doc}"))?
        .parse()
        .ok()
        .map(linli_core::Millis)
}

pub fn save_synced_at(doc: &linli_core::DocId, at: linli_core::Millis) {
    if let Some(s) = storage() {
        let _ = s.set_item(&format!("linli.synced.{doc}"), &at.0.to_string());
    }
}

/// A fresh id for a sandbox member or a record: 8 random bytes as hex.
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the browser provides randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}
