//! `push_prices`: Prom.ua prices follow the back office, through the price rules
//! (markup, rounding, ending, minimum), in decimals only; only changes against what Prom
//! last confirmed are sent, and a snapshot is written only for confirmed items.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use tokio::sync::Mutex;

use super::edit_push::{self, Edit};
use super::readback::{Mismatch, ReadBack};
use super::runner::{Job, RunEnv};
use super::{JobContext, JobError};
use crate::config::{PriceRules, PushPricesOptions, SyncConfig};
use crate::prom::dto::{Product, ProductPatch};
use crate::report::RunRecord;
use crate::store::{LinkedPrice, PriceSnapshot, Store, StoreError};

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricePlan {
    pub considered: usize,
    pub changes: Vec<PriceChange>,
    /// Linked products without a local price.
    pub without_price: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
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
                if c.before.is_some() {
                    "price changed"
                } else {
                    "never confirmed by Prom.ua"
                }
            )?;
        }
        Ok(())
    }
}

/// Pure: the prices to send, and whether a guard stops them.
pub fn plan(rows: &[LinkedPrice], opts: &PushPricesOptions) -> PricePlan {
    let rules = opts.rules();
    let mut without_price = 0;
    let mut changes = Vec::new();
    for r in rows {
        let Some(local) = r.price else {
            without_price += 1;
            continue;
        };
        let after = price_for(local, &rules);
        let snap = r.snapshot.as_ref().filter(|s| s.prom_id == r.prom_id);
        let before = snap.map(|s| s.price);
        // An unconfirmed snapshot (an interrupted push) is sent again even when equal.
        if before == Some(after) && !snap.is_some_and(|s| s.unconfirmed) {
            continue;
        }
        changes.push(PriceChange {
            product_id: r.product_id,
            sku: r.sku.clone(),
            prom_id: r.prom_id,
            local,
            before,
            after,
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
    }
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
        let plan = plan(&load(env.ctx).await?, self.0);
        r.considered = plan.considered;
        r.planned = plan.changes.len();
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
            ..ProductPatch::new(self.prom_id)
        }
    }

    fn mark_unconfirmed(store: &Store, ids: &[u64]) -> Result<(), StoreError> {
        store.mark_prices_unconfirmed(ids)
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
        store.put_price_snapshots(&snaps)
    }
}

impl ReadBack for PriceChange {
    fn differences(&self, shown: &Product) -> Vec<Mismatch> {
        if shown.price == Some(self.after) {
            return Vec::new();
        }
        vec![Mismatch {
            field: "price",
            sent: self.after.to_string(),
            shown: shown
                .price
                .map_or_else(|| "none".to_string(), |p| p.normalize().to_string()),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfirmed_price_is_sent_again_even_when_equal() {
        let row = |unconfirmed| LinkedPrice {
            product_id: 1,
            sku: "S1".into(),
            prom_id: 1001,
            price: Some(Decimal::from(100)),
            snapshot: Some(PriceSnapshot {
                prom_id: 1001,
                price: Decimal::from(100),
                confirmed_at: chrono::DateTime::UNIX_EPOCH,
                unconfirmed,
            }),
        };
        let opts = PushPricesOptions::default();
        assert!(plan(&[row(false)], &opts).changes.is_empty());
        assert_eq!(plan(&[row(true)], &opts).changes.len(), 1);
    }

    #[test]
    fn the_price_move_guard_is_on_by_default() {
        let row = LinkedPrice {
            product_id: 1,
            sku: "S1".into(),
            prom_id: 1001,
            price: Some(Decimal::from(10)),
            snapshot: Some(PriceSnapshot {
                prom_id: 1001,
                price: Decimal::from(100),
                confirmed_at: chrono::DateTime::UNIX_EPOCH,
                unconfirmed: false,
            }),
        };
        let p = plan(&[row], &PushPricesOptions::default());
        assert!(p.guarded.unwrap().contains("max_price_change_percent = 50"));
    }
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn examples() {
        let r = PriceRules {
            markup_percent: d("10"),
            round_step: Some(d("1")),
            ending: Some(d("0.99")),
            ..Default::default()
        };
        assert_eq!(price_for(d("100"), &r), d("109.99"));
        let r = PriceRules {
            markup_fixed: d("5"),
            round_step: Some(d("0.5")),
            ..Default::default()
        };
        assert_eq!(price_for(d("10.26"), &r), d("15.5"));
        let r = PriceRules {
            markup_percent: d("-50"),
            min_price: Some(d("30")),
            ..Default::default()
        };
        assert_eq!(price_for(d("40"), &r), d("30"));
        assert_eq!(price_for(d("19.999"), &PriceRules::default()), d("20"));
    }

    fn decimal(max: i64) -> impl Strategy<Value = Decimal> {
        (0..max).prop_map(|c| Decimal::new(c, 2))
    }

    fn rules() -> impl Strategy<Value = PriceRules> {
        (
            -99i64..300,
            decimal(10_000),
            proptest::option::of(prop_oneof![
                Just(d("0.01")),
                Just(d("0.5")),
                Just(d("1")),
                Just(d("10"))
            ]),
            proptest::option::of(prop_oneof![Just(d("0")), Just(d("0.49")), Just(d("0.99"))]),
            proptest::option::of(decimal(50_000)),
        )
            .prop_map(|(pct, fixed, step, ending, min)| PriceRules {
                markup_percent: Decimal::from(pct),
                markup_fixed: fixed,
                round_step: step,
                ending,
                min_price: min,
            })
    }

    proptest! {
        #[test]
        fn never_below_the_minimum_nor_zero(price in decimal(100_000_000), rules in rules()) {
            let p = price_for(price, &rules);
            prop_assert!(p >= Decimal::ZERO);
            if let Some(min) = rules.min_price {
                prop_assert!(p >= min, "{p} < {min}");
            }
            prop_assert!(p.scale() <= 2);
        }

        #[test]
        fn an_ending_is_kept_unless_the_minimum_wins(price in decimal(100_000_000), rules in rules()) {
            let p = price_for(price, &rules);
            if let (Some(e), None) = (rules.ending, rules.min_price)
                && p > Decimal::ZERO {
                    prop_assert_eq!(p.fract(), e.normalize());
                }
        }

        #[test]
        fn a_plan_computed_twice_is_identical(
            prices in proptest::collection::vec(proptest::option::of(decimal(10_000_000)), 0..50),
            snaps in proptest::collection::vec(proptest::option::of(decimal(10_000_000)), 50),
            rules in rules(),
        ) {
            let rows: Vec<LinkedPrice> = prices.iter().enumerate().map(|(i, p)| LinkedPrice {
                product_id: i as u64,
                sku: format!("S{i}"),
                prom_id: 1000 + i as i64,
                price: *p,
                snapshot: snaps[i].map(|s| PriceSnapshot { prom_id: 1000 + i as i64, price: s, confirmed_at: chrono::DateTime::UNIX_EPOCH, unconfirmed: false }),
            }).collect();
            let opts = PushPricesOptions {
                markup_percent: rules.markup_percent,
                markup_fixed: rules.markup_fixed,
                round_step: rules.round_step,
                ending: rules.ending,
                min_price: rules.min_price,
                ..Default::default()
            };
            let a = plan(&rows, &opts);
            let b = plan(&rows, &opts);
            prop_assert_eq!(&a, &b);
            // Nothing already confirmed at its target is planned.
            for c in &a.changes {
                prop_assert_ne!(c.before, Some(c.after));
            }
        }
    }
}
