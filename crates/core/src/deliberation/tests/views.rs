//! What the pages are given: who may do what now, the list's rows and order, staff's queue,
//! and the commands only the pages reach (editing, comment edits, outcomes).

use super::*;
use crate::deliberation::list::{order, row, staff_queue, Community};

fn forbidden(path: &str) -> LinliError {
    LinliError::Forbidden { path: path.into() }
}

const TOWN: Community = Community {
    members: 20,
    support_pct: DEFAULT_SUPPORT_PCT,
};

#[test]
fn actions_follow_the_state_and_the_role() {
    let mut doc = blank();
    create(&mut doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    let a = actions(&doc, &ann(), T0);
    assert!(a.publish && a.edit && a.withdraw && !a.comment && !a.vote);
    assert!(!actions(&doc, &bob(), T0).publish);
    publish(&mut doc, &ann(), T0).unwrap();
    let b = actions(&doc, &bob(), T0);
    assert!(b.support && b.comment && !b.edit && !b.withdraw && !b.set_window);
    assert!(!b.see_results, "nothing to see before a vote");
    support(&mut doc, &bob(), T0).unwrap();
    let b = actions(&doc, &bob(), T0);
    assert!(b.supported && !b.support);
    assert!(actions(&doc, &staff(), T0).set_window);
    set_window(&mut doc, &staff(), T0, at(1), at(25), 50, 50).unwrap();
    let b = actions(&doc, &bob(), at(2));
    assert!(b.vote && !b.support && !b.see_results);
    assert!(
        !actions(&doc, &ann(), at(2)).edit,
        "what people vote on stays put"
    );
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    let b = actions(&doc, &bob(), at(2));
    assert!(
        b.voted && b.see_results && b.vote,
        "a ballot changes until the close"
    );
    assert!(!actions(&doc, &cai(), at(2)).see_results);
    let s = actions(&doc, &staff(), at(2));
    assert!(s.close_early && s.assist && !s.outcome);
    // Once the window has passed every member sees the provisional result.
    let c = actions(&doc, &cai(), at(26));
    assert!(c.see_results && !c.vote);
    write_close(&mut doc, at(25), 3).unwrap();
    certify(&mut doc, at(73), |_| false).unwrap();
    assert!(actions(&doc, &staff(), at(73)).outcome);
    assert!(!actions(&doc, &cai(), at(73)).outcome);
}

#[test]
fn a_ballot_staff_recorded_counts_as_having_voted() {
    let mut doc = voting();
    assist(&mut doc, &staff(), at(2), &cai().member, &choice("for")).unwrap();
    assert!(actions(&doc, &cai(), at(2)).voted);
}

#[test]
fn the_author_edits_until_voting_opens_and_never_after() {
    let mut doc = blank();
    create(&mut doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    publish(&mut doc, &ann(), T0).unwrap();
    edit(&mut doc, &ann(), T0, " 车棚改到 5 栋 ", "新的说明").unwrap();
    let p = read(&doc).unwrap();
    assert_eq!(
        (p.title.as_str(), p.body.as_str()),
        ("车棚改到 5 栋", "新的说明")
    );
    refused(&mut doc, forbidden("proposal/p/title"), |d| {
        edit(d, &bob(), T0, "别人的标题", "")
    });
    refused(
        &mut doc,
        LinliError::Empty(crate::error::Field::Title),
        |d| edit(d, &ann(), T0, "  ", ""),
    );
    set_window(&mut doc, &staff(), T0, at(1), at(25), 50, 50).unwrap();
    refused(&mut doc, LinliError::VotingOpened, |d| {
        edit(d, &ann(), at(2), "投票中改标题", "")
    });
}

#[test]
fn a_comments_author_edits_it_and_nobody_else_does() {
    let mut doc = voting();
    comment(&mut doc, &bob(), at(2), "c1", None, "我支持").unwrap();
    edit_comment(&mut doc, &bob(), at(3), "c1", "我支持，但要加顶棚").unwrap();
    let c = &comments(&doc)[0];
    assert_eq!(c.text, "我支持，但要加顶棚");
    assert!(c.edited);
    refused(&mut doc, forbidden("comments/c1/text"), |d| {
        edit_comment(d, &cai(), at(3), "c1", "改别人的话")
    });
    refused(&mut doc, LinliError::NotFound, |d| {
        edit_comment(d, &bob(), at(3), "c9", "没有这条")
    });
}

#[test]
fn outcomes_are_staffs_once_certified_and_each_update_is_kept() {
    let mut doc = voting();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    refused(&mut doc, LinliError::WrongState, |d| {
        record_outcome(d, &staff(), at(3), "还没有结果")
    });
    write_close(&mut doc, at(25), 2).unwrap();
    certify(&mut doc, at(73), |_| false).unwrap();
    let key = format!("{:013}-m_bob", at(74).0);
    refused(&mut doc, forbidden(&format!("outcome/{key}")), |d| {
        record_outcome(d, &bob(), at(74), "居民写的结果")
    });
    record_outcome(&mut doc, &staff(), at(74), "通过：下月动工").unwrap();
    // Another desk's update, written apart, is kept beside it.
    let mut other = doc.fork();
    record_outcome(&mut other, &staff(), at(200), "车棚已建成").unwrap();
    doc.merge(&mut other).unwrap();
    let texts: Vec<String> = outcomes(&doc).into_iter().map(|o| o.text).collect();
    assert_eq!(texts, ["通过：下月动工", "车棚已建成"]);
}

#[test]
fn the_list_hides_others_drafts_and_puts_the_vote_closing_soonest_first() {
    let make = |title: &str, window: Option<(i64, i64)>| {
        let mut doc = blank();
        let mut d = draft(Decision::ForAgainst);
        d.title = title.into();
        create(&mut doc, &ann(), T0, &d).unwrap();
        publish(&mut doc, &ann(), T0).unwrap();
        if let Some((o, c)) = window {
            set_window(&mut doc, &staff(), T0, at(o), at(c), 50, 50).unwrap();
        }
        doc
    };
    let mut draft_doc = blank();
    create(&mut draft_doc, &ann(), T0, &draft(Decision::ForAgainst)).unwrap();
    assert!(row(&draft_doc, "d", &bob().member, T0, TOWN).is_none());
    assert!(row(&draft_doc, "d", &ann().member, T0, TOWN).is_some());

    let mut supported = make("有人支持", None);
    support(&mut supported, &bob(), T0).unwrap();
    let docs = [
        ("late", make("后截止", Some((1, 50)))),
        ("soon", make("先截止", Some((1, 10)))),
        ("talk", make("讨论中", None)),
        ("ready", supported),
        ("later", make("未开始", Some((30, 60)))),
    ];
    let mut rows: Vec<_> = docs
        .iter()
        .map(|(id, d)| row(d, id, &bob().member, at(2), TOWN).unwrap())
        .collect();
    rows.sort_by(order);
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["soon", "late", "later", "ready", "talk"]);
    assert!(rows[3].ready, "1 of 20 is the 5 % a vote needs");
    let queue: Vec<&str> = staff_queue(&rows).iter().map(|r| r.id.as_str()).collect();
    assert_eq!(queue, ["ready"]);
}

#[test]
fn the_list_counts_each_voter_once_and_asks_staff_for_an_outcome() {
    let mut doc = voting();
    cast(&mut doc, &bob(), at(2), &choice("for")).unwrap();
    cast(&mut doc, &bob(), at(3), &choice("against")).unwrap();
    assist(&mut doc, &staff(), at(2), &bob().member, &choice("for")).unwrap();
    assist(&mut doc, &staff(), at(2), &cai().member, &choice("for")).unwrap();
    assert_eq!(
        row(&doc, "p", &ann().member, at(4), TOWN).unwrap().ballots,
        2
    );
    write_close(&mut doc, at(25), 3).unwrap();
    certify(&mut doc, at(73), |_| false).unwrap();
    let r = row(&doc, "p", &ann().member, at(73), TOWN).unwrap();
    assert!(r.needs_outcome);
    record_outcome(&mut doc, &staff(), at(74), "通过").unwrap();
    assert!(
        !row(&doc, "p", &ann().member, at(74), TOWN)
            .unwrap()
            .needs_outcome
    );
}

/// The kept rows are always the rows read afresh: after a ballot in one proposal, across a
/// vote's close, after a publish, and with a proposal gone from the list.
#[test]
fn kept_rows_are_the_rows_read_again() {
    use crate::deliberation::list::Rows;
    let me = cai().member;
    let mut docs: Vec<(String, Automerge)> = (0..4).map(|i| (format!("p{i}"), voting())).collect();
    let mut draft_doc = blank();
    create(&mut draft_doc, &bob(), T0, &draft(Decision::ForAgainst)).unwrap();
    docs.push(("p_draft".into(), draft_doc));
    let fresh = |docs: &[(String, Automerge)], now: Millis| {
        let mut rows: Vec<_> = docs
            .iter()
            .filter_map(|(id, d)| row(d, id, &me, now, TOWN))
            .collect();
        rows.sort_by(order);
        rows
    };
    let mut kept = Rows::default();
    let mut check = |docs: &[(String, Automerge)], now: Millis| {
        for (id, d) in docs {
            kept.refresh(id, d, &me, now, TOWN);
        }
        let listed = kept.list(docs.iter().map(|(id, _)| id.as_str()));
        assert_eq!(listed, fresh(docs, now));
    };
    check(&docs, at(0));
    check(&docs, at(2)); // every vote opened
    cast(&mut docs[1].1, &bob(), at(3), &choice("for")).unwrap();
    check(&docs, at(3));
    publish(&mut docs[4].1, &bob(), at(4)).unwrap(); // someone else's draft, now listed
    check(&docs, at(4));
    check(&docs, at(26)); // every vote closed
    docs.remove(2);
    check(&docs, at(27));
}
