//! The plan view's rows read from their sources (`plan_block.rs` says what a row holds):
//! one product by point reads (a stale row), or all of them in one merged walk of the six
//! id-sorted trees (a rebuild). Links to gone Prom ids are kept: reads filter them.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::codec::{StockValue, be, decode_borrowed, i64_value, id_key, split_stock_key};
use super::plan_block::Row;
use super::planner_reads::Walk;
use super::{Result, Store, StoreError};

/// The parts of a product record a row holds, borrowing from the stored bytes.
#[derive(Deserialize)]
struct SkuPrice<'a> {
    #[serde(borrow)]
    sku: std::borrow::Cow<'a, str>,
    #[serde(default)]
    price: Option<Decimal>,
}

fn missing(id: u64) -> StoreError {
    StoreError::Corrupt {
        tree: "links",
        detail: format!("names product {id}, which does not exist"),
    }
}

fn stock_row(key: &[u8], value: &[u8]) -> Result<(Vec<u8>, StockValue)> {
    let (_, warehouse) = split_stock_key(key)?;
    Ok((warehouse.to_vec(), StockValue::decode(value)?))
}

impl Store {
    /// The row of product `id` by point reads; `None` when it is not linked.
    pub(super) fn plan_row(&self, id: u64) -> Result<Option<Row>> {
        let t = &self.trees;
        let Some(link) = t.links.get(be(id))? else {
            return Ok(None);
        };
        let prom_id = i64_value("links", &link)?;
        let pv = t.products.get(be(id))?.ok_or_else(|| missing(id))?;
        let p: SkuPrice<'_> = decode_borrowed("products", &pv)?;
        let stock = t
            .stock
            .scan_prefix(be(id))
            .map(|kv| {
                let (k, v) = kv?;
                stock_row(&k, &v)
            })
            .collect::<Result<Vec<_>>>()?;
        let reserved = match t.reserved.get(be(id))? {
            Some(v) => i64_value("reserved", &v)?,
            None => 0,
        };
        Ok(Some(Row {
            id,
            prom_id,
            sku: p.sku.into_owned(),
            price: p.price,
            reserved,
            stock,
            stock_snapshot: t.snapshots.get(be(id))?.map(|v| v.to_vec()),
            price_snapshot: t.price_snapshots.get(be(id))?.map(|v| v.to_vec()),
        }))
    }

    /// Every linked product's row, in id order, handed to `f` one at a time: one merged
    /// pass over links, products, stock, reservations and both snapshot trees.
    pub(super) fn plan_rows_walk(&self, mut f: impl FnMut(Row) -> Result<()>) -> Result<()> {
        let t = &self.trees;
        let mut products = Walk::new(&t.products, |k| id_key("products", k));
        let mut stock = Walk::new(&t.stock, |k| Ok(split_stock_key(k)?.0));
        let mut snaps = Walk::new(&t.snapshots, |k| id_key("stock_snapshots", k));
        let mut prices = Walk::new(&t.price_snapshots, |k| id_key("price_snapshots", k));
        let mut reserved = Walk::new(&t.reserved, |k| id_key("reserved", k));
        for kv in t.links.iter() {
            let (k, v) = kv?;
            let id = id_key("links", &k)?;
            let prom_id = i64_value("links", &v)?;
            let mut product = None;
            products.each_of(id, |_, pv| {
                let p: SkuPrice<'_> = decode_borrowed("products", pv)?;
                product = Some((p.sku.into_owned(), p.price));
                Ok(())
            })?;
            let (sku, price) = product.ok_or_else(|| missing(id))?;
            let mut rows = Vec::new();
            stock.each_of(id, |sk, sv| {
                rows.push(stock_row(sk, sv)?);
                Ok(())
            })?;
            let mut stock_snapshot = None;
            snaps.each_of(id, |_, sv| {
                stock_snapshot = Some(sv.to_vec());
                Ok(())
            })?;
            let mut price_snapshot = None;
            prices.each_of(id, |_, pv| {
                price_snapshot = Some(pv.to_vec());
                Ok(())
            })?;
            let mut held = 0;
            reserved.each_of(id, |_, rv| {
                held = i64_value("reserved", rv)?;
                Ok(())
            })?;
            f(Row {
                id,
                prom_id,
                sku,
                price,
                reserved: held,
                stock: rows,
                stock_snapshot,
                price_snapshot,
            })?;
        }
        Ok(())
    }
}
