//! What the catalogue walks of `import_products` learnt of Prom.ua ids: the ids a walk
//! showed (`seen_prom`: what `links link` takes without `--force`) and the ids Prom.ua
//! answered 404 for (`gone_prom`: products deleted on Prom.ua). A link to a gone id stays
//! (the seller decides what becomes of the local product) but the push planners skip it,
//! a local product linked to a gone id may be linked again, and a walk that shows the id
//! again clears the mark.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::codec::{be, id_value, micros, micros_value, prom_key};
use super::links::linked_to_prom_in;
use super::{Result, Store};

/// A link to a Prom product that Prom.ua answered 404 for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneLink {
    pub product_id: u64,
    pub sku: String,
    pub prom_id: i64,
    pub since: DateTime<Utc>,
}

impl Store {
    /// After a catalogue walk: every id it showed is seen, and no longer gone. Returns
    /// the ids that were gone and are listed again; the snapshots of the products linked
    /// to them are dropped, so the next pushes send their values whole.
    pub fn record_walk(&self, shown: &[i64]) -> Result<Vec<i64>> {
        // A walk of a catalogue met before writes nothing here.
        let mut batch = sled::Batch::default();
        let mut new = false;
        for id in shown {
            if !self.trees.seen_prom.contains_key(id.to_be_bytes())? {
                batch.insert(&id.to_be_bytes(), &[]);
                new = true;
            }
        }
        if new {
            let _writing = self.writing_aside();
            self.trees.seen_prom.apply_batch(batch)?;
        }
        let gone = self.gone_ids()?;
        let back: Vec<i64> = shown
            .iter()
            .filter(|id| gone.contains(id))
            .copied()
            .collect();
        if !back.is_empty() {
            self.transact(|tx| {
                for id in &back {
                    tx.gone.remove(&id.to_be_bytes())?;
                    if let Some(product) = linked_to_prom_in(tx, *id)? {
                        tx.snapshots.remove(&be(product))?;
                        tx.price_snapshots.remove(&be(product))?;
                        tx.extras_snapshots.remove(&be(product))?;
                        super::plan_view::mark_stale(tx, product)?;
                    }
                }
                Ok(())
            })?;
        }
        Ok(back)
    }

    /// Marks Prom ids gone (Prom.ua answered 404 for each, at `at`) and drops their
    /// staged rows, in one transaction.
    pub fn mark_gone(&self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.transact(|tx| {
            for id in ids {
                tx.gone.insert(&id.to_be_bytes(), &micros(at))?;
                if let Some(old) = tx.staged.remove(&id.to_be_bytes())? {
                    super::link_free::staged_removed(tx, *id, &old)?;
                }
            }
            Ok(())
        })
    }

    /// When Prom.ua was found to have deleted `prom_id`, if it was.
    pub fn gone_since(&self, prom_id: i64) -> Result<Option<DateTime<Utc>>> {
        self.trees
            .gone
            .get(prom_id.to_be_bytes())?
            .map(|v| micros_value("gone_prom", &v))
            .transpose()
    }

    /// Every gone Prom id, with when it was found gone.
    pub fn gone(&self) -> Result<HashMap<i64, DateTime<Utc>>> {
        self.trees
            .gone
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((prom_key("gone_prom", &k)?, micros_value("gone_prom", &v)?))
            })
            .collect()
    }

    /// Every gone Prom id.
    pub(super) fn gone_ids(&self) -> Result<HashSet<i64>> {
        self.trees
            .gone
            .iter()
            .keys()
            .map(|k| prom_key("gone_prom", &k?))
            .collect()
    }

    /// The links to gone Prom ids, in Prom id order: what the pushes skip.
    pub fn gone_links(&self) -> Result<Vec<GoneLink>> {
        let mut out = Vec::new();
        for (prom_id, since) in self.gone()? {
            let Some(v) = self.trees.links_by_prom.get(prom_id.to_be_bytes())? else {
                continue;
            };
            let product_id = id_value("links_by_prom", &v)?;
            let sku = self.product(product_id)?.map(|p| p.sku).unwrap_or_default();
            out.push(GoneLink {
                product_id,
                sku,
                prom_id,
                since,
            });
        }
        out.sort_by_key(|g| g.prom_id);
        Ok(out)
    }

    /// Whether the store has met `prom_id`: in a catalogue walk, a staged row, a link or
    /// an order line (the last is a scan of the orders, so it comes last).
    pub fn knows_prom_id(&self, prom_id: i64) -> Result<bool> {
        let key = prom_id.to_be_bytes();
        if self.trees.seen_prom.contains_key(key)?
            || self.trees.staged.contains_key(key)?
            || self.trees.links_by_prom.contains_key(key)?
        {
            return Ok(true);
        }
        Ok(self
            .orders()?
            .iter()
            .any(|o| o.lines.iter().any(|l| l.prom_product_id == Some(prom_id))))
    }

    pub fn seen_count(&self) -> usize {
        self.trees.seen_prom.len()
    }
}
