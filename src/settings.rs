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

/// The member this device acts for.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: MemberId,
    pub display_name: String,
    pub role: Role,
    pub community: CommunityId,
    /// True until the device joins a community through a server: its documents never leave it.
    pub sandbox: bool,
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
    Some(Member {
        id: MemberId::parse(&id?).ok()?,
        display_name: name?,
        role: Role::parse(&role?),
        community: CommunityId::parse(&community?).ok()?,
        sandbox: sandbox? != "false",
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
    Ok(())
}

/// A fresh id for a sandbox member or a record: 8 random bytes as hex.
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the browser provides randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}
