//! The size of sled's page cache (`[store] cache_capacity_mib`).
//!
//! sled keeps the pages it read or wrote in memory up to `cache_capacity`, 1 GiB unless
//! told: a daemon that had read a 100,000-product store held all of it (130 MiB idle).
//! Every read the jobs make walks the trees in key order once, so a small cache costs
//! them little (pages come from the OS page cache) while the daemon's footprint stays
//! small. One process works on one store, so the setting is the process's, set once
//! from the configuration before the store opens (a change takes effect at a restart).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default, in MiB (measured in `benches/process_figures.rs`: see the config key's
/// comment in `jobs.toml`).
pub const DEFAULT_CACHE_CAPACITY_MIB: u64 = 16;

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
