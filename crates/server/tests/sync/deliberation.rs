//! Deliberation on the server: a proposal's document is known from its index entry, the
//! close marker is written at the server's close time (after a restart too, if it fell due
//! while the server was down), the certificate excludes a ballot from a member one of whose
//! devices had been sent the marker, and a resident cannot write the server's or staff's
//! part of the document, or another member's ballot.

use super::writer;
use crate::harness::*;
use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ROOT};
use linli_core::deliberation::{self, index, Decision, Exclusion, ProposalDraft};
use linli_core::{DocId, Millis, Role};
use linli_server::db::Joined;

fn choice(s: &str) -> Vec<String> {
    vec![s.to_owned()]
}

/// `who` lists and publishes a for/against proposal, and staff open a vote on it from
/// now until `closes_in` from now. Returns the proposal's document.
async fn a_vote(ts: &TestServer, who: &Joined, staff: &Joined, closes_in: i64) -> DocId {
    let c = community(HUQIAN);
    let idx = deliberation::index_id(&c);
    let id = deliberation::doc_id(&c, "p1");
    let mut phone = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
    phone.doc(idx, &index::INDEX);
    assert_eq!(phone.sync(&[idx]).await, Outcome::InStep);
    let now = ts.srv.now();
    index::add(phone.docs.get_mut(&idx).unwrap(), &writer(who), now, "p1").unwrap();
    assert_eq!(phone.sync(&[idx]).await, Outcome::InStep);
    let doc = phone.doc(id, &deliberation::KIND);
    let draft = ProposalDraft {
        title: "在 3 栋旁建自行车棚".into(),
        body: "占用两个车位。".into(),
        decision: Decision::ForAgainst,
    };
    deliberation::create(doc, &writer(who), now, &draft).unwrap();
    deliberation::publish(doc, &writer(who), now).unwrap();
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);

    let mut desk = Peer::connect(ts.addr, HUQIAN, staff).await.unwrap();
    desk.doc(id, &deliberation::KIND);
    assert_eq!(desk.sync(&[id]).await, Outcome::InStep);
    let doc = desk.docs.get_mut(&id).unwrap();
    let (opens, closes) = (Millis(now.0 - 1), Millis(now.0 + closes_in));
    deliberation::set_window(doc, &writer(staff), now, opens, closes, 0, 50).unwrap();
    assert_eq!(desk.sync(&[id]).await, Outcome::InStep);
    id
}

/// The proposal as a fresh device of `who` receives it, after the server ran what is due,
/// once `done` holds of it.
async fn proposal_until(
    ts: &TestServer,
    who: &Joined,
    id: DocId,
    done: impl Fn(&Automerge) -> bool,
) -> Automerge {
    for _ in 0..50 {
        ts.srv.run_due().await;
        let mut p = Peer::connect(ts.addr, HUQIAN, &ts.add_device(who))
            .await
            .unwrap();
        p.doc(id, &deliberation::KIND);
        assert_eq!(p.sync(&[id]).await, Outcome::InStep);
        if done(&p.docs[&id]) {
            return p.docs.remove(&id).unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server never wrote it");
}

/// The server's record of whom it sent `id`'s facts, once it names `who` (or after a second:
/// the record is written just after the send).
async fn deliveries_once_sent(ts: &TestServer, id: DocId, who: &Joined) -> Vec<(String, Millis)> {
    let key = id.to_string();
    let mut sent = Vec::new();
    for _ in 0..50 {
        sent = ts.srv.db.deliveries(&key).unwrap();
        if sent.iter().any(|(m, _)| m == who.member.as_str()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sent
}

fn closed(doc: &Automerge) -> bool {
    deliberation::read(doc).is_some_and(|p| p.closed.is_some())
}

fn certified(doc: &Automerge) -> bool {
    deliberation::read(doc).is_some_and(|p| p.certified.is_some())
}

#[tokio::test]
async fn the_close_marker_is_written_at_the_servers_close_time() {
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = a_vote(&ts, &ann, &staff, Millis::DAY).await;
    let closes = deliberation::read(&proposal_until(&ts, &ann, id, |_| true).await)
        .unwrap()
        .closes_at
        .unwrap();
    // Before the close by the server's clock: nothing, however often it looks.
    ts.srv.run_due().await;
    assert!(!closed(&proposal_until(&ts, &ann, id, |_| true).await));
    ts.advance_days(1);
    let doc = proposal_until(&ts, &ann, id, closed).await;
    let close = deliberation::read(&doc).unwrap().closed.unwrap();
    assert!(
        close.at >= closes,
        "closed at {:?}, due {closes:?}",
        close.at
    );
    assert_eq!(close.members, 2, "the community's members at the close");
    ts.stop().await;
}

#[tokio::test]
async fn a_close_that_fell_due_while_the_server_was_down_is_written_when_it_starts() {
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = a_vote(&ts, &ann, &staff, Millis::DAY).await;
    let ts = ts.restart(1).await;
    // The first thing the new server does is write it: no run asked for here.
    let mut p = Peer::connect(ts.addr, HUQIAN, &ts.add_device(&ann))
        .await
        .unwrap();
    p.doc(id, &deliberation::KIND);
    assert_eq!(p.sync(&[id]).await, Outcome::InStep);
    assert!(closed(&p.docs[&id]));
    ts.stop().await;
}

#[tokio::test]
async fn the_certificate_excludes_a_ballot_from_a_member_whose_other_device_was_sent_the_close() {
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let cai = ts.join(HUQIAN, Role::Resident, "蔡叔").await;
    let dan = ts.join(HUQIAN, Role::Resident, "丁姐").await;
    let id = a_vote(&ts, &ann, &staff, Millis::DAY).await;
    let open = proposal_until(&ts, &ann, id, |_| true).await;

    // Ann votes online. Cai's tablet and Dan's phone vote with no signal, before the close.
    let mut online = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    online.docs.insert(id, open.fork());
    let now = ts.srv.now();
    deliberation::cast(
        online.docs.get_mut(&id).unwrap(),
        &writer(&ann),
        now,
        &choice("for"),
    )
    .unwrap();
    assert_eq!(online.sync(&[id]).await, Outcome::InStep);
    let mut cais_tablet = open.fork();
    deliberation::cast(&mut cais_tablet, &writer(&cai), now, &choice("against")).unwrap();
    let cais_ballot = cais_tablet.get_heads()[0];
    let mut dans_phone = open.fork();
    deliberation::cast(&mut dans_phone, &writer(&dan), now, &choice("against")).unwrap();

    ts.advance_days(1);
    proposal_until(&ts, &ann, id, closed).await;
    // Cai's phone syncs after the close: the server sends it the marker, and records so.
    let mut cais_phone = Peer::connect(ts.addr, HUQIAN, &cai).await.unwrap();
    cais_phone.doc(id, &deliberation::KIND);
    assert_eq!(cais_phone.sync(&[id]).await, Outcome::InStep);
    assert!(closed(&cais_phone.docs[&id]));
    let sent = deliveries_once_sent(&ts, id, &cai).await;
    assert!(
        sent.iter().any(|(m, _)| m == cai.member.as_str()),
        "{sent:?}"
    );
    assert!(!sent.iter().any(|(m, _)| m == dan.member.as_str()));

    // Then the tablet and Dan's phone sync, inside the grace period.
    for (who, doc) in [(&ts.add_device(&cai), cais_tablet), (&dan, dans_phone)] {
        let mut p = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
        p.docs.insert(id, doc);
        assert_eq!(p.sync(&[id]).await, Outcome::InStep);
    }
    // Dan's counts in the provisional result; Cai's does too, until the certificate.
    let provisional = proposal_until(&ts, &ann, id, |_| true).await;
    let t = deliberation::tally(&provisional);
    assert!(t.provisional);
    assert_eq!(t.turnout(), 3);

    ts.advance_days(2);
    let doc = proposal_until(&ts, &ann, id, certified).await;
    let cert = deliberation::read(&doc).unwrap().certified.unwrap();
    assert_eq!(cert.excluded, vec![(cais_ballot, Exclusion::SentClose)]);
    let t = deliberation::tally(&doc);
    assert!(!t.provisional);
    let counted: Vec<&str> = t.counted().map(|c| c.member.as_str()).collect();
    let mut expected = vec![ann.member.as_str(), dan.member.as_str()];
    expected.sort();
    assert_eq!(counted, expected);
    ts.stop().await;
}

/// A device online when the marker is written is sent it at once, and that delivery is on
/// record: the marker's change is watched before samod can send it.
#[tokio::test]
async fn a_device_online_at_the_close_is_on_record_as_sent_the_marker() {
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let cai = ts.join(HUQIAN, Role::Resident, "蔡叔").await;
    let id = a_vote(&ts, &ann, &staff, Millis::DAY).await;
    let mut phone = Peer::connect(ts.addr, HUQIAN, &cai).await.unwrap();
    phone.doc(id, &deliberation::KIND);
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    ts.advance_days(1);
    ts.srv.run_due().await;
    let marker = proposal_until(&ts, &ann, id, closed).await.get_heads();
    assert_eq!(phone.wait_for(id, &marker).await, Outcome::InStep);
    assert!(closed(&phone.docs[&id]));
    let sent = deliveries_once_sent(&ts, id, &cai).await;
    assert!(
        sent.iter().any(|(m, _)| m == cai.member.as_str()),
        "the phone was sent the marker live, and nothing records it: {sent:?}"
    );
    ts.stop().await;
}

#[tokio::test]
async fn a_resident_cannot_write_the_servers_facts_staffs_part_or_another_members_ballot() {
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let id = a_vote(&ts, &ann, &staff, Millis::DAY).await;
    let open = proposal_until(&ts, &ann, id, |_| true).await;
    let root = |doc: &Automerge, name: &str| linli_core::read::map_at(doc, &ROOT, name).unwrap();
    let forgeries: [(&str, &str, &str); 4] = [
        ("facts", "close_at", "0"),
        ("facts", "cert_at", "0"),
        ("assisted", ann.member.as_str(), "for|m_x"),
        ("ballots", ann.member.as_str(), "for"),
    ];
    for (map, key, value) in forgeries {
        let mut doc = open.fork();
        let obj = root(&doc, map);
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.put(&obj, key, value)?;
            Ok(())
        })
        .unwrap();
        let forged = doc.get_heads();
        let mut p = Peer::connect(ts.addr, HUQIAN, &bob).await.unwrap();
        p.docs.insert(id, doc);
        let refused = p.sync(&[id]).await.refused_in(id, "");
        assert_eq!(refused, forged, "{map}/{key}");
    }
    let held = proposal_until(&ts, &ann, id, |_| true).await;
    assert_eq!(held.get_heads(), open.get_heads(), "nothing was stored");
    assert!(deliberation::tally(&held).history.is_empty());
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seed_holds_a_proposal_in_every_state() {
    use deliberation::State::*;
    let ts = TestServer::start().await;
    linli_server::seed::seed_documents(&ts.srv).await;
    ts.srv.run_due().await;
    let newcomer = ts.join(HUQIAN, Role::Resident, "新来的邻居").await;
    let c = community(HUQIAN);
    let idx = deliberation::index_id(&c);
    let mut phone = Peer::connect(ts.addr, HUQIAN, &newcomer).await.unwrap();
    phone.doc(idx, &index::INDEX);
    assert_eq!(phone.sync(&[idx]).await, Outcome::InStep);
    let ids: Vec<DocId> = index::listed(&phone.docs[&idx])
        .iter()
        .map(|l| deliberation::doc_id(&c, &l.id))
        .collect();
    assert_eq!(ids.len(), 7);
    for id in &ids {
        phone.doc(*id, &deliberation::KIND);
    }
    assert_eq!(phone.sync(&ids).await, Outcome::InStep);
    let now = ts.srv.now();
    let state_of = |doc: &Automerge| deliberation::read(doc).map(|p| p.state(now));
    let states: Vec<_> = ids.iter().map(|id| state_of(&phone.docs[id])).collect();
    for s in [
        Discussion, Scheduled, Voting, Closed, Adopted, Rejected, Withdrawn,
    ] {
        assert!(states.contains(&Some(s)), "{s:?} is not in {states:?}");
    }
    let find = |s| ids[states.iter().position(|x| *x == Some(s)).unwrap()];
    // The adopted one: certified, the resident's own ballot replacing the one staff recorded
    // for them, and what was done written for all.
    let adopted = &phone.docs[&find(Adopted)];
    let t = deliberation::tally(adopted);
    assert!(!t.provisional);
    assert_eq!(t.turnout(), 3);
    assert!(t.counted().all(|c| c.assisted_by.is_none()));
    assert_eq!(deliberation::outcomes(adopted).len(), 1);
    assert!(deliberation::tally(&phone.docs[&find(Closed)]).provisional);
    // The closed one is certified by the server's scheduler once its grace period passes.
    let closed = find(Closed);
    ts.advance_days(2);
    proposal_until(&ts, &newcomer, closed, certified).await;
    ts.stop().await;
}
