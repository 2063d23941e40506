//! Prom.ua products downloaded into a staging area (import mode `stage`), to be linked
//! one by one or in bulk; and the link lookups the import needs.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Result, Store, decode, encode, i64_of, id_of};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedProduct {
    pub prom_id: i64,
    pub sku: Option<String>,
    pub name: String,
    pub price: Option<Decimal>,
    pub currency: Option<String>,
    pub quantity: Option<i64>,
    pub staged_at: DateTime<Utc>,
}

impl Store {
    /// Stores (or refreshes) staged Prom products in one batch.
    pub fn put_staged(&self, products: &[StagedProduct]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for p in products {
            batch.insert(&p.prom_id.to_be_bytes(), encode(p)?);
        }
        self.staged.apply_batch(batch)?;
        Ok(())
    }

    pub fn staged(&self) -> Result<Vec<StagedProduct>> {
        self.staged
            .iter()
            .values()
            .map(|v| decode("staged", &v?))
            .collect()
    }

    pub fn staged_product(&self, prom_id: i64) -> Result<Option<StagedProduct>> {
        self.staged
            .get(prom_id.to_be_bytes())?
            .map(|v| decode("staged", &v))
            .transpose()
    }

    /// The local product linked to a Prom product.
    pub fn linked_to_prom(&self, prom_id: i64) -> Result<Option<u64>> {
        Ok(self
            .links_by_prom
            .get(prom_id.to_be_bytes())?
            .map(|v| id_of(&v)))
    }

    /// Every link as (local product id, Prom id), in product id order.
    pub fn link_pairs(&self) -> Result<Vec<(u64, i64)>> {
        self.links
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((id_of(&k), i64_of(&v)))
            })
            .collect()
    }

    /// Links many (local product, Prom product) pairs in one transaction, each one to one;
    /// the first conflict aborts them all.
    pub fn link_many(&self, pairs: &[(u64, i64)]) -> Result<()> {
        use sled::Transactional;
        let trees = [
            self.links.clone(),
            self.links_by_prom.clone(),
            self.products.clone(),
        ];
        super::ledger::finish(trees.transaction(|t| {
            for (product_id, prom_id) in pairs {
                if t[2].get(super::be(*product_id))?.is_none() {
                    return super::ledger::abort(format!("no product with id {product_id}"));
                }
                if let Some(p) = t[0].get(super::be(*product_id))? {
                    if i64_of(&p) != *prom_id {
                        return super::ledger::abort(format!(
                            "product {product_id} is already linked to Prom product {}",
                            i64_of(&p)
                        ));
                    }
                }
                if let Some(l) = t[1].get(prom_id.to_be_bytes())? {
                    if id_of(&l) != *product_id {
                        return super::ledger::abort(format!(
                            "Prom product {prom_id} is already linked to product {}",
                            id_of(&l)
                        ));
                    }
                }
                t[0].insert(&super::be(*product_id), &prom_id.to_be_bytes())?;
                t[1].insert(&prom_id.to_be_bytes(), &super::be(*product_id))?;
            }
            Ok(())
        }))
    }

    pub fn staged_count(&self) -> usize {
        self.staged.len()
    }
}
