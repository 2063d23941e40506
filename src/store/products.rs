//! Local products and their SKU index: creation (one, or a file's worth in one
//! transaction), updates that mark a changed price dirty, and reads.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{be, decode, encode, id_value};
use super::dirty::{DIRTY_PRICE, mark_dirty};
use super::ids::take_id;
use super::plan_view::mark_stale_if_linked;
use super::trees::{Tx, TxResult, abort};
use super::{Result, Store, StoreError};
use crate::domain::sku::clean;

/// A local product of the back office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: u64,
    pub sku: String,
    pub name: String,
    /// The local selling price; `None` until set.
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
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

const BLANK: &str = "a SKU must not be blank (spaces and zero-width characters do not count)";

fn currency(c: &str) -> String {
    c.trim().to_uppercase()
}

impl Store {
    /// Adds a product. The SKU is cleaned ([`clean`]: no invisible characters at the
    /// ends), must not be blank and must be unique.
    pub fn add_product(&self, sku: &str, name: &str) -> Result<Product> {
        let Some(sku) = clean(sku) else {
            return Err(StoreError::Invalid(BLANK.into()));
        };
        self.transact(|tx| {
            if tx.sku_index.get(sku.as_bytes())?.is_some() {
                return abort(format!("SKU `{sku}` already exists"));
            }
            let id = take_id(tx)?;
            let product = Product {
                id,
                sku: sku.to_string(),
                name: name.trim().to_string(),
                price: None,
                currency: None,
            };
            tx.sku_index.insert(sku.as_bytes(), &be(id))?;
            // Counted only when no product was there (as removal and links count).
            if tx
                .products
                .insert(&be(id), encode("products", &product)?)?
                .is_none()
            {
                super::product_count::add(tx, 1)?;
                super::link_free::product_added(tx, id)?;
            }
            Ok(product)
        })
    }

    /// Adds products atomically: every SKU cleaned, not blank, unique (in the store and
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
        self.transact(|tx| upsert_in(tx, rows, update))
    }

    /// Updates products atomically; a linked product whose price changes becomes dirty.
    pub fn update_products(&self, updates: &[(u64, ProductUpdate)]) -> Result<Vec<Product>> {
        self.transact(|tx| {
            let mut out = Vec::new();
            for (id, u) in updates {
                let Some(pv) = tx.products.get(be(*id))? else {
                    return abort(format!("no product with id {id}"));
                };
                let mut p: Product = decode("products", &pv)?;
                if let Some(name) = &u.name {
                    if name.trim().is_empty() {
                        return abort(format!("the name of {} must not be blank", p.sku));
                    }
                    p.name = name.trim().to_string();
                }
                if let Some(c) = &u.currency {
                    p.currency = Some(currency(c));
                }
                if let Some(price) = u.price {
                    if price.is_sign_negative() {
                        return abort(format!("the price of {} must not be negative", p.sku));
                    }
                    if p.price != Some(price) {
                        mark_dirty(tx, *id, DIRTY_PRICE)?;
                        mark_stale_if_linked(tx, *id)?;
                    }
                    p.price = Some(price);
                }
                tx.products.insert(&be(*id), encode("products", &p)?)?;
                out.push(p);
            }
            Ok(out)
        })
    }

    pub fn product(&self, id: u64) -> Result<Option<Product>> {
        self.trees
            .products
            .get(be(id))?
            .map(|v| decode("products", &v))
            .transpose()
    }

    /// The product of a SKU, cleaned; or of the SKU as written without spaces at the ends
    /// (a product stored before SKUs were cleaned, e.g. one whose SKU is a lone
    /// zero-width space, stays reachable, to be removed).
    pub fn product_by_sku(&self, sku: &str) -> Result<Option<Product>> {
        let written = sku.trim();
        for key in clean(sku).into_iter().chain([written]) {
            if let Some(id) = self.trees.sku_index.get(key.as_bytes())? {
                return self.product(id_value("sku_index", &id)?);
            }
        }
        Ok(None)
    }

    pub fn products(&self) -> Result<Vec<Product>> {
        self.trees
            .products
            .iter()
            .values()
            .map(|v| decode("products", &v?))
            .collect()
    }

    /// The products whose id `keep` takes: the others are not decoded.
    pub fn products_where(&self, keep: impl Fn(u64) -> bool) -> Result<Vec<Product>> {
        let mut out = Vec::new();
        for kv in self.trees.products.iter() {
            let (k, v) = kv?;
            if keep(super::codec::id_key("products", &k)?) {
                out.push(decode("products", &v)?);
            }
        }
        Ok(out)
    }

    /// Products in id order after `after`, at most `limit`.
    pub fn products_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Product>> {
        let start = after.map_or(0, |a| a.saturating_add(1));
        self.trees
            .products
            .range(be(start)..)
            .values()
            .take(limit)
            .map(|v| decode("products", &v?))
            .collect()
    }

    /// The ids of the products whose SKU starts with `prefix` (case-sensitive), in id
    /// order, read from the SKU index, if there are at most `bound` of them; `None` if
    /// there are more (then a walk of the catalogue in id order filtered by the prefix
    /// finds a page sooner than reading and sorting every match on every page). Reads
    /// at most `bound + 1` index entries; a miss is one seek.
    pub fn ids_with_sku_prefix(&self, prefix: &str, bound: usize) -> Result<Option<Vec<u64>>> {
        let mut ids = Vec::new();
        for v in self.trees.sku_index.scan_prefix(prefix.as_bytes()).values() {
            if ids.len() == bound {
                return Ok(None);
            }
            ids.push(id_value("sku_index", &v?)?);
        }
        ids.sort_unstable();
        Ok(Some(ids))
    }

    pub fn product_count(&self) -> usize {
        self.trees.products.len()
    }
}

/// [`Store::upsert_products`] inside a transaction (the CSV import adds tiers and
/// discounts in the same one).
pub(super) fn upsert_in(
    tx: &Tx<'_>,
    rows: &[NewProduct],
    update: bool,
) -> TxResult<Vec<(Product, bool)>> {
    let mut out = Vec::with_capacity(rows.len());
    for n in rows {
        let Some(sku) = clean(&n.sku) else {
            return abort(BLANK);
        };
        if n.name.trim().is_empty() {
            return abort(format!("the name of {sku} must not be blank"));
        }
        if n.price.is_some_and(|p| p.is_sign_negative()) {
            return abort(format!("the price of {sku} must not be negative"));
        }
        let (p, created) = match tx.sku_index.get(sku.as_bytes())? {
            Some(_) if !update => return abort(format!("SKU `{sku}` already exists")),
            Some(idv) => {
                let id = id_value("sku_index", &idv)?;
                let Some(pv) = tx.products.get(be(id))? else {
                    return abort(format!("index of {sku} is dangling"));
                };
                let mut p: Product = decode("products", &pv)?;
                p.name = n.name.trim().to_string();
                if n.price.is_some() && n.price != p.price {
                    mark_dirty(tx, id, DIRTY_PRICE)?;
                    mark_stale_if_linked(tx, id)?;
                    p.price = n.price;
                }
                if let Some(c) = &n.currency {
                    p.currency = Some(currency(c));
                }
                (p, false)
            }
            None => {
                let new_id = take_id(tx)?;
                let p = Product {
                    id: new_id,
                    sku: sku.to_string(),
                    name: n.name.trim().to_string(),
                    price: n.price,
                    currency: n.currency.as_deref().map(currency),
                };
                tx.sku_index.insert(sku.as_bytes(), &be(new_id))?;
                super::link_free::product_added(tx, new_id)?;
                (p, true)
            }
        };
        // Counted only when no product was there (as removal and links count).
        if tx
            .products
            .insert(&be(p.id), encode("products", &p)?)?
            .is_none()
        {
            super::product_count::add(tx, 1)?;
        }
        out.push((p, created));
    }
    Ok(out)
}
