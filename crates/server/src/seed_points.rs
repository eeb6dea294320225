//! The demo's points: a catalogue of five items, help confirmed in each of the last three
//! months, an activity's award, redemptions, and one redemption that overdrew (flagged for
//! staff). Written through core's commands as the members and staff would; the server's
//! first run of its due work then certifies the months past.

use crate::Server;
use linli_core::doc::Writer;
use linli_core::help::{self, Category, RequestDraft, Urgency};
use linli_core::{points, CommunityId, DocKind, MemberId, Millis};

const CATALOGUE: [(&str, &str, i64); 5] = [
    ("haircut", "社区理发", 30),
    ("canteen", "长者食堂午餐", 15),
    ("booking", "活动优先报名", 20),
    ("cleaning", "家电清洗", 40),
    ("film", "社区电影票", 10),
];

/// (months back, day of month, requester, helper, title): help confirmed then.
const HELPED: [(u32, i64, usize, usize, &str); 7] = [
    (3, 6, 4, 1, "厨房水龙头漏水"),
    (3, 18, 0, 2, "帮忙取药"),
    (2, 3, 4, 2, "教我用手机挂号"),
    (2, 21, 5, 1, "借电钻"),
    (1, 9, 4, 0, "陪去社区医院"),
    (1, 15, 3, 2, "代取快递"),
    (1, 27, 4, 1, "换灯泡"),
];

/// Day `day` at 10:00 of the month `back` months before `now`'s, the city's time.
fn day_of(now: Millis, back: u32, day: i64) -> Millis {
    let (y, m, _) = now.civil_date_china();
    let index = y * 12 + i64::from(m) - 1 - i64::from(back);
    let start = Millis::china_month_start(index.div_euclid(12), (index.rem_euclid(12) + 1) as u32);
    Millis(start.0 + (day - 1) * Millis::DAY + 10 * Millis::HOUR)
}

pub(crate) async fn seed(server: &Server, c: &CommunityId, people: &[Writer], staff: &Writer) {
    let now = server.now();
    for (back, day, requester, helper, title) in HELPED {
        let at = day_of(now, back, day);
        let id = help::doc_id(c, at);
        let Some(handle) =
            crate::directory::ensure(&server.repo, &server.storage, id, &DocKind::HELP).await
        else {
            continue;
        };
        let (who, by) = (people[requester].clone(), people[helper].clone());
        let rid = format!("past{back}{day:02}");
        let done = server
            .write_as_server(&handle, move |d, _| {
                let draft = RequestDraft {
                    category: Category::parse("errand"),
                    title: title.to_owned(),
                    details: String::new(),
                    urgency: Urgency::parse("normal"),
                    place: String::new(),
                    needed_by: None,
                    expires_in_days: None,
                };
                help::post_request(d, &who, at, &rid, &draft)?;
                help::offer(d, &by, at, &rid, "我来")?;
                help::accept(d, &who, at, &rid, &by.member)?;
                help::confirm(d, &who, Millis(at.0 + 3 * Millis::HOUR), &rid)?;
                Ok(())
            })
            .await;
        if let Err(e) = done {
            tracing::error!(error = ?e, "cannot seed past help");
        }
    }
    let id = points::doc_id(c);
    let Some(handle) =
        crate::directory::ensure(&server.repo, &server.storage, id, &points::KIND).await
    else {
        tracing::error!("cannot open the demo points document");
        return;
    };
    let members: Vec<MemberId> = people.iter().map(|p| p.member.clone()).collect();
    let (staff, who) = (staff.clone(), members.clone());
    let done = server
        .write_as_server(&handle, move |d, _| {
            let opened = day_of(now, 3, 1);
            for (item, name, price) in CATALOGUE {
                points::set_item(d, &staff, opened, item, name, price, false)?;
            }
            let planting = [who[0].clone(), who[2].clone(), who[4].clone()];
            let at = day_of(now, 2, 12);
            points::award(d, &staff, at, "award1", "植树活动", 5, &planting, &who)?;
            let at = day_of(now, 1, 20);
            points::redeem(d, &staff, at, "redeem1", &who[2], "canteen", &who)?;
            points::redeem(d, &staff, at, "redeem2", &who[1], "film", &who)?;
            // 孙老师 has earned nothing yet: kept, and flagged for staff.
            let at = day_of(now, 0, 1);
            points::redeem(d, &staff, at, "redeem3", &who[5], "cleaning", &who)?;
            Ok(())
        })
        .await;
    if let Err(e) = done {
        tracing::error!(error = ?e, "cannot seed the demo points");
    }
}
