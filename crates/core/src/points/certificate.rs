//! The server's monthly certificates: after a month and the grace period, every member's
//! balance at the month's end, the heads of the documents folded and which proposals they
//! hold whole (a device never reads those), written into the points document's `facts`
//! under the month (`facts/2026-11`), one text value in one op. Only the server writes
//! there (the door refuses anyone else), so a device trusts what it reads; a certificate
//! that does not read is skipped, never the document.

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
    for (doc, heads) in &o.heads {
        out.push_str("heads ");
        out.push_str(doc);
        for h in heads {
            out.push(' ');
            out.push_str(&h.to_string());
        }
        out.push('\n');
    }
    // A proposal held whole is named without its heads: most of a year's documents are
    // such proposals, and their hashes were most of each month's certificate.
    for doc in &o.held {
        out.push_str("held ");
        out.push_str(doc);
        out.push('\n');
    }
    out
}

/// One line of a certificate, borrowed: both readers walk the same lines, so a certificate
/// one of them skips, the other skips too.
enum Line<'a> {
    Through(&'a str),
    Cut(Millis),
    Balance(&'a str, i64),
    Heads {
        doc: &'a str,
        hashes: &'a str,
        held: bool,
    },
}

/// Hands each line of `text` to `each`; `None` if any line does not read (the whole
/// certificate is then skipped).
fn walk<'a>(text: &'a str, mut each: impl FnMut(Line<'a>)) -> Option<()> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    for line in lines {
        let mut words = line.split(' ');
        let read = match words.next()? {
            "through" => Line::Through(words.next()?),
            "cut" => Line::Cut(Millis(words.next()?.parse().ok()?)),
            "balance" => {
                let member = words.next().filter(|m| crate::id::is_slug(m))?;
                Line::Balance(member, words.next()?.parse().ok()?)
            }
            word @ ("heads" | "held") => {
                let doc = words.next()?;
                // What a change hash reads from, checked without building one.
                let hash = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
                if !words.all(hash) {
                    return None;
                }
                let hashes = line[word.len() + 1 + doc.len()..].trim_start_matches(' ');
                Line::Heads {
                    doc,
                    hashes,
                    held: word == "held",
                }
            }
            _ => return None,
        };
        each(read);
    }
    Some(())
}

/// Whether a certificate's month and cut agree, as the server writes them.
fn closes(through: &str, cut: Millis) -> bool {
    month_index(through).map(cut_after) == Some(cut)
}

fn decode(text: &str) -> Option<Opening> {
    let mut o = Opening::default();
    let mut hashes_read = true;
    walk(text, |line| match line {
        Line::Through(t) => o.through = t.to_owned(),
        Line::Cut(c) => o.cut = c,
        Line::Balance(m, b) => {
            if let Ok(m) = MemberId::parse(m) {
                o.balances.insert(m, b);
            }
        }
        Line::Heads {
            doc, held: true, ..
        } => {
            o.held.insert(doc.to_owned());
        }
        Line::Heads { doc, hashes, .. } => {
            let heads: Option<Vec<ChangeHash>> = hashes
                .split(' ')
                .filter(|h| !h.is_empty())
                .map(|h| h.parse().ok())
                .collect();
            hashes_read &= heads.is_some();
            o.heads.insert(doc.to_owned(), heads.unwrap_or_default());
        }
    })?;
    (hashes_read && closes(&o.through, o.cut)).then_some(o)
}

/// What the chart needs of one certificate: its month, its cut, and one member's balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthEnd {
    pub through: String,
    pub cut: Millis,
    /// `None` for a member the certificate does not name (one who joined since).
    pub balance: Option<i64>,
}

fn month_end(text: &str, member: Option<&MemberId>) -> Option<MonthEnd> {
    let (mut through, mut cut, mut balance) = ("", Millis::default(), None);
    walk(text, |line| match line {
        Line::Through(t) => through = t,
        Line::Cut(c) => cut = c,
        Line::Balance(m, b) if Some(m) == member.map(MemberId::as_str) => balance = Some(b),
        _ => {}
    })?;
    closes(through, cut).then(|| MonthEnd {
        through: through.to_owned(),
        cut,
        balance,
    })
}

/// Every value under a month's key in `facts`, with its key, oldest month first (keys are
/// `YYYY-MM`, which sort as they come). A certificate reads only under its own month.
fn texts(doc: &Automerge) -> Vec<(String, std::borrow::Cow<'_, str>)> {
    let Some(facts) = map_at(doc, &ROOT, "facts") else {
        return Vec::new();
    };
    doc.map_range(&facts, ..)
        .filter(|item| month_index(&item.key).is_some())
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                Some((item.key.to_string(), s))
            }
            _ => None,
        })
        .collect()
}

/// Every certificate the points document holds that reads, oldest first.
pub fn certificates(doc: &Automerge) -> Vec<Opening> {
    texts(doc)
        .iter()
        .filter_map(|(month, t)| decode(t).filter(|o| &o.through == month))
        .collect()
}

/// Each certificate's month end for `member`, oldest first: [`certificates`] without
/// building every member's balance and every document's heads a year of them holds.
pub fn month_ends(doc: &Automerge, member: &MemberId) -> Vec<MonthEnd> {
    texts(doc)
        .iter()
        .filter_map(|(month, t)| month_end(t, Some(member)).filter(|e| &e.through == month))
        .collect()
}

/// The latest certificate, or none yet (an opening of nothing): the last of
/// [`certificates`], the only one read.
pub fn opening(doc: &Automerge) -> Opening {
    texts(doc)
        .iter()
        .rev()
        .find_map(|(month, t)| decode(t).filter(|o| &o.through == month))
        .unwrap_or_default()
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
            c.heads.retain(|doc, _| !c.held.contains(doc));
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
            heads: BTreeMap::from([(
                "docA".into(),
                vec![ChangeHash([7; 32]), ChangeHash([9; 32])],
            )]),
            held: BTreeSet::from(["docB".to_owned()]),
        };
        assert_eq!(decode(&encode(&o)), Some(o.clone()));
        assert!(encode(&o).contains("\nheads docA ") && encode(&o).ends_with("\nheld docB\n"));
        // A certificate written before proposals were named held reads with none held.
        let older = encode(&o).replace("\nheld docB\n", "\n");
        let read = decode(&older).unwrap();
        assert!(read.held.is_empty());
        assert_eq!(read.heads, o.heads);
        assert_eq!(o.cut, Millis(1_796_054_400_000));
        for broken in ["", "through 2026-11", &encode(&o).replace("-5", "x")] {
            assert_eq!(decode(broken), None, "{broken}");
        }
    }

    fn sample(through: &str) -> Opening {
        Opening {
            through: through.into(),
            cut: cut_after(month_index(through).unwrap()),
            balances: BTreeMap::from([
                (MemberId::parse("m_ann").unwrap(), 15),
                (MemberId::parse("m_bob").unwrap(), -5),
            ]),
            heads: BTreeMap::from([
                ("docA".into(), vec![ChangeHash([7; 32])]),
                ("docC".into(), vec![ChangeHash([8; 32])]),
            ]),
            held: BTreeSet::from(["docB".to_owned()]),
        }
    }

    proptest::proptest! {
        /// A certificate damaged anywhere reads alike through both readers: the chart's
        /// month end exists exactly when the whole certificate reads, and then agrees.
        #[test]
        fn both_readers_skip_the_same_damaged_certificates(
            at in 0usize..400,
            with in proptest::sample::select(vec![" ", "x", "\n", "0", "-", "g", "", "  "]),
        ) {
            let text = encode(&sample("2026-10"));
            let at = at % (text.len() + 1);
            let damaged = format!("{}{with}{}", &text[..at], &text[(at + 1).min(text.len())..]);
            let ann = MemberId::parse("m_ann").unwrap();
            let whole = decode(&damaged);
            let end = month_end(&damaged, Some(&ann));
            proptest::prop_assert_eq!(whole.is_some(), end.is_some(), "{:?}", damaged);
            if let (Some(o), Some(e)) = (whole, end) {
                proptest::prop_assert_eq!(e, MonthEnd {
                    through: o.through.clone(),
                    cut: o.cut,
                    balance: o.balances.get(&ann).copied(),
                });
            }
        }
    }

    #[test]
    fn the_latest_certificate_and_the_month_ends_are_those_of_every_certificate_read_whole() {
        let mut doc = crate::schema::genesis_with(&super::super::KIND, super::super::ROOTS);
        let now = Millis(1_796_054_400_000);
        assert_eq!(opening(&doc), Opening::default());
        let certs = [sample("2026-08"), sample("2026-09"), sample("2026-10")];
        write_certificate(&mut doc, now, &certs).unwrap();
        // Damaged ones, under later months: none of them reads, through either reader.
        let bad_hash = encode(&sample("2026-11")).replace(&"07".repeat(32), &"07".repeat(31));
        let bad_cut = encode(&sample("2026-12")).replace("cut ", "cut 1");
        let facts = map_at(&doc, &ROOT, "facts").unwrap();
        let mut tx = doc.transaction();
        tx.put(&facts, "2026-11", bad_hash).unwrap();
        tx.put(&facts, "2026-12", bad_cut).unwrap();
        tx.put(&facts, "2027-01", "not a certificate").unwrap();
        // A whole certificate under another month's key.
        tx.put(&facts, "2027-02", encode(&sample("2026-10")))
            .unwrap();
        tx.commit();
        let all = certificates(&doc);
        assert_eq!(all, certs);
        assert_eq!(opening(&doc), certs[2]);
        for who in ["m_ann", "m_bob", "m_zed"] {
            let m = MemberId::parse(who).unwrap();
            let expected: Vec<MonthEnd> = all
                .iter()
                .map(|o| MonthEnd {
                    through: o.through.clone(),
                    cut: o.cut,
                    balance: o.balances.get(&m).copied(),
                })
                .collect();
            assert_eq!(month_ends(&doc, &m), expected, "{who}");
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
