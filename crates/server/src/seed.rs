//! The demo community a fresh server starts with, so a new user sees a living app at once.

use crate::db::{Assignment, Db, DbResult};
use crate::Server;
use linli_core::doc::Writer;
use linli_core::help::{self, Category, RequestDraft, Urgency};
use linli_core::rules::DocContext;
use linli_core::{directory, profile, CommunityId, DocKind, Millis, Role};

pub const DEMO_ID: &str = "huqian-2";
pub const DEMO_NAME: &str = "湖前第二社区";

/// Seeds the demo community if the store is empty; returns one invite code per role.
pub fn seed_if_empty(db: &Db, now: Millis) -> DbResult<Option<Vec<(Role, String)>>> {
    if !db.is_empty()? {
        return Ok(None);
    }
    let id = CommunityId(DEMO_ID.to_owned());
    db.create_community(&id, DEMO_NAME, now)?;
    seed_places(db)?;
    // The demo's grid worker patrols the first grid; its officer works for the water company.
    let codes = Role::KNOWN
        .into_iter()
        .map(|role| {
            let code = match role {
                Role::GridWorker => {
                    db.create_invite_assigned(&id, &role, &Assignment::Grid(GRIDS[0].0.into()), now)
                }
                Role::Officer => db.create_invite_assigned(
                    &id,
                    &role,
                    &Assignment::Department(DEPARTMENTS[1].0.into()),
                    now,
                ),
                _ => db.create_invite(&id, &role, now),
            };
            code.map(|code| (role, code))
        })
        .collect::<DbResult<Vec<_>>>()?;
    Ok(Some(codes))
}

/// The demo community's grids and the departments serving it, in the records.
pub fn seed_places(db: &Db) -> DbResult<()> {
    let id = CommunityId(DEMO_ID.to_owned());
    for (grid, name) in GRIDS {
        db.create_grid(&id, grid, name)?;
    }
    for (dept, name) in DEPARTMENTS {
        db.create_department(dept, name, std::slice::from_ref(&id))?;
    }
    Ok(())
}

const GRIDS: [(&str, &str); 3] = [
    ("g1", "湖前第一网格"),
    ("g2", "湖前第二网格"),
    ("g3", "湖前第三网格"),
];

const DEPARTMENTS: [(&str, &str); 4] = [
    ("housing", "住建局"),
    ("water", "水务集团"),
    ("enforcement", "综合行政执法局"),
    ("civil", "民政局"),
];

/// Neighbours already there when a new user joins, with what they offer.
const NEIGHBOURS: [(&str, &str, &[&str]); 6] = [
    (
        "王阿姨",
        "住 3 幢，退休教师，白天一般在家。",
        &["辅导作业", "陪老人聊天"],
    ),
    (
        "陈师傅",
        "5 幢一楼，做了二十年水电。",
        &["水电维修", "借工具"],
    ),
    (
        "小林",
        "在读大学生，周末在家。",
        &["代取快递", "教手机使用"],
    ),
    ("赵大姐", "7 幢，开小卖部。", &["代收快递"]),
    ("周大爷", "独居，2 幢 1 单元。", &[]),
    ("孙老师", "湖前小学数学老师。", &["辅导作业"]),
];

/// What happened to a demo request.
#[derive(Clone, Copy)]
enum Ending {
    Open,
    /// Offers from these neighbours.
    Offered(&'static [usize]),
    /// Offers, and the neighbour chosen.
    Accepted(&'static [usize], usize),
    /// Chosen, and the helper marked it done.
    HelperDone(usize),
    /// Chosen, and the requester confirmed.
    Done(usize),
    Cancelled,
    /// Posted nine days ago with the default week: "is this still needed?"
    Expired,
}

/// A dozen requests in every state: (author, category, urgency, title, details, place, ending).
type DemoRequest = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Ending,
);
const REQUESTS: [DemoRequest; 12] = [
    (
        0,
        "errand",
        "high",
        "帮忙去药店取药",
        "降压药吃完了，处方在我这里，药店在湖前路。",
        "3 幢",
        Ending::Open,
    ),
    (
        4,
        "care",
        "high",
        "周六陪我去医院复查",
        "上午九点的号，需要有人陪着排队。",
        "2 幢 1 单元",
        Ending::Offered(&[2]),
    ),
    (
        1,
        "lending",
        "low",
        "借一把两米的梯子",
        "换阳台的灯泡，用一个小时就还。",
        "5 幢",
        Ending::Open,
    ),
    (
        3,
        "repair",
        "normal",
        "楼道灯坏了，找人一起修",
        "7 幢 3 楼的声控灯不亮了。",
        "7 幢",
        Ending::Offered(&[1]),
    ),
    (
        5,
        "other",
        "normal",
        "孩子的数学作业想请人看看",
        "五年级分数应用题。",
        "8 幢",
        Ending::Accepted(&[0], 0),
    ),
    (
        2,
        "errand",
        "high",
        "搬家需要两个人抬柜子",
        "周日下午，从 4 幢搬到 6 幢。",
        "4 幢",
        Ending::Offered(&[1, 5]),
    ),
    (
        4,
        "company",
        "low",
        "下午想找人聊聊天",
        "一个人在家有点闷。",
        "2 幢 1 单元",
        Ending::Done(3),
    ),
    (
        0,
        "errand",
        "normal",
        "帮忙代收一个快递",
        "明天白天不在家。",
        "3 幢",
        Ending::Cancelled,
    ),
    (
        3,
        "lending",
        "normal",
        "借一把电钻",
        "挂个相框。",
        "7 幢",
        Ending::HelperDone(1),
    ),
    (
        5,
        "other",
        "normal",
        "教老人用手机挂号",
        "社区里几位老人想学。",
        "社区活动室",
        Ending::Open,
    ),
    (
        2,
        "repair",
        "low",
        "自行车链条掉了",
        "不急，这周内就行。",
        "4 幢车棚",
        Ending::Accepted(&[1], 1),
    ),
    (
        4,
        "errand",
        "normal",
        "帮忙买点菜",
        "青菜和鸡蛋。",
        "2 幢 1 单元",
        Ending::Expired,
    ),
];

/// The demo community's documents: its grids and departments in the directory, and a few
/// neighbours with their profiles.
pub async fn seed_documents(server: &Server) {
    seed_directory(server).await;
    let c = CommunityId(DEMO_ID.to_owned());
    let Ok(code) = server.db.create_invite(&c, &Role::Resident, server.now()) else {
        tracing::error!("cannot invite the demo neighbours");
        return;
    };
    let mut people: Vec<Writer> = Vec::new();
    for (name, about, skills) in NEIGHBOURS {
        let Ok(joined) = server.join(&code, name).await else {
            tracing::error!("cannot seed a demo neighbour");
            continue;
        };
        people.push(Writer {
            member: joined.member.clone(),
            role: Role::Resident,
        });
        let id = linli_core::access::profile_id(&c, &joined.member);
        let Some(handle) =
            crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::PROFILE).await
        else {
            continue;
        };
        // Written as the member would, through the same commands.
        let writer = Writer {
            member: joined.member.clone(),
            role: Role::Resident,
        };
        let ctx = DocContext {
            subject: Some(joined.member.clone()),
        };
        let done = server
            .write_as_server(&handle, move |d, now| {
                profile::set_about(d, &writer, &ctx, now, about)?;
                for (i, skill) in skills.iter().enumerate() {
                    profile::add_skill(d, &writer, &ctx, now, &format!("seed{i}"), skill)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = done {
            tracing::error!(error = ?e, "cannot seed a demo profile");
        }
    }
    if people.len() == NEIGHBOURS.len() {
        seed_requests(server, &c, people.clone()).await;
        seed_deliberation(server, &c, &people).await;
    }
}

/// The demo proposals, with a member of staff who set their windows and wrote the outcome,
/// and the demo's points, whose desk that member keeps.
async fn seed_deliberation(server: &Server, c: &CommunityId, people: &[Writer]) {
    let staff = match server.db.create_invite(c, &Role::Staff, server.now()) {
        Ok(code) => server.join(&code, "社区工作人员小周").await,
        Err(e) => Err(e),
    };
    match staff {
        Ok(j) => {
            let staff = Writer {
                member: j.member,
                role: Role::Staff,
            };
            crate::seed_proposals::seed(server, c, people, &staff).await;
            crate::seed_points::seed(server, c, people, &staff).await;
            crate::seed_patrol::seed(server, c, people).await;
        }
        Err(e) => tracing::error!(error = ?e, "cannot seed the demo staff member"),
    }
}

/// The demo requests, written through help's commands as their members would.
async fn seed_requests(server: &Server, c: &CommunityId, people: Vec<Writer>) {
    let id = help::doc_id(c, server.now());
    let Some(handle) =
        crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::HELP).await
    else {
        tracing::error!("cannot open the demo help document");
        return;
    };
    let done = server
        .write_as_server(&handle, move |d, now| {
            for (i, (author, category, urgency, title, details, place, ending)) in
                REQUESTS.iter().enumerate()
            {
                let rid = format!("demo{i:02}");
                let who = &people[*author];
                let draft = RequestDraft {
                    category: Category::parse(category),
                    title: (*title).to_owned(),
                    details: (*details).to_owned(),
                    urgency: Urgency::parse(urgency),
                    place: (*place).to_owned(),
                    needed_by: None,
                    expires_in_days: None,
                };
                let posted = match ending {
                    Ending::Expired => Millis(now.0 - 9 * Millis::DAY),
                    _ => Millis(now.0 - (12 - i as i64) * 3_600_000),
                };
                help::post_request(d, who, posted, &rid, &draft)?;
                let (offers, chosen): (Vec<usize>, Option<usize>) = match *ending {
                    Ending::Offered(o) => (o.to_vec(), None),
                    Ending::Accepted(o, c) => (o.to_vec(), Some(c)),
                    Ending::HelperDone(h) | Ending::Done(h) => (vec![h], Some(h)),
                    _ => (Vec::new(), None),
                };
                for h in offers {
                    help::offer(d, &people[h], posted, &rid, "我可以帮忙")?;
                }
                if let Some(h) = chosen {
                    help::accept(d, who, posted, &rid, &people[h].member)?;
                }
                match ending {
                    Ending::HelperDone(h) => {
                        help::mark_done(d, &people[*h], now, &rid).map(|_| ())?
                    }
                    Ending::Done(_) => help::confirm(d, who, now, &rid).map(|_| ())?,
                    Ending::Cancelled => help::cancel(d, who, now, &rid).map(|_| ())?,
                    _ => {}
                }
            }
            Ok(())
        })
        .await;
    if let Err(e) = done {
        tracing::error!(error = ?e, "cannot seed the demo requests");
        return;
    }
    // Who shares each request's private document.
    let Ok(requests) = handle.with_document_async(|d| help::requests(d)).await else {
        return;
    };
    if let Err(e) = server
        .learn(linli_core::access::pairs_of(c, &id, requests))
        .await
    {
        tracing::error!(error = ?e, "cannot open the demo private documents");
    }
}

async fn seed_directory(server: &Server) {
    let c = CommunityId(DEMO_ID.to_owned());
    let id = linli_core::access::directory_id(&c);
    let Some(handle) =
        crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::DIRECTORY).await
    else {
        tracing::error!("cannot open the demo directory");
        return;
    };
    let done = server
        .write_as_server(&handle, |d, now| {
            for (id, name) in GRIDS {
                directory::set_grid(d, now, id, name)?;
            }
            for (id, name) in DEPARTMENTS {
                directory::set_department(d, now, id, name)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = done {
        tracing::error!(error = ?e, "cannot seed the demo directory");
    }
}
