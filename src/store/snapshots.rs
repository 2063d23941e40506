//! What Prom.ua last confirmed for each linked product: its stock (`stock_snapshots`) and
//! its price (`price_snapshots`), and the unconfirmed marks set before a push is sent.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{be, id_key};
use super::plan_view::mark_stale;
use super::snapshot_codec as bytes;
use super::trees::{Tx, TxResult};
use super::{Result, Store};
use sled::transaction::TransactionalTree;

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
    /// This program hid the product (`hide_when_out`): the only products it shows again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// The part of a [`StockSnapshot`] the planner compares (read without parsing dates).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConfirmedStock {
    pub prom_id: i64,
    pub quantity: i64,
    pub presence: String,
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub hidden: bool,
}

/// A price Prom.ua confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSnapshot {
    pub prom_id: i64,
    pub price: Decimal,
    pub confirmed_at: DateTime<Utc>,
    /// Sent and not confirmed: Prom.ua may show another price (see `StockSnapshot`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// A snapshot, stock or price: both are kept and marked alike.
trait Snapshot: Sized {
    /// The tree that holds them, by its name on disk.
    const TREE: &'static str;

    /// Its value in the tree (`snapshot_codec.rs`).
    fn encode(&self) -> Vec<u8>;

    fn decode(value: &[u8]) -> Result<Self>;

    fn unconfirmed(&mut self) -> &mut bool;

    fn tree(store: &Store) -> &sled::Tree;

    /// The tree as a transaction sees it.
    fn tx_tree<'t>(tx: &Tx<'t>) -> &'t TransactionalTree;

    fn get(store: &Store, product_id: u64) -> Result<Option<Self>> {
        Self::tree(store)
            .get(be(product_id))?
            .map(|v| Self::decode(&v))
            .transpose()
    }

    /// Records what Prom.ua confirmed, in one transaction that marks the plan view's
    /// rows of the products stale.
    fn put(store: &Store, snaps: &[(u64, Self)]) -> Result<()> {
        let values: Vec<(u64, Vec<u8>)> = snaps.iter().map(|(id, s)| (*id, s.encode())).collect();
        store.transact_aside(|tx| {
            for (id, v) in &values {
                Self::tx_tree(tx).insert(&be(*id), v.as_slice())?;
                mark_stale(tx, *id)?;
            }
            Ok(())
        })
    }

    /// Marks the snapshots of `ids` unconfirmed, in one transaction.
    fn mark_unconfirmed(store: &Store, ids: &[u64]) -> Result<()> {
        store.transact_aside(|tx| {
            for id in ids {
                Self::mark_unconfirmed_in(tx, *id)?;
            }
            Ok(())
        })
    }

    /// Inside a transaction: marks one product's snapshot unconfirmed, if it has one.
    fn mark_unconfirmed_in(tx: &Tx<'_>, id: u64) -> TxResult<()> {
        let Some(v) = Self::tx_tree(tx).get(be(id))? else {
            return Ok(());
        };
        let mut s = Self::decode(&v)?;
        if !*s.unconfirmed() {
            *s.unconfirmed() = true;
            Self::tx_tree(tx).insert(&be(id), s.encode())?;
            mark_stale(tx, id)?;
        }
        Ok(())
    }
}

impl Snapshot for StockSnapshot {
    const TREE: &'static str = "stock_snapshots";

    fn encode(&self) -> Vec<u8> {
        bytes::encode_stock(self)
    }

    fn decode(value: &[u8]) -> Result<Self> {
        bytes::decode_stock(value)
    }

    fn unconfirmed(&mut self) -> &mut bool {
        &mut self.unconfirmed
    }

    fn tree(store: &Store) -> &sled::Tree {
        &store.trees.snapshots
    }

    fn tx_tree<'t>(tx: &Tx<'t>) -> &'t TransactionalTree {
        tx.snapshots
    }
}

impl Snapshot for PriceSnapshot {
    const TREE: &'static str = "price_snapshots";

    fn encode(&self) -> Vec<u8> {
        bytes::encode_price(self)
    }

    fn decode(value: &[u8]) -> Result<Self> {
        bytes::decode_price(value)
    }

    fn unconfirmed(&mut self) -> &mut bool {
        &mut self.unconfirmed
    }

    fn tree(store: &Store) -> &sled::Tree {
        &store.trees.price_snapshots
    }

    fn tx_tree<'t>(tx: &Tx<'t>) -> &'t TransactionalTree {
        tx.price_snapshots
    }
}

/// Inside a transaction: marks a product's stock snapshot unconfirmed (see
/// [`Store::mark_stock_unconfirmed`]).
pub(super) fn mark_stock_unconfirmed_in(tx: &Tx<'_>, product_id: u64) -> TxResult<()> {
    StockSnapshot::mark_unconfirmed_in(tx, product_id)
}

/// Inside a transaction: clears the hidden mark of a product's stock snapshot (kept there
/// as well as in `prom_shown`, see `presence_marks.rs`).
pub(super) fn clear_stock_hidden_in(tx: &Tx<'_>, product_id: u64) -> TxResult<()> {
    let Some(v) = tx.snapshots.get(be(product_id))? else {
        return Ok(());
    };
    let mut s = StockSnapshot::decode(&v)?;
    if s.hidden {
        s.hidden = false;
        tx.snapshots.insert(&be(product_id), s.encode())?;
        mark_stale(tx, product_id)?;
    }
    Ok(())
}

impl Store {
    pub fn stock_snapshot(&self, product_id: u64) -> Result<Option<StockSnapshot>> {
        StockSnapshot::get(self, product_id)
    }

    /// Records what Prom.ua confirmed, in one atomic batch.
    pub fn put_stock_snapshots(&self, snaps: &[(u64, StockSnapshot)]) -> Result<()> {
        StockSnapshot::put(self, snaps)
    }

    /// Marks the snapshots of `ids` unconfirmed before a push of them is sent: from now
    /// until Prom.ua confirms, the store does not claim to know what Prom holds. The
    /// caller flushes before sending.
    pub fn mark_stock_unconfirmed(&self, ids: &[u64]) -> Result<()> {
        StockSnapshot::mark_unconfirmed(self, ids)
    }

    pub fn stock_snapshots(&self) -> Result<Vec<(u64, StockSnapshot)>> {
        self.trees
            .snapshots
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((id_key(StockSnapshot::TREE, &k)?, StockSnapshot::decode(&v)?))
            })
            .collect()
    }

    pub fn price_snapshot(&self, product_id: u64) -> Result<Option<PriceSnapshot>> {
        PriceSnapshot::get(self, product_id)
    }

    /// Marks the price snapshots of `ids` unconfirmed before their push is sent.
    pub fn mark_prices_unconfirmed(&self, ids: &[u64]) -> Result<()> {
        PriceSnapshot::mark_unconfirmed(self, ids)
    }

    pub fn put_price_snapshots(&self, snaps: &[(u64, PriceSnapshot)]) -> Result<()> {
        PriceSnapshot::put(self, snaps)
    }
}
