//! The demo community's proposals, one in every state a resident meets: in discussion with
//! supports and replies, a vote about to open, a vote running, one closed and waiting for
//! its certificate, one adopted with what was done, one rejected, one withdrawn. Written
//! through deliberation's commands as their members would, and the server's facts through
//! the same functions its scheduler runs.

use crate::Server;
use linli_core::access::Scope;
use linli_core::deliberation::{self as delib, index, Decision, ProposalDraft};
use linli_core::doc::Writer;
use linli_core::{registry, CommunityId, DocId, LinliError, Millis};

const DAY: i64 = Millis::DAY;

/// Where a demo proposal stands.
enum Stage {
    Discussion,
    Scheduled,
    Voting,
    Closed,
    Adopted(&'static str),
    Rejected,
    Withdrawn,
}

struct Demo {
    title: &'static str,
    body: &'static str,
    options: &'static [&'static str],
    stage: Stage,
}

const DEMOS: [Demo; 7] = [
    Demo {
        title: "在 3 栋旁建自行车棚",
        body: "占用 3 栋东侧两个机动车位，建一个可停 30 辆自行车的车棚，费用从公共收益支出。",
        options: &[],
        stage: Stage::Voting,
    },
    Demo {
        title: "广场舞音乐晚上八点半以后停止",
        body: "中心广场的音乐影响 1、2 栋老人休息，建议晚上八点半以后停止播放。",
        options: &[],
        stage: Stage::Discussion,
    },
    Demo {
        title: "公共收益用于楼道照明改造",
        body: "楼道灯多处损坏，建议用今年的公共收益改造。",
        options: &["全部换成 LED 灯", "加装声控开关", "维持现状，坏了再修"],
        stage: Stage::Scheduled,
    },
    Demo {
        title: "周末跳蚤市场放在哪里",
        body: "每月第一个周六上午办跳蚤市场，地点大家定。",
        options: &["中心广场", "3 栋架空层"],
        stage: Stage::Closed,
    },
    Demo {
        title: "小区门口增设快递柜",
        body: "快递堆在门卫室，丢件多。建议在北门增设快递柜。",
        options: &[],
        stage: Stage::Adopted("已与物业签约，快递柜下月在北门安装。"),
    },
    Demo {
        title: "取消地面停车位改建绿地",
        body: "把南侧 20 个地面车位改成绿地。",
        options: &[],
        stage: Stage::Rejected,
    },
    Demo {
        title: "更换小区大门颜色",
        body: "大门改成深灰色。",
        options: &[],
        stage: Stage::Withdrawn,
    },
];

/// Writes the demo proposals, lists them in the community's index and tells the server of
/// them and of their closes, as the door would have for a device's changes.
pub async fn seed(server: &Server, c: &CommunityId, people: &[Writer], staff: &Writer) {
    let idx = delib::index_id(c);
    let mut learned = Vec::new();
    let Some(index_doc) = doc(server, idx, &index::INDEX).await else {
        return;
    };
    for i in 0..DEMOS.len() {
        let id = format!("demo{i}");
        let author = people[author_of(i, people)].clone();
        let listed = {
            let (author, id) = (author.clone(), id.clone());
            server
                .write_as_server(&index_doc, move |d, now| {
                    index::add(d, &author, Millis(now.0 - 14 * DAY), &id).map(|_| ())
                })
                .await
        };
        if let Err(e) = listed {
            tracing::error!(error = ?e, "cannot list a demo proposal");
            return;
        }
        let pid = delib::doc_id(c, &id);
        learned.push((
            pid,
            Scope::Community {
                community: c.clone(),
                kind: delib::KIND,
            },
        ));
    }
    if let Err(e) = server.learn(learned).await {
        tracing::error!(error = ?e, "cannot learn the demo proposals");
        return;
    }
    let members = people.len() + 1;
    for (i, demo) in DEMOS.iter().enumerate() {
        let pid = delib::doc_id(c, &format!("demo{i}"));
        let Some(handle) = doc(server, pid, &delib::KIND).await else {
            continue;
        };
        let (people, staff) = (people.to_vec(), staff.clone());
        let written = server
            .write_as_server(&handle, move |d, now| {
                write(
                    d,
                    demo,
                    &people,
                    author_of(i, &people),
                    &staff,
                    now,
                    members,
                )
            })
            .await;
        if let Err(e) = written {
            tracing::error!(error = ?e, "cannot seed a demo proposal");
            continue;
        }
        // The close and the certificate, scheduled as an admitted window would schedule them.
        let scope = Scope::Community {
            community: c.clone(),
            kind: delib::KIND,
        };
        let Ok(due) = handle
            .with_document_async(move |d| {
                let changes = d.get_changes(&[]);
                registry::schedules(&scope, &pid, d, &changes)
            })
            .await
        else {
            continue;
        };
        for s in due {
            if let Err(e) = server.schedule(s.doc, s.fact, &s.payload, s.due).await {
                tracing::error!(error = %e, "cannot schedule a demo close");
            }
        }
    }
}

fn author_of(i: usize, people: &[Writer]) -> usize {
    i % people.len()
}

async fn doc(server: &Server, id: DocId, kind: &linli_core::DocKind) -> Option<samod::DocHandle> {
    let handle = crate::directory::ensure(&server.repo, &server.storage, id, kind).await;
    if handle.is_none() {
        tracing::error!(doc = %id, "cannot open a demo deliberation document");
    }
    handle
}

/// One demo proposal's story, told with deliberation's commands at the times it happened.
fn write(
    d: &mut automerge::Automerge,
    demo: &Demo,
    people: &[Writer],
    author: usize,
    staff: &Writer,
    now: Millis,
    members: usize,
) -> Result<(), LinliError> {
    let at = |days: i64, hours: i64| Millis(now.0 + days * DAY + hours * 3_600_000);
    let author = &people[author];
    let decision = if demo.options.is_empty() {
        Decision::ForAgainst
    } else {
        Decision::One(demo.options.iter().map(|s| s.to_string()).collect())
    };
    let first = decision.tokens()[0].clone();
    let second = decision.tokens()[1].clone();
    let draft = ProposalDraft {
        title: demo.title.into(),
        body: demo.body.into(),
        decision,
    };
    let start = at(-14, 0);
    delib::create(d, author, start, &draft)?;
    delib::publish(d, author, start)?;
    delib::comment(
        d,
        &people[1],
        at(-13, 0),
        "c1",
        None,
        "我赞成，早就该办了。",
    )?;
    delib::comment(
        d,
        &people[2],
        at(-13, 2),
        "c2",
        Some("c1"),
        "同意，不过要先问问物业。",
    )?;
    // A window: opens `o` days from now, closes `c` days from now, set a day before it opens.
    let window = |d: &mut automerge::Automerge, o: i64, c: i64, quorum: i64| {
        let set = Millis(at(o - 1, 0).0.min(now.0));
        delib::set_window(d, staff, set, at(o, 0), at(c, 0), quorum, 50).map(|_| ())
    };
    let vote = |d: &mut automerge::Automerge, day: i64, who: &[(usize, &str)]| {
        who.iter().enumerate().try_for_each(|(k, (p, choice))| {
            delib::cast(d, &people[*p], at(day, 1 + k as i64), &[choice.to_string()]).map(|_| ())
        })
    };
    match demo.stage {
        Stage::Discussion => {
            delib::support(d, &people[1], at(-12, 0))?;
            delib::support(d, &people[2], at(-11, 0))?;
        }
        Stage::Scheduled => window(d, 2, 5, 20)?,
        Stage::Voting => {
            window(d, -1, 3, 20)?;
            vote(d, -1, &[(1, &first), (2, &second)])?;
        }
        Stage::Closed => {
            window(d, -4, -1, 20)?;
            vote(d, -4, &[(0, &first), (1, &first), (2, &second)])?;
            delib::write_close(d, at(-1, 0), members)?;
        }
        Stage::Adopted(outcome) => {
            window(d, -10, -7, 20)?;
            vote(d, -10, &[(0, &first), (1, &first), (2, &first)])?;
            delib::assist(
                d,
                staff,
                at(-9, 0),
                &people[0].member,
                std::slice::from_ref(&second),
            )?;
            delib::write_close(d, at(-7, 0), members)?;
            delib::certify(d, at(-5, 0), |_| false)?;
            delib::record_outcome(d, staff, at(-4, 0), outcome)?;
        }
        Stage::Rejected => {
            window(d, -12, -9, 50)?;
            vote(d, -12, &[(1, &first)])?;
            delib::write_close(d, at(-9, 0), members)?;
            delib::certify(d, at(-7, 0), |_| false)?;
        }
        Stage::Withdrawn => {
            delib::withdraw(d, author, at(-12, 0))?;
        }
    }
    Ok(())
}
