//! The ledger's writes: products, stock moves with their journal, prices, links, and the
//! dirty set the on-change push reads. Each call is one sled transaction: a file of
//! 10,000 rows applies whole or not at all.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError as Abort, TransactionError, TransactionalTree,
};

use super::{Product, Result, Store, StoreError, be, decode, encode, i64_of, id_of};

/// Who made a change, for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Cli,
    Api,
    Csv,
    Order,
    Import,
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Actor::Cli => "cli",
            Actor::Api => "api",
            Actor::Csv => "csv",
            Actor::Order => "order",
            Actor::Import => "import",
            Actor::System => "system",
        })
    }
}

/// One stock move, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub product_id: u64,
    pub sku: String,
    pub warehouse: String,
    pub before: i64,
    pub after: i64,
    pub delta: i64,
    pub actor: Actor,
    pub reason: Option<String>,
}

/// A change of stock: an absolute quantity or a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockChange {
    Set {
        product_id: u64,
        warehouse: String,
        quantity: i64,
    },
    Adjust {
        product_id: u64,
        warehouse: String,
        delta: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// The 9th byte of a stock value whose count nobody recorded: only shipments moved it.
pub(crate) const UNRECORDED: u8 = 1;

/// Dirty flags: what changed since the last on-change push.
pub const DIRTY_STOCK: u8 = 1;
pub const DIRTY_PRICE: u8 = 2;

pub(crate) fn abort<T>(msg: String) -> std::result::Result<T, Abort<String>> {
    Err(Abort::Abort(msg))
}

pub(crate) fn finish<T>(r: std::result::Result<T, TransactionError<String>>) -> Result<T> {
    r.map_err(|e| match e {
        TransactionError::Abort(msg) => StoreError::Invalid(msg),
        TransactionError::Storage(e) => e.into(),
    })
}

pub(crate) fn mark_dirty(
    dirty: &TransactionalTree,
    links: &TransactionalTree,
    id: u64,
    flag: u8,
) -> std::result::Result<(), Abort<String>> {
    if links.get(be(id))?.is_some() {
        let old = dirty.get(be(id))?.map_or(0, |v| v[0]);
        dirty.insert(&be(id), &[old | flag])?;
    }
    Ok(())
}

/// The trees a stock move touches, inside a transaction.
pub(crate) struct MoveTrees<'a> {
    pub products: &'a TransactionalTree,
    pub stock: &'a TransactionalTree,
    pub journal: &'a TransactionalTree,
    pub dirty: &'a TransactionalTree,
    pub links: &'a TransactionalTree,
    pub warehouses: &'a TransactionalTree,
}

impl MoveTrees<'_> {
    /// One stock move with its journal entry and dirty mark; `None` when nothing moves.
    pub(crate) fn apply(
        &self,
        change: &StockChange,
        actor: Actor,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> std::result::Result<Option<JournalEntry>, Abort<String>> {
        let (id, warehouse) = match change {
            StockChange::Set {
                product_id,
                warehouse,
                ..
            }
            | StockChange::Adjust {
                product_id,
                warehouse,
                ..
            } => (*product_id, warehouse.trim()),
        };
        if warehouse.is_empty() {
            return abort("a warehouse name must not be blank".into());
        }
        let Some(pv) = self.products.get(be(id))? else {
            return abort(format!("no product with id {id}"));
        };
        let product: Product = tx_decode("products", &pv)?;
        let key = Store::stock_key(id, warehouse);
        let existing = self.stock.get(&key)?;
        let before = existing.as_ref().map_or(0, |v| i64_of(v));
        let max = super::MAX_QUANTITY;
        let after = match change {
            StockChange::Set { quantity, .. } => *quantity,
            StockChange::Adjust { delta, .. } => match before.checked_add(*delta) {
                Some(a) => a,
                None => {
                    return abort(format!(
                        "stock of {} in {warehouse} would overflow ({before} {delta:+})",
                        product.sku
                    ));
                }
            },
        };
        if after > max {
            return abort(format!(
                "stock of {} in {warehouse} would be {after}, more than the most the ledger holds ({max})",
                product.sku
            ));
        }
        // Only a shipment (or the program itself) may take stock below zero: the goods
        // left, whatever the ledger said, and the negative count shows the mismatch.
        // People, files and imports are refused, but a receipt onto a negative count
        // (towards zero) is taken.
        let lowers = match change {
            StockChange::Set { .. } => true,
            StockChange::Adjust { delta, .. } => *delta < 0,
        };
        if after < 0 && lowers && !matches!(actor, Actor::Order | Actor::System) {
            return abort(match change {
                StockChange::Set { .. } => format!(
                    "stock of {} in {warehouse} must not be negative (got {after})",
                    product.sku
                ),
                StockChange::Adjust { delta, .. } => format!(
                    "stock of {} in {warehouse} would go below zero ({before} {delta:+} = {after})",
                    product.sku
                ),
            });
        }
        // A shipment of stock nobody recorded leaves it unrecorded (so it is still not
        // pushed); any other move records it.
        let was_unrecorded = existing
            .as_ref()
            .is_some_and(|v| v.get(8) == Some(&UNRECORDED));
        let unrecorded = actor == Actor::Order && (existing.is_none() || was_unrecorded);
        if after == before && existing.is_some() && unrecorded == was_unrecorded {
            return Ok(None);
        }
        let mut value = after.to_be_bytes().to_vec();
        if unrecorded {
            value.push(UNRECORDED);
        }
        self.stock.insert(key, value)?;
        self.warehouses.insert(warehouse.as_bytes(), &[])?;
        mark_dirty(self.dirty, self.links, id, DIRTY_STOCK)?;
        let seq = self.journal.generate_id()?;
        let entry = JournalEntry {
            seq,
            at: now,
            product_id: id,
            sku: product.sku,
            warehouse: warehouse.to_string(),
            before,
            after,
            delta: after - before,
            actor,
            reason: reason.map(str::to_string),
        };
        self.journal.insert(
            &be(seq),
            encode(&entry).map_err(|e| Abort::Abort(e.to_string()))?,
        )?;
        Ok(Some(entry))
    }
}

pub(crate) fn tx_decode<T: serde::de::DeserializeOwned>(
    tree: &str,
    v: &[u8],
) -> std::result::Result<T, Abort<String>> {
    decode(tree, v).map_err(|e| Abort::Abort(e.to_string()))
}

impl Store {
    /// Applies stock changes atomically, journalling each move and marking linked
    /// products dirty. A change that moves nothing is not journalled.
    pub fn apply_stock_changes(
        &self,
        changes: &[StockChange],
        actor: Actor,
        reason: Option<&str>,
    ) -> Result<Vec<JournalEntry>> {
        let now = Utc::now();
        let trees = [
            self.products.clone(),
            self.stock.clone(),
            self.journal.clone(),
            self.dirty.clone(),
            self.links.clone(),
            self.warehouses.clone(),
        ];
        finish(trees.transaction(|t| {
            let tx = MoveTrees {
                products: &t[0],
                stock: &t[1],
                journal: &t[2],
                dirty: &t[3],
                links: &t[4],
                warehouses: &t[5],
            };
            let mut entries = Vec::new();
            for change in changes {
                entries.extend(tx.apply(change, actor, reason, now)?);
            }
            Ok(entries)
        }))
    }

    /// Adds products atomically: every SKU trimmed, not blank, unique (in the store and
    /// in the batch).
    pub fn add_products(&self, new: &[NewProduct]) -> Result<Vec<Product>> {
        Ok(self
            .upsert_products(new, false)?
            .into_iter()
            .map(|(p, _)| p)
            .collect())
    }

    /// Creates the products whose SKU is new and, with `update`, updates the others
    /// (name, and price and currency when given), all in one transaction. Returns each
    /// product and whether it was created.
    pub fn upsert_products(
        &self,
        rows: &[NewProduct],
        update: bool,
    ) -> Result<Vec<(Product, bool)>> {
        let mut ids = Vec::with_capacity(rows.len());
        for _ in rows {
            ids.push(self.db.generate_id()? + 1);
        }
        let trees = [
            self.products.clone(),
            self.sku_index.clone(),
            self.dirty.clone(),
            self.links.clone(),
        ];
        finish(trees.transaction(|t| {
            let (products, index, dirty, links) = (&t[0], &t[1], &t[2], &t[3]);
            let mut out = Vec::with_capacity(rows.len());
            for (n, new_id) in rows.iter().zip(&ids) {
                let sku = n.sku.trim();
                if sku.is_empty() {
                    return abort("a SKU must not be blank".into());
                }
                if n.name.trim().is_empty() {
                    return abort(format!("the name of {sku} must not be blank"));
                }
                if n.price.is_some_and(|p| p.is_sign_negative()) {
                    return abort(format!("the price of {sku} must not be negative"));
                }
                let (p, created) = match index.get(sku.as_bytes())? {
                    Some(_) if !update => return abort(format!("SKU `{sku}` already exists")),
                    Some(idv) => {
                        let id = id_of(&idv);
                        let pv = products
                            .get(be(id))?
                            .ok_or_else(|| Abort::Abort(format!("index of {sku} is dangling")))?;
                        let mut p: Product = tx_decode("products", &pv)?;
                        p.name = n.name.trim().to_string();
                        if n.price.is_some() && n.price != p.price {
                            mark_dirty(dirty, links, id, DIRTY_PRICE)?;
                            p.price = n.price;
                        }
                        if let Some(c) = &n.currency {
                            p.currency = Some(c.trim().to_uppercase());
                        }
                        (p, false)
                    }
                    None => {
                        let p = Product {
                            id: *new_id,
                            sku: sku.to_string(),
                            name: n.name.trim().to_string(),
                            price: n.price,
                            currency: n.currency.as_ref().map(|c| c.trim().to_uppercase()),
                        };
                        index.insert(sku.as_bytes(), &be(*new_id))?;
                        (p, true)
                    }
                };
                products.insert(
                    &be(p.id),
                    encode(&p).map_err(|e| Abort::Abort(e.to_string()))?,
                )?;
                out.push((p, created));
            }
            Ok(out)
        }))
    }

    /// Updates products atomically; a linked product whose price changes becomes dirty.
    pub fn update_products(&self, updates: &[(u64, ProductUpdate)]) -> Result<Vec<Product>> {
        let trees = [
            self.products.clone(),
            self.dirty.clone(),
            self.links.clone(),
        ];
        finish(trees.transaction(|t| {
            let (products, dirty, links) = (&t[0], &t[1], &t[2]);
            let mut out = Vec::new();
            for (id, u) in updates {
                let Some(pv) = products.get(be(*id))? else {
                    return abort(format!("no product with id {id}"));
                };
                let mut p: Product = tx_decode("products", &pv)?;
                if let Some(name) = &u.name {
                    if name.trim().is_empty() {
                        return abort(format!("the name of {} must not be blank", p.sku));
                    }
                    p.name = name.trim().to_string();
                }
                if let Some(c) = &u.currency {
                    p.currency = Some(c.trim().to_uppercase());
                }
                if let Some(price) = u.price {
                    if price.is_sign_negative() {
                        return abort(format!("the price of {} must not be negative", p.sku));
                    }
                    if p.price != Some(price) {
                        mark_dirty(dirty, links, *id, DIRTY_PRICE)?;
                    }
                    p.price = Some(price);
                }
                products.insert(
                    &be(*id),
                    encode(&p).map_err(|e| Abort::Abort(e.to_string()))?,
                )?;
                out.push(p);
            }
            Ok(out)
        }))
    }

    /// Removes a product's link (and what Prom confirmed for it). Returns the Prom id it had.
    pub fn unlink(&self, product_id: u64) -> Result<Option<i64>> {
        let trees = [
            self.links.clone(),
            self.links_by_prom.clone(),
            self.snapshots.clone(),
            self.dirty.clone(),
        ];
        finish(trees.transaction(|t| {
            let Some(v) = t[0].remove(&be(product_id))? else {
                return Ok(None);
            };
            let prom_id = i64_of(&v);
            t[1].remove(&prom_id.to_be_bytes())?;
            t[2].remove(&be(product_id))?;
            t[3].remove(&be(product_id))?;
            Ok(Some(prom_id))
        }))
    }

    /// The Prom id a product is linked to.
    pub fn link_of(&self, product_id: u64) -> Result<Option<i64>> {
        Ok(self.links.get(be(product_id))?.map(|v| i64_of(&v)))
    }

    /// Stock moves, newest first, of one product or of all.
    pub fn journal(&self, product_id: Option<u64>, limit: usize) -> Result<Vec<JournalEntry>> {
        let mut out = Vec::new();
        for v in self.journal.iter().values().rev() {
            let e: JournalEntry = decode("journal", &v?)?;
            if product_id.is_none_or(|id| id == e.product_id) {
                out.push(e);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    pub fn journal_len(&self) -> usize {
        self.journal.len()
    }

    /// Takes the products marked with `flag` (e.g. [`DIRTY_STOCK`]): each is returned once
    /// and its flag cleared, unless it was marked again meanwhile (then it stays for the
    /// next take).
    pub fn take_dirty(&self, flag: u8) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for kv in self.dirty.iter() {
            let (k, v) = kv?;
            if v[0] & flag == 0 {
                continue;
            }
            let rest = v[0] & !flag;
            let new = (rest != 0).then_some([rest]);
            if self
                .dirty
                .compare_and_swap(&k, Some(&v), new.as_ref().map(|b| &b[..]))?
                .is_ok()
            {
                out.push(id_of(&k));
            }
        }
        Ok(out)
    }

    /// Marks linked products changed again (a push that could not send them).
    pub fn mark_dirty_ids(&self, ids: &[u64], flag: u8) -> Result<()> {
        for id in ids {
            if self.links.get(be(*id))?.is_some() {
                self.dirty
                    .fetch_and_update(be(*id), |old| Some(vec![old.map_or(0, |v| v[0]) | flag]))?;
            }
        }
        Ok(())
    }

    pub fn dirty_count(&self) -> usize {
        self.dirty.len()
    }

    pub fn warehouses(&self) -> Result<Vec<String>> {
        self.warehouses
            .iter()
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?).into_owned()))
            .collect()
    }

    /// Products in id order after `after`, at most `limit`.
    pub fn products_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Product>> {
        let start = after.map_or(0, |a| a.saturating_add(1));
        self.products
            .range(be(start)..)
            .values()
            .take(limit)
            .map(|v| decode("products", &v?))
            .collect()
    }
}
