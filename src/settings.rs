//! Small settings in localStorage (gloo-storage): the language, and who this device's member
//! is. Nothing here is a record: records live in documents.

use gloo_storage::{LocalStorage, Storage};
use linli_core::{CommunityId, Lang, MemberId, Role};
use serde::{Deserialize, Serialize};

const LANG_KEY: &str = "linli.lang";
const MEMBER_KEY: &str = "linli.member";

/// The member this device acts for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub display_name: String,
    pub role: Role,
    pub community: CommunityId,
    /// True until the device joins a community through a server: its documents never leave it.
    pub sandbox: bool,
}

pub fn load_lang() -> Lang {
    LocalStorage::get::<Lang>(LANG_KEY).unwrap_or_default()
}

pub fn save_lang(lang: Lang) {
    // A failed write only means the choice is asked again next time; nothing typed is lost.
    let _ = LocalStorage::set(LANG_KEY, lang);
}

pub fn load_member() -> Option<Member> {
    LocalStorage::get::<Member>(MEMBER_KEY).ok()
}

pub fn save_member(member: &Member) -> Result<(), String> {
    LocalStorage::set(MEMBER_KEY, member).map_err(|e| e.to_string())
}

/// A fresh id for a sandbox member or a record: 16 random bytes as hex.
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the browser provides randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}
