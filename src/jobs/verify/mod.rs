//! `verify`: does Prom.ua show what the back office would push? `processed_ids` proves
//! Prom accepted a write, not that its shop shows it; cabinet edits, Prom's own feed
//! imports and deleted products drift away unseen. A run reads Prom (`read.rs`: the whole
//! catalogue when due, else what changed since the last read), compares per linked
//! product (`compare.rs`, pure) and names each drifted field with its cause. With
//! `repair = true` it sends the back office's values through the push engine
//! (`edit_push`) with the push jobs' guards; what stays drifted is a failed item of the
//! run (exit 1). A linked product deleted on Prom keeps its link and is flagged gone.

mod compare;
mod extras_drift;
mod read;
mod report;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use compare::{Drift, Rules, Shown, compare};
pub use read::{Walk, choose};

use super::edit_push::{self, Edit, Pushed};
use super::push_prices::PriceChange;
use super::push_stock::StockChange;
use super::runner::{Job, Mode, RunEnv};
use super::{JobContext, JobError, Plan};
use crate::config::VerifyOptions;
use crate::report::{DriftItem, Outcome, RunRecord};

pub const KIND: &str = "verify";

/// What a verify found and what a repair would send (`--dry-run` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct VerifyPlan {
    #[serde(flatten)]
    pub walk: Walk,
    /// Products Prom.ua showed this run.
    pub read: usize,
    /// Linked products (not known gone).
    pub linked: usize,
    /// Linked products Prom showed, compared.
    pub compared: usize,
    pub repair: bool,
    /// Every drifted field, gone products included.
    pub items: Vec<DriftItem>,
    /// What a repair sends: products whose stock, and whose price, goes to Prom.ua.
    pub stock_repairs: usize,
    pub price_repairs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
}

/// A plan with what applying it needs.
pub struct VerifyWork {
    pub plan: VerifyPlan,
    stock: Vec<StockChange>,
    prices: Vec<PriceChange>,
    started: DateTime<Utc>,
    /// The ids a full walk listed (they clear gone marks).
    listed: Option<Vec<i64>>,
    /// Linked ids Prom answered 404 for this run.
    gone: Vec<i64>,
    /// The external ids the read showed, kept for the stock route (a stale one would
    /// address another product).
    external: Vec<(i64, Option<String>)>,
    /// Each product read with its presence and status (what the presence rules keep).
    shown: Vec<(i64, Option<String>, Option<String>)>,
    /// Held from planning to the end of the repair (the runner holds the stock lock):
    /// no push changes a snapshot between the comparison and the repair.
    _price_lock: Option<OwnedMutexGuard<()>>,
}

impl From<VerifyWork> for Plan {
    fn from(w: VerifyWork) -> Plan {
        Plan::Verify(w.plan)
    }
}

/// A `verify` job with its options; `full` forces a full walk (`job run NAME --full`).
pub struct Verify<'a> {
    pub options: &'a VerifyOptions,
    pub full: bool,
}

impl Job for Verify<'_> {
    const KIND: &'static str = KIND;
    type Plan = VerifyWork;

    fn lock<'c>(&self, ctx: &'c JobContext) -> Option<&'c Arc<Mutex<()>>> {
        Some(&ctx.stock_lock)
    }

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<VerifyWork>, JobError> {
        let (ctx, client, o) = (env.ctx, env.client()?, self.options);
        let price_lock = match env.mode {
            Mode::Apply => Some(ctx.price_lock.clone().lock_owned().await),
            Mode::DryRun => None,
        };
        let job = r.job.clone();
        let marks = ctx.blocking(move |s| s.verify_marks(&job)).await?;
        let started = Utc::now();
        let walk = choose(&marks, o, started, self.full);
        let with_prices = ctx.sync.update_prices && o.price_rules.is_some();
        let warehouses = ctx.sync.warehouses.clone();
        let (stock, prices, known_gone, presence_settings, prom_shown) = ctx
            .blocking(move |s| {
                let prices = if with_prices {
                    s.linked_prices()?
                } else {
                    Vec::new()
                };
                Ok((
                    s.linked_stock(&warehouses)?,
                    prices,
                    s.gone_links()?,
                    s.presence_settings()?,
                    s.prom_shown()?,
                ))
            })
            .await?;
        let extras = if with_prices {
            ctx.blocking(|s| s.extras_rows()).await?
        } else {
            Default::default()
        };
        let linked: HashSet<i64> = stock.iter().map(|row| row.prom_id).collect();
        let read = match read::read(client, walk, &linked, ctx.interactive).await {
            Ok(read) => read,
            Err(e) => {
                r.outcome = Outcome::Failed;
                r.error = Some(e.to_string());
                return Ok(None);
            }
        };
        let stock_guards = o.stock_guards();
        let price_options = o.price_options();
        let rules = Rules {
            safety_buffer: ctx.sync.safety_buffer,
            stock: ctx.sync.update_balances.then_some(&stock_guards),
            presence_settings: &presence_settings,
            prom_shown: &prom_shown,
            prices: with_prices.then_some(&price_options),
        };
        let mut drift = compare(&stock, &prices, &read.shown, &rules);
        if with_prices {
            extras_drift::compare(
                &prices,
                &extras,
                &read.shown,
                &read.extras,
                &price_options,
                ctx.today(),
                &mut drift,
            );
        }
        let listed: Option<HashSet<i64>> =
            (walk == Walk::Full).then(|| read.listed.iter().copied().collect());
        let mut items = report::gone_items(&stock, &read.gone, &known_gone, listed.as_ref());
        items.extend(drift.items);
        items.sort_by(|a, b| (&a.sku, &a.field).cmp(&(&b.sku, &b.field)));
        r.considered = linked.len();
        r.planned = items
            .iter()
            .map(|i| i.prom_id)
            .collect::<HashSet<_>>()
            .len();
        r.notes.extend(report::notes(
            walk,
            read.shown.len(),
            drift.compared,
            drift.pending,
            &rules,
        ));
        r.notes.extend(read.notes);
        if env.mode == Mode::Apply {
            r.drift = items.clone();
            r.failed = items.iter().map(|i| report::failure(i, None)).collect();
        }
        let plan = VerifyPlan {
            walk,
            read: read.shown.len(),
            linked: linked.len(),
            compared: drift.compared,
            repair: o.repair,
            items,
            stock_repairs: drift.stock.len(),
            price_repairs: drift.prices.len(),
            guarded: drift.guarded.filter(|_| o.repair),
        };
        Ok(Some(VerifyWork {
            plan,
            stock: drift.stock,
            prices: drift.prices,
            started,
            listed: (walk == Walk::Full).then_some(read.listed),
            shown: read
                .shown
                .iter()
                .map(|(id, s)| (*id, s.presence.clone(), s.status.clone()))
                .collect(),
            external: read.external,
            gone: read.gone,
            _price_lock: price_lock,
        }))
    }

    fn guarded(work: &VerifyWork) -> Option<String> {
        work.plan.guarded.clone()
    }

    async fn apply(
        &self,
        mut work: VerifyWork,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        let ctx = env.ctx;
        let (job, started, full) = (r.job.clone(), work.started, work.listed.is_some());
        let (listed, gone) = (work.listed.clone().unwrap_or_default(), work.gone.clone());
        let external = std::mem::take(&mut work.external);
        let marks = std::mem::take(&mut work.shown);
        ctx.blocking(move |s| {
            // Ids listed again are no longer gone; links to the newly gone stay, flagged.
            if full {
                s.record_walk(&listed)?;
            }
            let shown: Vec<(i64, Option<&str>)> =
                external.iter().map(|(id, x)| (*id, x.as_deref())).collect();
            s.record_external_ids(&shown)?;
            s.record_prom_shown(&marks)?;
            s.mark_gone(&gone, Utc::now())
        })
        .await?;
        ctx.store.flush().await?;
        if !self.options.repair || (work.stock.is_empty() && work.prices.is_empty()) {
            return mark_read(ctx, r, job, started, full).await;
        }
        let client = env.client()?;
        let batch = self.options.batch_size;
        // The same call as the stock pushes: by external id once Prom.ua showed that
        // `products/edit` ignores quantities.
        super::stock_route::route_changes(ctx, &mut work.stock).await?;
        // A repair is read back as a push is: a value Prom confirms and does not show is
        // not taken as repaired (and is how a route Prom ignores is learnt).
        let sample = self.options.stock_guards().verify_sample;
        let mut stock =
            edit_push::push(&work.stock, client, &ctx.store, batch, &ctx.cancel).await?;
        super::readback::verify(&work.stock, &mut stock, sample, ctx, client, r).await?;
        // A fatal error or a stop request ends the repair: the prices wait for the next run.
        let mut prices = if stock.fatal.is_none() && stock.unsent == 0 {
            let mut p =
                edit_push::push(&work.prices, client, &ctx.store, batch, &ctx.cancel).await?;
            super::readback::verify(&work.prices, &mut p, sample, ctx, client, r).await?;
            p
        } else {
            Pushed::default()
        };
        let stock_ok = confirmed(&stock, &work.stock);
        let price_ok = confirmed(&prices, &work.prices);
        // Why a send failed, per Prom id and figure (a product's stock and its price can
        // fail for different reasons), for the items left drifted.
        let reasons: HashMap<(i64, bool), String> = stock
            .failed
            .drain(..)
            .map(|f| ((f.prom_id, false), f.reason))
            .chain(
                prices
                    .failed
                    .drain(..)
                    .map(|f| ((f.prom_id, true), f.reason)),
            )
            .collect();
        // The failed items are the drift left, rebuilt below.
        r.failed.clear();
        stock.fill(r);
        prices.fill(r);
        for item in &mut r.drift {
            item.repaired = match item.field.as_str() {
                "price" => price_ok.contains(&item.prom_id),
                "product" => false,
                _ => stock_ok.contains(&item.prom_id),
            };
        }
        r.failed = r
            .drift
            .iter()
            .filter(|i| !i.repaired)
            .map(|i| {
                let reason = reasons.get(&(i.prom_id, i.field == "price"));
                report::failure(i, reason.map(String::as_str))
            })
            .collect();
        mark_read(ctx, r, job, started, full).await
    }
}

/// Moves the job's read marks to this run, unless drift is left that a later incremental
/// read would not show again (it shows only what changed since): then the next run reads
/// from the same start. A product gone from Prom.ua is reported from the store's marks,
/// whatever the walk.
async fn mark_read(
    ctx: &super::JobContext,
    r: &RunRecord,
    job: String,
    started: chrono::DateTime<Utc>,
    full: bool,
) -> Result<(), JobError> {
    let left = r.drift.iter().any(|i| !i.repaired && i.field != "product");
    if left {
        return Ok(());
    }
    ctx.blocking(move |s| s.set_verify_marks(&job, started, full))
        .await?;
    ctx.store.flush().await?;
    Ok(())
}

/// The Prom ids of the edits Prom.ua confirmed.
fn confirmed<E: Edit>(pushed: &Pushed, edits: &[E]) -> HashSet<i64> {
    let ids: HashMap<u64, i64> = edits
        .iter()
        .map(|e| (e.product_id(), e.prom_id()))
        .collect();
    pushed
        .confirmed
        .iter()
        .filter_map(|id| ids.get(id).copied())
        .collect()
}
