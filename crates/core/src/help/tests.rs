//! Every transition and every refusal of help's commands, and its write rules as the
//! server's door applies them to raw changes.

use super::*;
use crate::doc::Writer;
use crate::rules::DocContext;
use crate::schema::{genesis, DocKind};
use crate::test_fixtures::{ann, bob, cai, judge, refused, staff};
use crate::{LinliError, Millis, Role};
use automerge::transaction::Transactable;
use automerge::{Automerge, AutomergeError, ObjType, ReadDoc, ROOT};

const T0: Millis = Millis(1_796_000_000_000);

fn draft(title: &str) -> RequestDraft {
    RequestDraft {
        category: Category::Errand,
        title: title.to_owned(),
        details: "药店取药，处方在我这里".to_owned(),
        urgency: Urgency::High,
        place: "3 幢 2 单元".to_owned(),
        needed_by: None,
        expires_in_days: None,
    }
}

/// A help document with Ann's request "r1" posted at T0.
fn posted() -> Automerge {
    let mut doc = genesis(&DocKind::HELP);
    post_request(&mut doc, &ann(), T0, "r1", &draft("帮忙取药")).unwrap();
    doc
}

fn status(doc: &Automerge, now: Millis) -> Status {
    read_request(doc, "r1").unwrap().status(now)
}

#[test]
fn a_posted_request_is_open_with_every_child_map() {
    let doc = posted();
    let r = read_request(&doc, "r1").unwrap();
    assert_eq!(r.author, ann().member);
    assert_eq!(r.title, "帮忙取药");
    assert_eq!(r.expires_at, Millis(T0.0 + 7 * Millis::DAY));
    assert_eq!(r.status(T0), Status::Open);
    let rec = crate::read::map_at(
        &doc,
        &crate::read::map_at(&doc, &ROOT, "requests").unwrap(),
        "r1",
    )
    .unwrap();
    for child in super::rules::MEMBER_MAPS {
        assert!(crate::read::map_at(&doc, &rec, child).is_some(), "{child}");
    }
    // One change creates it all.
    assert_eq!(doc.get_changes(&[]).len(), 2);
}

#[test]
fn bad_requests_are_refused_and_change_nothing() {
    let mut doc = posted();
    let a = ann();
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Title),
        |d| post_request(d, &a, T0, "r2", &draft("  ")),
    );
    refused(
        &mut doc,
        LinliError::TooLong {
            field: crate::error::Field::Title,
            max: TITLE_MAX,
        },
        |d| post_request(d, &a, T0, "r2", &draft(&"长".repeat(81))),
    );
    let mut no_place = draft("借梯子");
    no_place.place = " ".into();
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Place),
        |d| post_request(d, &a, T0, "r2", &no_place),
    );
    let mut forever = draft("借梯子");
    forever.expires_in_days = Some(31);
    refused(
        &mut doc,
        LinliError::OutOfRange {
            field: crate::error::Field::Expiry,
        },
        |d| post_request(d, &a, T0, "r2", &forever),
    );
    let mut past = draft("借梯子");
    past.needed_by = Some(Millis(T0.0 - 1));
    refused(
        &mut doc,
        LinliError::OutOfRange {
            field: crate::error::Field::NeededBy,
        },
        |d| post_request(d, &a, T0, "r2", &past),
    );
    refused(&mut doc, LinliError::BadId, |d| {
        post_request(d, &a, T0, "r1", &draft("同一个编号"))
    });
    refused(&mut doc, LinliError::BadId, |d| {
        post_request(d, &a, T0, "a/b", &draft("坏编号"))
    });
    // Exactly 80 characters is fine.
    post_request(&mut doc, &a, T0, "r3", &draft(&"长".repeat(80))).unwrap();
}

#[test]
fn offers_from_several_neighbours_are_all_kept() {
    let mut doc = posted();
    offer(&mut doc, &bob(), T0, "r1", "我下午有空").unwrap();
    assert_eq!(status(&doc, T0), Status::Offered);
    offer(&mut doc, &cai(), Millis(T0.0 + 1), "r1", "").unwrap();
    let r = read_request(&doc, "r1").unwrap();
    let helpers: Vec<_> = r.offers.iter().map(|o| o.helper.as_str()).collect();
    assert_eq!(helpers, ["m_bob", "m_cai"]);
    // Offering again only updates the note.
    offer(&mut doc, &bob(), Millis(T0.0 + 2), "r1", "傍晚也行").unwrap();
    let r = read_request(&doc, "r1").unwrap();
    assert_eq!(r.offers.len(), 2);
    assert_eq!(r.offer_of(&bob().member).unwrap().note, "傍晚也行");
    assert_eq!(r.offer_of(&bob().member).unwrap().at, T0);

    withdraw_offer(&mut doc, &bob(), T0, "r1").unwrap();
    withdraw_offer(&mut doc, &cai(), T0, "r1").unwrap();
    assert_eq!(status(&doc, T0), Status::Open);
    refused(&mut doc, LinliError::NoSuchOffer, |d| {
        withdraw_offer(d, &bob(), T0, "r1")
    });
}

#[test]
fn offers_are_refused_where_they_make_no_sense() {
    let mut doc = posted();
    refused(&mut doc, LinliError::OwnRequest, |d| {
        offer(d, &ann(), T0, "r1", "")
    });
    refused(
        &mut doc,
        LinliError::TooLong {
            field: crate::error::Field::Note,
            max: NOTE_MAX,
        },
        |d| offer(d, &bob(), T0, "r1", &"话".repeat(101)),
    );
    refused(&mut doc, LinliError::NotFound, |d| {
        offer(d, &bob(), T0, "nope", "")
    });
    cancel(&mut doc, &ann(), T0, "r1").unwrap();
    refused(&mut doc, LinliError::RequestClosed, |d| {
        offer(d, &bob(), T0, "r1", "")
    });
}

#[test]
fn the_whole_lifecycle_open_offered_accepted_done() {
    let mut doc = posted();
    offer(&mut doc, &bob(), T0, "r1", "").unwrap();
    offer(&mut doc, &cai(), T0, "r1", "").unwrap();
    refused(&mut doc, LinliError::NotChosen, |d| {
        confirm(d, &ann(), T0, "r1")
    });
    accept(&mut doc, &ann(), T0, "r1", &bob().member).unwrap();
    assert_eq!(status(&doc, T0), Status::Accepted);
    refused(&mut doc, LinliError::AlreadyAccepted, |d| {
        accept(d, &ann(), T0, "r1", &cai().member)
    });
    refused(&mut doc, LinliError::RequestClosed, |d| {
        offer(d, &cai(), T0, "r1", "")
    });
    refused(&mut doc, LinliError::AlreadyAccepted, |d| {
        withdraw_offer(d, &bob(), T0, "r1")
    });
    refused(&mut doc, LinliError::NotChosen, |d| {
        mark_done(d, &cai(), T0, "r1")
    });
    mark_done(&mut doc, &bob(), T0, "r1").unwrap();
    assert_eq!(status(&doc, T0), Status::HelperDone);
    confirm(&mut doc, &ann(), T0, "r1").unwrap();
    assert_eq!(status(&doc, T0), Status::Done);
    refused(&mut doc, LinliError::RequestClosed, |d| {
        cancel(d, &ann(), T0, "r1")
    });
    refused(&mut doc, LinliError::RequestClosed, |d| {
        confirm(d, &ann(), T0, "r1")
    });
    // C's offer is still there, not chosen.
    let r = read_request(&doc, "r1").unwrap();
    assert!(r.offer_of(&cai().member).is_some());
    assert_eq!(r.accepted, Some(bob().member));
}

#[test]
fn the_requester_may_confirm_before_the_helper_marks_it_done() {
    let mut doc = posted();
    offer(&mut doc, &bob(), T0, "r1", "").unwrap();
    accept(&mut doc, &ann(), T0, "r1", &bob().member).unwrap();
    confirm(&mut doc, &ann(), T0, "r1").unwrap();
    assert_eq!(status(&doc, T0), Status::Done);
    refused(&mut doc, LinliError::RequestClosed, |d| {
        mark_done(d, &bob(), T0, "r1")
    });
}

#[test]
fn only_the_requester_accepts_confirms_cancels_and_extends() {
    let mut doc = posted();
    offer(&mut doc, &bob(), T0, "r1", "").unwrap();
    let forbidden = |path: &str| LinliError::Forbidden { path: path.into() };
    refused(&mut doc, forbidden("requests/r1/accepts/m_bob"), |d| {
        accept(d, &cai(), T0, "r1", &bob().member)
    });
    refused(&mut doc, forbidden("requests/r1/cancelled_at"), |d| {
        cancel(d, &bob(), T0, "r1")
    });
    refused(&mut doc, forbidden("requests/r1/expires_at"), |d| {
        extend(d, &bob(), T0, "r1", 3)
    });
    accept(&mut doc, &ann(), T0, "r1", &bob().member).unwrap();
    refused(&mut doc, forbidden("requests/r1/confirmed_at"), |d| {
        confirm(d, &bob(), T0, "r1")
    });
    refused(&mut doc, LinliError::NoSuchOffer, |d| {
        let mut fresh = posted();
        accept(&mut fresh, &ann(), T0, "r1", &cai().member).map(|_| {
            *d = fresh;
        })
    });
}

#[test]
fn an_expired_request_asks_to_be_extended_before_anything_else() {
    let mut doc = posted();
    offer(&mut doc, &bob(), T0, "r1", "").unwrap();
    let later = Millis(T0.0 + 8 * Millis::DAY);
    assert_eq!(status(&doc, later), Status::Expired);
    refused(&mut doc, LinliError::RequestClosed, |d| {
        accept(d, &ann(), later, "r1", &bob().member)
    });
    refused(&mut doc, LinliError::RequestClosed, |d| {
        offer(d, &cai(), later, "r1", "")
    });
    refused(
        &mut doc,
        LinliError::OutOfRange {
            field: crate::error::Field::Expiry,
        },
        |d| extend(d, &ann(), later, "r1", 0),
    );
    extend(&mut doc, &ann(), later, "r1", 3).unwrap();
    assert_eq!(status(&doc, later), Status::Offered);
    accept(&mut doc, &ann(), later, "r1", &bob().member).unwrap();
}

#[test]
fn cancelled_is_final() {
    let mut doc = posted();
    cancel(&mut doc, &ann(), T0, "r1").unwrap();
    assert_eq!(status(&doc, T0), Status::Cancelled);
    refused(&mut doc, LinliError::RequestClosed, |d| {
        cancel(d, &ann(), T0, "r1")
    });
    refused(&mut doc, LinliError::RequestClosed, |d| {
        extend(d, &ann(), T0, "r1", 3)
    });
}

#[test]
fn only_staff_hide_and_residents_then_no_longer_see_it() {
    let mut doc = posted();
    refused(
        &mut doc,
        LinliError::Forbidden {
            path: "requests/r1/hidden/m_bob".into(),
        },
        |d| hide(d, &bob(), T0, "r1", "广告"),
    );
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Reason),
        |d| hide(d, &staff(), T0, "r1", " "),
    );
    hide(&mut doc, &staff(), T0, "r1", "包含电话号码").unwrap();
    let all = Filter::default();
    assert!(list(&doc, T0, &all, &Role::Resident).is_empty());
    let seen = list(&doc, T0, &all, &Role::Staff);
    assert_eq!(seen[0].hidden[0].reason, "包含电话号码");
}

#[test]
fn acceptances_made_apart_resolve_alike_on_every_replica() {
    let mut phone = posted();
    offer(&mut phone, &bob(), T0, "r1", "").unwrap();
    offer(&mut phone, &cai(), T0, "r1", "").unwrap();
    let mut tablet = phone.fork();
    // Ann's two devices, offline, each choose someone.
    accept(&mut phone, &ann(), Millis(T0.0 + 20), "r1", &cai().member).unwrap();
    accept(&mut tablet, &ann(), Millis(T0.0 + 10), "r1", &bob().member).unwrap();
    phone.merge(&mut tablet.fork()).unwrap();
    tablet.merge(&mut phone.fork()).unwrap();
    for doc in [&phone, &tablet] {
        let r = read_request(doc, "r1").unwrap();
        assert_eq!(
            r.accepted,
            Some(bob().member),
            "the earlier acceptance wins"
        );
        assert_eq!(r.set_aside, vec![cai().member]);
    }
}

#[test]
fn the_list_puts_urgent_and_new_first_and_filters() {
    let mut doc = genesis(&DocKind::HELP);
    let mut low = draft("借梯子");
    low.urgency = Urgency::Low;
    low.category = Category::Lending;
    post_request(&mut doc, &ann(), Millis(T0.0 + 5), "r_low", &low).unwrap();
    post_request(&mut doc, &ann(), T0, "r_old", &draft("取药")).unwrap();
    post_request(&mut doc, &bob(), Millis(T0.0 + 9), "r_new", &draft("买菜")).unwrap();
    let ids = |v: Vec<Request>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = Filter::default();
    assert_eq!(
        ids(list(&doc, T0, &all, &Role::Resident)),
        ["r_new", "r_old", "r_low"]
    );
    let lending = Filter {
        status: None,
        category: Some(Category::Lending),
    };
    assert_eq!(ids(list(&doc, T0, &lending, &Role::Resident)), ["r_low"]);
    offer(&mut doc, &cai(), T0, "r_old", "").unwrap();
    let offered = Filter {
        status: Some(Status::Offered),
        category: None,
    };
    assert_eq!(ids(list(&doc, T0, &offered, &Role::Resident)), ["r_old"]);
    assert_eq!(ids(my_requests(&doc, &ann().member)), ["r_low", "r_old"]);
    assert_eq!(ids(my_offers(&doc, &cai().member)), ["r_old"]);
}

// The write rules on raw changes, as the server's door judges what a doctored app sends.

fn rec(doc: &Automerge, id: &str) -> automerge::ObjId {
    let requests = crate::read::map_at(doc, &ROOT, "requests").unwrap();
    crate::read::map_at(doc, &requests, id).unwrap()
}

#[test]
fn honest_commands_pass_the_door() {
    let mut doc = genesis(&DocKind::HELP);
    let ctx = DocContext::default();
    let check =
        |doc: &mut Automerge,
         who: &Writer,
         f: &dyn Fn(&mut Automerge) -> crate::Result<Option<automerge::ChangeHash>>| {
            let before = doc.get_heads();
            f(doc).unwrap();
            for c in doc.get_changes(&before) {
                RULES.check_change(doc, &c, who, &ctx).unwrap();
            }
        };
    check(&mut doc, &ann(), &|d| {
        post_request(d, &ann(), T0, "r1", &draft("取药"))
    });
    check(&mut doc, &bob(), &|d| offer(d, &bob(), T0, "r1", "我来"));
    check(&mut doc, &ann(), &|d| {
        accept(d, &ann(), T0, "r1", &bob().member)
    });
    check(&mut doc, &bob(), &|d| mark_done(d, &bob(), T0, "r1"));
    check(&mut doc, &ann(), &|d| confirm(d, &ann(), T0, "r1"));
    check(&mut doc, &staff(), &|d| hide(d, &staff(), T0, "r1", "测试"));
}

#[test]
fn the_door_refuses_what_commands_would_never_write() {
    let forbidden = |p: &str| Err(LinliError::Forbidden { path: p.into() });
    // Bob writes Cai's offer.
    let mut doc = posted();
    let offers = crate::read::map_at(&doc, &rec(&doc, "r1"), "offers").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| {
            let o = tx.put_object(&offers, "m_cai", ObjType::Map)?;
            tx.put(&o, "note", "冒充")
        }),
        forbidden("requests/r1/offers/m_cai")
    );
    // Bob edits Ann's title.
    let mut doc = posted();
    let r = rec(&doc, "r1");
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| tx.put(&r, "title", "改了")),
        forbidden("requests/r1/title")
    );
    // Bob, a resident, hides it.
    let mut doc = posted();
    let hidden = crate::read::map_at(&doc, &rec(&doc, "r1"), "hidden").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| {
            tx.put_object(&hidden, "m_bob", ObjType::Map).map(|_| ())
        }),
        forbidden("requests/r1/hidden/m_bob")
    );
    // Ann rewrites who the author is, after the fact.
    let mut doc = posted();
    let r = rec(&doc, "r1");
    assert_eq!(
        judge(&RULES, &mut doc, &ann(), |tx| tx.put(&r, "author", "m_bob")),
        forbidden("requests/r1/author")
    );
    // Bob posts a record over Ann's (an overwrite, not a creation).
    let mut doc = posted();
    let requests = crate::read::map_at(&doc, &ROOT, "requests").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| {
            let o = tx.put_object(&requests, "r1", ObjType::Map)?;
            tx.put(&o, "author", "m_bob")
        }),
        forbidden("requests/r1")
    );
    // Bob, apart, creates a record under the id of Ann's: it would win the conflict.
    let mut doc = posted();
    let mut apart = genesis(&DocKind::HELP);
    let theirs = crate::read::map_at(&apart, &ROOT, "requests").unwrap();
    apart
        .transact::<_, _, AutomergeError>(|tx| {
            let o = tx.put_object(&theirs, "r1", ObjType::Map)?;
            tx.put(&o, "author", "m_bob")?;
            tx.put(&o, "title", "抢占")
        })
        .unwrap();
    let forged = apart.get_changes(&[]).pop().unwrap();
    doc.apply_changes([forged.clone()]).unwrap();
    assert_eq!(
        RULES.check_change(&doc, &forged, &bob(), &DocContext::default()),
        forbidden("requests/r1")
    );
    // Bob deletes Ann's request.
    let mut doc = posted();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| tx.delete(&requests, "r1")),
        forbidden("requests/r1")
    );
    // Bob posts a request in Ann's name.
    let mut doc = genesis(&DocKind::HELP);
    let requests = crate::read::map_at(&doc, &ROOT, "requests").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| {
            let o = tx.put_object(&requests, "r9", ObjType::Map)?;
            tx.put(&o, "author", "m_ann")
        }),
        forbidden("requests/r9")
    );
    // Bob adds an `offers` map to Ann's request after it was created.
    let mut doc = posted();
    let r = rec(&doc, "r1");
    assert_eq!(
        judge(&RULES, &mut doc, &ann(), |tx| tx
            .put_object(&r, "offers", ObjType::Map)
            .map(|_| ())),
        forbidden("requests/r1/offers")
    );
    let _ = doc.get(ROOT, "requests");
}

#[test]
fn the_door_refuses_over_long_fields_and_values_of_the_wrong_kind() {
    use crate::error::Field;
    let too_long = |field, max| Err(LinliError::TooLong { field, max });
    let long = |n: usize| "长".repeat(n + 1);
    // Every field of a request that has a limit, written by Ann's own raw change.
    for (key, field, max) in [
        ("title", Field::Title, commands::TITLE_MAX),
        ("details", Field::Details, commands::DETAILS_MAX),
        ("place", Field::Place, commands::PLACE_MAX),
    ] {
        let mut doc = posted();
        let r = rec(&doc, "r1");
        assert_eq!(
            judge(&RULES, &mut doc, &ann(), |tx| tx.put(&r, key, long(max))),
            too_long(field, max),
            "{key}"
        );
    }
    // The same limits hold when the record is created, in the creating change.
    let mut doc = genesis(&DocKind::HELP);
    let requests = crate::read::map_at(&doc, &ROOT, "requests").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &ann(), |tx| {
            let o = tx.put_object(&requests, "r9", ObjType::Map)?;
            tx.put(&o, "author", "m_ann")?;
            tx.put(&o, "details", "x".repeat(100_000))
        }),
        too_long(Field::Details, commands::DETAILS_MAX)
    );
    // Bob's offer note, and staff's reason for hiding.
    let mut doc = posted();
    let offers = crate::read::map_at(&doc, &rec(&doc, "r1"), "offers").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| tx.put(
            &offers,
            "m_bob",
            long(commands::NOTE_MAX)
        )),
        too_long(Field::Note, commands::NOTE_MAX)
    );
    let mut doc = posted();
    let hidden = crate::read::map_at(&doc, &rec(&doc, "r1"), "hidden").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &staff(), |tx| tx.put(
            &hidden,
            "m_staff",
            long(commands::REASON_MAX)
        )),
        too_long(Field::Reason, commands::REASON_MAX)
    );
    // A category no version knows, a number where text belongs, text where a time belongs.
    let bad = |p: &str| Err(LinliError::BadValue { path: p.into() });
    let mut doc = posted();
    let r = rec(&doc, "r1");
    assert_eq!(
        judge(&RULES, &mut doc, &ann(), |tx| tx
            .put(&r, "category", "bribe")),
        bad("requests/r1/category")
    );
    let mut doc = posted();
    let r = rec(&doc, "r1");
    assert_eq!(
        judge(&RULES, &mut doc, &ann(), |tx| tx.put(&r, "title", 7)),
        bad("requests/r1/title")
    );
    let mut doc = posted();
    let r = rec(&doc, "r1");
    assert_eq!(
        judge(&RULES, &mut doc, &ann(), |tx| tx.put(
            &r,
            "expires_at",
            "soon"
        )),
        bad("requests/r1/expires_at")
    );
    // An entry made a map on first use: exactly what the schema rules out.
    let mut doc = posted();
    let offers = crate::read::map_at(&doc, &rec(&doc, "r1"), "offers").unwrap();
    assert_eq!(
        judge(&RULES, &mut doc, &bob(), |tx| tx
            .put_object(&offers, "m_bob", ObjType::Map)
            .map(|_| ())),
        bad("requests/r1/offers/m_bob")
    );
    // The rules' strings are the model's.
    let cats: Vec<&str> = Category::KNOWN.iter().map(Category::as_str).collect();
    assert_eq!(cats, rules::CATEGORIES);
    let urg: Vec<&str> = Urgency::KNOWN.iter().map(Urgency::as_str).collect();
    assert_eq!(urg, rules::URGENCIES);
}
