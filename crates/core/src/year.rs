//! One community's year, as a busy grid worker's phone holds it after a year of syncing:
//! 5,000 help requests with offers in twelve monthly documents, 300 proposals with 30,000
//! ballots and 20,000 comments, 20,000 patrol observations in the worker's grid-months, and
//! a points history of 2,000 staff entries. Deterministic: the same `now` gives the same
//! bytes, each writer writing under an actor id derived from their member id.
//!
//! For the start benchmark (`scripts/bench-start.mjs`) and benches; never in the app.

use crate::deliberation::{self, index, Decision, ProposalDraft};
use crate::directory::{self, Place};
use crate::doc::Writer;
use crate::patrol::{self, Category, Duty, ObservationDraft, OutcomeDraft, Position, StepKind};
use crate::schema::genesis;
use crate::{help, points, CommunityId, DocId, DocKind, MemberId, Millis, Role};
use automerge::{ActorId, Automerge};

pub const HELP: usize = 5_000;
pub const PROPOSALS: usize = 300;
pub const BALLOTS: usize = 30_000;
pub const COMMENTS: usize = 20_000;
pub const OBSERVATIONS: usize = 20_000;
pub const STAFF_ENTRIES: usize = 2_000;
pub const RESIDENTS: usize = 1_000;
/// The worker's grid.
pub const GRID: &str = "g1";
const PER_PATROL: usize = 50;
const YEAR_DAYS: i64 = 360;

/// A document as the phone stores it: its id, its kind and its saved bytes.
pub struct YearDoc {
    pub id: DocId,
    pub kind: DocKind,
    pub bytes: Vec<u8>,
}

/// Who the phone belongs to: a grid worker of grid [`GRID`].
pub fn worker(id: &MemberId) -> Writer {
    Writer {
        member: id.clone(),
        role: Role::GridWorker,
    }
}

fn resident(n: usize) -> Writer {
    Writer {
        member: MemberId::parse(&format!("m_{n}")).expect("a valid member id"),
        role: Role::Resident,
    }
}

fn staff() -> Writer {
    Writer {
        member: MemberId::parse("m_staff").expect("a valid member id"),
        role: Role::Staff,
    }
}

/// Each member writes from their own device: an actor per member, derived from the id.
fn as_writer(doc: &mut Automerge, w: &Writer) {
    let mut bytes = [0u8; 16];
    for (i, b) in w.member.as_str().bytes().enumerate() {
        bytes[i % 16] ^= b.rotate_left(i as u32 / 16);
    }
    bytes[15] ^= 0x5a;
    doc.set_actor(ActorId::from(&bytes[..]));
}

/// The year ending at `now` for `community`, the phone of grid worker `me`.
pub fn community_year(community: &CommunityId, me: &MemberId, now: Millis) -> Vec<YearDoc> {
    let start = Millis(now.0 - YEAR_DAYS * Millis::DAY);
    let day = |d: f64| Millis(start.0 + (d * Millis::DAY as f64) as i64);
    let mut out = Vec::new();
    let mut push = |id: DocId, kind: DocKind, doc: &Automerge| {
        out.push(YearDoc {
            id,
            kind,
            bytes: doc.save(),
        })
    };

    let (dir_id, dir) = directory_doc(community, me, start);
    push(dir_id, DocKind::DIRECTORY, &dir);

    let helps = help_docs(community, me, &day);
    for (id, doc) in &helps {
        push(*id, DocKind::HELP, doc);
    }

    let (index_id, index_doc, proposals) = proposals(community, &day, now);
    push(index_id, index::INDEX, &index_doc);
    for (id, doc) in &proposals {
        push(*id, deliberation::KIND, doc);
    }

    for (id, doc) in patrols(community, me, &day) {
        push(id, patrol::PATROL, &doc);
    }
    push(
        patrol::desk_id(community),
        patrol::DESK,
        &genesis(&patrol::DESK),
    );

    let points_id = points::doc_id(community);
    let mut points = points_doc(&day);
    certify(&mut points, &points_id, &helps, &proposals, now);
    push(points_id, points::KIND, &points);
    out
}

/// The server's monthly points certificates through the last month whose grace has
/// passed, as `linli-server` writes them: every source document named with its heads.
fn certify(
    points: &mut Automerge,
    points_id: &DocId,
    helps: &[(DocId, Automerge)],
    proposals: &[(DocId, Automerge)],
    now: Millis,
) {
    let named = |docs: &[(DocId, Automerge)]| -> Vec<(String, Automerge)> {
        docs.iter()
            .map(|(id, d)| (id.to_string(), d.clone()))
            .collect()
    };
    let (helps, proposals) = (named(helps), named(proposals));
    let refs = |docs: &[(String, Automerge)]| -> Vec<(String, Vec<automerge::ChangeHash>)> {
        docs.iter()
            .map(|(id, d)| (id.clone(), d.get_heads()))
            .collect()
    };
    let mut heads: std::collections::BTreeMap<_, _> =
        refs(&helps).into_iter().chain(refs(&proposals)).collect();
    let key = points_id.to_string();
    heads.insert(key.clone(), points.get_heads());
    let help: Vec<(&str, &Automerge)> = helps.iter().map(|(i, d)| (i.as_str(), d)).collect();
    let props: Vec<(&str, &Automerge)> = proposals.iter().map(|(i, d)| (i.as_str(), d)).collect();
    let certs = {
        let sources = points::Sources {
            points: Some((key.as_str(), &*points)),
            help: &help,
            proposals: &props,
        };
        points::certify(now, &sources, heads)
    };
    as_writer(points, &staff());
    points::write_certificate(points, now, &certs).unwrap();
}

fn directory_doc(community: &CommunityId, me: &MemberId, at: Millis) -> (DocId, Automerge) {
    let mut doc = genesis(&DocKind::DIRECTORY);
    as_writer(&mut doc, &staff());
    directory::set_grid(&mut doc, at, GRID, "一网格").unwrap();
    directory::set_department(&mut doc, at, "water", "水务").unwrap();
    directory::add_member(&mut doc, at, me, "张网格", &Role::GridWorker).unwrap();
    directory::set_assignments(&mut doc, at, me, &[GRID.to_owned()], None).unwrap();
    directory::add_member(&mut doc, at, &staff().member, "社区办", &Role::Staff).unwrap();
    for n in 0..RESIDENTS {
        let w = resident(n);
        directory::add_member(&mut doc, at, &w.member, &format!("居民{n}"), &w.role).unwrap();
    }
    (crate::access::directory_id(community), doc)
}

/// 5,000 requests over the year, each offered; most older ones accepted and confirmed,
/// the last weeks' still open. One in fifty is the worker's own.
fn help_docs(
    community: &CommunityId,
    me: &MemberId,
    day: &dyn Fn(f64) -> Millis,
) -> Vec<(DocId, Automerge)> {
    let mut docs: Vec<(DocId, Automerge)> = Vec::new();
    for i in 0..HELP {
        let at = day(i as f64 * YEAR_DAYS as f64 / HELP as f64);
        let id = help::doc_id(community, at);
        if docs.last().is_none_or(|(last, _)| *last != id) {
            docs.push((id, genesis(&DocKind::HELP)));
        }
        let doc = &mut docs.last_mut().expect("pushed above").1;
        let requester = if i % 50 == 0 {
            worker(me)
        } else {
            resident(i % RESIDENTS)
        };
        let helper = resident((i * 7 + 1) % RESIDENTS);
        let rid = format!("r{i}");
        let draft = help::RequestDraft {
            category: help::Category::KNOWN[i % help::Category::KNOWN.len()].clone(),
            title: format!("第 {i} 条求助：帮忙取快递"),
            details: "下午三点前，放在门口就好".to_owned(),
            urgency: help::Urgency::KNOWN[i % 3].clone(),
            place: format!("{} 幢", i % 40 + 1),
            needed_by: None,
            expires_in_days: Some(30),
        };
        as_writer(doc, &requester);
        help::post_request(doc, &requester, at, &rid, &draft).unwrap();
        as_writer(doc, &helper);
        help::offer(doc, &helper, at, &rid, "我来帮忙").unwrap();
        let recent = i * 12 >= HELP * 11;
        if !recent && requester.member != *me {
            as_writer(doc, &requester);
            help::accept(doc, &requester, at, &rid, &helper.member).unwrap();
            help::confirm(doc, &requester, at, &rid).unwrap();
        }
    }
    docs
}

/// A proposal about every 1.2 days with 100 ballots and about 67 comments; those whose
/// vote has ended are closed and certified, the last few still open.
#[allow(clippy::type_complexity)]
fn proposals(
    community: &CommunityId,
    day: &dyn Fn(f64) -> Millis,
    now: Millis,
) -> (DocId, Automerge, Vec<(DocId, Automerge)>) {
    let mut index_doc = genesis(&index::INDEX);
    let staff = staff();
    let per_ballots = BALLOTS / PROPOSALS;
    let mut docs = Vec::new();
    for p in 0..PROPOSALS {
        let start = day(p as f64 * YEAR_DAYS as f64 / PROPOSALS as f64);
        let author = resident(p * 13 % RESIDENTS);
        let pid = format!("p{p}");
        as_writer(&mut index_doc, &author);
        index::add(&mut index_doc, &author, start, &pid).unwrap();
        let mut doc = genesis(&deliberation::KIND);
        as_writer(&mut doc, &author);
        let draft = ProposalDraft {
            title: format!("第 {p} 项议题：广场舞时间调整"),
            body: "晚上八点半以后停止播放音乐，周末可延长到九点。".into(),
            decision: Decision::ForAgainst,
        };
        deliberation::create(&mut doc, &author, start, &draft).unwrap();
        deliberation::publish(&mut doc, &author, start).unwrap();
        let opens = Millis(start.0 + Millis::DAY);
        let closes = Millis(start.0 + 3 * Millis::DAY);
        as_writer(&mut doc, &staff);
        deliberation::set_window(&mut doc, &staff, start, opens, closes, 20, 50).unwrap();
        for c in 0..COMMENTS * (p + 1) / PROPOSALS - COMMENTS * p / PROPOSALS {
            let w = resident((p * 31 + c) % RESIDENTS);
            as_writer(&mut doc, &w);
            let at = Millis(start.0 + 60_000 * (c as i64 + 1));
            let text = format!("第 {c} 条意见：同意，但要先问一楼的住户");
            deliberation::comment(&mut doc, &w, at, &format!("c{c}"), None, &text).unwrap();
        }
        let choices = ["for", "against", "abstain"];
        for b in 0..per_ballots {
            let w = resident((p * 17 + b) % RESIDENTS);
            as_writer(&mut doc, &w);
            let at = Millis(opens.0 + 60_000 * b as i64);
            if at > now {
                break;
            }
            let choice = [choices[b % 3].to_owned()];
            deliberation::cast(&mut doc, &w, at, &choice).unwrap();
        }
        if closes <= now {
            as_writer(&mut doc, &staff);
            deliberation::write_close(&mut doc, closes, RESIDENTS).unwrap();
            let certified = Millis(closes.0 + 2 * Millis::DAY);
            if certified <= now {
                deliberation::certify(&mut doc, certified, |_| false).unwrap();
            }
        }
        docs.push((deliberation::doc_id(community, &pid), doc));
    }
    (deliberation::index_id(community), index_doc, docs)
}

/// 400 patrols of 50 observations in the worker's grid, one every 0.9 days; one
/// observation in a hundred escalated to the water department, the rest solved on the spot.
fn patrols(
    community: &CommunityId,
    me: &MemberId,
    day: &dyn Fn(f64) -> Millis,
) -> Vec<(DocId, Automerge)> {
    let me = worker(me);
    let serving = [Place {
        id: "water".into(),
        name: "水务".into(),
    }];
    let mut docs: Vec<(DocId, Automerge)> = Vec::new();
    let patrol_count = OBSERVATIONS / PER_PATROL;
    for p in 0..patrol_count {
        let t = day(p as f64 * YEAR_DAYS as f64 / patrol_count as f64);
        let (id, _) = patrol::patrol_doc(community, GRID, t);
        if docs.last().is_none_or(|(last, _)| *last != id) {
            let mut doc = genesis(&patrol::PATROL);
            as_writer(&mut doc, &me);
            docs.push((id, doc));
        }
        let doc = &mut docs.last_mut().expect("pushed above").1;
        let pid = format!("p{p}");
        patrol::start_patrol(doc, &me, t, &pid, "", Position::Denied).unwrap();
        for o in 0..PER_PATROL {
            let i = p * PER_PATROL + o;
            let draft = ObservationDraft {
                duty: Duty::KNOWN[i % Duty::KNOWN.len()].clone(),
                category: Category::KNOWN[i % Category::KNOWN.len()].clone(),
                description: format!("第 {i} 处：楼道堆放杂物"),
                position: Position::Fix {
                    lat_e6: 31_230_000 + (i % 1000) as i32,
                    lon_e6: 121_470_000 + (i % 700) as i32,
                    accuracy_m: 10,
                },
                outcome: if i.is_multiple_of(100) {
                    OutcomeDraft::Escalated {
                        department: "water".into(),
                    }
                } else {
                    OutcomeDraft::Resolved {
                        action: "当场劝导清理".into(),
                    }
                },
                report: None,
            };
            let at = Millis(t.0 + 60_000 * (o as i64 + 1));
            patrol::observe(doc, &me, at, &pid, &format!("o{i}"), &draft, &serving).unwrap();
        }
        let end = Millis(t.0 + 60_000 * (PER_PATROL as i64 + 2));
        patrol::step(doc, &me, end, &pid, "s1", StepKind::End, Position::Denied).unwrap();
    }
    docs
}

/// A catalogue item and 2,000 staff entries through the year: redemptions, and a
/// correction in four.
fn points_doc(day: &dyn Fn(f64) -> Millis) -> Automerge {
    let mut doc = genesis(&points::KIND);
    let staff = staff();
    as_writer(&mut doc, &staff);
    let members: Vec<MemberId> = (0..RESIDENTS).map(|n| resident(n).member).collect();
    points::set_item(
        &mut doc,
        &staff,
        day(0.0),
        "meal",
        "长者食堂午餐",
        15,
        false,
    )
    .unwrap();
    for i in 0..STAFF_ENTRIES {
        let at = day(i as f64 * YEAR_DAYS as f64 / STAFF_ENTRIES as f64);
        let member = &members[i * 3 % RESIDENTS];
        let id = format!("e{i}");
        if i % 4 == 0 {
            points::correct(&mut doc, &staff, at, &id, member, 5, "活动补记", &members).unwrap();
        } else {
            points::redeem(&mut doc, &staff, at, &id, member, "meal", &members).unwrap();
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture is what its name says: the counts the benchmark claims, in documents
    /// that load, each of the kind it is stored under.
    #[test]
    fn a_year_holds_what_it_says() {
        let c = CommunityId::parse("huqian-2").unwrap();
        let me = MemberId::parse("m_zhang").unwrap();
        let now = Millis(1_796_000_000_000);
        let docs = community_year(&c, &me, now);
        let loaded: Vec<(DocKind, Automerge)> = docs
            .iter()
            .map(|d| (d.kind.clone(), Automerge::load(&d.bytes).unwrap()))
            .collect();
        for (kind, doc) in &loaded {
            assert_eq!(crate::schema::header(doc).unwrap().0, *kind);
        }
        let of = |k: DocKind| {
            loaded
                .iter()
                .filter(move |(kind, _)| *kind == k)
                .map(|(_, d)| d)
        };
        let requests: usize = of(DocKind::HELP).map(|d| help::requests(d).len()).sum();
        assert_eq!(requests, HELP);
        assert!(of(DocKind::HELP).count() >= 12);
        assert_eq!(of(deliberation::KIND).count(), PROPOSALS);
        let comments: usize = of(deliberation::KIND)
            .map(|d| deliberation::comments(d).len())
            .sum();
        assert_eq!(comments, COMMENTS);
        let observations: usize = of(patrol::PATROL)
            .flat_map(patrol::patrols)
            .map(|p| p.observations.len())
            .sum();
        assert_eq!(observations, OBSERVATIONS);
        assert_eq!(
            of(points::KIND)
                .map(|d| points::staff_entries(d).len())
                .sum::<usize>(),
            STAFF_ENTRIES
        );
        let certified = of(points::KIND).map(points::certificates).next().unwrap();
        assert!(
            certified.len() >= 10,
            "a certificate a month: {}",
            certified.len()
        );
        let again = community_year(&c, &me, now);
        let differ: Vec<&DocKind> = docs
            .iter()
            .zip(&again)
            .filter(|(a, b)| a.bytes != b.bytes)
            .map(|(a, _)| &a.kind)
            .collect();
        assert!(differ.is_empty(), "not deterministic: {differ:?}");
    }
}
