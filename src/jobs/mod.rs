//! Sync jobs. Start at `runner.rs` (the `Job` trait and the one runner that owns dry
//! runs, switches, guards and the run record) and `edit_push.rs` (the batched
//! `products/edit` engine every push uses). Then one file per job kind, each a pure `plan`
//! and an `apply`; `on_change.rs` holds the pushes the daemon makes between scheduled runs.

mod context;
pub mod edit_push;
pub mod import_products;
pub mod on_change;
pub mod on_demand;
pub mod presence_rules;
mod progress;
pub mod pull_orders;
pub mod push_prices;
pub mod push_statuses;
pub mod push_stock;
pub mod readback;
pub mod runner;
pub mod shop_statuses;
pub mod stock_route;
pub mod verify;

use std::fmt;

use serde::Serialize;

use crate::config::{JobConfig, JobKind};
use crate::report::RunRecord;
use crate::store::StoreError;

pub use context::JobContext;
pub use on_demand::{JobRunner, RunRefused, RunRequest};
pub use runner::{Job, Mode};

/// Errors that stop a job before it produces a run record.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Prom(#[from] crate::prom::PromError),
    #[error("a store task of the job failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A job's plan, for `--dry-run`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    PushStock(push_stock::StockPlan),
    PushPrices(push_prices::PricePlan),
    PushStatuses(push_statuses::StatusPlan),
    PullOrders(pull_orders::OrdersPlan),
    ImportProducts(import_products::ImportPlan),
    Verify(verify::VerifyPlan),
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Plan::PushStock(p) => p.fmt(f),
            Plan::PushPrices(p) => p.fmt(f),
            Plan::PushStatuses(p) => p.fmt(f),
            Plan::PullOrders(p) => p.fmt(f),
            Plan::ImportProducts(p) => p.fmt(f),
            Plan::Verify(p) => p.fmt(f),
        }
    }
}

macro_rules! plan_from {
    ($($variant:ident($plan:ty)),*) => {
        $(impl From<$plan> for Plan {
            fn from(p: $plan) -> Plan {
                Plan::$variant(p)
            }
        })*
    };
}
plan_from!(
    PushStock(push_stock::StockPlan),
    PushPrices(push_prices::PricePlan),
    PushStatuses(push_statuses::StatusPlan),
    PullOrders(pull_orders::OrdersPlan)
);

/// The result of one run: its record, and its plan when it was a dry run.
#[derive(Debug, Clone, Serialize)]
pub struct JobRun {
    pub record: RunRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
}

/// Runs one configured job once. A real run is recorded in the store (and on disk before
/// this returns); a dry run writes nothing.
pub async fn run_job(job: &JobConfig, ctx: &JobContext, mode: Mode) -> Result<JobRun, JobError> {
    run_job_with(job, ctx, mode, &RunOptions::default()).await
}

/// What one run may do differently from its configuration.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `pull_orders`: read orders changed since then (a one-off import of older orders).
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// `verify`: walk Prom.ua's whole catalogue whatever the last full walk's age.
    pub full: bool,
}

/// [`run_job`] with one-off options.
pub async fn run_job_with(
    job: &JobConfig,
    ctx: &JobContext,
    mode: Mode,
    options: &RunOptions,
) -> Result<JobRun, JobError> {
    let name = &job.name;
    let mut run = match &job.kind {
        JobKind::PushStock(o) => runner::run(&push_stock::PushStock(o), name, ctx, mode).await?,
        JobKind::PushPrices(o) => runner::run(&push_prices::PushPrices(o), name, ctx, mode).await?,
        JobKind::PushStatuses(o) => {
            runner::run(&push_statuses::PushStatuses(o), name, ctx, mode).await?
        }
        JobKind::PullOrders(o) => {
            let job = pull_orders::PullOrders {
                options: o,
                since: options.since,
            };
            runner::run(&job, name, ctx, mode).await?
        }
        JobKind::ImportProducts(o) => {
            runner::run(&import_products::ImportProducts(o), name, ctx, mode).await?
        }
        JobKind::Verify(o) => {
            let job = verify::Verify {
                options: o,
                full: options.full,
            };
            runner::run(&job, name, ctx, mode).await?
        }
    };
    let decision = settle_recurring(ctx, &mut run.record).await?;
    if mode == Mode::Apply {
        record_with(ctx, &run.record, decision).await?;
    }
    Ok(run)
}

/// Marks the run's recurring items (hard cases, orders with unlinked lines) new or
/// already warned of, from the store's memory; what the memory becomes if it is kept.
async fn settle_recurring(
    ctx: &JobContext,
    r: &mut RunRecord,
) -> Result<crate::recurring::Decision, JobError> {
    let Some(recurring) = r.recurring.as_mut() else {
        return Ok(Default::default());
    };
    let job = r.job.clone();
    let warned = ctx.blocking(move |s| s.warned_of(&job)).await?;
    let decision = crate::recurring::decide(&warned, recurring);
    recurring.settle(&decision);
    Ok(decision)
}

/// What a push says of the linked products it skips because Prom.ua deleted the products
/// they are linked to (found by `import_products`), if there are any.
pub(crate) async fn gone_note(ctx: &JobContext) -> Result<Option<String>, JobError> {
    let links = ctx.blocking(|s| s.gone_links()).await?;
    if links.is_empty() {
        return Ok(None);
    }
    const SHOWN: usize = 5;
    let mut named: Vec<String> = links
        .iter()
        .take(SHOWN)
        .map(|g| format!("{} (Prom id {})", g.sku, g.prom_id))
        .collect();
    if links.len() > SHOWN {
        named.push(format!("and {} more", links.len() - SHOWN));
    }
    Ok(Some(format!(
        "{} linked product(s) skipped: Prom.ua deleted the product each is linked to (HTTP 404, found by import_products): {}; link each to another Prom product (`links link SKU PROM_ID`) or unlink it (`links unlink SKU`)",
        links.len(),
        named.join(", ")
    )))
}

/// Keeps a run's record, on disk before this returns.
pub(crate) async fn record(ctx: &JobContext, r: &RunRecord) -> Result<(), JobError> {
    record_with(ctx, r, Default::default()).await
}

/// [`record`], with the memory of warned items changed by `warned` in the same write.
async fn record_with(
    ctx: &JobContext,
    r: &RunRecord,
    warned: crate::recurring::Decision,
) -> Result<(), JobError> {
    let kept = r.clone();
    ctx.blocking(move |s| s.record_run_warned(&kept, &warned.new, &warned.forget))
        .await?;
    ctx.store.flush().await?;
    // What the run wrote (snapshots of a push, stock of an import) into the plan view,
    // so that the next plan reads blocks, not point reads. Derived data: a failure is
    // only said.
    if let Err(e) = ctx.blocking(|s| s.refresh_plan_view()).await {
        tracing::warn!("the plan view was not refreshed: {e}");
    }
    if let Some(m) = &ctx.metrics {
        m.observe(r);
    }
    Ok(())
}
