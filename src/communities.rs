//! The built-in demo directory of Longgang communities, for the local sandbox. Joining
//! through a server replaces it with the community's real directory document.

use linli_core::{CommunityId, Lang};

pub struct DemoCommunity {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

pub const DEMO: [DemoCommunity; 4] = [
    DemoCommunity {
        id: "huqian-2",
        zh: "湖前第二社区",
        en: "Huqian No. 2 Community",
    },
    DemoCommunity {
        id: "huazhong",
        zh: "华中社区",
        en: "Huazhong Community",
    },
    DemoCommunity {
        id: "yanjiang-1",
        zh: "沿江第一社区",
        en: "Yanjiang No. 1 Community",
    },
    DemoCommunity {
        id: "lupu-2",
        zh: "芦浦第二社区",
        en: "Lupu No. 2 Community",
    },
];

pub fn name(id: &CommunityId, lang: Lang) -> String {
    DEMO.iter()
        .find(|c| c.id == id.as_str())
        .map(|c| lang.pick(c.zh, c.en).to_owned())
        .unwrap_or_else(|| id.as_str().to_owned())
}
