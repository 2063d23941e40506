//! A product's wholesale tiers and discount (`price_extras`), and what of them Prom.ua
//! last confirmed (`extras_snapshots`). Kept out of the product record and the plan view
//! on purpose: few products have them, so the price planner reads both trees whole (small)
//! beside the plan view, and a catalogue without any costs the planner nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{be, decode, encode, id_key};
use super::dirty::{DIRTY_PRICE, mark_dirty};
use super::products::upsert_in;
use super::trees::{Tx, TxResult, abort};
use super::{NewProduct, Product, Result, Store};
use crate::domain::price_terms::{check_discount, check_tiers};
use crate::domain::{Discount, DiscountKind, Tier};

const EXTRAS: &str = "price_extras";
const SENT: &str = "extras_snapshots";

/// The local tiers and discount of a product (local money, before the price rules).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceExtras {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
}

impl PriceExtras {
    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty() && self.discount.is_none()
    }
}

/// A tier as sent to Prom.ua (after the price rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentTier {
    pub min_quantity: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
}

/// A discount as sent to Prom.ua (an amount after the price rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentDiscount {
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    pub kind: DiscountKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<chrono::NaiveDate>,
}

/// A discount's state on Prom.ua as we set it: one of ours, or removed (`discount: null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountState {
    Set(SentDiscount),
    Removed,
}

/// What Prom.ua last confirmed of a product's tiers and discount. `None` in a field: never
/// sent (Prom holds whatever the cabinet set, which is not ours to change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtrasSnapshot {
    pub prom_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<SentTier>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountState>,
    pub confirmed_at: DateTime<Utc>,
    /// Sent and not confirmed: Prom.ua may hold another value (see `StockSnapshot`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

/// A product's extras and their snapshot, as the price planner reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtrasRow {
    pub local: PriceExtras,
    pub sent: Option<ExtrasSnapshot>,
}

/// The extras rows by product id (only products with either).
pub type ExtrasRows = BTreeMap<u64, ExtrasRow>;

/// What to change of a product's extras: `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtrasChange {
    pub tiers: Option<Vec<Tier>>,
    pub discount: Option<Option<Discount>>,
}

/// Changes product `p`'s extras inside a transaction, checked against its price.
fn apply_in(tx: &Tx<'_>, p: &Product, c: &ExtrasChange) -> TxResult<PriceExtras> {
    let id = p.id;
    let mut e: PriceExtras = match tx.price_extras.get(be(id))? {
        Some(v) => decode(EXTRAS, &v)?,
        None => PriceExtras::default(),
    };
    let before = e.clone();
    if let Some(t) = &c.tiers {
        let mut t = t.clone();
        t.sort_by_key(|t| t.min_quantity);
        if let Err(why) = check_tiers(p.price, &t) {
            return abort(format!("{}: {why}", p.sku));
        }
        e.tiers = t;
    }
    if let Some(d) = &c.discount {
        if let Some(d) = d
            && let Err(why) = check_discount(p.price, d)
        {
            return abort(format!("{}: {why}", p.sku));
        }
        e.discount = d.clone();
    }
    if e != before {
        if e.is_empty() {
            tx.price_extras.remove(&be(id))?;
        } else {
            tx.price_extras.insert(&be(id), encode(EXTRAS, &e)?)?;
        }
        mark_dirty(tx, id, DIRTY_PRICE)?;
    }
    Ok(e)
}

impl Store {
    /// A product's tiers and discount (empty when it has none).
    pub fn price_extras(&self, id: u64) -> Result<PriceExtras> {
        match self.trees.price_extras.get(be(id))? {
            Some(v) => decode(EXTRAS, &v),
            None => Ok(PriceExtras::default()),
        }
    }

    /// Changes the extras of products in one transaction, each checked against its price
    /// as stored then ([`check_tiers`], [`check_discount`]): all or nothing. A change marks
    /// the product's price dirty, so the on-change price push sends it.
    pub fn set_price_extras(&self, changes: &[(u64, ExtrasChange)]) -> Result<Vec<PriceExtras>> {
        self.transact(|tx| {
            let mut out = Vec::with_capacity(changes.len());
            for (id, c) in changes {
                let Some(pv) = tx.products.get(be(*id))? else {
                    return abort(format!("no product with id {id}"));
                };
                let p: Product = decode("products", &pv)?;
                out.push(apply_in(tx, &p, c)?);
            }
            Ok(out)
        })
    }

    /// [`Store::upsert_products`] with each row's extras changed in the same transaction
    /// (`extras[i]` of `rows[i]`, checked against its price after the row): a CSV import.
    pub fn upsert_products_with_extras(
        &self,
        rows: &[NewProduct],
        extras: &[ExtrasChange],
    ) -> Result<Vec<(Product, bool)>> {
        self.transact(|tx| {
            let out = upsert_in(tx, rows, true)?;
            for ((p, _), c) in out.iter().zip(extras) {
                apply_in(tx, p, c)?;
            }
            Ok(out)
        })
    }

    /// Some product has tiers or a discount.
    pub fn has_price_extras(&self) -> Result<bool> {
        Ok(!self.trees.price_extras.is_empty())
    }

    /// Every product with extras or an extras snapshot.
    pub fn extras_rows(&self) -> Result<ExtrasRows> {
        let mut rows = ExtrasRows::new();
        for kv in self.trees.price_extras.iter() {
            let (k, v) = kv?;
            rows.entry(id_key(EXTRAS, &k)?).or_default().local = decode(EXTRAS, &v)?;
        }
        for kv in self.trees.extras_snapshots.iter() {
            let (k, v) = kv?;
            rows.entry(id_key(SENT, &k)?).or_default().sent = Some(decode(SENT, &v)?);
        }
        Ok(rows)
    }

    /// [`Store::extras_rows`] for the products `ids` alone.
    pub fn extras_rows_of(&self, ids: &[u64]) -> Result<ExtrasRows> {
        let mut rows = ExtrasRows::new();
        for id in ids {
            let local = self.price_extras(*id)?;
            let sent = self
                .trees
                .extras_snapshots
                .get(be(*id))?
                .map(|v| decode::<ExtrasSnapshot>(SENT, &v))
                .transpose()?;
            if !local.is_empty() || sent.is_some() {
                rows.insert(*id, ExtrasRow { local, sent });
            }
        }
        Ok(rows)
    }

    /// Before a push sends products' extras: each snapshot marked unconfirmed, a part
    /// never sent (`None`) taking the value about to be sent, and a product without a
    /// snapshot (of this Prom product) getting `sending` itself. A part already sent keeps
    /// its old value: Prom.ua may still hold it, and a removal of it must stay possible.
    pub fn mark_extras_sending(&self, sending: &[(u64, ExtrasSnapshot)]) -> Result<()> {
        self.transact_aside(|tx| {
            for (id, new) in sending {
                let old: Option<ExtrasSnapshot> = match tx.extras_snapshots.get(be(*id))? {
                    Some(v) => Some(decode(SENT, &v)?),
                    None => None,
                };
                let s = match old.filter(|o| o.prom_id == new.prom_id) {
                    Some(o) => ExtrasSnapshot {
                        tiers: o.tiers.or_else(|| new.tiers.clone()),
                        discount: o.discount.or_else(|| new.discount.clone()),
                        unconfirmed: true,
                        ..o
                    },
                    None => ExtrasSnapshot {
                        unconfirmed: true,
                        ..new.clone()
                    },
                };
                tx.extras_snapshots.insert(&be(*id), encode(SENT, &s)?)?;
            }
            Ok(())
        })
    }

    /// `store check`: extras or an extras snapshot of a product the store does not hold
    /// (the values themselves are decoded at open, `codec::check_layout`).
    pub(super) fn extras_problems(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (tree, what) in [
            (&self.trees.price_extras, "tiers or a discount"),
            (&self.trees.extras_snapshots, "an extras snapshot"),
        ] {
            for k in tree.iter().keys() {
                let id = id_key(EXTRAS, &k?)?;
                if self.trees.products.get(be(id))?.is_none() {
                    out.push(format!("{what} of product {id}, which does not exist"));
                }
            }
        }
        Ok(out)
    }

    /// Records what Prom.ua confirmed of products' extras.
    pub fn put_extras_snapshots(&self, snaps: &[(u64, ExtrasSnapshot)]) -> Result<()> {
        let values: Vec<(u64, Vec<u8>)> = snaps
            .iter()
            .map(|(id, s)| Ok((*id, encode(SENT, s)?)))
            .collect::<Result<_>>()?;
        self.transact_aside(|tx| {
            for (id, v) in &values {
                tx.extras_snapshots.insert(&be(*id), v.as_slice())?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
#[path = "price_extras_tests.rs"]
mod tests;
