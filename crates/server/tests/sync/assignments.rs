//! Who reads what by assignment, as the server's records say: a grid worker their grids'
//! documents, an officer their department's, whichever community they joined through.

use crate::harness::*;
use automerge::transaction::Transactable;
use automerge::{AutomergeError, ROOT};
use linli_core::access::{department_doc, grid_doc};
use linli_core::testkit::{DEPARTMENT, GRID};
use linli_core::{DocKind, Role};
use linli_server::db::{Assignment, Joined};

async fn setup() -> TestServer {
    let ts = TestServer::start().await;
    let db = &ts.srv.db;
    for (g, name) in [("g1", "第一网格"), ("g2", "第二网格")] {
        db.create_grid(&community(HUQIAN), g, name).unwrap();
    }
    let both = [community(HUQIAN), community(HUAZHONG)];
    db.create_department("water", "水务集团", &both).unwrap();
    db.create_department("housing", "住建局", &both).unwrap();
    ts.srv.prepare_directories().await.unwrap();
    ts
}

async fn join_as(ts: &TestServer, c: &str, role: Role, assign: Assignment, name: &str) -> Joined {
    let code = ts
        .srv
        .db
        .create_invite_assigned(&community(c), &role, &assign, ts.srv.now())
        .unwrap();
    ts.srv.join(&code, name).await.unwrap()
}

/// Syncs `id` once; then, if it came, sends a forged change into it and returns how the
/// server answered that.
async fn read_then_write(
    ts: &TestServer,
    who: &Joined,
    id: linli_core::DocId,
    kind: &DocKind,
) -> (Outcome, Option<Outcome>) {
    let mut p = Peer::connect(ts.addr, who.community.as_str(), who)
        .await
        .unwrap();
    p.doc(id, kind);
    let read = p.sync(&[id]).await;
    if read != Outcome::InStep {
        return (read, None);
    }
    p.docs
        .get_mut(&id)
        .unwrap()
        .transact::<_, _, AutomergeError>(|tx| {
            tx.put(ROOT, "note", "写点什么")?;
            Ok(())
        })
        .unwrap();
    // Every change in one hand-made message: an honest client sends nothing to a document
    // the server called read-only, so a doctored one is what tests the door.
    let wrote = p.push_everything(id).await;
    (read, Some(wrote))
}

fn month(ts: &TestServer) -> String {
    ts.srv.now().month()
}

#[tokio::test]
async fn a_grid_worker_reaches_their_own_grid_alone() {
    let ts = setup().await;
    let c = community(HUQIAN);
    let (g1, _) = grid_doc(&c, &GRID, "g1", &month(&ts));
    let (g2, _) = grid_doc(&c, &GRID, "g2", &month(&ts));
    let worker = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;

    // Grid 1 is the worker's to write: a change is judged by patrol's rules (none yet, so
    // this one is refused by rule, not as read-only).
    let (read, wrote) = read_then_write(&ts, &worker, g1, &GRID).await;
    assert_eq!(read, Outcome::InStep);
    wrote.unwrap().refused_in(g1, "not allowed");
    // Grid 2 is not shared with them at all, and whatever they send for it is dropped.
    assert_eq!(
        read_then_write(&ts, &worker, g2, &GRID).await.0,
        Outcome::Unavailable(g2)
    );

    // Staff read both, and write neither; a resident gets nothing of either.
    let staff = ts.join(HUQIAN, Role::Staff, "社区小陈").await;
    for id in [g1, g2] {
        let (read, wrote) = read_then_write(&ts, &staff, id, &GRID).await;
        assert_eq!(read, Outcome::InStep);
        wrote.unwrap().refused_in(id, "read-only");
    }
    let resident = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    for id in [g1, g2] {
        assert_eq!(
            read_then_write(&ts, &resident, id, &GRID).await.0,
            Outcome::Unavailable(id)
        );
    }
    // An unassigned grid worker reaches neither.
    let new = ts.join(HUQIAN, Role::GridWorker, "新网格员").await;
    assert_eq!(
        read_then_write(&ts, &new, g1, &GRID).await.0,
        Outcome::Unavailable(g1)
    );
    // Assigned by the staff command, the next connection reaches grid 2.
    ts.srv
        .db
        .assign(&new.member, &Assignment::Grid("g2".into()))
        .unwrap();
    assert_eq!(
        read_then_write(&ts, &new, g2, &GRID).await.0,
        Outcome::InStep
    );
    ts.stop().await;
}

#[tokio::test]
async fn an_officer_reads_their_departments_document_and_no_other() {
    let ts = setup().await;
    let (water, _) = department_doc(&DEPARTMENT, "water");
    let (housing, _) = department_doc(&DEPARTMENT, "housing");
    // The officer joined through 华中; the department serves 湖前 too.
    let officer = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("water".into()),
        "水务小李",
    )
    .await;
    let (read, wrote) = read_then_write(&ts, &officer, water, &DEPARTMENT).await;
    assert_eq!(read, Outcome::InStep);
    wrote.unwrap().refused_in(water, "read-only");
    assert_eq!(
        read_then_write(&ts, &officer, housing, &DEPARTMENT).await.0,
        Outcome::Unavailable(housing)
    );
    for role in [Role::Resident, Role::Staff, Role::GridWorker] {
        let m = ts.join(HUQIAN, role, "某人").await;
        assert_eq!(
            read_then_write(&ts, &m, water, &DEPARTMENT).await.0,
            Outcome::Unavailable(water)
        );
    }
    ts.stop().await;
}

/// A grid assigned while the worker's phone is connected reaches that connection: the
/// server ends it within seconds, and the device, back at once, is shared the new grid.
#[tokio::test]
async fn a_new_assignment_reaches_an_open_connection() {
    let ts = setup().await;
    let c = community(HUQIAN);
    let (g2, _) = grid_doc(&c, &GRID, "g2", &month(&ts));
    let worker = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;
    let mut phone = Peer::connect(ts.addr, HUQIAN, &worker).await.unwrap();
    phone.doc(g2, &GRID);
    assert_eq!(phone.sync(&[g2]).await, Outcome::Unavailable(g2));

    ts.srv
        .db
        .assign(&worker.member, &Assignment::Grid("g2".into()))
        .unwrap();
    let heard = phone.listen(std::time::Duration::from_secs(5)).await;
    assert!(heard.is_none(), "still open 5 s after the assignment");
    let mut again = Peer::connect(ts.addr, HUQIAN, &worker).await.unwrap();
    again.doc(g2, &GRID);
    assert_eq!(again.sync(&[g2]).await, Outcome::InStep);
    ts.stop().await;
}

/// A case document, learned from the record that opened it (never from an id a client
/// claims): its reporter, the community's staff and the addressed department's officers
/// read it, whichever community those officers joined through; nobody else. The server
/// keeps what it learned across a restart.
#[tokio::test]
async fn a_case_reaches_its_reporter_its_communitys_staff_and_its_departments_officers() {
    use linli_core::testkit::{self, BOARD, CASE};
    let ts = setup().await;
    let c = community(HUQIAN);
    let worker = join_as(
        &ts,
        HUQIAN,
        Role::GridWorker,
        Assignment::Grid("g1".into()),
        "张网格",
    )
    .await;
    let board = testkit::board_id(&c);
    let mut p = Peer::connect(ts.addr, HUQIAN, &worker).await.unwrap();
    p.doc(board, &BOARD);
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    let doc = p.docs.get_mut(&board).unwrap();
    let cases = linli_core::read::map_at(doc, &ROOT, "cases").unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        let k = tx.put_object(&cases, "k1", automerge::ObjType::Map)?;
        tx.put(&k, "author", worker.member.as_str())?;
        tx.put(&k, "department", "water")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(p.sync(&[board]).await, Outcome::InStep);
    let case = testkit::case_id(&c, "k1");

    let water = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("water".into()),
        "水务小刘",
    )
    .await;
    let housing = join_as(
        &ts,
        HUAZHONG,
        Role::Officer,
        Assignment::Department("housing".into()),
        "住建小赵",
    )
    .await;
    let staff = ts.join(HUQIAN, Role::Staff, "社区小陈").await;
    let staff_elsewhere = ts.join(HUAZHONG, Role::Staff, "华中小王").await;
    let resident = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    for (who, reads) in [
        (&worker, true),
        (&water, true),
        (&staff, true),
        (&housing, false),
        (&staff_elsewhere, false),
        (&resident, false),
    ] {
        let read = read_then_write(&ts, who, case, &CASE).await.0;
        let expected = if reads {
            Outcome::InStep
        } else {
            Outcome::Unavailable(case)
        };
        assert_eq!(read, expected, "{}", who.display_name);
    }
    // Learned once, kept: after a restart the officer still reads it.
    let ts = ts.restart(0).await;
    assert_eq!(
        read_then_write(&ts, &water, case, &CASE).await.0,
        Outcome::InStep
    );
    assert_eq!(
        read_then_write(&ts, &housing, case, &CASE).await.0,
        Outcome::Unavailable(case)
    );
    ts.stop().await;
}
