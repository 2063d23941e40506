//! Counts of the writes begun and ended on this store, shared by every clone: a reader
//! that keeps what it computed from the store keys it by a count read before computing,
//! and knows it stale once the count moved. Two counts: every write, and the writes that
//! may change what the link suggestions read (products, links, staged products, Prom
//! products gone, unlinks by hand), so that the console's kept suggestions outlive a
//! push's stock, snapshots, orders and runs.

use std::sync::RwLockReadGuard;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Store;

/// Held by a write: the backup's pause (see `backup.rs`), and the counts moved again when
/// the write ends, so that a result computed while it ran is not kept as current.
pub(super) struct Writing<'a> {
    _quiet: RwLockReadGuard<'a, ()>,
    writes: &'a AtomicU64,
    /// `None` for a write the suggestions do not read ([`Store::writing_aside`]).
    link_writes: Option<&'a AtomicU64>,
}

impl Writing<'_> {
    fn bump(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if let Some(l) = self.link_writes {
            l.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.bump();
    }
}

impl Store {
    /// Held by every write of this store, so that a backup sees no write half-made. It
    /// moves both counts: a write not known to leave the suggestions alone may change them.
    pub(super) fn writing(&self) -> Writing<'_> {
        self.writing_with(Some(&self.link_writes))
    }

    /// As [`Store::writing`], for a write of what the link suggestions never read (stock,
    /// the journal, snapshots, orders, runs, marks and bookkeeping): the link count stays.
    pub(super) fn writing_aside(&self) -> Writing<'_> {
        self.writing_with(None)
    }

    fn writing_with<'a>(&'a self, link_writes: Option<&'a AtomicU64>) -> Writing<'a> {
        let quiet = self.quiet.read().unwrap_or_else(|e| e.into_inner());
        let w = Writing {
            _quiet: quiet,
            writes: &self.writes,
            link_writes,
        };
        w.bump();
        w
    }

    /// For a write made aside that turned out to write links: the link generation moves
    /// after it is committed, so that no pass computed before (or during) it stays current.
    pub(super) fn links_written(&self) {
        self.link_writes.fetch_add(2, Ordering::SeqCst);
    }

    /// Moves whenever a write of this process begins or ends.
    pub fn write_generation(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Moves whenever a write of this process that may change the link suggestions
    /// begins or ends: products, links, staged products, gone Prom products, unlinks by
    /// hand (and every write not marked as leaving them alone).
    pub fn link_generation(&self) -> u64 {
        self.link_writes.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
#[path = "generation_tests.rs"]
mod tests;
