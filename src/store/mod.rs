//! The store: typed trees over sled. Nothing else in the program touches sled.
//!
//! Keys that are numbers are big-endian so that trees sort by id, which lets the
//! stock planner walk products, stock, links and snapshots in one merged pass.
//! Every tree is fixed at open; values are JSON (small, readable in a dump).

mod damage;
mod durability;
mod error;
mod ledger;
mod orders;
mod staging;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

pub use error::StoreError;
pub use ledger::{
    Actor, DIRTY_PRICE, DIRTY_STOCK, JournalEntry, NewProduct, ProductUpdate, StockChange,
};
pub use orders::{LinkedPrice, LocalLine, LocalOrder, OrderUpsert, PriceSnapshot};
pub use staging::StagedProduct;

use crate::report::RunRecord;

pub type Result<T> = std::result::Result<T, StoreError>;

pub use crate::domain::MAX_QUANTITY;

/// A local product of the back office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: u64,
    pub sku: String,
    pub name: String,
    /// The local selling price; `None` until set.
    #[serde(default)]
    pub price: Option<rust_decimal::Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// The link between a local product and a Prom.ua product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub product_id: u64,
    pub prom_id: i64,
}

/// What Prom.ua last confirmed (in `processed_ids`) for a product's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockSnapshot {
    pub prom_id: i64,
    pub quantity: i64,
    pub presence: String,
    pub confirmed_at: DateTime<Utc>,
    /// A push of this product was sent and not confirmed (or the process stopped before
    /// its confirmation was on disk): Prom.ua may hold another value, so the planner sends
    /// it again whatever the values above say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// Everything the stock planner needs about one linked product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedStock {
    pub product_id: u64,
    pub sku: String,
    pub prom_id: i64,
    /// Stock summed over the requested warehouses.
    pub stock: i64,
    /// Some stock was ever recorded in one of the requested warehouses (a recorded 0
    /// counts; a product created without a balance does not).
    pub recorded: bool,
    /// Reserved by open orders.
    pub reserved: i64,
    /// What Prom.ua last confirmed.
    pub snapshot: Option<ConfirmedStock>,
}

/// The part of a [`StockSnapshot`] the planner compares (read without parsing dates).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConfirmedStock {
    pub prom_id: i64,
    pub quantity: i64,
    pub presence: String,
    #[serde(default)]
    pub unconfirmed: bool,
}

/// A product record read for its SKU alone, borrowing from the stored bytes.
#[derive(Deserialize)]
struct SkuOnly<'a> {
    #[serde(borrow)]
    sku: std::borrow::Cow<'a, str>,
}

const TREES: [&str; 15] = [
    "meta",
    "products",
    "sku_index",
    "stock",
    "links",
    "links_by_prom",
    "stock_snapshots",
    "runs",
    "journal",
    "dirty",
    "warehouses",
    "orders",
    "reserved",
    "price_snapshots",
    "staged",
];

/// A handle on the open store. Cheap to clone; all clones share one database.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    /// Group commit: callers waiting for durability share one flush.
    durability: std::sync::Arc<durability::GroupCommit>,
    meta: sled::Tree,
    products: sled::Tree,
    sku_index: sled::Tree,
    stock: sled::Tree,
    links: sled::Tree,
    links_by_prom: sled::Tree,
    snapshots: sled::Tree,
    runs: sled::Tree,
    /// Every stock move: sequence number → [`JournalEntry`].
    journal: sled::Tree,
    /// Linked products changed since their last on-change push.
    dirty: sled::Tree,
    /// Warehouse names ever used.
    warehouses: sled::Tree,
    /// Prom order id → [`LocalOrder`].
    orders: sled::Tree,
    /// Product id → quantity reserved by open orders (the sum of their `reserved`).
    reserved: sled::Tree,
    /// Product id → [`PriceSnapshot`]: the price Prom.ua last confirmed.
    price_snapshots: sled::Tree,
    /// Prom id → [`StagedProduct`]: Prom products downloaded without creating anything.
    staged: sled::Tree,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

pub(crate) fn be(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

pub(crate) fn id_of(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[..8]);
    u64::from_be_bytes(b)
}

pub(crate) fn i64_of(v: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&v[..8]);
    i64::from_be_bytes(b)
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
        // A damaged file can make sled panic while it recovers its log: contain it.
        let (db, trees) = damage::guarded(path, || {
            let db = sled::Config::new()
                .path(path)
                .open()
                .map_err(|e| StoreError::from_open(path, e))?;
            let trees: Vec<sled::Tree> = TREES
                .iter()
                .map(|n| db.open_tree(n).map_err(|e| StoreError::from(e).at(path)))
                .collect::<Result<_>>()?;
            Ok((db, trees))
        })?;
        let [
            meta,
            products,
            sku_index,
            stock,
            links,
            links_by_prom,
            snapshots,
            runs,
            journal,
            dirty,
            warehouses,
            orders,
            reserved,
            price_snapshots,
            staged,
        ]: [sled::Tree; 15] = trees.try_into().expect("all trees");
        let store = Self {
            path: path.to_path_buf(),
            db,
            durability: Default::default(),
            meta,
            products,
            sku_index,
            stock,
            links,
            links_by_prom,
            snapshots,
            runs,
            journal,
            dirty,
            warehouses,
            orders,
            reserved,
            price_snapshots,
            staged,
        };
        // Damage anywhere in the files is found now, before anything runs on them: a
        // store that opens is one whose every entry reads back.
        store.verify_readable()?;
        store.check_seal()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    // ---- products ----

    /// Adds a product. The SKU is trimmed, must not be blank and must be unique.
    pub fn add_product(&self, sku: &str, name: &str) -> Result<Product> {
        let sku = sku.trim();
        if sku.is_empty() {
            return Err(StoreError::Invalid("a SKU must not be blank".into()));
        }
        let id = self.db.generate_id()? + 1;
        let product = Product {
            id,
            sku: sku.to_string(),
            name: name.trim().to_string(),
            price: None,
            currency: None,
        };
        let value = encode(&product)?;
        let res = (&self.products, &self.sku_index).transaction(
            |(products, index)| -> std::result::Result<(), ConflictableTransactionError<()>> {
                if index.get(sku.as_bytes())?.is_some() {
                    return Err(ConflictableTransactionError::Abort(()));
                }
                index.insert(sku.as_bytes(), &be(id))?;
                products.insert(&be(id), value.as_slice())?;
                Ok(())
            },
        );
        match res {
            Ok(()) => Ok(product),
            Err(TransactionError::Abort(())) => {
                Err(StoreError::Invalid(format!("SKU `{sku}` already exists")))
            }
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    pub fn product(&self, id: u64) -> Result<Option<Product>> {
        self.products
            .get(be(id))?
            .map(|v| decode("products", &v))
            .transpose()
    }

    pub fn product_by_sku(&self, sku: &str) -> Result<Option<Product>> {
        match self.sku_index.get(sku.trim().as_bytes())? {
            Some(id) => self.product(id_of(&id)),
            None => Ok(None),
        }
    }

    pub fn products(&self) -> Result<Vec<Product>> {
        self.products
            .iter()
            .values()
            .map(|v| decode("products", &v?))
            .collect()
    }

    pub fn product_count(&self) -> usize {
        self.products.len()
    }

    // ---- stock ----

    pub(crate) fn stock_key(product_id: u64, warehouse: &str) -> Vec<u8> {
        let mut k = be(product_id).to_vec();
        k.extend_from_slice(warehouse.as_bytes());
        k
    }

    /// Sets the absolute quantity of a product in a warehouse (journalled as `system`).
    pub fn set_stock(&self, product_id: u64, warehouse: &str, quantity: i64) -> Result<()> {
        self.apply_stock_changes(
            &[StockChange::Set {
                product_id,
                warehouse: warehouse.to_string(),
                quantity,
            }],
            Actor::System,
            None,
        )?;
        Ok(())
    }

    /// Quantities of one product per warehouse.
    pub fn stock_of(&self, product_id: u64) -> Result<Vec<(String, i64)>> {
        self.stock
            .scan_prefix(be(product_id))
            .map(|kv| {
                let (k, v) = kv?;
                Ok((String::from_utf8_lossy(&k[8..]).into_owned(), i64_of(&v)))
            })
            .collect()
    }

    // ---- links ----

    /// Links a local product to a Prom.ua product, one to one.
    pub fn link(&self, product_id: u64, prom_id: i64) -> Result<()> {
        if self.products.get(be(product_id))?.is_none() {
            return Err(StoreError::Invalid(format!(
                "no product with id {product_id}"
            )));
        }
        let res = (&self.links, &self.links_by_prom).transaction(
            |(links, by_prom)| -> std::result::Result<(), ConflictableTransactionError<String>> {
                if let Some(p) = links.get(be(product_id))? {
                    if i64_of(&p) != prom_id {
                        return Err(ConflictableTransactionError::Abort(format!(
                            "product {product_id} is already linked to Prom product {}",
                            i64_of(&p)
                        )));
                    }
                }
                if let Some(l) = by_prom.get(prom_id.to_be_bytes())? {
                    if id_of(&l) != product_id {
                        return Err(ConflictableTransactionError::Abort(format!(
                            "Prom product {prom_id} is already linked to product {}",
                            id_of(&l)
                        )));
                    }
                }
                links.insert(&be(product_id), &prom_id.to_be_bytes())?;
                by_prom.insert(&prom_id.to_be_bytes(), &be(product_id))?;
                Ok(())
            },
        );
        match res {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(msg)) => Err(StoreError::Invalid(msg)),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    pub fn links(&self) -> Result<Vec<Link>> {
        self.links
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok(Link {
                    product_id: id_of(&k),
                    prom_id: i64_of(&v),
                })
            })
            .collect()
    }

    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    // ---- snapshots ----

    pub fn stock_snapshot(&self, product_id: u64) -> Result<Option<StockSnapshot>> {
        self.snapshots
            .get(be(product_id))?
            .map(|v| decode("stock_snapshots", &v))
            .transpose()
    }

    /// Records what Prom.ua confirmed, in one atomic batch.
    pub fn put_stock_snapshots(&self, snaps: &[(u64, StockSnapshot)]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (id, s) in snaps {
            batch.insert(&be(*id), encode(s)?);
        }
        self.snapshots.apply_batch(batch)?;
        Ok(())
    }

    /// Marks the snapshots of `ids` unconfirmed before a push of them is sent: from now
    /// until Prom.ua confirms, the store does not claim to know what Prom holds. The
    /// caller flushes before sending.
    pub fn mark_stock_unconfirmed(&self, ids: &[u64]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for id in ids {
            if let Some(v) = self.snapshots.get(be(*id))? {
                let mut s: StockSnapshot = decode("stock_snapshots", &v)?;
                if !s.unconfirmed {
                    s.unconfirmed = true;
                    batch.insert(&be(*id), encode(&s)?);
                }
            }
        }
        self.snapshots.apply_batch(batch)?;
        Ok(())
    }

    pub fn stock_snapshots(&self) -> Result<Vec<(u64, StockSnapshot)>> {
        self.snapshots
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((id_of(&k), decode("stock_snapshots", &v)?))
            })
            .collect()
    }

    /// Every linked product with its stock summed over `warehouses` and its snapshot,
    /// in product id order: one merged pass over four id-sorted trees.
    pub fn linked_stock(&self, warehouses: &[String]) -> Result<Vec<LinkedStock>> {
        let mut products = self.products.iter().peekable();
        let mut stock = self.stock.iter().peekable();
        let mut snaps = self.snapshots.iter().peekable();
        let mut reserved = self.reserved.iter().peekable();
        let mut out = Vec::with_capacity(self.links.len());
        for kv in self.links.iter() {
            let (k, v) = kv?;
            let id = id_of(&k);
            let prom_id = i64_of(&v);
            let sku = loop {
                match products.peek() {
                    Some(Ok((pk, _))) if id_of(pk) < id => {
                        products.next();
                    }
                    Some(Ok((pk, pv))) if id_of(pk) == id => {
                        let p: SkuOnly<'_> = decode_borrowed("products", pv)?;
                        let sku = p.sku.into_owned();
                        products.next();
                        break sku;
                    }
                    Some(Err(_)) => return Err(products.next().unwrap().unwrap_err().into()),
                    _ => {
                        return Err(StoreError::Corrupt(format!(
                            "link for product {id} but no such product"
                        )));
                    }
                }
            };
            let mut total: i64 = 0;
            let mut recorded = false;
            loop {
                match stock.peek() {
                    Some(Ok((sk, _))) if id_of(sk) < id => {
                        stock.next();
                    }
                    Some(Ok((sk, sv))) if id_of(sk) == id => {
                        let w = &sk[8..];
                        if warehouses.iter().any(|name| name.as_bytes() == w) {
                            total = total.saturating_add(i64_of(sv));
                            recorded |= sv.get(8) != Some(&ledger::UNRECORDED);
                        }
                        stock.next();
                    }
                    Some(Err(_)) => return Err(stock.next().unwrap().unwrap_err().into()),
                    _ => break,
                }
            }
            let snapshot = loop {
                match snaps.peek() {
                    Some(Ok((sk, _))) if id_of(sk) < id => {
                        snaps.next();
                    }
                    Some(Ok((sk, sv))) if id_of(sk) == id => {
                        let s: ConfirmedStock = decode("stock_snapshots", sv)?;
                        snaps.next();
                        break Some(s);
                    }
                    Some(Err(_)) => return Err(snaps.next().unwrap().unwrap_err().into()),
                    _ => break None,
                }
            };
            let held = loop {
                match reserved.peek() {
                    Some(Ok((rk, _))) if id_of(rk) < id => {
                        reserved.next();
                    }
                    Some(Ok((rk, rv))) if id_of(rk) == id => {
                        let q = i64_of(rv);
                        reserved.next();
                        break q;
                    }
                    Some(Err(_)) => return Err(reserved.next().unwrap().unwrap_err().into()),
                    _ => break 0,
                }
            };
            out.push(LinkedStock {
                product_id: id,
                sku,
                prom_id,
                stock: total,
                recorded,
                reserved: held,
                snapshot,
            });
        }
        Ok(out)
    }

    // ---- run records ----

    fn run_key(job: &str, started_at: &DateTime<Utc>) -> Vec<u8> {
        let mut k = job.as_bytes().to_vec();
        k.push(0);
        k.extend_from_slice(&started_at.timestamp_micros().to_be_bytes());
        k
    }

    pub fn record_run(&self, run: &RunRecord) -> Result<()> {
        self.runs
            .insert(Self::run_key(&run.job, &run.started_at), encode(run)?)?;
        Ok(())
    }

    /// The newest runs of a job, newest first.
    pub fn runs_of(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>> {
        let mut prefix = job.as_bytes().to_vec();
        prefix.push(0);
        self.runs
            .scan_prefix(prefix)
            .values()
            .rev()
            .take(limit)
            .map(|v| decode("runs", &v?))
            .collect()
    }

    pub fn last_run(&self, job: &str) -> Result<Option<RunRecord>> {
        Ok(self.runs_of(job, 1)?.into_iter().next())
    }

    /// Checks the cross-tree invariants: every link, stock row and snapshot names an
    /// existing product; links are one to one; the SKU index matches the products.
    pub fn check_consistency(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let exists = |id: u64| -> Result<bool> { Ok(self.products.get(be(id))?.is_some()) };
        for p in self.products()? {
            match self.sku_index.get(p.sku.as_bytes())? {
                Some(v) if id_of(&v) == p.id => {}
                _ => problems.push(format!(
                    "product {} ({}) is missing from the SKU index",
                    p.id, p.sku
                )),
            }
        }
        for l in self.links()? {
            if !exists(l.product_id)? {
                problems.push(format!("link of missing product {}", l.product_id));
            }
            match self.links_by_prom.get(l.prom_id.to_be_bytes())? {
                Some(v) if id_of(&v) == l.product_id => {}
                _ => problems.push(format!(
                    "link {} -> {} has no reverse entry",
                    l.product_id, l.prom_id
                )),
            }
        }
        if self.links_by_prom.len() != self.links.len() {
            problems.push("links and their reverse index differ in size".into());
        }
        for kv in self.stock.iter() {
            let (k, _) = kv?;
            if !exists(id_of(&k))? {
                problems.push(format!("stock row of missing product {}", id_of(&k)));
            }
        }
        for (id, s) in self.stock_snapshots()? {
            match self.links.get(be(id))? {
                Some(v) if i64_of(&v) == s.prom_id => {}
                _ => problems.push(format!("snapshot of product {id} does not match its link")),
            }
        }
        for v in self.runs.iter().values() {
            decode::<RunRecord>("runs", &v?)?;
        }
        self.meta.len();
        Ok(problems)
    }
}

pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

fn decode_borrowed<'a, T: Deserialize<'a>>(tree: &str, v: &'a [u8]) -> Result<T> {
    serde_json::from_slice(v).map_err(|e| StoreError::Corrupt(format!("tree {tree}: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(tree: &str, v: &[u8]) -> Result<T> {
    serde_json::from_slice(v).map_err(|e| StoreError::Corrupt(format!("tree {tree}: {e}")))
}

#[cfg(test)]
mod tests;
