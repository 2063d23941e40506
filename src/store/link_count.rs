//! How many links the store holds, kept in `meta` and moved in the transactions that
//! write a link, so that the on-change push's guards need no walk of the links (sled's
//! `len()` counts an iteration: 30 ms at 100,000 links). Seeded at open from a walk when a
//! store has none yet (a store from before it, or a new one).

use super::codec::{be, id_value};
use super::trees::{Tx, TxResult};
use super::{Result, Store};

/// The `meta` key of the link count (big-endian u64).
pub(super) const LINK_COUNT: &[u8] = b"link_count";

/// Inside a transaction: moves the count by `delta` (never below 0).
pub(super) fn add(tx: &Tx<'_>, delta: i64) -> TxResult<()> {
    let now = match tx.meta.get(LINK_COUNT)? {
        Some(v) => id_value("meta", &v)?,
        None => 0,
    };
    let next = now.saturating_add_signed(delta);
    tx.meta.insert(LINK_COUNT, &be(next))?;
    Ok(())
}

impl Store {
    /// At open: a store without a count gets one from its links; so does one whose files
    /// this version did not close (`recount`, as the product count).
    pub(super) fn seed_link_count(&self, recount: bool) -> Result<()> {
        let noted = self.trees.meta.get(LINK_COUNT)?;
        if noted.is_none() || recount {
            let n = self.trees.links.len() as u64;
            if noted.as_deref() != Some(&be(n)[..]) {
                let _writing = self.writing();
                self.trees.meta.insert(LINK_COUNT, &be(n))?;
            }
        }
        Ok(())
    }

    /// The links held, as counted (`store check` compares it with the tree).
    pub(super) fn counted_links(&self) -> Result<u64> {
        Ok(match self.trees.meta.get(LINK_COUNT)? {
            Some(v) => id_value("meta", &v)?,
            None => self.trees.links.len() as u64,
        })
    }
}
