//! What the stock and price planners read about every linked product, by the sources
//! themselves: the stock walk goes through links, products, stock, snapshots and
//! reservations together, as all five trees sort by product id; the price walk looks
//! each link up. The planners read the plan view (`plan_view.rs`); these walks are what
//! it is checked against (tests, `store check`), and the point reads (`*_of`) are what it
//! takes for the products marked stale. A link to a Prom product found deleted (gone,
//! `gone.rs`) is left out: there is nothing on Prom.ua to send it to.

use std::iter::Peekable;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::codec::{StockValue, be, corrupt, decode_borrowed, i64_value, id_key, split_stock_key};
use super::snapshots::{ConfirmedStock, PriceSnapshot};
use super::{Result, Store, StoreError};

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

/// What the price planner needs about one linked product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPrice {
    pub product_id: u64,
    pub sku: String,
    pub prom_id: i64,
    pub price: Option<Decimal>,
    pub snapshot: Option<PriceSnapshot>,
}

/// A product record read for its SKU alone, borrowing from the stored bytes.
#[derive(Deserialize)]
struct SkuOnly<'a> {
    #[serde(borrow)]
    sku: std::borrow::Cow<'a, str>,
}

/// A walk over a tree keyed by product id (first), in step with the links.
pub(super) struct Walk {
    entries: Peekable<sled::Iter>,
    /// The product id a key starts with.
    id_of: fn(&[u8]) -> Result<u64>,
}

impl Walk {
    pub(super) fn new(tree: &sled::Tree, id_of: fn(&[u8]) -> Result<u64>) -> Self {
        Walk {
            entries: tree.iter().peekable(),
            id_of,
        }
    }

    /// Calls `f` with each entry of product `id`, passing over those of smaller ids; the
    /// walk ends up before the first entry of a larger id. Ids must come in order.
    pub(super) fn each_of(
        &mut self,
        id: u64,
        mut f: impl FnMut(&[u8], &[u8]) -> Result<()>,
    ) -> Result<()> {
        loop {
            match self.entries.peek() {
                None => return Ok(()),
                Some(Err(e)) => return Err(e.clone().into()),
                Some(Ok((k, v))) => {
                    let at = (self.id_of)(k)?;
                    if at > id {
                        return Ok(());
                    }
                    if at == id {
                        f(k, v)?;
                    }
                }
            }
            self.entries.next();
        }
    }
}

/// Adds a stock row to a product's total when its warehouse is one of `warehouses`.
fn add_stock(
    warehouses: &[String],
    (key, value): (&[u8], &[u8]),
    total: &mut i64,
    recorded: &mut bool,
) -> Result<()> {
    let (_, warehouse) = split_stock_key(key)?;
    if warehouses.iter().any(|name| name.as_bytes() == warehouse) {
        let value = StockValue::decode(value)?;
        *total = total.saturating_add(value.quantity);
        *recorded |= value.recorded;
    }
    Ok(())
}

impl Store {
    /// [`Store::linked_stock`] by one merged pass over five id-sorted trees: what the
    /// plan view is checked against (`store check`, tests).
    pub fn linked_stock_walk(&self, warehouses: &[String]) -> Result<Vec<LinkedStock>> {
        let trees = &self.trees;
        let gone = self.gone_ids()?;
        let mut products = Walk::new(&trees.products, |k| id_key("products", k));
        let mut stock = Walk::new(&trees.stock, |k| Ok(split_stock_key(k)?.0));
        let mut snaps = Walk::new(&trees.snapshots, |k| id_key("stock_snapshots", k));
        let mut reserved = Walk::new(&trees.reserved, |k| id_key("reserved", k));
        let mut out = Vec::with_capacity(trees.links.len());
        for kv in trees.links.iter() {
            let (k, v) = kv?;
            let id = id_key("links", &k)?;
            let prom_id = i64_value("links", &v)?;
            if !gone.is_empty() && gone.contains(&prom_id) {
                continue;
            }
            let mut sku = None;
            products.each_of(id, |_, pv| {
                let p: SkuOnly<'_> = decode_borrowed("products", pv)?;
                sku = Some(p.sku.into_owned());
                Ok(())
            })?;
            let Some(sku) = sku else {
                return Err(StoreError::Corrupt {
                    tree: "links",
                    detail: format!("names product {id}, which does not exist"),
                });
            };
            let (mut total, mut recorded) = (0i64, false);
            stock.each_of(id, |sk, sv| {
                add_stock(warehouses, (sk, sv), &mut total, &mut recorded)
            })?;
            let mut snapshot = None;
            snaps.each_of(id, |_, sv| {
                snapshot = Some(super::snapshot_codec::decode_confirmed(sv)?);
                Ok(())
            })?;
            let mut held = 0;
            reserved.each_of(id, |_, rv| {
                held = i64_value("reserved", rv)?;
                Ok(())
            })?;
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

    /// [`Store::linked_prices`] by point reads of every link: what the plan view is
    /// checked against.
    pub fn linked_prices_walk(&self) -> Result<Vec<LinkedPrice>> {
        self.prices_of(self.link_pairs()?)
    }

    /// The price rows of `(product, Prom id)` links, those to gone Prom ids left out.
    fn prices_of(&self, links: Vec<(u64, i64)>) -> Result<Vec<LinkedPrice>> {
        let gone = self.gone_ids()?;
        let mut out = Vec::with_capacity(links.len());
        for (id, prom_id) in links {
            if gone.contains(&prom_id) {
                continue;
            }
            // A link to no product is damage, as `linked_stock` says too.
            let p = self
                .product(id)?
                .ok_or_else(|| corrupt("links", format!("product {id} is linked but missing")))?;
            out.push(LinkedPrice {
                product_id: id,
                sku: p.sku,
                prom_id,
                price: p.price,
                snapshot: self.price_snapshot(id)?,
            });
        }
        Ok(out)
    }

    /// How many linked products the planners consider (links to gone Prom ids left
    /// out), without decoding any: the guards' denominator for an on-change push.
    pub fn linked_count(&self) -> Result<usize> {
        let gone = self.gone_ids()?;
        let mut linked_gone = 0;
        for prom_id in &gone {
            if self.linked_to_prom(*prom_id)?.is_some() {
                linked_gone += 1;
            }
        }
        let links = usize::try_from(self.counted_links()?).unwrap_or(usize::MAX);
        Ok(links.saturating_sub(linked_gone))
    }

    /// [`Store::linked_stock`] for the products `ids` alone, by point reads: what the
    /// on-change push plans (a few dirty products, not a walk of the catalogue).
    pub fn linked_stock_of(&self, ids: &[u64], warehouses: &[String]) -> Result<Vec<LinkedStock>> {
        let trees = &self.trees;
        let gone = self.gone_ids()?;
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(v) = trees.links.get(be(id))? else {
                continue;
            };
            let prom_id = i64_value("links", &v)?;
            if gone.contains(&prom_id) {
                continue;
            }
            let Some(pv) = trees.products.get(be(id))? else {
                return Err(StoreError::Corrupt {
                    tree: "links",
                    detail: format!("names product {id}, which does not exist"),
                });
            };
            let sku = decode_borrowed::<SkuOnly<'_>>("products", &pv)?
                .sku
                .into_owned();
            let (mut total, mut recorded) = (0i64, false);
            for kv in trees.stock.scan_prefix(be(id)) {
                let (sk, sv) = kv?;
                add_stock(warehouses, (&sk, &sv), &mut total, &mut recorded)?;
            }
            let snapshot = match trees.snapshots.get(be(id))? {
                Some(sv) => Some(super::snapshot_codec::decode_confirmed(&sv)?),
                None => None,
            };
            let reserved = match trees.reserved.get(be(id))? {
                Some(rv) => i64_value("reserved", &rv)?,
                None => 0,
            };
            out.push(LinkedStock {
                product_id: id,
                sku,
                prom_id,
                stock: total,
                recorded,
                reserved,
                snapshot,
            });
        }
        Ok(out)
    }

    /// [`Store::linked_prices`] for the products `ids` alone, by point reads.
    pub fn linked_prices_of(&self, ids: &[u64]) -> Result<Vec<LinkedPrice>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut links = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(prom_id) = self.link_of(id)? {
                links.push((id, prom_id));
            }
        }
        self.prices_of(links)
    }
}
