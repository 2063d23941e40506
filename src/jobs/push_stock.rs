//! `push_stock`: Prom.ua's `quantity_in_stock` and `presence` follow local stock.
//!
//! quantity = stock summed over `[sync] warehouses`, never below 0; presence is
//! `available` above 0, else `not_available`. Only items whose wanted values differ
//! from the snapshot (what Prom last confirmed) are sent, in batches; a snapshot is
//! written only for ids Prom lists in `processed_ids`, and taken back when a read-back
//! shows another value (`readback.rs`). Which call carries stock: `stock_route.rs`.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::Mutex;

use super::edit_push::{self, Edit};
use super::readback::{Mismatch, ReadBack};
use super::runner::{Job, RunEnv};
use super::stock_route::{self, NO_EXTERNAL_ID, Route};
use super::{JobContext, JobError};
use crate::config::{PushStockOptions, SyncConfig};
use crate::domain::{AVAILABLE, MAX_BATCH, NOT_AVAILABLE};
use crate::prom::dto::{Product, ProductPatch};
use crate::report::RunRecord;
use crate::store::{LinkedStock, StockSnapshot, Store, StoreError};

pub const KIND: &str = "push_stock";

/// One intended change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockChange {
    pub product_id: u64,
    pub sku: String,
    pub prom_id: i64,
    /// What Prom last confirmed, if anything.
    pub before_quantity: Option<i64>,
    pub before_presence: Option<String>,
    pub quantity: i64,
    pub presence: &'static str,
    /// The snapshot is marked unconfirmed (a push of it was interrupted).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
    /// Which call carries it (set by `stock_route::route`; `products/edit` by default).
    #[serde(skip_serializing_if = "Route::is_edit")]
    pub route: Route,
}

impl StockChange {
    fn why(&self) -> String {
        if self.unconfirmed {
            return "last push not confirmed: Prom.ua may show another value".to_string();
        }
        match (self.before_quantity, &self.before_presence) {
            (None, _) => "never confirmed by Prom.ua".to_string(),
            (Some(q), _) if q != self.quantity => "quantity changed".to_string(),
            _ => "presence changed".to_string(),
        }
    }
}

/// The plan of one run: the linked products looked at and the changes to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockPlan {
    pub considered: usize,
    pub changes: Vec<StockChange>,
    /// Linked products with no stock recorded in any pushed warehouse: not sent.
    pub unrecorded: usize,
    /// Why a guard would stop this plan, if one would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
    /// Stock goes through `products/edit_by_external_id` (see `stock_route.rs`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_external_id: bool,
}

/// The guards of a push_stock job against a plan: the reason it must not be applied.
pub fn guard(plan: &StockPlan, opts: &PushStockOptions) -> Option<String> {
    // A product the stock route can only send presence for is a failure of every run
    // until it gets an external id: it does not count against max_changes, or one such
    // product would hold back every real change.
    let counted = plan
        .changes
        .iter()
        .filter(|c| c.route != Route::PresenceOnly)
        .count();
    if let Some(max) = opts.max_changes
        && counted > max
    {
        return Some(format!(
            "would change {counted} products, more than max_changes = {max}"
        ));
    }
    if let Some(max) = opts.max_zero_share_percent {
        let zeroing = plan
            .changes
            .iter()
            .filter(|c| c.quantity == 0 && c.before_quantity != Some(0))
            .count();
        if plan.considered > 0 {
            let share = rust_decimal::Decimal::from(zeroing * 100)
                / rust_decimal::Decimal::from(plan.considered);
            if share > max {
                return Some(format!(
                    "would set {zeroing} of {} linked products to zero stock ({}%), more than max_zero_share_percent = {max}",
                    plan.considered,
                    share.round_dp(1)
                ));
            }
        }
    }
    None
}

/// What Prom should show for a local stock level.
pub fn wanted(stock: i64) -> (i64, &'static str) {
    let quantity = stock.max(0);
    (
        quantity,
        if quantity > 0 {
            AVAILABLE
        } else {
            NOT_AVAILABLE
        },
    )
}

/// Pure: which linked products need sending. The quantity offered is the stock less
/// what open orders reserve and less the safety buffer. A product whose stock was never
/// recorded is not sent (unknown is not zero) unless `unrecorded_as_zero`.
pub fn plan(rows: &[LinkedStock], safety_buffer: i64, unrecorded_as_zero: bool) -> StockPlan {
    let mut unrecorded = 0;
    let changes = rows
        .iter()
        .filter_map(|row| {
            if !row.recorded && !unrecorded_as_zero {
                unrecorded += 1;
                return None;
            }
            let (quantity, presence) = wanted(
                row.stock
                    .saturating_sub(row.reserved)
                    .saturating_sub(safety_buffer),
            );
            let snap = row.snapshot.as_ref().filter(|s| s.prom_id == row.prom_id);
            if snap
                .is_some_and(|s| !s.unconfirmed && s.quantity == quantity && s.presence == presence)
            {
                return None;
            }
            Some(StockChange {
                product_id: row.product_id,
                sku: row.sku.clone(),
                prom_id: row.prom_id,
                before_quantity: snap.map(|s| s.quantity),
                before_presence: snap.map(|s| s.presence.clone()),
                quantity,
                presence,
                unconfirmed: snap.is_some_and(|s| s.unconfirmed),
                route: Route::Edit,
            })
        })
        .collect();
    StockPlan {
        considered: rows.len(),
        changes,
        unrecorded,
        guarded: None,
        by_external_id: false,
    }
}

impl StockPlan {
    /// What the plan says of products with no stock recorded, if there are any.
    pub fn unrecorded_note(&self, warehouses: &[String]) -> Option<String> {
        (self.unrecorded > 0).then(|| {
            format!(
                "{} linked product(s) have no stock recorded yet in {}: not pushed (record their stock with `stock set` or a stock CSV, or set push_unrecorded_as_zero = true on the job to push them as 0)",
                self.unrecorded,
                warehouses.join(", ")
            )
        })
    }
}

impl fmt::Display for StockPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "push_stock plan: {} linked products, {} to send in {} request(s)",
            self.considered,
            self.changes.len(),
            self.changes.len().div_ceil(MAX_BATCH)
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would send nothing")?;
        }
        if self.by_external_id {
            let without = self
                .changes
                .iter()
                .filter(|c| c.route == Route::PresenceOnly)
                .count();
            writeln!(
                f,
                "stock goes through products/edit_by_external_id; {without} product(s) without an external id: presence only, failing"
            )?;
        }
        if self.unrecorded > 0 {
            writeln!(
                f,
                "no stock recorded yet: {} linked product(s), not sent",
                self.unrecorded
            )?;
        }
        if self.changes.is_empty() {
            return Ok(());
        }
        let w = self
            .changes
            .iter()
            .map(|c| c.sku.chars().count())
            .max()
            .unwrap_or(3)
            .max(3);
        writeln!(
            f,
            "{:<w$}  {:>12}  {:<22}  {:<22}  WHY",
            "SKU", "PROM ID", "BEFORE", "AFTER"
        )?;
        for c in &self.changes {
            let before = match (c.before_quantity, &c.before_presence) {
                (Some(q), Some(p)) => format!("{q} {p}"),
                _ => "-".to_string(),
            };
            writeln!(
                f,
                "{:<w$}  {:>12}  {:<22}  {:<22}  {}",
                c.sku,
                c.prom_id,
                before,
                format!("{} {}", c.quantity, c.presence),
                c.why()
            )?;
        }
        Ok(())
    }
}

/// Job name of the runs the on-change stock push records.
pub const ON_CHANGE_JOB: &str = crate::config::ON_CHANGE_STOCK_JOB;

/// A `push_stock` job with its options.
pub struct PushStock<'a>(pub &'a PushStockOptions);

impl Job for PushStock<'_> {
    const KIND: &'static str = KIND;
    type Plan = StockPlan;

    fn switch(&self, sync: &SyncConfig) -> Option<(&'static str, bool)> {
        Some(("update_balances", sync.update_balances))
    }

    fn lock<'c>(&self, ctx: &'c JobContext) -> Option<&'c Arc<Mutex<()>>> {
        Some(&ctx.stock_lock)
    }

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<StockPlan>, JobError> {
        let ctx = env.ctx;
        let rows = load(ctx).await?;
        let mut plan = plan(
            &rows,
            ctx.sync.safety_buffer,
            self.0.push_unrecorded_as_zero,
        );
        stock_route::route(ctx, &mut plan).await?;
        plan.guarded = guard(&plan, self.0);
        r.considered = plan.considered;
        r.planned = plan.changes.len();
        r.notes.extend(plan.unrecorded_note(&ctx.sync.warehouses));
        r.notes.extend(super::gone_note(ctx).await?);
        Ok(Some(plan))
    }

    fn guarded(plan: &StockPlan) -> Option<String> {
        plan.guarded.clone()
    }

    async fn apply(
        &self,
        plan: StockPlan,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        edit_push::apply(
            &plan.changes,
            env,
            self.0.batch_size,
            self.0.verify_sample,
            r,
        )
        .await
    }
}

/// Every linked product's stock, reservations and snapshot (a full scan, off the
/// runtime's threads).
pub(crate) async fn load(ctx: &JobContext) -> Result<Vec<LinkedStock>, JobError> {
    let warehouses = ctx.sync.warehouses.clone();
    ctx.blocking(move |s| s.linked_stock(&warehouses)).await
}

impl Edit for StockChange {
    fn target(&self) -> (u64, &str, i64) {
        (self.product_id, &self.sku, self.prom_id)
    }

    fn patch(&self) -> ProductPatch {
        ProductPatch {
            // Presence only: the quantity would be confirmed and ignored.
            quantity_in_stock: (self.route != Route::PresenceOnly).then_some(self.quantity),
            presence: Some(self.presence.to_string()),
            ..ProductPatch::new(self.prom_id)
        }
    }

    fn external_id(&self) -> Option<&str> {
        match &self.route {
            Route::ExternalId { external_id } => Some(external_id),
            Route::Edit | Route::PresenceOnly => None,
        }
    }

    fn unconfirmable(&self) -> Option<String> {
        (self.route == Route::PresenceOnly).then(|| NO_EXTERNAL_ID.to_string())
    }

    fn mark_unconfirmed(store: &Store, ids: &[u64]) -> Result<(), StoreError> {
        store.mark_stock_unconfirmed(ids)
    }

    fn confirm(store: &Store, confirmed: &[Self], at: DateTime<Utc>) -> Result<(), StoreError> {
        let snaps: Vec<(u64, StockSnapshot)> = confirmed
            .iter()
            .map(|c| {
                (
                    c.product_id,
                    StockSnapshot {
                        prom_id: c.prom_id,
                        quantity: c.quantity,
                        presence: c.presence.to_string(),
                        confirmed_at: at,
                        unconfirmed: false,
                    },
                )
            })
            .collect();
        store.put_stock_snapshots(&snaps)
    }
}

impl ReadBack for StockChange {
    fn differences(&self, shown: &Product) -> Vec<Mismatch> {
        let text = |v: Option<String>| v.unwrap_or_else(|| "none".into());
        let mut out = Vec::new();
        if shown.quantity_in_stock != Some(self.quantity) {
            out.push(Mismatch {
                field: "quantity_in_stock",
                sent: self.quantity.to_string(),
                shown: text(shown.quantity_in_stock.map(|q| q.to_string())),
            });
        }
        if shown.presence.as_deref() != Some(self.presence) {
            out.push(Mismatch {
                field: "presence",
                sent: self.presence.to_string(),
                shown: text(shown.presence.clone()),
            });
        }
        out
    }

    /// `products/edit` took the presence and not the quantity: it ignores the field.
    /// The quantity shown must be the one Prom had before (when known): a write that
    /// did not take, not a sale or a clamp after it.
    fn call_ignores_field(&self, mismatches: &[Mismatch]) -> bool {
        let unchanged = |m: &Mismatch| {
            self.unconfirmed
                || self
                    .before_quantity
                    .is_none_or(|b| m.shown.parse::<i64>().ok() == Some(b))
        };
        self.route == Route::Edit
            && mismatches
                .iter()
                .any(|m| m.field == "quantity_in_stock" && unchanged(m))
            && mismatches.iter().all(|m| m.field != "presence")
    }
}

#[cfg(test)]
#[path = "push_stock_tests.rs"]
mod tests;
