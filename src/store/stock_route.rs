//! The stock route a read-back taught: once Prom.ua was seen confirming a quantity through
//! `products/edit` and showing another, stock goes through `edit_by_external_id` from
//! then on (when `[prom] stock_route = "auto"`). Kept in `meta`, so a restart does not
//! send through the ignoring call again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{decode, encode};
use super::{Result, Store};

/// The `meta` key of the [`StockRouteMark`].
pub(super) const STOCK_ROUTE_KEY: &str = "stock_route";

/// Stock goes through `products/edit_by_external_id`: when it was learnt, and from what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRouteMark {
    pub since: DateTime<Utc>,
    /// What the read-back showed, e.g. `SKU A-1 (Prom id 5): quantity_in_stock sent 5,
    /// shown 3, presence as sent`.
    pub evidence: String,
}

impl Store {
    /// The route learnt, if one was.
    pub fn stock_route_mark(&self) -> Result<Option<StockRouteMark>> {
        self.trees
            .meta
            .get(STOCK_ROUTE_KEY)?
            .map(|v| decode("meta", &v))
            .transpose()
    }

    /// Keeps `mark` unless a route was learnt before; `true` when this call learnt it.
    /// Every stock snapshot is marked unconfirmed (and dirty) first: what `products/edit`
    /// confirmed may never have reached the shop, so the next push, scheduled or on
    /// change, sends everything again by the new route. (A crash between the two leaves the route unlearnt: the next read-back
    /// learns it again.)
    pub fn learn_stock_route(&self, mark: &StockRouteMark) -> Result<bool> {
        if self.stock_route_mark()?.is_some() {
            return Ok(false);
        }
        let ids: Vec<u64> = self
            .stock_snapshots()?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        self.mark_stock_unconfirmed(&ids)?;
        // The on-change push works from the dirty set: it resends them too.
        self.mark_dirty_ids(&ids, super::DIRTY_STOCK)?;
        let _writing = self.writing_aside();
        self.trees
            .meta
            .insert(STOCK_ROUTE_KEY, encode("meta", mark)?)?;
        Ok(true)
    }

    /// Forgets a learnt route (the seller's Prom.ua account changed, or a test).
    pub fn forget_stock_route(&self) -> Result<()> {
        let _writing = self.writing_aside();
        self.trees.meta.remove(STOCK_ROUTE_KEY)?;
        Ok(())
    }
}
