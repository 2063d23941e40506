//! Product ids and journal sequence numbers: one counter of the store's own, kept in
//! `meta` and taken inside the transaction that uses the id.
//!
//! Not sled's `generate_id`: that counter lives in sled's metadata, outside every tree,
//! so a backup does not carry it, and sled skips it ~2,000,000 ahead at each reopen. A
//! store reopened a few times holds ids 1.., 2000001.., 4000001..; restored or compacted
//! into a fresh sled it would count again from about 2000000 and overwrite products and
//! journal entries. Ours travels with the data, so no id is ever handed out twice, not
//! even a removed product's.

use super::codec::{be, id_value};
use super::trees::{Tx, TxResult, abort};
use super::{Result, Store};

/// The `meta` key of the last id handed out (big-endian u64).
pub(super) const LAST_ID: &[u8] = b"last_id";

/// Inside a transaction: the next id, noted as taken. (A transaction that runs again
/// after a conflict takes it again: nothing was committed.)
pub(super) fn take_id(tx: &Tx<'_>) -> TxResult<u64> {
    let last = match tx.meta.get(LAST_ID)? {
        Some(v) => id_value("meta", &v)?,
        None => 0,
    };
    let Some(id) = last.checked_add(1) else {
        return abort("the store has handed out every id there is");
    };
    tx.meta.insert(LAST_ID, &be(id))?;
    Ok(id)
}

/// The largest id of the first eight bytes of `tree`'s last key, if it has one that long.
fn last_key_id(tree: &sled::Tree) -> Result<u64> {
    Ok(tree
        .last()?
        .and_then(|(k, _)| k.get(..8).and_then(|b| b.try_into().ok()))
        .map_or(0, u64::from_be_bytes))
}

impl Store {
    /// At open: the counter is at least every id the data holds. A store written before
    /// the counter existed (ids from sled's) or restored from such a backup gets it
    /// here, from its largest product id and journal key (and any tree keyed by product
    /// id, which a removed product may leave behind).
    pub(super) fn seed_ids(&self) -> Result<()> {
        let (floor, noted) = self.ids_held()?;
        if floor > noted {
            let _writing = self.writing();
            self.trees.meta.insert(LAST_ID, &be(floor))?;
        }
        Ok(())
    }

    /// The largest id the data holds, and the counter's value: the first never above
    /// the second in a sound store (`store check` says so otherwise).
    pub(super) fn ids_held(&self) -> Result<(u64, u64)> {
        let t = &self.trees;
        let mut floor = 0;
        for tree in [
            &t.products,
            &t.journal,
            &t.stock,
            &t.links,
            &t.snapshots,
            &t.price_snapshots,
            &t.price_extras,
            &t.extras_snapshots,
            &t.dirty,
            &t.reserved,
            &t.hand_unlinks,
        ] {
            floor = floor.max(last_key_id(tree)?);
        }
        let noted = match t.meta.get(LAST_ID)? {
            Some(v) => id_value("meta", &v)?,
            None => 0,
        };
        Ok((floor, noted))
    }
}

#[cfg(test)]
#[path = "ids_tests.rs"]
mod tests;
