//! Putting a document together from what IndexedDB holds, trusting no record.
//!
//! Pure: it takes bytes and gives a document and a report, so it is tested natively as well
//! as in the browser.

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use linli_core::schema::genesis;
use linli_core::DocKind;

/// One stored change record as read back: its key's hash and its bytes.
pub struct Record {
    pub key_hash: String,
    pub bytes: Vec<u8>,
}

/// What loading found that the person should hear about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The snapshot did not decode; it was set aside and the change records used alone.
    pub snapshot_damaged: bool,
    /// Records that did not decode, or whose bytes do not hash to their key.
    pub unreadable: Vec<String>,
    /// Changes that decoded but wait for changes this device does not hold.
    pub waiting: usize,
}

impl LoadReport {
    /// Anything lost or held back means this device's view is incomplete: it must take a new
    /// actor id before writing, so it never reuses a sequence number a lost change had.
    pub fn lost_something(&self) -> bool {
        self.snapshot_damaged || !self.unreadable.is_empty() || self.waiting > 0
    }
}

pub struct Loaded {
    pub doc: Automerge,
    /// The kind the snapshot declares, when there is a readable one.
    pub snapshot_kind: Option<DocKind>,
    pub report: LoadReport,
    /// Hashes of the records that are now part of the document (compaction may fold them).
    pub applied: Vec<ChangeHash>,
}

/// The kind the stored document declares: from its snapshot, or from its records (genesis is
/// not stored as a record, but a document's first changes depend on it); `None` when
/// nothing stored says (a document never written here).
pub fn stored_kind(snapshot: Option<&[u8]>, records: &[Record]) -> Option<DocKind> {
    if let Some(kind) = snapshot
        .and_then(|b| Automerge::load(b).ok())
        .and_then(|d| linli_core::schema::header(&d).ok())
        .map(|(k, _)| k)
    {
        return Some(kind);
    }
    if records.is_empty() {
        return None;
    }
    let geneses: Vec<(ChangeHash, DocKind)> = DocKind::known()
        .filter_map(|k| Some((*genesis(&k).get_heads().first()?, k)))
        .collect();
    records.iter().find_map(|r| {
        let change = Change::from_bytes(r.bytes.clone()).ok()?;
        std::iter::once(change.hash())
            .chain(change.deps().iter().copied())
            .find_map(|h| {
                geneses
                    .iter()
                    .find(|(g, _)| *g == h)
                    .map(|(_, k)| k.clone())
            })
    })
}

pub fn assemble(kind: &DocKind, snapshot: Option<&[u8]>, records: Vec<Record>) -> Loaded {
    let mut report = LoadReport::default();
    let mut doc = genesis(kind);
    let mut snapshot_kind = None;
    if let Some(bytes) = snapshot {
        // Strict load: a damaged snapshot is refused whole rather than read up to the damage.
        match Automerge::load(bytes) {
            Ok(mut snap) => {
                snapshot_kind = linli_core::schema::header(&snap).ok().map(|(k, _)| k);
                // Every snapshot this app saves holds its genesis: then it is the document,
                // read once. One without it has the genesis merged in, change by change.
                let has_genesis = doc
                    .get_heads()
                    .iter()
                    .all(|h| snap.get_change_by_hash(h).is_some());
                if has_genesis {
                    doc = snap;
                } else if doc.merge(&mut snap).is_err() {
                    report.snapshot_damaged = true;
                }
            }
            Err(_) => report.snapshot_damaged = true,
        }
    }
    let mut changes = Vec::with_capacity(records.len());
    for rec in records {
        match Change::from_bytes(rec.bytes) {
            Ok(change) if change.hash().to_string() == rec.key_hash => changes.push(change),
            _ => report.unreadable.push(rec.key_hash),
        }
    }
    let decoded = changes.len();
    let mut rejected = 0;
    let mut applied = Vec::with_capacity(changes.len());
    for change in changes {
        let hash = change.hash();
        // One at a time, so one change automerge rejects costs only itself.
        if doc.apply_changes([change]).is_err() {
            report.unreadable.push(hash.to_string());
            rejected += 1;
        } else {
            applied.push(hash);
        }
    }
    // Changes whose dependencies are missing sit in automerge's queue, not in the document.
    applied.retain(|h| doc.get_change_by_hash(h).is_some());
    report.waiting = decoded - rejected - applied.len();
    Loaded {
        doc,
        snapshot_kind,
        report,
        applied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::doc::Writer;
    use linli_core::profile::{self, Profile};
    use linli_core::rules::DocContext;
    use linli_core::{MemberId, Millis, Role};

    fn records_of_three_skills() -> (Automerge, Vec<Record>) {
        let m = MemberId::parse("m1").unwrap();
        let w = Writer {
            member: m.clone(),
            role: Role::Resident,
        };
        let ctx = DocContext { subject: Some(m) };
        let mut doc = genesis(&DocKind::PROFILE);
        let mut records = Vec::new();
        for (i, label) in ["a", "b", "c"].iter().enumerate() {
            let before = doc.get_heads();
            profile::add_skill(&mut doc, &w, &ctx, Millis(i as i64), label, label).unwrap();
            for c in doc.get_changes(&before) {
                records.push(Record {
                    key_hash: c.hash().to_string(),
                    bytes: c.raw_bytes().to_vec(),
                });
            }
        }
        (doc, records)
    }

    #[test]
    fn the_kind_stored_is_read_from_the_snapshot_or_the_genesis_record() {
        let (doc, records) = records_of_three_skills();
        assert_eq!(stored_kind(None, &records), Some(DocKind::PROFILE));
        assert_eq!(stored_kind(Some(&doc.save()), &[]), Some(DocKind::PROFILE));
        // Only later records: the first of them still names the genesis it builds on.
        assert_eq!(
            stored_kind(None, &records[1..2]),
            None,
            "builds on a change, not on genesis"
        );
        assert_eq!(stored_kind(None, &[]), None);
        let help = genesis(&DocKind::HELP);
        let genesis_record = |d: &Automerge| {
            let c = d.get_changes(&[]).pop().unwrap();
            Record {
                key_hash: c.hash().to_string(),
                bytes: c.raw_bytes().to_vec(),
            }
        };
        assert_eq!(
            stored_kind(None, &[genesis_record(&help)]),
            Some(DocKind::HELP)
        );
    }

    #[test]
    fn clean_records_load_whole() {
        let (doc, records) = records_of_three_skills();
        let loaded = assemble(&DocKind::PROFILE, None, records);
        assert_eq!(loaded.report, LoadReport::default());
        assert_eq!(Profile::read(&loaded.doc), Profile::read(&doc));
        assert_eq!(loaded.applied.len(), 3);
    }

    #[test]
    fn a_damaged_record_costs_itself_and_what_depends_on_it() {
        let (_, mut records) = records_of_three_skills();
        let mid = records[2].bytes.len() / 2;
        records[2].bytes[mid] ^= 0xff;
        let loaded = assemble(&DocKind::PROFILE, None, records);
        assert_eq!(loaded.report.unreadable.len(), 1);
        let ids: Vec<_> = Profile::read(&loaded.doc)
            .skills
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(loaded.report.lost_something());
    }

    #[test]
    fn a_lost_middle_change_holds_back_its_dependents() {
        let (_, mut records) = records_of_three_skills();
        records[1].bytes.truncate(5);
        let loaded = assemble(&DocKind::PROFILE, None, records);
        assert_eq!(loaded.report.unreadable.len(), 1);
        assert_eq!(loaded.report.waiting, 1);
        assert_eq!(loaded.applied.len(), 1);
        assert_eq!(Profile::read(&loaded.doc).skills.len(), 1);
    }

    #[test]
    fn a_damaged_snapshot_is_refused_loudly_and_records_still_load() {
        let (doc, records) = records_of_three_skills();
        let mut snap = doc.save();
        let n = snap.len();
        snap[n - 3] ^= 0x55;
        let loaded = assemble(&DocKind::PROFILE, Some(&snap), records);
        assert!(loaded.report.snapshot_damaged);
        assert_eq!(Profile::read(&loaded.doc).skills.len(), 3);
    }

    #[test]
    fn a_record_under_the_wrong_key_is_not_trusted() {
        let (_, mut records) = records_of_three_skills();
        records[0].key_hash = records[1].key_hash.clone();
        let loaded = assemble(&DocKind::PROFILE, None, records);
        assert_eq!(loaded.report.unreadable.len(), 1);
    }
}
