//! `push_prices`: Prom.ua prices follow the back office, through the price rules
//! (markup, rounding, ending, minimum), in decimals only; only changes against what Prom
//! last confirmed are sent, and a snapshot is written only for confirmed items.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use tokio::sync::Mutex;

mod extras;

pub use extras::{
    DiscountChange, ExtrasPlan, ExtrasTerms, TiersChange, discount_shown, plan_extras,
    shown_discount, shown_tiers, shows_discount, tiers_shown,
};

use super::edit_push::{self, Edit};
use super::readback::{Mismatch, ReadBack};
use super::runner::{Job, RunEnv};
use super::{JobContext, JobError};
use crate::config::{PriceRules, PushPricesOptions, SyncConfig};
use crate::prom::dto::{Product, ProductPatch};
use crate::report::RunRecord;
use crate::store::{ExtrasRows, ExtrasSnapshot, LinkedPrice, PriceSnapshot, Store, StoreError};

pub const KIND: &str = "push_prices";

/// The Prom.ua price for a local price. Never negative, never below `min_price`.
pub fn price_for(local: Decimal, rules: &PriceRules) -> Decimal {
    let hundred = Decimal::from(100);
    let mut p = local * (hundred + rules.markup_percent) / hundred + rules.markup_fixed;
    if let Some(step) = rules.round_step.filter(|s| *s > Decimal::ZERO) {
        p = (p / step).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) * step;
    }
    if let Some(ending) = rules.ending {
        // 120.40 with ending 0.99 becomes 119.99: the nearest price below that ends so.
        let candidate = p.floor() + ending;
        p = if candidate > p {
            candidate - Decimal::ONE
        } else {
            candidate
        };
    }
    let floor = rules.min_price.unwrap_or(Decimal::ZERO).max(Decimal::ZERO);
    p.max(floor).round_dp(2).normalize()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceChange {
    pub product_id: u64,
    pub sku: String,
    pub prom_id: i64,
    pub local: Decimal,
    pub before: Option<Decimal>,
    pub after: Decimal,
    /// The wholesale tiers sent with the price (`extras.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiers: Option<TiersChange>,
    /// The discount sent with the price (`extras.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountChange>,
    /// What Prom.ua confirmed of the extras before (kept for what this change leaves out).
    #[serde(skip)]
    pub extras_before: Option<ExtrasSnapshot>,
}

impl PriceChange {
    /// Why it is sent, as the plan says.
    pub fn why(&self) -> String {
        let mut why = Vec::new();
        if self.before.is_none() {
            why.push("never confirmed by Prom.ua".to_string());
        } else if self.before != Some(self.after) {
            why.push("price changed".to_string());
        }
        if let Some(t) = &self.tiers {
            if t.before.as_ref() != Some(&t.after) {
                why.push(format!(
                    "tiers {} -> {}",
                    extras::tiers_shown(t.before.as_ref()),
                    extras::tiers_shown(Some(&t.after))
                ));
            }
            for d in &t.dropped {
                why.push(format!(
                    "tier {}={} dropped (not below the base price, or a smaller quantity's tier, after the rules)",
                    d.min_quantity, d.price
                ));
            }
        }
        if let Some(d) = &self.discount {
            if d.before.as_ref() != Some(&d.after) {
                why.push(format!(
                    "discount {} -> {}",
                    extras::discount_shown(d.before.as_ref()),
                    extras::discount_shown(Some(&d.after))
                ));
            }
            if let Some(n) = &d.note {
                why.push(format!("discount {n}"));
            }
        }
        if why.is_empty() {
            why.push("not confirmed by Prom.ua".into());
        }
        why.join("; ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricePlan {
    pub considered: usize,
    pub changes: Vec<PriceChange>,
    /// Linked products without a local price.
    pub without_price: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
    /// Local discounts not sent, and why (`SKU: discount ...`), whether or not the
    /// product is sent for something else.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl fmt::Display for PricePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "push_prices plan: {} linked products, {} to send, {} without a local price",
            self.considered,
            self.changes.len(),
            self.without_price
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would send nothing")?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        if self.changes.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "{:<16}  {:>12}  {:>10}  {:>10}  {:>10}  WHY",
            "SKU", "PROM ID", "LOCAL", "BEFORE", "AFTER"
        )?;
        for c in &self.changes {
            writeln!(
                f,
                "{:<16}  {:>12}  {:>10}  {:>10}  {:>10}  {}",
                c.sku,
                c.prom_id,
                c.local,
                c.before.map_or_else(|| "-".to_string(), |b| b.to_string()),
                c.after,
                c.why()
            )?;
        }
        Ok(())
    }
}

/// Pure: the prices to send, and whether a guard stops them (without tiers or discounts,
/// so without a date: only a discount's end is judged by the day).
pub fn plan(rows: &[LinkedPrice], opts: &PushPricesOptions) -> PricePlan {
    plan_with(rows, &ExtrasRows::new(), opts, chrono::NaiveDate::MIN)
}

/// Pure: the prices, tiers and discounts to send (`today` in the daemon's zone, for
/// discounts that ended), and whether a guard stops them.
pub fn plan_with(
    rows: &[LinkedPrice],
    extras: &ExtrasRows,
    opts: &PushPricesOptions,
    today: chrono::NaiveDate,
) -> PricePlan {
    let rules = opts.rules();
    let terms = ExtrasTerms {
        rules: &rules,
        send_tiers: opts.send_tiers,
        send_discounts: opts.send_discounts,
        today,
    };
    let mut without_price = 0;
    let (mut changes, mut notes) = (Vec::new(), Vec::new());
    for r in rows {
        let Some(local) = r.price else {
            without_price += 1;
            continue;
        };
        let after = price_for(local, &rules);
        let snap = r.snapshot.as_ref().filter(|s| s.prom_id == r.prom_id);
        let before = snap.map(|s| s.price);
        let row = extras.get(&r.product_id);
        let more = plan_extras(row, r.prom_id, local, after, &terms);
        if let Some(n) = &more.note {
            notes.push(format!("{}: discount {n}", r.sku));
        }
        // An unconfirmed snapshot (an interrupted push) is sent again even when equal.
        if before == Some(after) && !snap.is_some_and(|s| s.unconfirmed) && !more.changed {
            continue;
        }
        changes.push(PriceChange {
            product_id: r.product_id,
            sku: r.sku.clone(),
            prom_id: r.prom_id,
            local,
            before,
            after,
            tiers: more.tiers,
            discount: more.discount,
            extras_before: row.and_then(|e| e.sent.clone()),
        });
    }
    let mut guarded = opts
        .max_changes
        .filter(|max| changes.len() > *max)
        .map(|max| {
            format!(
                "would change {} prices, more than max_changes = {max}",
                changes.len()
            )
        });
    if let (None, Some(max)) = (&guarded, opts.max_price_change_percent) {
        let big: Vec<String> = changes
            .iter()
            .filter_map(|c| {
                let b = c.before.filter(|b| !b.is_zero())?;
                let pct = ((c.after - b) / b * Decimal::from(100)).abs();
                (pct > max).then(|| format!("{} {b} -> {} ({}%)", c.sku, c.after, pct.round_dp(1)))
            })
            .chain(changes.iter().filter_map(|c| big_discount(c, max)))
            .collect();
        if !big.is_empty() {
            guarded = Some(format!(
                "{} price(s) would move by more than max_price_change_percent = {max}: {}",
                big.len(),
                big.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    PricePlan {
        considered: rows.len(),
        changes,
        without_price,
        guarded,
        notes,
    }
}

/// A discount this change sends (anew) that takes more than `max` percent off the sent
/// price: judged as a price move (a typo in a discount is the same mistake as in a price,
/// so it stops the run the same way).
fn big_discount(c: &PriceChange, max: Decimal) -> Option<String> {
    let d = c.discount.as_ref().filter(|d| {
        !d.before
            .as_ref()
            .is_some_and(|b| shows_discount(&d.after, b))
    })?;
    let crate::store::DiscountState::Set(s) = &d.after else {
        return None;
    };
    if c.after.is_zero() {
        return None;
    }
    let paid = extras::discounted(c.after, s.value, s.kind);
    let pct = (c.after - paid) / c.after * Decimal::from(100);
    (pct > max).then(|| {
        format!(
            "{} {} -> {} with its discount ({}%)",
            c.sku,
            c.after,
            paid.round_dp(2),
            pct.round_dp(1)
        )
    })
}

/// Job name of the runs the on-change price push records.
pub const ON_CHANGE_JOB: &str = crate::config::ON_CHANGE_PRICES_JOB;

/// A `push_prices` job with its options.
pub struct PushPrices<'a>(pub &'a PushPricesOptions);

impl Job for PushPrices<'_> {
    const KIND: &'static str = KIND;
    type Plan = PricePlan;

    fn switch(&self, sync: &SyncConfig) -> Option<(&'static str, bool)> {
        Some(("update_prices", sync.update_prices))
    }

    fn lock<'c>(&self, ctx: &'c JobContext) -> Option<&'c Arc<Mutex<()>>> {
        Some(&ctx.price_lock)
    }

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<PricePlan>, JobError> {
        let (rows, extras) = load_all(env.ctx, self.0).await?;
        let plan = plan_with(&rows, &extras, self.0, env.ctx.today());
        r.considered = plan.considered;
        r.planned = plan.changes.len();
        r.notes.extend(plan.notes.iter().cloned());
        r.notes.extend(super::gone_note(env.ctx).await?);
        Ok(Some(plan))
    }

    fn guarded(plan: &PricePlan) -> Option<String> {
        plan.guarded.clone()
    }

    async fn apply(
        &self,
        plan: PricePlan,
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

/// Every linked product's local price and snapshot, and the extras (tiers, discounts) the
/// options send, off the runtime's threads.
pub(crate) async fn load_all(
    ctx: &JobContext,
    opts: &PushPricesOptions,
) -> Result<(Vec<LinkedPrice>, ExtrasRows), JobError> {
    let rows = load(ctx).await?;
    let extras = if opts.send_tiers || opts.send_discounts {
        ctx.blocking(|s| s.extras_rows()).await?
    } else {
        ExtrasRows::new()
    };
    Ok((rows, extras))
}

/// Every linked product's local price and snapshot, off the runtime's threads.
pub(crate) async fn load(ctx: &JobContext) -> Result<Vec<LinkedPrice>, JobError> {
    ctx.blocking(|s| s.linked_prices()).await
}

impl Edit for PriceChange {
    fn target(&self) -> (u64, &str, i64) {
        (self.product_id, &self.sku, self.prom_id)
    }

    fn patch(&self) -> ProductPatch {
        ProductPatch {
            price: Some(self.after),
            prices: self.tiers.as_ref().map(extras::prom_tiers),
            discount: self.discount.as_ref().map(extras::prom_discount),
            ..ProductPatch::new(self.prom_id)
        }
    }

    /// A refusal naming only `prices`/`discount` does not hold back the base price: it
    /// is sent alone, and the item fails for the extras with Prom's reason (their
    /// snapshot stays unconfirmed, so the next run tries them again).
    fn without_refused(&self, reason: &str) -> Option<(Self, String)> {
        if self.tiers.is_none() && self.discount.is_none() {
            return None;
        }
        let fields = extras::refused_extras_only(reason)?;
        let alone = PriceChange {
            tiers: None,
            discount: None,
            ..self.clone()
        };
        let why = format!(
            "Prom.ua refused the {} ({reason}); the price was sent without them",
            fields.join(" and ")
        );
        Some((alone, why))
    }

    /// The prices alone: the extras need the changes ([`Edit::mark_edits_unconfirmed`]).
    fn mark_unconfirmed(store: &Store, ids: &[u64]) -> Result<(), StoreError> {
        store.mark_prices_unconfirmed(ids)
    }

    /// Only changes carrying tiers or a discount touch the extras snapshots: one marked
    /// for a price-only change would never be cleared (its confirmation writes none). A
    /// first send leaves an unconfirmed snapshot of what it sends, so that a discount
    /// cleared after an unconfirmed send is still removed on Prom.ua.
    fn mark_edits_unconfirmed(store: &Store, edits: &[Self]) -> Result<(), StoreError> {
        let ids: Vec<u64> = edits.iter().map(|c| c.product_id).collect();
        store.mark_prices_unconfirmed(&ids)?;
        let sending: Vec<(u64, ExtrasSnapshot)> = edits
            .iter()
            .filter(|c| c.tiers.is_some() || c.discount.is_some())
            .map(|c| (c.product_id, extras::sending(c)))
            .collect();
        if sending.is_empty() {
            return Ok(());
        }
        store.mark_extras_sending(&sending)
    }

    fn confirm(store: &Store, confirmed: &[Self], at: DateTime<Utc>) -> Result<(), StoreError> {
        let snaps: Vec<(u64, PriceSnapshot)> = confirmed
            .iter()
            .map(|c| {
                (
                    c.product_id,
                    PriceSnapshot {
                        prom_id: c.prom_id,
                        price: c.after,
                        confirmed_at: at,
                        unconfirmed: false,
                    },
                )
            })
            .collect();
        store.put_price_snapshots(&snaps)?;
        let extras: Vec<(u64, ExtrasSnapshot)> = confirmed
            .iter()
            .filter_map(|c| {
                extras::snapshot_after(
                    c.prom_id,
                    c.extras_before.as_ref(),
                    c.tiers.as_ref(),
                    c.discount.as_ref(),
                    at,
                )
                .map(|s| (c.product_id, s))
            })
            .collect();
        if extras.is_empty() {
            return Ok(());
        }
        store.put_extras_snapshots(&extras)
    }
}

impl ReadBack for PriceChange {
    fn differences(&self, shown: &Product) -> Vec<Mismatch> {
        let mut out = Vec::new();
        if shown.price != Some(self.after) {
            out.push(Mismatch {
                field: "price",
                sent: self.after.to_string(),
                shown: shown
                    .price
                    .map_or_else(|| "none".to_string(), |p| p.normalize().to_string()),
            });
        }
        out.extend(extras::differences(self, shown));
        out
    }
}

#[cfg(test)]
mod tests;
