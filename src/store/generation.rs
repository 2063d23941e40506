//! A count of the writes begun and ended on this store, shared by every clone: a reader
//! that keeps what it computed from the store (the console's link suggestions) keys it
//! by the count read before computing, and knows it stale once the count moved.

use std::sync::RwLockReadGuard;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Store;

/// Held by a write: the backup's pause (see `backup.rs`), and the count moved again when
/// the write ends, so that a result computed while it ran is not kept as current.
pub(super) struct Writing<'a> {
    _quiet: RwLockReadGuard<'a, ()>,
    writes: &'a AtomicU64,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
}

impl Store {
    /// Held by every write of this store, so that a backup sees no write half-made.
    pub(super) fn writing(&self) -> Writing<'_> {
        let quiet = self.quiet.read().unwrap_or_else(|e| e.into_inner());
        self.writes.fetch_add(1, Ordering::SeqCst);
        Writing {
            _quiet: quiet,
            writes: &self.writes,
        }
    }

    /// Moves whenever a write of this process begins or ends.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }
}
