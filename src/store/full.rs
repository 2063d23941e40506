//! A write the disk refused (no space, over quota, over a file size limit) leaves sled
//! refusing every later call of this process: it keeps its first I/O error. The daemon
//! waits on [`write_refused`] to stop then, rather than answer every call with the same
//! error until someone restarts it by hand.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

static REFUSED: AtomicBool = AtomicBool::new(false);
static NOTIFY: Notify = Notify::const_new();

/// Notes that the disk refused a write of this process's store.
pub(super) fn note() {
    REFUSED.store(true, Ordering::SeqCst);
    NOTIFY.notify_waiters();
}

/// Returns once the disk refused a write of this process's store.
pub async fn write_refused() {
    loop {
        // Created before the check: a note between the two still wakes it.
        let notified = NOTIFY.notified();
        if REFUSED.load(Ordering::SeqCst) {
            return;
        }
        notified.await;
    }
}

/// Whether a refused write was noted in this process (for tests).
#[cfg(test)]
pub(crate) fn refused_so_far() -> bool {
    REFUSED.load(Ordering::SeqCst)
}

/// Forgets a noted refusal, so that a test noting one leaves the process as it found it.
#[cfg(test)]
pub(crate) fn forget() {
    REFUSED.store(false, Ordering::SeqCst);
}
