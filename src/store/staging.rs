//! Prom.ua products downloaded into a staging area (import mode `stage`), to be linked
//! one by one or in bulk.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{decode, encode, i64_value};
use super::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedProduct {
    pub prom_id: i64,
    pub sku: Option<String>,
    pub name: String,
    /// Its names in Prom.ua's other languages (`name_multilang`), without `name`: the
    /// suggestions compare them too. Rows staged before this field load with none.
    #[serde(default)]
    pub other_names: Vec<String>,
    pub price: Option<Decimal>,
    pub currency: Option<String>,
    pub quantity: Option<i64>,
    pub staged_at: DateTime<Utc>,
}

impl Store {
    /// Stores (or refreshes) staged Prom products in one batch.
    /// Each chunk is one transaction with its rows' entries in the index of the unlinked
    /// (`link_free.rs`).
    pub fn put_staged(&self, products: &[StagedProduct]) -> Result<()> {
        const CHUNK: usize = 1000;
        let rows = products
            .iter()
            .map(|p| Ok((p.prom_id, p.sku.as_deref(), encode("staged", p)?)))
            .collect::<Result<Vec<_>>>()?;
        for chunk in rows.chunks(CHUNK) {
            self.transact(|tx| {
                for (prom_id, sku, row) in chunk {
                    let old = tx.staged.insert(&prom_id.to_be_bytes(), row.as_slice())?;
                    super::link_free::staged_put(tx, *prom_id, old.as_deref(), *sku)?;
                }
                Ok(())
            })?;
        }
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

    /// The staged products whose Prom id `keep` takes: the others are not decoded.
    pub fn staged_where(&self, keep: impl Fn(i64) -> bool) -> Result<Vec<StagedProduct>> {
        let mut out = Vec::new();
        for kv in self.trees.staged.iter() {
            let (k, v) = kv?;
            if keep(i64_value("staged", &k)?) {
                out.push(decode("staged", &v)?);
            }
        }
        Ok(out)
    }

    /// The SKUs of the staged products whose Prom id `keep` takes (only the SKU decoded).
    pub fn staged_skus_where(&self, keep: impl Fn(i64) -> bool) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct SkuOnly {
            sku: Option<String>,
        }
        let mut out = Vec::new();
        for kv in self.trees.staged.iter() {
            let (k, v) = kv?;
            if keep(i64_value("staged", &k)?)
                && let Some(sku) = decode::<SkuOnly>("staged", &v)?.sku
            {
                out.push(sku);
            }
        }
        Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_staged_before_other_names_load_with_none() {
        let row = r#"{"prom_id":7,"sku":"A-1","name":"Светр","price":"10","currency":"UAH","quantity":2,"staged_at":"2025-03-14T09:26:53Z"}"#.as_bytes();
        let s: StagedProduct = decode("staged", row).unwrap();
        assert_eq!((s.prom_id, s.other_names.len()), (7, 0));
        let again: StagedProduct = decode("staged", &encode("staged", &s).unwrap()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn the_unlinked_are_found_by_key_and_only_the_kept_rows_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let row = |prom_id: i64, sku: Option<&str>| StagedProduct {
            prom_id,
            sku: sku.map(str::to_string),
            name: format!("P {prom_id}"),
            other_names: vec![],
            price: None,
            currency: None,
            quantity: None,
            staged_at: Utc::now(),
        };
        store
            .put_staged(&[row(3, Some("C")), row(1, Some("A")), row(2, None)])
            .unwrap();
        let local = store.add_product("A", "P 1").unwrap();
        let before = store.write_generation();
        store.link(local.id, 1).unwrap();
        assert!(
            store.write_generation() > before,
            "a write moves the generation"
        );
        assert_eq!(store.unlinked_staged_ids().unwrap(), vec![2, 3]);
        let kept = store.staged_where(|id| id != 2).unwrap();
        assert_eq!(
            kept.iter().map(|s| s.prom_id).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(store.staged_skus_where(|_| true).unwrap(), vec!["A", "C"]);
        let locals = store.products_where(|id| id != local.id).unwrap();
        assert!(locals.is_empty());
    }
}
