//! The server's monthly certificates: after a month and the grace period, every member's
//! balance at the month's end, the heads of the documents folded and which proposals they
//! hold whole (a device never reads those), written into the
//! points document's `facts` under the month (`facts/2026-11`), one text value in one op.
//! Only the server writes there (the door refuses anyone else), so a device trusts what it
//! reads; a certificate that does not read is skipped, never the document.

use super::ledger::{fold_from, proposal_held, Opening, Sources};
use crate::doc::transact;
use crate::read::map_at;
use crate::{LinliError, MemberId, Millis, Result};
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ReadDoc, ROOT};
use std::collections::{BTreeMap, BTreeSet};

/// How long after a month ends its certificate waits, as a vote's does by default: for
/// devices that were offline at the month's end to sync what they did in it.
pub const GRACE: i64 = crate::deliberation::DEFAULT_GRACE_HOURS * Millis::HOUR;

/// Months certified at once at most: a server down for longer writes the last year.
const BACKFILL: i64 = 12;

const MAGIC: &str = "linli-points-certificate 1";

/// The month whose grace has passed by `now`, and its cut (the next month's first instant).
pub fn due(now: Millis) -> (String, Millis) {
    let cut = Millis(now.0 - GRACE).month_start();
    (Millis(cut.0 - 1).month(), cut)
}

/// `YYYY-MM` as a count of months.
fn month_index(month: &str) -> Option<i64> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i64, i64) = (y.parse().ok()?, m.parse().ok()?);
    (month.len() == 7 && (1..=12).contains(&m)).then_some(y * 12 + m - 1)
}

fn month_name(index: i64) -> String {
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// The first instant after the month `index`.
fn cut_after(index: i64) -> Millis {
    Millis::china_month_start(index.div_euclid(12), (index.rem_euclid(12) + 2) as u32)
}

fn encode(o: &Opening) -> String {
    let mut out = format!("{MAGIC}\nthrough {}\ncut {}\n", o.through, o.cut.0);
    for (m, b) in &o.balances {
        out.push_str(&format!("balance {} {b}\n", m.as_str()));
    }
    // A proposal the certificate holds whole is named by its heads line's word, so the
    // list costs nothing beyond the heads every certificate carries.
    for (doc, heads) in &o.heads {
        out.push_str(if o.held.contains(doc) {
            "held "
        } else {
            "heads "
        });
        out.push_str(doc);
        for h in heads {
            out.push(' ');
            out.push_str(&h.to_string());
        }
        out.push('\n');
    }
    out
}

fn decode(text: &str) -> Option<Opening> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let mut o = Opening::default();
    for line in lines {
        let mut words = line.split(' ');
        match words.next()? {
            "through" => o.through = words.next()?.to_owned(),
            "cut" => o.cut = Millis(words.next()?.parse().ok()?),
            "balance" => {
                let member = MemberId::parse(words.next()?).ok()?;
                o.balances.insert(member, words.next()?.parse().ok()?);
            }
            word @ ("heads" | "held") => {
                let doc = words.next()?.to_owned();
                let heads = words.map(|h| h.parse().ok()).collect::<Option<Vec<_>>>()?;
                if word == "held" {
                    o.held.insert(doc.clone());
                }
                o.heads.insert(doc, heads);
            }
            _ => return None,
        }
    }
    month_index(&o.through).is_some().then_some(o)
}

/// Every certificate the points document holds that reads, oldest first.
pub fn certificates(doc: &Automerge) -> Vec<Opening> {
    let Some(facts) = map_at(doc, &ROOT, "facts") else {
        return Vec::new();
    };
    let mut out: Vec<Opening> = doc
        .map_range(&facts, ..)
        .filter(|item| month_index(&item.key).is_some())
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => decode(&s),
            _ => None,
        })
        .filter(|o| month_index(&o.through).map(cut_after) == Some(o.cut))
        .collect();
    crate::sort::by(&mut out, |a, b| a.through.cmp(&b.through));
    out
}

/// The latest certificate, or none yet (an opening of nothing).
pub fn opening(doc: &Automerge) -> Opening {
    certificates(doc).pop().unwrap_or_default()
}

/// The certificates due by `now` that the points document (in `sources`) lacks, oldest
/// first: one for each month after the last certified (the first time, from the month of
/// the earliest fact), through the month whose grace has passed, at most a year of them.
/// `heads` are the heads of every source document now; each certificate holds them, with
/// the last certificate's heads of documents not folded this time.
pub fn certify(
    now: Millis,
    sources: &Sources<'_>,
    heads: BTreeMap<String, Vec<ChangeHash>>,
) -> Vec<Opening> {
    let last = sources.points.map(|(_, d)| opening(d)).unwrap_or_default();
    let (through, _) = due(now);
    let Some(through) = month_index(&through) else {
        return Vec::new();
    };
    let ledger = fold_from(&last, sources);
    let first = match month_index(&last.through) {
        Some(m) => m + 1,
        None => match ledger.entries().first() {
            Some(e) => month_index(&e.at.month()).unwrap_or(through),
            None => through,
        },
    };
    let mut all = last.heads.clone();
    all.extend(heads);
    (first.max(through - BACKFILL + 1)..=through)
        .map(|m| {
            let mut c = ledger.closing(&month_name(m), cut_after(m), all.clone());
            c.held = held(&c, &last, sources.proposals);
            c
        })
        .collect()
}

/// The proposals certificate `c` holds whole: those the last certificate held (their heads
/// are among `c`'s, and nothing of a proposal certified is left to pay), and those whose
/// vote was certified before `c`'s cut, read from the server's copies.
fn held(c: &Opening, last: &Opening, proposals: &[(&str, &Automerge)]) -> BTreeSet<String> {
    let mut held = last.held.clone();
    let new: Vec<String> = proposals
        .iter()
        .filter(|(id, doc)| !held.contains(*id) && proposal_held(id, doc, c))
        .map(|(id, _)| (*id).to_owned())
        .collect();
    held.extend(new);
    held
}

/// Writes `certs` into the points document, each under its month, in one change. The
/// server alone calls this, under its own actor.
pub fn write_certificate(
    doc: &mut Automerge,
    now: Millis,
    certs: &[Opening],
) -> Result<Option<ChangeHash>> {
    let facts =
        map_at(doc, &ROOT, "facts").ok_or_else(|| LinliError::Damaged("no facts map".into()))?;
    if certs.is_empty() {
        return Ok(None);
    }
    let (_, hash) = transact(doc, now, |tx| {
        for c in certs {
            tx.put(&facts, c.through.as_str(), encode(c))?;
        }
        Ok(())
    })?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_reads_back_as_written_and_a_damaged_one_not_at_all() {
        let o = Opening {
            through: "2026-11".into(),
            cut: cut_after(month_index("2026-11").unwrap()),
            balances: BTreeMap::from([(MemberId::parse("m_ann").unwrap(), -5)]),
            heads: BTreeMap::from([
                ("docA".into(), vec![ChangeHash([7; 32])]),
                (
                    "docB".into(),
                    vec![ChangeHash([8; 32]), ChangeHash([9; 32])],
                ),
            ]),
            held: BTreeSet::from(["docB".to_owned()]),
        };
        assert_eq!(decode(&encode(&o)), Some(o.clone()));
        assert!(encode(&o).contains("\nheads docA ") && encode(&o).contains("\nheld docB "));
        // A certificate written before proposals were named held reads with none held.
        let older = encode(&o).replace("\nheld docB ", "\nheads docB ");
        let read = decode(&older).unwrap();
        assert!(read.held.is_empty());
        assert_eq!(read.heads, o.heads);
        assert_eq!(o.cut, Millis(1_796_054_400_000));
        for broken in ["", "through 2026-11", &encode(&o).replace("-5", "x")] {
            assert_eq!(decode(broken), None, "{broken}");
        }
    }

    #[test]
    fn a_month_is_due_once_its_grace_has_passed() {
        let december = Millis(1_796_054_400_000);
        assert_eq!(
            due(Millis(december.0 + GRACE)),
            ("2026-11".into(), december)
        );
        assert_eq!(due(Millis(december.0 + GRACE - 1)).0, "2026-10");
        assert_eq!(month_index("2026-13"), None);
        assert_eq!(
            cut_after(month_index("2026-12").unwrap()).month(),
            "2027-01"
        );
    }
}
