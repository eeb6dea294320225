//! The monthly certificates of points (`linli_core::points::certify`): once a month's grace
//! has passed, the server folds each community's help documents, proposals and points
//! document onto the last certificate and writes the next into the points document, under
//! its own actor. It runs with the other due work, at start and every second; the points
//! document itself says which months are certified, so a restart, or a server down across
//! a month's end, writes what is missing and never writes a month twice.

use crate::Server;
use automerge::Automerge;
use linli_core::{deliberation, points, CommunityId, DocId, DocKind, Millis};
use std::collections::BTreeMap;

/// Months of help documents folded, back from now: as far as the gate knows them.
const HELP_MONTHS: i64 = 24;

impl Server {
    /// Certifies every community whose due month is not yet certified; returns how many
    /// points documents it wrote.
    pub async fn certify_points(&self) -> usize {
        let (due, _) = points::due(self.now());
        if self
            .certified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_deref()
            == Some(&due)
        {
            return 0;
        }
        let communities = match self.db.communities() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = ?e, "cannot list the communities to certify");
                return 0;
            }
        };
        let mut written = 0;
        let mut all_done = true;
        for c in communities {
            match self.certify_community(&c).await {
                Ok(true) => written += 1,
                Ok(false) => {}
                Err(e) => {
                    all_done = false;
                    tracing::error!(community = %c.as_str(), error = %e, "cannot certify points");
                }
            }
        }
        if all_done {
            *self.certified.lock().unwrap_or_else(|p| p.into_inner()) = Some(due);
        }
        written
    }

    async fn certify_community(&self, c: &CommunityId) -> Result<bool, String> {
        let points_id = points::doc_id(c);
        let handle = crate::directory::ensure(&self.repo, &self.storage, points_id, &points::KIND)
            .await
            .ok_or("no points document")?;
        let (due, _) = points::due(self.now());
        let certified = handle
            .with_document_async(|d| points::opening(d).through)
            .await
            .map_err(|_| "the repo has stopped")?;
        if certified >= due {
            return Ok(false);
        }
        let mut docs: Vec<(String, Automerge)> = Vec::new();
        for id in self.help_docs(c).await {
            if let Some(d) = self.stored_doc(id, &DocKind::HELP).await {
                docs.push((id.to_string(), d));
            }
        }
        let help_count = docs.len();
        let index_id = deliberation::index_id(c);
        if let Some(index) = self.stored_doc(index_id, &deliberation::index::INDEX).await {
            for item in deliberation::index::listed(&index) {
                let id = deliberation::doc_id(c, &item.id);
                if let Some(d) = self.stored_doc(id, &deliberation::KIND).await {
                    docs.push((id.to_string(), d));
                }
            }
        }
        let key = points_id.to_string();
        let wrote = self
            .write_as_server(&handle, move |d, now| {
                let named: Vec<(&str, &Automerge)> =
                    docs.iter().map(|(id, d)| (id.as_str(), d)).collect();
                let (help, proposals) = named.split_at(help_count);
                let mut heads: BTreeMap<String, Vec<automerge::ChangeHash>> = docs
                    .iter()
                    .map(|(id, d)| (id.clone(), d.get_heads()))
                    .collect();
                heads.insert(key.clone(), d.get_heads());
                let sources = points::Sources {
                    points: Some((key.as_str(), &*d)),
                    help,
                    proposals,
                };
                let certs = points::certify(now, &sources, heads);
                points::write_certificate(d, now, &certs)
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(wrote.is_some())
    }

    /// The community's help documents of the months the gate knows, back from now.
    async fn help_docs(&self, c: &CommunityId) -> Vec<DocId> {
        let (y, m, _) = self.now().civil_date_china();
        let now = y * 12 + i64::from(m) - 1;
        (now - HELP_MONTHS..=now)
            .map(|i| {
                let at = Millis::china_month_start(i.div_euclid(12), (i.rem_euclid(12) + 1) as u32);
                linli_core::help::doc_id(c, at)
            })
            .collect()
    }

    /// A copy of document `id` if the server holds anything of it (none is created here:
    /// a month nobody wrote in stays unwritten).
    async fn stored_doc(&self, id: DocId, kind: &DocKind) -> Option<Automerge> {
        if !crate::directory::stored(&self.storage, id).await {
            return None;
        }
        let handle = crate::directory::ensure(&self.repo, &self.storage, id, kind).await?;
        handle.with_document_async(|d| d.clone()).await.ok()
    }
}
