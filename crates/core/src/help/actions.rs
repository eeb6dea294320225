//! What a person may do with a request now: the views render this and derive no lifecycle
//! rule of their own. Each flag says exactly what the matching command would accept (a test
//! runs every command against every flag), so a button shown is a command that succeeds.

use super::model::{Request, Status};
use crate::doc::Writer;
use crate::{MemberId, Millis, Role};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    /// Offer help, or change one's note (`offer`).
    pub offer: bool,
    /// Withdraw one's offer (`withdraw_offer`).
    pub withdraw: bool,
    /// The helpers whose offers the requester may accept (`accept`).
    pub accept: Vec<MemberId>,
    /// The chosen helper says it is done (`mark_done`).
    pub mark_done: bool,
    /// The requester confirms it was done (`confirm`).
    pub confirm: bool,
    pub cancel: bool,
    /// Keep an expired request open longer (`extend`); shown when it has expired.
    pub extend: bool,
    /// Staff hide it with a reason (`hide`).
    pub hide: bool,
    /// The pair's private document is theirs to open: the requester and the chosen helper.
    pub private: bool,
    /// A member other than its author and staff may report it to staff.
    pub report: bool,
}

pub fn actions(r: &Request, who: &Writer, now: Millis) -> Actions {
    let status = r.status(now);
    let me = &who.member;
    let author = r.author == *me;
    let staff = who.role == Role::Staff;
    let chosen = r.accepted.as_ref() == Some(me);
    let my_offer = r.offer_of(me).filter(|o| !o.withdrawn);
    let finished = matches!(status, Status::Done | Status::Cancelled);
    Actions {
        offer: !author && status.is_open(),
        withdraw: my_offer.is_some() && !chosen,
        accept: if author && matches!(status, Status::Open | Status::Offered) {
            r.offers
                .iter()
                .filter(|o| !o.withdrawn)
                .map(|o| o.helper.clone())
                .collect()
        } else {
            Vec::new()
        },
        mark_done: chosen && status == Status::Accepted,
        confirm: author && matches!(status, Status::Accepted | Status::HelperDone),
        cancel: author && !finished,
        extend: author && status == Status::Expired,
        hide: staff && !r.is_hidden(),
        private: r.accepted.is_some() && (author || chosen),
        report: !author && !staff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::help::{self, Category, RequestDraft, Urgency};
    use crate::schema::{genesis, DocKind};
    use automerge::Automerge;
    use proptest::prelude::*;

    const T0: Millis = Millis(1_796_000_000_000);

    fn who(i: usize) -> Writer {
        let (id, role) = [
            ("m_ann", Role::Resident),
            ("m_bob", Role::Resident),
            ("m_cai", Role::Resident),
            ("m_staff", Role::Staff),
        ][i % 4]
            .clone();
        Writer {
            member: MemberId::parse(id).unwrap(),
            role,
        }
    }

    /// One step of someone's: `(who, command, helper, hours later)`.
    fn step(
        doc: &mut Automerge,
        (w, cmd, helper, hours): (usize, u8, usize, i64),
        now: &mut Millis,
    ) {
        now.0 += hours * 3_600_000;
        let (w, h) = (who(w), who(helper).member);
        let _ = match cmd % 8 {
            0 => help::offer(doc, &w, *now, "r1", "我可以"),
            1 => help::withdraw_offer(doc, &w, *now, "r1"),
            2 => help::accept(doc, &w, *now, "r1", &h),
            3 => help::mark_done(doc, &w, *now, "r1"),
            4 => help::confirm(doc, &w, *now, "r1"),
            5 => help::cancel(doc, &w, *now, "r1"),
            6 => help::extend(doc, &w, *now, "r1", 7),
            _ => help::hide(doc, &w, *now, "r1", "重复发布"),
        };
    }

    proptest! {
        /// Whatever happened to a request, a flag is set exactly when its command succeeds.
        #[test]
        fn the_flags_are_what_the_commands_accept(
            steps in proptest::collection::vec((0usize..4, any::<u8>(), 0usize..4, 0i64..100), 0..12),
            later in 0i64..400,
        ) {
            let mut doc = genesis(&DocKind::HELP);
            let draft = RequestDraft {
                category: Category::Errand,
                title: "帮忙取药".into(),
                details: String::new(),
                urgency: Urgency::Normal,
                place: "3 幢".into(),
                needed_by: None,
                expires_in_days: None,
            };
            help::post_request(&mut doc, &who(0), T0, "r1", &draft).unwrap();
            let mut now = T0;
            for s in steps {
                step(&mut doc, s, &mut now);
            }
            let now = Millis(now.0 + later * 3_600_000);
            let r = help::read_request(&doc, "r1").unwrap();
            for i in 0..4 {
                let w = who(i);
                let a = actions(&r, &w, now);
                let ok = |f: &dyn Fn(&mut Automerge) -> crate::Result<Option<automerge::ChangeHash>>| {
                    f(&mut doc.fork()).is_ok()
                };
                prop_assert_eq!(a.offer, ok(&|d| help::offer(d, &w, now, "r1", "我可以")), "offer {:?}", w);
                prop_assert_eq!(a.withdraw, ok(&|d| help::withdraw_offer(d, &w, now, "r1")), "withdraw {:?}", w);
                for h in 0..4 {
                    let helper = who(h).member;
                    prop_assert_eq!(
                        a.accept.contains(&helper),
                        ok(&|d| help::accept(d, &w, now, "r1", &helper)),
                        "accept {:?} by {:?}", helper, w
                    );
                }
                prop_assert_eq!(a.mark_done, ok(&|d| help::mark_done(d, &w, now, "r1")), "done {:?}", w);
                prop_assert_eq!(a.confirm, ok(&|d| help::confirm(d, &w, now, "r1")), "confirm {:?}", w);
                prop_assert_eq!(a.cancel, ok(&|d| help::cancel(d, &w, now, "r1")), "cancel {:?}", w);
                // Shown more narrowly than allowed: extending is offered once it expired,
                // hiding while it is not hidden yet.
                if a.extend {
                    prop_assert!(ok(&|d| help::extend(d, &w, now, "r1", 7)));
                }
                if a.hide {
                    prop_assert!(ok(&|d| help::hide(d, &w, now, "r1", "重复发布")));
                } else if w.role != Role::Staff {
                    prop_assert!(!ok(&|d| help::hide(d, &w, now, "r1", "重复发布")));
                }
            }
        }
    }
}
