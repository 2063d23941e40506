//! The size of sled's page cache (`[store] cache_capacity_mib`).
//!
//! sled keeps the pages it read or wrote in memory up to `cache_capacity` (counted as
//! their size on disk), 1 GiB unless told: a daemon that had read a 100,000-product store
//! held all of it (130 MiB idle).
//! Every read the jobs make walks the trees in key order once, so a small cache costs
//! them little (pages come from the OS page cache) while the daemon's footprint stays
//! small. One process works on one store, so the setting is the process's, set once
//! from the configuration before the store opens (a change takes effect at a restart).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default, in MiB. Measured at 100,000 linked products (`benches/process_figures.rs`):
/// the daemon's peak over a cold push was 107 MiB at 4, 120 at 8, 135 at 16 (sled holds
/// several times the capacity in decoded pages), and the no-op push took no longer at 4:
/// a job's full walk of a tree is larger than any of these caches anyway.
pub const DEFAULT_CACHE_CAPACITY_MIB: u64 = 4;

const MIB: u64 = 1024 * 1024;

static CACHE_CAPACITY_MIB: AtomicU64 = AtomicU64::new(DEFAULT_CACHE_CAPACITY_MIB);

/// Sets sled's page cache for the stores this process opens from now on.
pub fn set_cache_capacity_mib(mib: u64) {
    CACHE_CAPACITY_MIB.store(mib.max(1), Ordering::Relaxed);
}

/// sled's configuration for the store at `path`: every open of sled's files goes
/// through it, so that each takes the configured cache.
pub(super) fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(CACHE_CAPACITY_MIB.load(Ordering::Relaxed) * MIB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_capacity_reaches_sled() {
        assert_eq!(
            sled_config(Path::new("x")).cache_capacity,
            DEFAULT_CACHE_CAPACITY_MIB * MIB
        );
        set_cache_capacity_mib(64);
        assert_eq!(sled_config(Path::new("x")).cache_capacity, 64 * MIB);
        set_cache_capacity_mib(DEFAULT_CACHE_CAPACITY_MIB);
    }
}
