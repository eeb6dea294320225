//! Group commit: writes that wait at the same moment share one transaction. Each commit
//! costs a sync to disk (3 ms on this kind of machine, so about 330 a second); fifty phones
//! writing ten changes a second each, at one commit per change and two per message,
//! outran the disk and queued for seconds. A write is acknowledged only once the
//! transaction holding it has committed.

use std::sync::mpsc;
use tokio::sync::oneshot;

type Job<W, E> = (W, oneshot::Sender<Result<(), E>>);

/// A thread that commits what waits for it, a batch at a time. Each write hears its own
/// batch's outcome (`E`, the commit's error).
pub(crate) struct Batcher<W, E = String> {
    jobs: mpsc::Sender<Job<W, E>>,
}

impl<W, E> Clone for Batcher<W, E> {
    fn clone(&self) -> Self {
        Batcher {
            jobs: self.jobs.clone(),
        }
    }
}

impl<W: Send + 'static, E: Clone + Send + From<&'static str> + 'static> Batcher<W, E> {
    /// Starts the thread. `commit` writes a batch in one transaction, or says why not; it
    /// ends with the last handle.
    pub(crate) fn start(
        name: &str,
        max: usize,
        mut commit: impl FnMut(&[W]) -> Result<(), E> + Send + 'static,
    ) -> std::io::Result<Batcher<W, E>> {
        let (jobs, waiting) = mpsc::channel::<Job<W, E>>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                while let Ok(first) = waiting.recv() {
                    let mut batch = vec![first];
                    while batch.len() < max {
                        match waiting.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    let (writes, dones): (Vec<W>, Vec<_>) = batch.into_iter().unzip();
                    let outcome = commit(&writes);
                    for done in dones {
                        let _ = done.send(outcome.clone());
                    }
                }
            })?;
        Ok(Batcher { jobs })
    }

    /// Waits until `write` is committed.
    pub(crate) async fn write(&self, write: W) -> Result<(), E> {
        let (done, committed) = oneshot::channel();
        self.jobs
            .send((write, done))
            .map_err(|_| E::from("the writer thread stopped"))?;
        committed
            .await
            .unwrap_or_else(|_| Err(E::from("the writer thread stopped")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_waiting_together_share_a_commit_and_each_hears_its_outcome() {
        let commits = Arc::new(Mutex::new(Vec::<Vec<u32>>::new()));
        let seen = commits.clone();
        let b: Batcher<u32> = Batcher::start("test", 64, move |writes: &[u32]| {
            // Slow, like a sync to disk, so that writes pile up behind it.
            std::thread::sleep(std::time::Duration::from_millis(5));
            seen.lock().unwrap().push(writes.to_vec());
            if writes.contains(&13) {
                Err("unlucky".into())
            } else {
                Ok(())
            }
        })
        .unwrap();
        let all = (0..200u32).map(|i| {
            let b = b.clone();
            tokio::spawn(async move { (i, b.write(i).await) })
        });
        let outcomes = futures::future::join_all(all).await;
        let commits = commits.lock().unwrap().clone();
        let mut written: Vec<u32> = commits.iter().flatten().copied().collect();
        written.sort();
        assert_eq!(written, (0..200).collect::<Vec<_>>(), "each write once");
        assert!(commits.len() < 200, "some writes shared a commit");
        assert!(commits.iter().all(|c| c.len() <= 64));
        let failed: Vec<u32> = commits.iter().find(|c| c.contains(&13)).unwrap().clone();
        for o in outcomes {
            let (i, outcome) = o.unwrap();
            assert_eq!(outcome.is_err(), failed.contains(&i), "write {i}");
        }
    }
}
