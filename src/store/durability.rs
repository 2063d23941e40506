//! Group commit: every caller that must not acknowledge a write before it is on disk
//! waits for a flush that started after its write; concurrent callers share that flush.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Result, Store, StoreError, codec};

#[derive(Default)]
pub(super) struct GroupCommit {
    /// Tickets handed out, one per caller; a caller's writes precede its ticket.
    requested: AtomicU64,
    /// Every ticket up to this one is on disk. Held while a flush runs, so that the
    /// callers queued behind it find their ticket covered and return at once.
    flushed: tokio::sync::Mutex<u64>,
    /// Flushes that reached the disk.
    flushes: AtomicU64,
}

impl GroupCommit {
    pub(super) async fn flush<F, Fut, T>(&self, flush: F) -> Result<()>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut flushed = self.flushed.lock().await;
        if *flushed >= ticket {
            return Ok(());
        }
        // Every ticket handed out so far belongs to a write already committed: this
        // flush covers them all.
        let covers = self.requested.load(Ordering::SeqCst);
        flush().await?;
        self.flushes.fetch_add(1, Ordering::Relaxed);
        *flushed = covers;
        Ok(())
    }

    /// Returns once no flush is under way (the flush it waited for finished).
    pub(super) async fn idle(&self) {
        drop(self.flushed.lock().await);
    }

    pub(super) fn count_blocking(&self) {
        self.flushes.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }
}

/// `meta` key: the number of durable flushes of this store (see `Store::seal_and_flush`).
pub(super) const GENERATION: &[u8] = b"generation";
/// Beside sled's files: the last generation flushed.
pub(super) const SEAL_FILE: &str = "promua-sync.generation";

/// The generation a `meta` value holds (none yet: 0).
fn generation(value: Option<&[u8]>) -> Result<i64> {
    value.map_or(Ok(0), |v| codec::i64_value("meta", v))
}

impl Store {
    /// Makes every write committed before this call durable (on disk, fsynced) before it
    /// returns: call it before acknowledging a write to anyone. Concurrent callers share
    /// flushes (group commit): one flush covers every write that was waiting for it.
    pub async fn flush(&self) -> Result<()> {
        // The generation is bumped and the flush (an fsync) run on tokio's blocking pool,
        // both under the group-commit lock so that one flush covers the waiting writers.
        let this = self.clone();
        self.durability
            .flush(|| async move {
                tokio::task::spawn_blocking(move || this.seal_and_flush())
                    .await
                    .unwrap_or_else(|e| Err(sled::Error::ReportableBug(e.to_string()).into()))
            })
            .await
            .map_err(|e| e.at(&self.path))
    }

    /// As [`Store::flush`], blocking the thread (for code outside an async runtime).
    pub fn flush_blocking(&self) -> Result<()> {
        self.durability.count_blocking();
        self.seal_and_flush().map_err(|e| e.at(&self.path))?;
        Ok(())
    }

    /// Flushes with a new generation number, then notes that number in a file beside
    /// sled's. sled recovering a log that lost its data can open "fine" with less than it
    /// had (a file cut short opened as an empty store): at open, a store whose generation
    /// is below the noted one is damaged. The note is not fsynced: after a crash it can
    /// only lag behind, which is safe.
    ///
    /// It does not take `writing()`: a flush holds the group-commit lock, which the
    /// watchdog's probe waits on, so a flush waiting out a long backup or store check
    /// would silence the watchdog. A generation bumped during a backup is harmless: it
    /// only counts flushes, and the data it covers was written before the pause.
    fn seal_and_flush(&self) -> Result<()> {
        let meta = &self.trees.meta;
        let next = loop {
            let old = meta.get(GENERATION)?;
            let next = generation(old.as_deref())? + 1;
            let new = next.to_be_bytes();
            if meta
                .compare_and_swap(GENERATION, old, Some(&new[..]))?
                .is_ok()
            {
                break next;
            }
        };
        self.db.flush()?;
        if let Err(e) = std::fs::write(self.seal_path(), next.to_string()) {
            tracing::warn!("cannot note the store's generation: {e}");
        }
        Ok(())
    }

    fn seal_path(&self) -> PathBuf {
        self.path.join(SEAL_FILE)
    }

    /// The store holds at least every generation it noted having flushed.
    pub(super) fn check_seal(&self) -> Result<()> {
        let Ok(text) = std::fs::read_to_string(self.seal_path()) else {
            return Ok(());
        };
        let noted: i64 = text.trim().parse().unwrap_or(0);
        let held = generation(self.trees.meta.get(GENERATION)?.as_deref())?;
        if held < noted {
            return Err(StoreError::Damaged {
                path: self.path.clone(),
                detail: format!(
                    "it holds less than it had written: generation {held} of {noted}; its files were cut short or replaced"
                ),
            });
        }
        Ok(())
    }

    /// Answers once a flush under way has finished and a read of one key went through
    /// sled: the watchdog's sign that the store is not hung. A stalled disk holds the
    /// flush (an fsync), so every writer waiting on it, and this, waits too.
    pub async fn probe(&self) -> Result<()> {
        self.durability.idle().await;
        let meta = self.trees.meta.clone();
        tokio::task::spawn_blocking(move || meta.get(GENERATION).map(drop))
            .await
            .unwrap_or_else(|e| Err(sled::Error::ReportableBug(e.to_string())))
            .map_err(|e| StoreError::from(e).at(&self.path))
    }

    /// How many flushes reached the disk since the store was opened (for benchmarks).
    pub fn flush_count(&self) -> u64 {
        self.durability.flushes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn waiting_callers_share_one_flush() {
        let gc = Arc::new(GroupCommit::default());
        let gate = Arc::new(tokio::sync::Notify::new());
        // The first caller's flush blocks until released; 10 more queue behind it.
        let first = {
            let (gc, gate) = (gc.clone(), gate.clone());
            tokio::spawn(async move {
                gc.flush(|| async move {
                    gate.notified().await;
                    Ok::<_, StoreError>(())
                })
                .await
            })
        };
        tokio::task::yield_now().await;
        let mut rest = Vec::new();
        for _ in 0..10 {
            let gc = gc.clone();
            rest.push(tokio::spawn(async move {
                gc.flush(|| async { Ok::<_, StoreError>(()) }).await
            }));
        }
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        gate.notify_one();
        first.await.unwrap().unwrap();
        for r in rest {
            r.await.unwrap().unwrap();
        }
        // The first flush covered only itself (the others asked later); the second covered
        // all ten.
        assert_eq!(gc.flushes(), 2);
    }

    /// The watchdog's probe answers on an idle store and waits for a flush under way.
    #[tokio::test]
    async fn the_probe_answers_unless_a_flush_hangs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let quick = std::time::Duration::from_secs(5);
        tokio::time::timeout(quick, store.probe())
            .await
            .expect("an idle store answers")
            .unwrap();
        let gate = Arc::new(tokio::sync::Notify::new());
        // A flush stuck as on a stalled disk.
        let stuck = {
            let (store, gate) = (store.clone(), gate.clone());
            tokio::spawn(async move {
                store
                    .durability
                    .flush(|| async move {
                        gate.notified().await;
                        Ok::<_, StoreError>(())
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let short = std::time::Duration::from_millis(200);
        assert!(
            tokio::time::timeout(short, store.probe()).await.is_err(),
            "the probe answered while a flush hung"
        );
        gate.notify_one();
        stuck.await.unwrap().unwrap();
        tokio::time::timeout(quick, store.probe())
            .await
            .expect("the store answers once the flush is done")
            .unwrap();
    }

    /// A backup or a store check pauses writes for as long as it reads: a flush then
    /// still goes through, so the watchdog's probe keeps answering.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_probe_answers_while_writes_are_paused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let (paused_tx, paused_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let pauser = {
            let store = store.clone();
            std::thread::spawn(move || {
                let _paused = store.pause_writes();
                paused_tx.send(()).unwrap();
                release_rx.recv().ok();
            })
        };
        paused_rx.recv().unwrap();
        let quick = std::time::Duration::from_secs(5);
        tokio::time::timeout(quick, store.flush())
            .await
            .expect("a flush goes through while writes are paused")
            .unwrap();
        tokio::time::timeout(quick, store.probe())
            .await
            .expect("the probe answers while writes are paused")
            .unwrap();
        release_tx.send(()).unwrap();
        pauser.join().unwrap();
    }

    #[tokio::test]
    async fn a_caller_after_a_flush_gets_a_new_one() {
        let gc = GroupCommit::default();
        gc.flush(|| async { Ok::<_, StoreError>(()) })
            .await
            .unwrap();
        gc.flush(|| async { Ok::<_, StoreError>(()) })
            .await
            .unwrap();
        assert_eq!(gc.flushes(), 2);
    }
}
