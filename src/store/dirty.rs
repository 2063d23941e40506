//! The dirty set: linked products whose stock or price changed since the last on-change
//! push, one byte of flags each. Writes mark them inside their transaction; the push
//! takes them.

use super::codec::{be, dirty_flags, id_key};
use super::trees::{Tx, TxResult};
use super::{Result, Store};

/// Dirty flags: what changed since the last on-change push.
pub const DIRTY_STOCK: u8 = 1;
pub const DIRTY_PRICE: u8 = 2;

/// Inside a transaction: marks product `id` with `flag` if it is linked.
pub(super) fn mark_dirty(tx: &Tx<'_>, id: u64, flag: u8) -> TxResult<()> {
    if tx.links.get(be(id))?.is_some() {
        let old = tx.dirty.get(be(id))?;
        let old = old.map_or(Ok(0), |v| dirty_flags(&v))?;
        tx.dirty.insert(&be(id), &[old | flag])?;
    }
    Ok(())
}

impl Store {
    /// Takes the products marked with `flag` (e.g. [`DIRTY_STOCK`]): each is returned once
    /// and its flag cleared, unless it was marked again meanwhile (then it stays for the
    /// next take).
    pub fn take_dirty(&self, flag: u8) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        if let Err(e) = self.take_dirty_into(flag, &mut out) {
            // A record that does not decode: give back what was taken before it.
            self.mark_dirty_ids(&out, flag)?;
            return Err(e);
        }
        Ok(out)
    }

    fn take_dirty_into(&self, flag: u8, out: &mut Vec<u64>) -> Result<()> {
        let dirty = &self.trees.dirty;
        for kv in dirty.iter() {
            let (k, v) = kv?;
            let id = id_key("dirty", &k)?;
            let flags = dirty_flags(&v)?;
            if flags & flag == 0 {
                continue;
            }
            let rest = flags & !flag;
            let new = (rest != 0).then_some([rest]);
            let _writing = self.writing_aside();
            if dirty
                .compare_and_swap(&k, Some(&v), new.as_ref().map(|b| &b[..]))?
                .is_ok()
            {
                out.push(id);
            }
        }
        Ok(())
    }

    /// Marks linked products changed again (a push that could not send them).
    pub fn mark_dirty_ids(&self, ids: &[u64], flag: u8) -> Result<()> {
        let dirty = &self.trees.dirty;
        for id in ids {
            if self.trees.links.get(be(*id))?.is_none() {
                continue;
            }
            // Compare and swap until no other write came between the read and this one.
            loop {
                let old = dirty.get(be(*id))?;
                let flags = old.as_deref().map_or(Ok(0), dirty_flags)? | flag;
                let _writing = self.writing_aside();
                if dirty
                    .compare_and_swap(be(*id), old, Some(&[flags][..]))?
                    .is_ok()
                {
                    break;
                }
            }
        }
        Ok(())
    }

    /// How many products are marked (a walk of the dirty set, which stays small).
    pub fn dirty_count(&self) -> usize {
        self.trees.dirty.len()
    }

    /// How many products are marked, counting no further than `cap` (a walk of up to
    /// `cap` keys: a scrape's budget, where a full count of a huge backlog is not).
    pub fn dirty_count_upto(&self, cap: usize) -> usize {
        self.trees.dirty.iter().keys().take(cap).count()
    }

    /// Whether any product is marked: one lookup, for the on-change push's every wake.
    pub fn has_dirty(&self) -> bool {
        !self.trees.dirty.is_empty()
    }
}
