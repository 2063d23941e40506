//! The ledger: stock per product and warehouse, moved only through journalled changes.
//! Each call is one sled transaction: a file of 10,000 rows applies whole or not at all.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{StockValue, be, decode, split_stock_key, stock_key};
use super::dirty::{DIRTY_STOCK, mark_dirty};
use super::plan_view::mark_stale_if_linked;
use super::trees::{Tx, TxResult, abort};
use super::{Product, Result, Store};

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
    /// The seller's web console (src/console).
    Console,
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
            Actor::Console => "console",
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

/// Inside a transaction: one stock move with its journal entry and dirty mark; `None` when nothing moves.
pub(super) fn apply_move(
    tx: &Tx<'_>,
    change: &StockChange,
    actor: Actor,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> TxResult<Option<JournalEntry>> {
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
        return abort("a warehouse name must not be blank");
    }
    let Some(pv) = tx.products.get(be(id))? else {
        return abort(format!("no product with id {id}"));
    };
    let product: Product = decode("products", &pv)?;
    let key = stock_key(id, warehouse);
    let existing = tx.stock.get(&key)?;
    let existing = existing.map(|v| StockValue::decode(&v)).transpose()?;
    let before = existing.map_or(0, |v| v.quantity);
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
    let was_unrecorded = existing.is_some_and(|v| !v.recorded);
    let unrecorded = actor == Actor::Order && (existing.is_none() || was_unrecorded);
    if after == before && existing.is_some() && unrecorded == was_unrecorded {
        return Ok(None);
    }
    let value = StockValue {
        quantity: after,
        recorded: !unrecorded,
    };
    tx.stock.insert(key, value.encode())?;
    tx.warehouses.insert(warehouse.as_bytes(), &[])?;
    mark_dirty(tx, id, DIRTY_STOCK)?;
    mark_stale_if_linked(tx, id)?;
    let seq = super::ids::take_id(tx)?;
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
    tx.journal
        .insert(&be(seq), super::journal_codec::encode(&entry))?;
    Ok(Some(entry))
}

impl Store {
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

    /// Applies stock changes atomically, journalling each move and marking linked
    /// products dirty. A change that moves nothing is not journalled.
    pub fn apply_stock_changes(
        &self,
        changes: &[StockChange],
        actor: Actor,
        reason: Option<&str>,
    ) -> Result<Vec<JournalEntry>> {
        let now = Utc::now();
        self.transact_aside(|tx| {
            let mut entries = Vec::new();
            for change in changes {
                entries.extend(apply_move(tx, change, actor, reason, now)?);
            }
            Ok(entries)
        })
    }

    /// Quantities of one product per warehouse.
    pub fn stock_of(&self, product_id: u64) -> Result<Vec<(String, i64)>> {
        Ok(self
            .stock_records_of(product_id)?
            .into_iter()
            .map(|(w, q, _)| (w, q))
            .collect())
    }

    /// Quantities of one product per warehouse, each with whether somebody recorded it
    /// (false: only shipments moved it; see [`LinkedStock::recorded`](super::LinkedStock)).
    pub fn stock_records_of(&self, product_id: u64) -> Result<Vec<(String, i64, bool)>> {
        self.trees
            .stock
            .scan_prefix(be(product_id))
            .map(|kv| {
                let (k, v) = kv?;
                let (_, warehouse) = split_stock_key(&k)?;
                let value = StockValue::decode(&v)?;
                Ok((
                    String::from_utf8_lossy(warehouse).into_owned(),
                    value.quantity,
                    value.recorded,
                ))
            })
            .collect()
    }

    /// Stock moves, newest first, of one product or of all.
    pub fn journal(&self, product_id: Option<u64>, limit: usize) -> Result<Vec<JournalEntry>> {
        let mut out = Vec::new();
        for v in self.trees.journal.iter().values().rev() {
            let e = super::journal_codec::decode_entry(&v?)?;
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
        self.trees.journal.len()
    }

    pub fn warehouses(&self) -> Result<Vec<String>> {
        self.trees
            .warehouses
            .iter()
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?).into_owned()))
            .collect()
    }
}
