//! Removing a local product (one made by mistake, e.g. by an import): the product, its SKU
//! index entry, its stock rows, its snapshots, its dirty mark and (when forced) its link,
//! in one transaction. The journal keeps its history; stock that leaves with it is
//! journalled as a move to 0. Orders that named it keep their lines, unlinked.
//!
//! Refused while it is linked, has stock moves in the journal, or is on an order's lines,
//! unless forced; refused even when forced while open orders reserve it.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::codec::{StockValue, be, decode, i64_value, split_stock_key};
use super::ledger::{Actor, JournalEntry};
use super::links::link_of_in;
use super::orders::{order_in, put_order};
use super::trees::abort;
use super::{LocalOrder, Product, Result, Store};

/// What stands in the way of removing a product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveBlockers {
    /// The Prom.ua product it is linked to.
    pub linked: Option<i64>,
    /// Its stock moves in the journal.
    pub moves: usize,
    /// Orders whose lines name it (they keep the lines, unlinked, when forced).
    pub orders: Vec<i64>,
    /// What open orders reserve of it: no removal, forced or not.
    pub reserved: i64,
    /// The orders that reserve it.
    pub reserving: Vec<i64>,
}

impl RemoveBlockers {
    /// Even `force` does not remove it.
    pub fn absolute(&self) -> bool {
        self.reserved > 0 || !self.reserving.is_empty()
    }

    /// Only `force` removes it.
    pub fn any(&self) -> bool {
        self.absolute() || self.linked.is_some() || self.moves > 0 || !self.orders.is_empty()
    }
}

/// What a removal took away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub product: Product,
    /// The Prom.ua product it was linked to (now unlinked).
    pub unlinked: Option<i64>,
    /// Its stock rows, (warehouse, quantity).
    pub stock: Vec<(String, i64)>,
    /// The journal entries written for the stock that left with it.
    pub journalled: Vec<JournalEntry>,
    /// Its earlier stock moves, kept in the journal.
    pub moves_kept: usize,
    /// Orders whose lines named it, now unlinked.
    pub orders_unlinked: Vec<i64>,
}

/// The outcome of [`Store::remove_product`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    Removed(Removed),
    /// Nothing was changed.
    Refused {
        product: Product,
        blockers: RemoveBlockers,
    },
}

/// The orders naming `id`: on a line, in what they reserve or in what they shipped.
fn names(order: &LocalOrder, id: u64) -> bool {
    order.lines.iter().any(|l| l.product_id == Some(id))
        || order.reserved.iter().any(|(p, _)| *p == id)
        || order.shipped.iter().any(|(p, _)| *p == id)
}

impl Store {
    /// How many stock moves of product `id` the journal holds (a scan of the journal).
    pub fn moves_of(&self, id: u64) -> Result<usize> {
        let mut n = 0;
        for v in self.trees.journal.iter().values() {
            let v = v?;
            if super::journal_codec::product_of(&v)? == id {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The stock moves journalled under `sku`, newest first, at most `limit`: the history
    /// of a product that was removed (the journal names it by SKU as well as by id).
    pub fn journal_of_sku(&self, sku: &str, limit: usize) -> Result<Vec<JournalEntry>> {
        let mut out = Vec::new();
        for v in self.trees.journal.iter().values().rev() {
            let e = super::journal_codec::decode_entry(&v?)?;
            if e.sku == sku {
                out.push(e);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Removes product `id`, or says what stands in the way and changes nothing. `force`
    /// overrides a link (removed with it), stock moves (kept in the journal) and order
    /// lines (unlinked), never a reservation. `actor` and `reason` journal the stock that
    /// leaves with it.
    pub fn remove_product(
        &self,
        id: u64,
        force: bool,
        actor: Actor,
        reason: &str,
    ) -> Result<Removal> {
        // The scans a transaction may not do, first: moves, stock rows, orders.
        let moves = self.moves_of(id)?;
        let stock_keys: Vec<sled::IVec> = self
            .trees
            .stock
            .scan_prefix(be(id))
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        let mut order_ids = Vec::new();
        for v in self.trees.orders.iter().values() {
            let order: LocalOrder = decode("orders", &v?)?;
            if names(&order, id) {
                order_ids.push(order.prom_id);
            }
        }
        let now = Utc::now();
        let removal = self.transact(|tx| {
            let Some(pv) = tx.products.get(be(id))? else {
                return abort(format!("no product with id {id}"));
            };
            let product: Product = decode("products", &pv)?;
            let reserved = tx.reserved.get(be(id))?;
            let mut blockers = RemoveBlockers {
                linked: link_of_in(tx, id)?,
                moves,
                reserved: reserved.map_or(Ok(0), |v| i64_value("reserved", &v))?,
                ..Default::default()
            };
            let mut orders = Vec::new();
            for oid in &order_ids {
                let Some(order) = order_in(tx, *oid)? else {
                    continue;
                };
                if order.reserved.iter().any(|(p, q)| *p == id && *q > 0) {
                    blockers.reserving.push(*oid);
                }
                if names(&order, id) {
                    blockers.orders.push(*oid);
                    orders.push(order);
                }
            }
            if blockers.absolute() || (!force && blockers.any()) {
                return Ok(Removal::Refused { product, blockers });
            }
            let mut stock = Vec::new();
            let mut journalled = Vec::new();
            for key in &stock_keys {
                let Some(v) = tx.stock.get(key)? else {
                    continue;
                };
                let quantity = StockValue::decode(&v)?.quantity;
                let (_, warehouse) = split_stock_key(key)?;
                let warehouse = String::from_utf8_lossy(warehouse).into_owned();
                tx.stock.remove(key)?;
                if quantity != 0 {
                    let entry = JournalEntry {
                        seq: super::ids::take_id(tx)?,
                        at: now,
                        product_id: id,
                        sku: product.sku.clone(),
                        warehouse: warehouse.clone(),
                        before: quantity,
                        after: 0,
                        delta: -quantity,
                        actor,
                        reason: Some(reason.to_string()),
                    };
                    tx.journal
                        .insert(&be(entry.seq), super::journal_codec::encode(&entry))?;
                    journalled.push(entry);
                }
                stock.push((warehouse, quantity));
            }
            if tx.products.remove(&be(id))?.is_some() {
                super::product_count::add(tx, -1)?;
            }
            let indexed = tx.sku_index.get(product.sku.as_bytes())?;
            if indexed.as_deref() == Some(&be(id)[..]) {
                tx.sku_index.remove(product.sku.as_bytes())?;
            }
            if let Some(prom_id) = blockers.linked {
                if tx.links.remove(&be(id))?.is_some() {
                    super::link_count::add(tx, -1)?;
                }
                tx.links_by_prom.remove(&prom_id.to_be_bytes())?;
            }
            super::link_free::product_removed(tx, id, blockers.linked)?;
            tx.snapshots.remove(&be(id))?;
            tx.price_snapshots.remove(&be(id))?;
            tx.presence_settings.remove(&be(id))?;
            tx.price_extras.remove(&be(id))?;
            tx.extras_snapshots.remove(&be(id))?;
            tx.dirty.remove(&be(id))?;
            super::plan_view::mark_stale(tx, id)?;
            // An unlink remembered for it means nothing once it is gone.
            tx.hand_unlinks.remove(&be(id))?;
            for mut order in orders {
                for line in &mut order.lines {
                    if line.product_id == Some(id) {
                        line.product_id = None;
                        line.hand_linked = false;
                    }
                }
                order.shipped.retain(|(p, _)| *p != id);
                order.reserved.retain(|(p, _)| *p != id);
                order.updated_at = now;
                put_order(tx, order.prom_id, &order)?;
            }
            Ok(Removal::Removed(Removed {
                product,
                unlinked: blockers.linked,
                stock,
                journalled,
                moves_kept: moves,
                orders_unlinked: blockers.orders,
            }))
        })?;
        if matches!(removal, Removal::Removed(_)) {
            // A stock row written between the scan and the transaction has no product
            // now; none can be written after it (every move needs the product).
            let _writing = self.writing();
            for key in self.trees.stock.scan_prefix(be(id)).keys() {
                self.trees.stock.remove(key?)?;
            }
        }
        Ok(removal)
    }
}

#[cfg(test)]
#[path = "remove_tests.rs"]
mod tests;
