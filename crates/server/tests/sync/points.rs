//! Points at the door: every member holds the community's points document, staff's desk
//! writes it, a member reads what staff wrote, and a resident's own entry is refused alone,
//! with nothing stored; the server certifies each month's balances once, after the grace,
//! and at start when a month fell due while it was down.

use super::writer;
use crate::harness::*;
use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjType, ROOT};
use linli_core::points::{self, Sources};
use linli_core::{help, DocKind, Millis, Role};
use linli_server::db::Joined;

const NOW: Millis = Millis(1_796_000_000_000);

#[tokio::test]
async fn staff_write_the_points_document_and_a_residents_own_entry_is_refused_with_nothing_stored()
{
    let ts = TestServer::start().await;
    let staff = ts.join(HUQIAN, Role::Staff, "张主任").await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let id = points::doc_id(&community(HUQIAN));

    // Staff's desk: an item in the catalogue, and a redemption that overdraws.
    let mut desk = Peer::connect(ts.addr, HUQIAN, &staff).await.unwrap();
    desk.doc(id, &points::KIND);
    assert_eq!(desk.sync(&[id]).await, Outcome::InStep);
    let members = [ann.member.clone(), staff.member.clone()];
    let doc = desk.docs.get_mut(&id).unwrap();
    let w = writer(&staff);
    points::set_item(doc, &w, NOW, "meal", "长者食堂午餐", 15, false).unwrap();
    points::redeem(doc, &w, NOW, "x1", &ann.member, "meal", &members).unwrap();
    assert_eq!(desk.sync(&[id]).await, Outcome::InStep);

    // Ann's phone receives it, and her ledger shows it, flagged.
    let mut phone = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    phone.doc(id, &points::KIND);
    assert_eq!(phone.sync(&[id]).await, Outcome::InStep);
    let stored = phone.docs[&id].get_heads();
    let ledger = points::fold(&Sources {
        points: Some(("points", &phone.docs[&id])),
        ..Default::default()
    });
    assert_eq!(ledger.balance(&ann.member), -15);
    assert_eq!(ledger.flagged().count(), 1);

    // A doctored app on Ann's phone writes her a correction of her own.
    let doc = phone.docs.get_mut(&id).unwrap();
    let entries = linli_core::read::map_at(doc, &ROOT, "entries").unwrap();
    doc.transact::<_, _, AutomergeError>(|tx| {
        let e = tx.put_object(&entries, "c9", ObjType::Map)?;
        tx.put(&e, "author", ann.member.as_str())?;
        tx.put(&e, "kind", "correct")?;
        tx.put(&e, "at", NOW.0)?;
        tx.put(&e, "member", ann.member.as_str())?;
        tx.put(&e, "amount", 500)?;
        tx.put(&e, "reason", "自己加")?;
        Ok(())
    })
    .unwrap();
    let forged = phone.docs[&id].get_heads();
    assert_eq!(phone.sync(&[id]).await.refused_in(id, ""), forged);

    // Another device of staff's finds only what staff wrote.
    let mut other = Peer::connect(ts.addr, HUQIAN, &ts.add_device(&staff))
        .await
        .unwrap();
    other.doc(id, &points::KIND);
    assert_eq!(other.sync(&[id]).await, Outcome::InStep);
    assert_eq!(other.docs[&id].get_heads(), stored, "nothing was stored");
    ts.stop().await;
}

/// The certificates a member's phone reads in the points document now.
async fn certificates(ts: &TestServer, who: &Joined) -> (Peer, Vec<points::Opening>) {
    let id = points::doc_id(&community(HUQIAN));
    let mut p = Peer::connect(ts.addr, HUQIAN, who).await.unwrap();
    p.doc(id, &points::KIND);
    assert_eq!(p.sync(&[id]).await, Outcome::InStep);
    let certs = points::certificates(&p.docs[&id]);
    (p, certs)
}

#[tokio::test]
async fn certified_balances_are_written_once_a_month_after_the_grace_and_at_start_if_due_while_down(
) {
    let ts = TestServer::start().await;
    let ann = ts.join(HUQIAN, Role::Resident, "王阿姨").await;
    let bob = ts.join(HUQIAN, Role::Resident, "李叔").await;
    let c = community(HUQIAN);
    let now = ts.srv.now();
    let month = now.month();
    let help_id = help::doc_id(&c, now);

    // Bob helps Ann this month, and she confirms it.
    let mut a = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    let doc = a.doc(help_id, &DocKind::HELP);
    help::post_request(doc, &writer(&ann), now, "r1", &super::help::draft()).unwrap();
    assert_eq!(a.sync(&[help_id]).await, Outcome::InStep);
    let mut b = Peer::connect(ts.addr, HUQIAN, &bob).await.unwrap();
    b.doc(help_id, &DocKind::HELP);
    assert_eq!(b.sync(&[help_id]).await, Outcome::InStep);
    let doc = b.docs.get_mut(&help_id).unwrap();
    help::offer(doc, &writer(&bob), now, "r1", "我来").unwrap();
    assert_eq!(b.sync(&[help_id]).await, Outcome::InStep);
    let mut a = Peer::connect(ts.addr, HUQIAN, &ann).await.unwrap();
    a.doc(help_id, &DocKind::HELP);
    assert_eq!(a.sync(&[help_id]).await, Outcome::InStep);
    let doc = a.docs.get_mut(&help_id).unwrap();
    help::accept(doc, &writer(&ann), now, "r1", &bob.member).unwrap();
    help::confirm(doc, &writer(&ann), now, "r1").unwrap();
    assert_eq!(a.sync(&[help_id]).await, Outcome::InStep);
    ts.srv.run_due().await;
    let (_, certs) = certificates(&ts, &ann).await;
    assert!(
        certs.iter().all(|o| o.through < month),
        "not this month's yet"
    );

    // An hour before the month's grace ends, nothing; an hour after, its certificate.
    let (y, m, _) = now.civil_date_china();
    let cut = Millis::china_month_start(y, m + 1);
    ts.advance(cut.0 + points::GRACE - Millis::HOUR - now.0);
    assert_eq!(ts.srv.run_due().await.certified, 0);
    ts.advance(2 * Millis::HOUR);
    assert_eq!(ts.srv.run_due().await.certified, 2, "each community's");
    let (phone, certs) = certificates(&ts, &bob).await;
    let last = certs.last().expect("certified");
    assert_eq!((last.through.as_str(), last.cut), (month.as_str(), cut));
    assert_eq!(last.balances.get(&bob.member), Some(&10));
    // It agrees with a fold of the same documents on the phone.
    let mut help_doc = Peer::connect(ts.addr, HUQIAN, &bob).await.unwrap();
    help_doc.doc(help_id, &DocKind::HELP);
    assert_eq!(help_doc.sync(&[help_id]).await, Outcome::InStep);
    let points_id = points::doc_id(&c).to_string();
    let help_key = help_id.to_string();
    let help = [(help_key.as_str(), &help_doc.docs[&help_id])];
    let sources = Sources {
        points: Some((points_id.as_str(), &phone.docs[&points::doc_id(&c)])),
        help: &help,
        proposals: &[],
    };
    let whole = points::fold(&sources);
    assert_eq!(whole.balances(), last.balances);
    assert_eq!(
        points::fold_from(last, &sources).balances(),
        whole.balances()
    );
    // Once a month: the next runs write nothing.
    assert_eq!(ts.srv.run_due().await.certified, 0);
    let (_, again) = certificates(&ts, &bob).await;
    assert_eq!(again, certs);

    // Down across the next month's end: its certificate is written when the server starts.
    let ts = ts.restart(32).await;
    let (_, after) = certificates(&ts, &bob).await;
    assert_eq!(after.len(), certs.len() + 1);
    let next = after.last().unwrap();
    assert!(next.through > month && next.cut > cut);
    assert_eq!(next.balances.get(&bob.member), Some(&10));
    ts.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_seed_holds_a_catalogue_months_of_history_and_one_flagged_overdraft() {
    let ts = TestServer::seeded().await;
    let newcomer = ts.join(HUQIAN, Role::Resident, "新来的邻居").await;
    let c = community(HUQIAN);
    let now = ts.srv.now();
    let (mut phone, certs) = certificates(&ts, &newcomer).await;
    let id = points::doc_id(&c);
    assert_eq!(points::catalogue(&phone.docs[&id]).len(), 5);
    // The months past are certified from the first one with a fact.
    assert!(certs.len() >= 2, "{} certificates", certs.len());
    assert_eq!(certs.last().unwrap().through, points::due(now).0);
    assert!(certs.last().unwrap().balances.values().any(|b| *b > 0));

    // The phone holds this month's help and last month's: onto the certificate, one
    // redemption is flagged, the one that overdrew.
    let help_ids = help::recent_docs(&c, now);
    for h in help_ids {
        phone.doc(h, &DocKind::HELP);
    }
    assert_eq!(phone.sync(&help_ids).await, Outcome::InStep);
    let keys: Vec<String> = help_ids.iter().map(|h| h.to_string()).collect();
    let help: Vec<(&str, &automerge::Automerge)> = keys
        .iter()
        .zip(help_ids)
        .map(|(k, h)| (k.as_str(), &phone.docs[&h]))
        .collect();
    let key = id.to_string();
    let ledger = points::fold_from(
        certs.last().unwrap(),
        &Sources {
            points: Some((key.as_str(), &phone.docs[&id])),
            help: &help,
            proposals: &[],
        },
    );
    let flagged: Vec<_> = ledger.flagged().collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0].amount, -40);
    ts.stop().await;
}
