//! Sync jobs, one file per kind. Each job first builds a plan (pure: store state in,
//! intended changes out) and then applies it; `--dry-run` stops after the plan.

pub mod import_products;
pub mod pull_orders;
pub mod push_prices;
pub mod push_statuses;
pub mod push_stock;

use std::fmt;

use chrono::Utc;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::config::{JobConfig, JobKind, SyncConfig};
use crate::prom::PromClient;
use crate::report::{Outcome, RunRecord};
use crate::store::{Store, StoreError};

/// What a job run needs from the world.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub store: Store,
    /// `None` when no token is configured: only dry runs are possible.
    pub prom: Option<PromClient>,
    pub sync: SyncConfig,
    /// Set when the process is stopping: no new batch starts after it.
    pub cancel: CancellationToken,
    /// Held while stock is planned and sent, so that the scheduled push and the
    /// on-change push never send stale values over each other.
    pub stock_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The same for prices: the scheduled and on-change price pushes never overlap, so a
    /// stale batch can never land after a newer confirmed one.
    pub price_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// A person watches a terminal: long jobs show a progress bar instead of log lines.
    pub interactive: bool,
    /// The guards the on-change push honours (those of the configured `push_stock` job).
    pub on_change_guard: crate::config::PushStockOptions,
    /// The rules and guards of the configured `push_prices` job, for on-change price pushes
    /// (`None`: no such job, price changes wait for one).
    pub on_change_prices: Option<crate::config::PushPricesOptions>,
    /// Wakes the on-change push after a job changed what Prom.ua should show.
    pub changed: Option<std::sync::Arc<tokio::sync::Notify>>,
}

impl JobContext {
    pub fn new(
        store: Store,
        prom: Option<PromClient>,
        sync: SyncConfig,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            store,
            prom,
            sync,
            cancel,
            stock_lock: Default::default(),
            price_lock: Default::default(),
            interactive: false,
            on_change_guard: Default::default(),
            on_change_prices: None,
            changed: None,
        }
    }

    /// Tells the on-change push (in the daemon) that stock may have changed.
    pub fn notify_changed(&self) {
        if let Some(n) = &self.changed {
            n.notify_one();
        }
    }
}

/// Errors that stop a job before it produces a run record.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Prom(#[from] crate::prom::PromError),
    #[error("the planning task failed: {0}")]
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
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Plan::PushStock(p) => p.fmt(f),
            Plan::PushPrices(p) => p.fmt(f),
            Plan::PushStatuses(p) => p.fmt(f),
            Plan::PullOrders(p) => p.fmt(f),
            Plan::ImportProducts(p) => p.fmt(f),
        }
    }
}

/// The result of one run: its record, and its plan when it was a dry run.
#[derive(Debug, Clone, Serialize)]
pub struct JobRun {
    pub record: RunRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
}

/// Runs one job once. A real run is recorded in the store; a dry run writes nothing.
pub async fn run_job(job: &JobConfig, ctx: &JobContext, dry_run: bool) -> Result<JobRun, JobError> {
    let run = match &job.kind {
        JobKind::PushStock(opts) => push_stock::run(&job.name, opts, ctx, dry_run).await?,
        JobKind::PushPrices(opts) => push_prices::run(&job.name, opts, ctx, dry_run).await?,
        JobKind::PushStatuses(opts) => push_statuses::run(&job.name, opts, ctx, dry_run).await?,
        JobKind::PullOrders(opts) => pull_orders::run(&job.name, opts, ctx, dry_run).await?,
        JobKind::ImportProducts(opts) => {
            import_products::run(&job.name, opts, ctx, dry_run).await?
        }
    };
    if !dry_run {
        ctx.store.record_run(&run.record)?;
        ctx.store.flush().await?;
    }
    Ok(run)
}

/// A record for a run that did nothing, with why.
pub(crate) fn empty_record(
    job: &str,
    kind: &str,
    outcome: Outcome,
    why: Option<String>,
) -> RunRecord {
    let now = Utc::now();
    RunRecord {
        job: job.to_string(),
        kind: kind.to_string(),
        started_at: now,
        finished_at: now,
        outcome,
        considered: 0,
        planned: 0,
        sent: 0,
        confirmed: 0,
        failed: Vec::new(),
        requests: 0,
        retries: 0,
        error: why,
        notes: Vec::new(),
    }
}

/// The run of a job whose `[sync]` switch is off: nothing planned, nothing sent.
pub(crate) fn skipped(job: &str, kind: &str, switch: &str) -> JobRun {
    JobRun {
        record: empty_record(
            job,
            kind,
            Outcome::Skipped,
            Some(format!("[sync] {switch} is off")),
        ),
        plan: None,
    }
}

/// The record a run starts with: `dry_run` or `ok` until something says otherwise.
pub(crate) fn started_record(
    job: &str,
    kind: &str,
    dry_run: bool,
    started: chrono::DateTime<Utc>,
) -> RunRecord {
    let mut r = empty_record(
        job,
        kind,
        if dry_run {
            Outcome::DryRun
        } else {
            Outcome::Ok
        },
        None,
    );
    r.started_at = started;
    r
}
