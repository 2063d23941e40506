//! `push_stock`: Prom.ua's `quantity_in_stock`, `presence` and (with `hide_when_out`)
//! `status` follow local stock.
//!
//! quantity = stock summed over `[sync] warehouses`, never below 0; presence and status
//! as `presence_rules::decide` says (available above 0; at 0 the product's own setting,
//! then a presence Prom shows that `keep_presence` names, then `out_of_stock_presence`).
//! Only items whose wanted values differ from the snapshot (what Prom last confirmed)
//! are sent, in batches; a snapshot is written only for ids Prom lists in
//! `processed_ids`, and taken back when a read-back shows another value (`readback.rs`).
//! Which call carries stock: `stock_route.rs`. The guards and the plan's text:
//! `guard.rs`, `text.rs`; the read before a hide: `hide_check.rs`.

mod guard;
mod hide_check;
mod text;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::Mutex;

pub use guard::guard;
pub(crate) use hide_check::check_hides;

use super::edit_push::{self, Edit};
use super::presence_rules::{self, Known};
use super::readback::{Mismatch, ReadBack};
use super::runner::{Job, RunEnv};
use super::stock_route::{self, NO_EXTERNAL_ID, Route};
use super::{JobContext, JobError};
use crate::config::{PresenceRules, PushStockOptions, SyncConfig};
use crate::prom::dto::{Product, ProductPatch};
use crate::report::RunRecord;
use crate::store::{LinkedStock, ShownMarks, StockSending, StockSnapshot, Store, StoreError};

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
    /// Why this presence, e.g. "stock 0 -> order (product setting)".
    pub presence_reason: String,
    /// The status sent with it (`hide_when_out`), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<&'static str>,
    /// Hidden by this program once confirmed (kept in the snapshot).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
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
            (_, Some(p)) if p != self.presence => "presence changed".to_string(),
            _ if self.status.is_some() => "status changed".to_string(),
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
    /// Products we hid that the seller has since drafted or deleted, (product id, Prom
    /// id) each: their mark is dropped in the store, nothing is sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forget_hidden: Vec<(u64, i64)>,
}

/// What the presence rules read besides stock (`store/presence_marks.rs`): each product's
/// own setting, and what Prom last showed of its presence and status.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Product id → its own out-of-stock presence.
    pub settings: HashMap<u64, String>,
    /// Prom id → what Prom showed, where not plain.
    pub shown: HashMap<i64, ShownMarks>,
}

impl Facts {
    /// What is known of a linked product besides its stock.
    pub fn known<'a>(&'a self, row: &'a LinkedStock) -> Known<'a> {
        let snap = row.snapshot.as_ref().filter(|s| s.prom_id == row.prom_id);
        let shown = self.shown.get(&row.prom_id);
        Known {
            setting: self.settings.get(&row.product_id).map(String::as_str),
            // A presence the seller set on Prom (never one we sent: `presence_marks.rs`).
            prom_presence: shown.and_then(|m| m.presence.as_deref()),
            prom_status: shown.and_then(|m| m.status.as_deref()),
            // Kept by Prom id (it outlives an unlink), and in the snapshot of older
            // stores; a hide sent and not confirmed is ours too.
            hidden_by_us: snap.is_some_and(|s| s.hidden) || shown.is_some_and(|m| m.hidden_by_us),
            hide_pending: shown.is_some_and(|m| m.hide_pending),
        }
    }
}

/// The quantity and presence for a stock level under the default rules with nothing else
/// known (the quantity is the same under every rule); see [`wanted_for`].
pub fn wanted(stock: i64) -> (i64, &'static str) {
    let opts = PushStockOptions::default();
    let w = presence_rules::decide(stock, Known::default(), &opts.presence_rules());
    (w.quantity, w.presence)
}

/// What Prom should show of a linked product: one decision for push and verify.
pub fn wanted_for(
    row: &LinkedStock,
    safety_buffer: i64,
    facts: &Facts,
    rules: &PresenceRules,
) -> presence_rules::Wanted {
    let available = row
        .stock
        .saturating_sub(row.reserved)
        .saturating_sub(safety_buffer);
    presence_rules::decide(available, facts.known(row), rules)
}

/// Pure: which linked products need sending. The quantity offered is the stock less
/// what open orders reserve and less the safety buffer. A product whose stock was never
/// recorded is not sent (unknown is not zero) unless `push_unrecorded_as_zero`.
pub fn plan(
    rows: &[LinkedStock],
    safety_buffer: i64,
    opts: &PushStockOptions,
    facts: &Facts,
) -> StockPlan {
    let rules = opts.presence_rules();
    let mut unrecorded = 0;
    let mut forget_hidden = Vec::new();
    let changes = rows
        .iter()
        .filter_map(|row| {
            if !row.recorded && !opts.push_unrecorded_as_zero {
                unrecorded += 1;
                return None;
            }
            let w = wanted_for(row, safety_buffer, facts, &rules);
            let snap = row.snapshot.as_ref().filter(|s| s.prom_id == row.prom_id);
            if w.status.is_none()
                && snap.is_some_and(|s| {
                    !s.unconfirmed && s.quantity == w.quantity && s.presence == w.presence
                })
            {
                // Only our hidden mark changes (the seller drafted or deleted what we
                // hid): a store write, not a Prom one.
                if facts.known(row).hidden_by_us != w.hidden_by_us {
                    forget_hidden.push((row.product_id, row.prom_id));
                }
                return None;
            }
            Some(StockChange {
                product_id: row.product_id,
                sku: row.sku.clone(),
                prom_id: row.prom_id,
                before_quantity: snap.map(|s| s.quantity),
                before_presence: snap.map(|s| s.presence.clone()),
                quantity: w.quantity,
                presence: w.presence,
                presence_reason: w.presence_reason(),
                status: w.status.map(|(s, _)| s),
                status_reason: w.status_reason(),
                hidden: w.hidden_by_us,
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
        forget_hidden,
    }
}

impl StockPlan {
    /// What the plan says of products with no stock recorded, if there are any.
    pub fn forget_hidden_note(&self) -> Option<String> {
        (!self.forget_hidden.is_empty()).then(|| {
            format!(
                "{} product(s) promua-sync hid were since made drafts or deleted on Prom.ua: theirs now, never shown by promua-sync (the mark is dropped, nothing sent)",
                self.forget_hidden.len()
            )
        })
    }

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
        let facts = load_facts(ctx).await?;
        let mut plan = plan(&rows, ctx.sync.safety_buffer, self.0, &facts);
        stock_route::route(ctx, &mut plan).await?;
        plan.guarded = guard(&plan, self.0);
        r.considered = plan.considered;
        r.planned = plan.changes.len();
        r.notes.extend(plan.unrecorded_note(&ctx.sync.warehouses));
        r.notes.extend(plan.forget_hidden_note());
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
        let mut changes = plan.changes;
        forget_hidden(env.ctx, plan.forget_hidden).await?;
        let client = env.client()?;
        hide_check::check_hides(&mut changes, plan.considered, env.ctx, client, r).await?;
        edit_push::apply(&changes, env, self.0.batch_size, self.0.verify_sample, r).await
    }
}

/// Drops our hidden mark of products the seller took back (see `StockPlan`).
pub(crate) async fn forget_hidden(
    ctx: &JobContext,
    products: Vec<(u64, i64)>,
) -> Result<(), JobError> {
    if products.is_empty() {
        return Ok(());
    }
    ctx.blocking(move |s| s.forget_hidden(&products)).await?;
    ctx.store.flush().await?;
    Ok(())
}

/// The products' own presence settings and Prom's shown marks (two sparse trees, read
/// whole, off the runtime's threads).
pub(crate) async fn load_facts(ctx: &JobContext) -> Result<Facts, JobError> {
    ctx.blocking(|s| {
        Ok::<_, StoreError>(Facts {
            settings: s.presence_settings()?,
            shown: s.prom_shown()?,
        })
    })
    .await
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
            // With `presence_sure: true`, as every patch that sets a presence (ProductPatch).
            presence: Some(self.presence.to_string()),
            status: self.status.map(str::to_string),
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

    /// With the presence sent and a hide pending, so that a write applied and never
    /// confirmed (a crash, a lost answer, the presence-only route) reads as ours.
    fn mark_sending(store: &Store, batch: &[Self]) -> Result<(), StoreError> {
        let sending: Vec<StockSending> = batch
            .iter()
            .map(|c| StockSending {
                product_id: c.product_id,
                prom_id: c.prom_id,
                presence: c.presence.to_string(),
                hides: c.status == Some(presence_rules::NOT_ON_DISPLAY),
            })
            .collect();
        store.mark_stock_sending(&sending)
    }

    fn confirm(store: &Store, confirmed: &[Self], at: DateTime<Utc>) -> Result<(), StoreError> {
        // The hidden mark goes in the same transaction as the snapshot it belongs to.
        let snaps: Vec<(u64, StockSnapshot, Option<&str>)> = confirmed
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
                        hidden: c.hidden,
                    },
                    c.status,
                )
            })
            .collect();
        store.put_stock_confirmed(&snaps)
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
        if let Some(status) = self.status
            && shown.status.as_deref() != Some(status)
        {
            out.push(Mismatch {
                field: "status",
                sent: status.to_string(),
                shown: text(shown.status.clone()),
            });
        }
        out
    }

    fn hide_not_taken(&self, mismatches: &[Mismatch]) -> Option<(u64, i64)> {
        (self.status == Some(presence_rules::NOT_ON_DISPLAY)
            && mismatches.iter().any(|m| m.field == "status"))
        .then_some((self.product_id, self.prom_id))
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
mod tests;
