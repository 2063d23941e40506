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
        let mut left = rewrite(&self.trees.snapshots, "stock_snapshots", |v| {
            Ok(snaps::encode_stock(&snaps::decode_stock(v)?))
        })?;
        left += rewrite(&self.trees.price_snapshots, "price_snapshots", |v| {
            Ok(snaps::encode_price(&snaps::decode_price(v)?))
        })?;
        left += rewrite(&self.trees.journal, "journal", |v| {
            Ok(journal_codec::encode(&journal_codec::decode_entry(v)?))
        })?;
        // A value that does not decode is left as it is (the reads that touch it say so,
        // and `store check` names it): one damaged entry must not lock the store out.
        // Unmarked, the next open tries those again.
        if left == 0 {
            self.trees.meta.insert(BINARY_VALUES, &b"1"[..])?;
        }
        Ok(())
    }
}

/// Rewrites a tree's JSON values with `recode`, one entry at a time (large batches were
/// measured to leave sled's files larger: see `store_size` in benches/).
/// Returns how many values did not decode (left as they were).
fn rewrite(
    tree: &sled::Tree,
    name: &str,
    recode: impl Fn(&[u8]) -> Result<Vec<u8>>,
) -> Result<usize> {
    let mut left = 0;
    for kv in tree.iter() {
        let (k, v) = kv?;
        if !is_json(&v) {
            continue;
        }
        match recode(&v) {
            Ok(new) => {
                tree.insert(k, new)?;
            }
            Err(e) => {
                tracing::warn!("store: a {name} value kept in its old form: {e}");
                left += 1;
            }
        }
    }
    Ok(left)
}
