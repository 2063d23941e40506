//! Prom.ua products downloaded into a staging area (import mode `stage`), to be linked
//! one by one or in bulk.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{decode, encode};
use super::{Result, Store};

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
            batch.insert(&p.prom_id.to_be_bytes(), encode("staged", p)?);
        }
        self.trees.staged.apply_batch(batch)?;
        Ok(())
    }

    pub fn staged(&self) -> Result<Vec<StagedProduct>> {
        self.trees
            .staged
            .iter()
            .values()
            .map(|v| decode("staged", &v?))
            .collect()
    }

    pub fn staged_product(&self, prom_id: i64) -> Result<Option<StagedProduct>> {
        self.trees
            .staged
            .get(prom_id.to_be_bytes())?
            .map(|v| decode("staged", &v))
            .transpose()
    }

    pub fn staged_count(&self) -> usize {
        self.trees.staged.len()
    }
}
