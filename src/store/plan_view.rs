//! The plan view: what the push planners read about every linked product, kept in blocks
//! of 64 products (`plan_block.rs`) so that a read decodes ~1,600 values per 100,000
//! products instead of walking ~450,000 entries over six trees (`plan_rows.rs`).
//!
//! It is derived, and exact whatever its age: every transaction that changes a source of a
//! row (link, product SKU or price, stock, reservation, snapshot) also marks the product
//! in `view_stale` with a fresh sequence ([`mark_stale`]), and a read takes the marked
//! products by point reads over their block rows. [`Store::refresh_plan_view`] folds the
//! marks back into the blocks, removing only marks it saw (by their sequence), so a write
//! racing it keeps its mark. A store without the view (older, or one whose build failed)
//! is read by the walk until a build succeeds; the marker in `meta` says which.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::codec::{be, id_key, id_value};
use super::plan_block::{self, Block, Row, block_of};
use super::trees::{Tx, TxResult};
use super::{LinkedPrice, LinkedStock, Result, Store};

/// In `meta`: the layout of a built view. Absent: reads take the walk.
pub(super) const VIEW_BUILT: &[u8] = b"plan_view";
const VIEW_LAYOUT: &[u8] = b"1";
/// More marks than a 1/`REBUILD_SHARE` of the links: a whole walk is cheaper than point
/// reads for each.
const REBUILD_SHARE: usize = 8;
/// More marks than 1/`WALK_SHARE` of the links: a read walks rather than point-read them.
#[cfg(not(test))]
const WALK_SHARE: usize = REBUILD_SHARE;
/// Tests' stores are small, and their reads should take the overlay whatever its share.
#[cfg(test)]
const WALK_SHARE: usize = 0;
/// Blocks (or marks) per transaction of a rebuild, which may write millions.
const CHUNK: usize = 256;

/// Refreshes of the view run one at a time in the process (each reads a block, folds the
/// marks in, and writes it back: two at once would lose each other's rows).
static REFRESH: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The stores (by path) where a read met a block that does not decode: the next refresh
/// rebuilds their view (a read writes nothing itself).
static DAMAGED: std::sync::Mutex<BTreeSet<std::path::PathBuf>> =
    std::sync::Mutex::new(BTreeSet::new());

fn damaged() -> std::sync::MutexGuard<'static, BTreeSet<std::path::PathBuf>> {
    DAMAGED.lock().unwrap_or_else(|e| e.into_inner())
}

/// In `meta`: the last sequence a mark took. A counter of its own, not the ids' (those
/// would grow sparse, and blocks with them), kept in the store so that a restored or
/// compacted store never hands one out twice.
const VIEW_SEQ: &[u8] = b"view_seq";

/// Inside a transaction: product `id`'s row may have changed (or gone).
pub(super) fn mark_stale(tx: &Tx<'_>, id: u64) -> TxResult<()> {
    let last = match tx.meta.get(VIEW_SEQ)? {
        Some(v) => id_value("meta", &v)?,
        None => 0,
    };
    let seq = last.wrapping_add(1);
    tx.meta.insert(VIEW_SEQ, &be(seq))?;
    tx.view_stale.insert(&be(id), &be(seq))?;
    Ok(())
}

/// [`mark_stale`] for a product that is linked now (an unlinked one has no row, or one
/// its unlinking marked).
pub(super) fn mark_stale_if_linked(tx: &Tx<'_>, id: u64) -> TxResult<()> {
    if tx.links.get(be(id))?.is_some() {
        mark_stale(tx, id)?;
    }
    Ok(())
}

type Marks = Vec<(sled::IVec, sled::IVec)>;
type Blocks = Vec<(sled::IVec, sled::IVec)>;

/// From this many blocks (~32,000 products) a read decodes on two threads (in tests,
/// from two, so that the random reads take both ways).
#[cfg(not(test))]
const PARALLEL_BLOCKS: usize = 512;
#[cfg(test)]
const PARALLEL_BLOCKS: usize = 2;

/// `project` over `blocks` (key, value), in order; `None` when one does not decode (said
/// in the log, and the next refresh rebuilds the view).
fn project_blocks<T>(
    blocks: &[(sled::IVec, sled::IVec)],
    stale: &HashSet<u64>,
    project: &impl Fn(&Block<'_>, &HashSet<u64>, &mut Vec<T>) -> Result<()>,
    capacity: usize,
) -> Result<Option<Vec<T>>> {
    let mut out = Vec::with_capacity(capacity);
    for (k, v) in blocks {
        let block = id_key(plan_block::TREE, k)?;
        match plan_block::decode(block, v) {
            Ok(decoded) => project(&decoded, stale, &mut out)?,
            Err(e) => {
                tracing::warn!("store: {e}; reading the stores instead");
                return Ok(None);
            }
        }
    }
    Ok(Some(out))
}

impl Store {
    pub(super) fn view_built(&self) -> Result<bool> {
        Ok(self.trees.meta.get(VIEW_BUILT)?.as_deref() == Some(VIEW_LAYOUT))
    }

    pub(super) fn stale_ids(&self) -> Result<HashSet<u64>> {
        self.trees
            .view_stale
            .iter()
            .keys()
            .map(|k| id_key("view_stale", &k?))
            .collect()
    }

    /// Rows of type `T` made from every block by `project` (given the marked ids, to
    /// leave out), merged in id order with `overlay` (the marked ids' rows by point
    /// reads). `None` when there is no view, or a block does not decode (said in the
    /// log): the caller walks instead.
    fn through_view<T: Send>(
        &self,
        project: impl Fn(&Block<'_>, &HashSet<u64>, &mut Vec<T>) -> Result<()> + Sync,
        overlay: impl FnOnce(&[u64]) -> Result<Vec<T>>,
        id_of: fn(&T) -> u64,
    ) -> Result<Option<Vec<T>>> {
        if !self.view_built()? {
            return Ok(None);
        }
        // Marks first, then blocks: a refresh between the two only makes blocks newer.
        let stale = self.stale_ids()?;
        // The counted links, not `links.len()`: sled counts by walking the tree.
        let links = usize::try_from(self.counted_links()?).unwrap_or(0);
        // So many marked (a cold push's snapshots, before its refresh) that point reads
        // would cost more than the walk: walk, as a refresh would rebuild.
        if stale.len().saturating_mul(WALK_SHARE) > links {
            return Ok(None);
        }
        let blocks: Blocks = self.trees.plan_view.iter().collect::<sled::Result<_>>()?;
        let out = if blocks.len() < PARALLEL_BLOCKS {
            project_blocks(&blocks, &stale, &project, links)?
        } else {
            // Decoding is most of a read: half of the blocks on a second core.
            let (first, second) = blocks.split_at(blocks.len() / 2);
            let (first, second) = std::thread::scope(|s| {
                let second = s.spawn(|| project_blocks(second, &stale, &project, links / 2));
                let first = project_blocks(first, &stale, &project, links);
                (first, second.join())
            });
            let second = second.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            match (first?, second?) {
                (Some(mut first), Some(second)) => {
                    first.extend(second);
                    Some(first)
                }
                _ => None,
            }
        };
        let Some(out) = out else {
            damaged().insert(self.path.clone());
            return Ok(None);
        };
        if stale.is_empty() {
            return Ok(Some(out));
        }
        let ids: Vec<u64> = stale.into_iter().collect();
        let mut extra = overlay(&ids)?;
        extra.sort_by_key(id_of);
        // Both in id order: a merge, not a sort of the whole catalogue.
        let mut merged = Vec::with_capacity(out.len() + extra.len());
        let mut extra = extra.into_iter().peekable();
        for row in out {
            while let Some(e) = extra.next_if(|e| id_of(e) < id_of(&row)) {
                merged.push(e);
            }
            merged.push(row);
        }
        merged.extend(extra);
        Ok(Some(merged))
    }

    /// Every linked product with its stock summed over `warehouses` and its snapshot,
    /// in product id order, links to gone Prom ids left out: from the plan view, or the
    /// walk ([`Store::linked_stock_walk`]) when there is none.
    pub fn linked_stock(&self, warehouses: &[String]) -> Result<Vec<LinkedStock>> {
        let gone = self.gone_ids()?;
        let read = self.through_view(
            |block, stale, out| {
                let wanted: Vec<bool> = block
                    .names
                    .iter()
                    .map(|n| warehouses.iter().any(|w| w.as_bytes() == *n))
                    .collect();
                for r in &block.rows {
                    if stale.contains(&r.id) || (!gone.is_empty() && gone.contains(&r.prom_id)) {
                        continue;
                    }
                    let (mut stock, mut recorded) = (0i64, false);
                    for (at, v) in block.stock_of(r) {
                        if wanted[*at] {
                            stock = stock.saturating_add(v.quantity);
                            recorded |= v.recorded;
                        }
                    }
                    out.push(LinkedStock {
                        product_id: r.id,
                        sku: r.sku.to_string(),
                        prom_id: r.prom_id,
                        stock,
                        recorded,
                        reserved: r.reserved,
                        snapshot: r
                            .stock_snapshot
                            .map(super::snapshot_codec::decode_confirmed)
                            .transpose()?,
                    });
                }
                Ok(())
            },
            |ids| self.linked_stock_of(ids, warehouses),
            |r| r.product_id,
        )?;
        match read {
            Some(rows) => Ok(rows),
            None => self.linked_stock_walk(warehouses),
        }
    }

    /// Every linked product with its local price and the price Prom.ua last confirmed,
    /// links to gone Prom ids left out: from the plan view, or the walk
    /// ([`Store::linked_prices_walk`]) when there is none.
    pub fn linked_prices(&self) -> Result<Vec<LinkedPrice>> {
        let gone = self.gone_ids()?;
        let read = self.through_view(
            |block, stale, out| {
                for r in &block.rows {
                    if stale.contains(&r.id) || gone.contains(&r.prom_id) {
                        continue;
                    }
                    out.push(LinkedPrice {
                        product_id: r.id,
                        sku: r.sku.to_string(),
                        prom_id: r.prom_id,
                        price: r.price,
                        snapshot: r
                            .price_snapshot
                            .map(super::snapshot_codec::decode_price)
                            .transpose()?,
                    });
                }
                Ok(())
            },
            |ids| self.linked_prices_of(ids),
            |r| r.product_id,
        )?;
        match read {
            Some(rows) => Ok(rows),
            None => self.linked_prices_walk(),
        }
    }

    /// Folds the marked products back into their blocks (all of them rebuilt from the
    /// walk when many are marked, a block does not decode, or there is no view yet).
    /// Returns how many marks it took. Cheap when nothing is marked.
    pub fn refresh_plan_view(&self) -> Result<usize> {
        let _one = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
        // The marks (with their sequences) before the sources they stand for.
        let marks: Marks = self.trees.view_stale.iter().collect::<sled::Result<_>>()?;
        if !self.view_built()? || damaged().remove(&self.path) {
            return self.rebuild_with(marks);
        }
        if marks.is_empty() {
            return Ok(0);
        }
        let links = usize::try_from(self.counted_links()?).unwrap_or(usize::MAX);
        if marks.len().saturating_mul(REBUILD_SHARE) > links {
            return self.rebuild_with(marks);
        }
        let mut by_block = BTreeMap::<u64, Vec<u64>>::new();
        for (k, _) in &marks {
            let id = id_key("view_stale", k)?;
            by_block.entry(block_of(id)).or_default().push(id);
        }
        let mut blocks = Vec::with_capacity(by_block.len());
        for (block, ids) in by_block {
            let mut rows = BTreeMap::<u64, Row>::new();
            if let Some(v) = self.trees.plan_view.get(be(block))? {
                match plan_block::decode(block, &v) {
                    Ok(b) => rows.extend(b.rows.iter().map(|r| (r.id, b.to_row(r)))),
                    Err(e) => {
                        tracing::warn!("store: {e}; rebuilding the plan view");
                        return self.rebuild_with(marks);
                    }
                }
            }
            for id in ids {
                match self.plan_row(id)? {
                    Some(row) => rows.insert(id, row),
                    None => rows.remove(&id),
                };
            }
            let rows: Vec<Row> = rows.into_values().collect();
            blocks.push((block, (!rows.is_empty()).then(|| plan_block::encode(&rows))));
        }
        #[cfg(test)]
        hook::before_commit(self);
        self.commit_view(&blocks, &marks)?;
        Ok(marks.len())
    }

    /// Builds the whole view from the walk. Public for a repair; refreshes call it.
    pub fn rebuild_plan_view(&self) -> Result<usize> {
        let _one = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
        let marks: Marks = self.trees.view_stale.iter().collect::<sled::Result<_>>()?;
        self.rebuild_with(marks)
    }

    /// The rebuild, with the marks read before it (the refresh lock held): every block
    /// from the walk, blocks no longer holding a row removed, then the marks it saw.
    fn rebuild_with(&self, marks: Marks) -> Result<usize> {
        let mut old: HashSet<u64> = self
            .trees
            .plan_view
            .iter()
            .keys()
            .map(|k| id_key(plan_block::TREE, &k?))
            .collect::<Result<_>>()?;
        let mut pending: Vec<(u64, Option<Vec<u8>>)> = Vec::new();
        let mut current: (u64, Vec<Row>) = (0, Vec::new());
        let mut done = |block: u64, rows: Vec<Row>, pending: &mut Vec<_>| -> Result<()> {
            old.remove(&block);
            pending.push((block, Some(plan_block::encode(&rows))));
            if pending.len() >= CHUNK {
                self.commit_view(pending, &[])?;
                pending.clear();
            }
            Ok(())
        };
        self.plan_rows_walk(|row| {
            let block = block_of(row.id);
            if block != current.0 && !current.1.is_empty() {
                done(current.0, std::mem::take(&mut current.1), &mut pending)?;
            }
            current.0 = block;
            current.1.push(row);
            Ok(())
        })?;
        if !current.1.is_empty() {
            done(current.0, std::mem::take(&mut current.1), &mut pending)?;
        }
        #[cfg(test)]
        hook::before_commit(self);
        pending.extend(old.into_iter().map(|b| (b, None)));
        for chunk in pending.chunks(CHUNK) {
            self.commit_view(chunk, &[])?;
        }
        for chunk in marks.chunks(CHUNK) {
            self.commit_view(&[], chunk)?;
        }
        let _writing = self.writing_aside();
        self.trees.meta.insert(VIEW_BUILT, VIEW_LAYOUT)?;
        Ok(marks.len())
    }

    /// Writes `blocks` (`None`: removed) and removes each of `marks` still holding the
    /// sequence it was read with, in one transaction: a product marked again meanwhile
    /// keeps its mark, so reads still take its sources.
    fn commit_view(
        &self,
        blocks: &[(u64, Option<Vec<u8>>)],
        marks: &[(sled::IVec, sled::IVec)],
    ) -> Result<()> {
        use sled::Transactional;
        use sled::transaction::ConflictableTransactionError as Conflict;
        let _writing = self.writing_aside();
        let t = &self.trees;
        (&t.plan_view, &t.view_stale)
            .transaction(|(view, stale)| {
                for (block, value) in blocks {
                    match value {
                        Some(v) => view.insert(&be(*block), v.as_slice())?,
                        None => view.remove(&be(*block))?,
                    };
                }
                for (id, seq) in marks {
                    if stale.get(id)?.as_ref() == Some(seq) {
                        stale.remove(id)?;
                    }
                }
                Ok::<_, Conflict<()>>(())
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Storage(e) => e.into(),
                sled::transaction::TransactionError::Abort(()) => super::StoreError::Sled(
                    sled::Error::ReportableBug("plan view commit aborted".into()),
                ),
            })
    }

    /// At open: a store without the view (written before it, or restored from such a
    /// backup) gets it built; so does one whose files this program did not close
    /// (`rebuild`: a writer that keeps no stale marks may have changed them). A build that
    /// fails (damage in a source) is said in the log and the reads walk; the next refresh
    /// tries again.
    pub(super) fn build_plan_view_once(&self, rebuild: bool) -> Result<()> {
        if !rebuild && self.view_built()? {
            return Ok(());
        }
        // Unbuilt until the rebuild ends: one cut short leaves reads walking, not reading
        // blocks it did not reach.
        self.trees.meta.remove(VIEW_BUILT)?;
        if let Err(e) = self.rebuild_plan_view() {
            tracing::warn!("store: the plan view was not built ({e}); reads walk the stores");
        }
        Ok(())
    }
}

/// Tests run a write between a refresh's reads and its commit.
#[cfg(test)]
pub(super) mod hook {
    use std::cell::RefCell;

    type Hook = Box<dyn Fn(&super::Store)>;

    thread_local! {
        static BEFORE_COMMIT: RefCell<Option<Hook>> = RefCell::new(None);
    }

    /// Runs `hook` (on this thread) once, before the next refresh commits.
    pub fn once(hook: impl Fn(&super::Store) + 'static) {
        BEFORE_COMMIT.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }

    pub(super) fn before_commit(store: &super::Store) {
        if let Some(hook) = BEFORE_COMMIT.with(|h| h.borrow_mut().take()) {
            hook(store);
        }
    }
}

#[cfg(test)]
#[path = "plan_view_tests.rs"]
mod tests;
