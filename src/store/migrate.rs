//! Rewrites the JSON values of an older store in the binary layouts (`snapshot_codec.rs`,
//! `journal_codec.rs`) at its first open: reads take both, so a store that stopped half-way
//! is read as before and finished at its next open. Done once, then marked in `meta`.

use super::snapshot_codec::{self as snaps, is_json};
use super::{Result, Store, journal_codec};

/// Set in `meta` once every snapshot and journal entry is in the binary layout.
pub(super) const BINARY_VALUES: &[u8] = b"binary_values";

impl Store {
    pub(super) fn migrate_layouts(&self) -> Result<()> {
        if self.trees.meta.get(BINARY_VALUES)?.is_some() {
            return Ok(());
        }
        let _writing = self.writing();
        rewrite(&self.trees.snapshots, |v| {
            Ok(snaps::encode_stock(&snaps::decode_stock(v)?))
        })?;
        rewrite(&self.trees.price_snapshots, |v| {
            Ok(snaps::encode_price(&snaps::decode_price(v)?))
        })?;
        rewrite(&self.trees.journal, |v| {
            Ok(journal_codec::encode(&journal_codec::decode_entry(v)?))
        })?;
        self.trees.meta.insert(BINARY_VALUES, &b"1"[..])?;
        Ok(())
    }
}

/// Rewrites a tree's JSON values with `recode`, one entry at a time (large batches were
/// measured to leave sled's files larger: see `store_size` in benches/).
fn rewrite(tree: &sled::Tree, recode: impl Fn(&[u8]) -> Result<Vec<u8>>) -> Result<()> {
    for kv in tree.iter() {
        let (k, v) = kv?;
        if is_json(&v) {
            tree.insert(k, recode(&v)?)?;
        }
    }
    Ok(())
}
