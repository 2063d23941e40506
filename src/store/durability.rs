//! Group commit: every caller that must not acknowledge a write before it is on disk
//! waits for a flush that started after its write; concurrent callers share that flush.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

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
    pub(super) async fn flush<F, Fut, T>(&self, flush: F) -> sled::Result<()>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = sled::Result<T>>,
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

    pub(super) fn count_blocking(&self) {
        self.flushes.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
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
                    Ok::<_, sled::Error>(())
                })
                .await
            })
        };
        tokio::task::yield_now().await;
        let mut rest = Vec::new();
        for _ in 0..10 {
            let gc = gc.clone();
            rest.push(tokio::spawn(async move {
                gc.flush(|| async { Ok::<_, sled::Error>(()) }).await
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

    #[tokio::test]
    async fn a_caller_after_a_flush_gets_a_new_one() {
        let gc = GroupCommit::default();
        gc.flush(|| async { Ok::<_, sled::Error>(()) })
            .await
            .unwrap();
        gc.flush(|| async { Ok::<_, sled::Error>(()) })
            .await
            .unwrap();
        assert_eq!(gc.flushes(), 2);
    }
}
