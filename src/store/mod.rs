//! The store: typed trees over sled. Nothing else in the program touches sled.
//!
//! Keys that are numbers are big-endian so that trees sort by id, which lets the
//! stock planner walk products, stock, links and snapshots in one merged pass.
//! Every tree is fixed at open (`trees.rs`); values are JSON (small, readable in a dump)
//! or fixed-width numbers (`codec.rs`). A record of the wrong shape is an error
//! ([`StoreError::Corrupt`]), never a panic.

mod backup;
mod backup_file;
mod cache;
mod codec;
mod consistency;
mod damage;
mod dirty;
mod durability;
mod error;
mod external_ids;
mod file_stamp;
mod full;
mod generation;
mod gone;
mod hand_unlinks;
mod ids;
mod journal_codec;
mod ledger;
mod link_count;
mod link_free;
mod links;
mod lock;
mod migrate;
mod order_details;
mod order_index;
mod order_lines;
mod order_merge;
mod order_scan;
mod order_stock;
mod order_upkeep;
mod orders;
mod plan_block;
mod plan_rows;
mod plan_view;
mod plan_view_check;
mod planner_reads;
mod presence_marks;
mod price_extras;
mod product_count;
mod products;
mod remove;
mod run_detail;
mod run_pages;
mod runs;
mod shop_statuses;
mod shortfalls;
mod sizes;
mod snapshot_codec;
mod snapshots;
mod staging;
mod stock_route;
mod swap;
mod trees;
mod verify_marks;
mod warned;

use std::path::{Path, PathBuf};

pub use backup::{Compacted, Restored, dir_size, read_backup_header};
pub use backup_file::{BackupHeader, TreeCount};
pub use cache::{DEFAULT_CACHE_CAPACITY_MIB, set_cache_capacity_mib};
pub use dirty::{DIRTY_PRICE, DIRTY_STOCK};
pub use error::StoreError;
pub use full::write_refused;
pub use gone::GoneLink;
pub use hand_unlinks::HandUnlink;
pub use ledger::{Actor, JournalEntry, StockChange};
pub use links::Link;
pub use order_details::{
    Buyer, Cancellation, Delivery, OrderDetails, OrderMoney, Payment, Recipient, Utm,
};
pub use order_index::OrderScope;
pub use order_lines::LineLinked;
pub use order_merge::{Merged, StatusConflict, Tracking, Winner, merge_order};
pub use order_scan::{OrderHead, Window as OrderWindow};
pub use orders::{LocalLine, LocalOrder, OrderUpsert, PullMark};
pub use planner_reads::{LinkedPrice, LinkedStock};
pub use presence_marks::{SETTABLE_PRESENCES, ShownMarks, StockSending};
pub use price_extras::{
    DiscountState, ExtrasChange, ExtrasRow, ExtrasRows, ExtrasSnapshot, PriceExtras, SentDiscount,
    SentTier,
};
pub use products::{NewProduct, Product, ProductUpdate};
pub use remove::{Removal, RemoveBlockers, Removed};
pub use run_pages::RunCursor;
pub use shortfalls::{ShortStock, describe as describe_shortfall};
pub use sizes::TreeSize;
pub use snapshots::{ConfirmedStock, PriceSnapshot, StockSnapshot};
pub use staging::StagedProduct;
pub use stock_route::StockRouteMark;
pub use verify_marks::VerifyMarks;

pub type Result<T> = std::result::Result<T, StoreError>;

pub use crate::domain::MAX_QUANTITY;

/// A handle on the open store. Cheap to clone; all clones share one database.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    /// Group commit: callers waiting for durability share one flush.
    durability: std::sync::Arc<durability::GroupCommit>,
    trees: trees::Trees<sled::Tree>,
    /// Writers hold it for reading; a backup takes it to pause them (`backup.rs`).
    quiet: std::sync::Arc<std::sync::RwLock<()>>,
    /// Writes begun and ended (`generation.rs`).
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Writes begun and ended that may change the link suggestions (`generation.rs`).
    link_writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Days of run records kept (0: all), shared by every clone (`runs.rs`).
    keep_runs_days: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// Stamps sled's files when the last clone drops (`file_stamp.rs`). Last, so that it
    /// drops after sled's handles above (which write what sled still holds).
    closer: std::sync::Arc<file_stamp::Closer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the store. A store held by another process (the daemon)
    /// gives [`StoreError::Locked`].
    pub fn open(path: &Path) -> Result<Self> {
        // A process that just closed the store may hold its lock a moment longer (sled's
        // flusher thread): try again briefly before calling it in use.
        let mut tries = 0;
        loop {
            match Self::open_now(path) {
                Err(StoreError::Locked { .. }) if tries < 20 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    /// As [`Store::open`], without waiting for a lock that is held.
    pub fn open_now(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        }
        let noted = file_stamp::noted(path);
        // A damaged file can make sled panic while it recovers its log: contain it.
        let (db, trees) = damage::guarded(path, || {
            let db = cache::sled_config(path)
                .open()
                .map_err(|e| StoreError::from_open(path, e))?;
            let trees = trees::Trees::try_from_names(|name| {
                db.open_tree(name).map_err(|e| StoreError::from(e).at(path))
            })?;
            Ok((db, trees))
        })?;
        let store = Self {
            path: path.to_path_buf(),
            db,
            durability: Default::default(),
            trees,
            quiet: Default::default(),
            writes: Default::default(),
            link_writes: Default::default(),
            keep_runs_days: Default::default(),
            closer: Default::default(),
        };
        // Damage anywhere in the files is found now, before anything runs on them: a
        // store that opens is one whose every entry reads back, or whose files are as
        // this program closed them (then it read back what it wrote: `file_stamp.rs`).
        // Vouched for only if this open took the stamp away itself: another process may
        // have taken it (and written) between the look above and sled's lock.
        let took = file_stamp::take(path);
        let stamped = took && noted.files_match;
        file_stamp::note_open(path);
        if !stamped {
            store.verify_readable_at_open()?;
        }
        store.check_seal()?;
        // The order index is trusted only when this version wrote the store last.
        store.open_order_search(took && noted.keeps_order_index)?;
        store.seed_ids()?;
        store.seed_link_count(!stamped)?;
        store.seed_product_count(!stamped)?;
        store.migrate_layouts()?;
        // Files this program did not close may have been written by one that keeps no
        // stale marks (an older version, a rollback): the view is rebuilt from the data.
        store.build_plan_view_once(!stamped)?;
        store.build_link_free_once()?;
        store.closer.arm(path);
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes the store's files take (sled stats its files: no walk of the data).
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }
}

#[cfg(test)]
mod backup_tests;
#[cfg(test)]
mod corrupt_tests;
#[cfg(test)]
mod gone_tests;
#[cfg(test)]
mod order_echo_tests;
#[cfg(test)]
mod order_edges_tests;
#[cfg(test)]
mod order_lines_tests;
#[cfg(test)]
mod test_fixtures;
#[cfg(test)]
mod tests;
