//! What the points pages show, derived: a member's balance at each month's end for the
//! chart, and the month's leaderboard without those who opted out.

use super::certificate::MonthEnd;
use super::ledger::Ledger;
use crate::{MemberId, Millis};

/// Months the chart shows, this one included.
pub const CHART_MONTHS: usize = 12;

/// The member's balance at the end of each of the last twelve months, oldest first, this
/// month's being the balance now. A month a certificate closed shows what it certified;
/// a later month, the certified balance plus the entries up to its end; a month before
/// every certificate the device holds, the nearest earlier certificate's (0 before any).
pub fn chart(
    ends: &[MonthEnd],
    ledger: &Ledger,
    member: &MemberId,
    now: Millis,
) -> Vec<(String, i64)> {
    let (y, m, _) = now.civil_date_china();
    let this = y * 12 + i64::from(m) - 1;
    let latest = ends.last();
    let opened = latest.and_then(|e| e.balance).unwrap_or(0);
    (this + 1 - CHART_MONTHS as i64..=this)
        .map(|i| {
            let start = Millis::china_month_start(i.div_euclid(12), (i.rem_euclid(12) + 1) as u32);
            let month = start.month();
            let end = Millis::china_month_start(i.div_euclid(12), (i.rem_euclid(12) + 2) as u32);
            let balance = if i == this {
                ledger.balance(member)
            } else if latest.is_some_and(|o| o.cut <= start) || latest.is_none() {
                opened
                    + ledger
                        .history(member)
                        .filter(|e| e.at < end)
                        .map(|e| e.amount)
                        .sum::<i64>()
            } else {
                ends.iter()
                    .rev()
                    .find(|e| e.cut <= end)
                    .and_then(|e| e.balance)
                    .unwrap_or(0)
            };
            (month, balance)
        })
        .collect()
}

/// One line of the leaderboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub rank: usize,
    pub member: MemberId,
    pub earned: i64,
}

/// The `n` members who earned most in `month`, leaving out each whom `shown` refuses (a
/// member who opted out, or whose choice the device does not know yet). Equal earnings
/// share a rank.
pub fn board(
    ledger: &Ledger,
    month: &str,
    shown: impl Fn(&MemberId) -> bool,
    n: usize,
) -> Vec<Standing> {
    let mut out: Vec<Standing> = Vec::new();
    for (i, (member, earned)) in ledger
        .earned_in(month)
        .into_iter()
        .filter(|(m, _)| shown(m))
        .take(n)
        .enumerate()
    {
        let rank = match out.last() {
            Some(last) if last.earned == earned => last.rank,
            _ => i + 1,
        };
        out.push(Standing {
            rank,
            member,
            earned,
        });
    }
    out
}
