//! One runner for every job kind: it owns the `[sync]` switch, the lock of the figure a
//! job sends, dry runs, the guards and the run record, so a job kind only says how to
//! plan (reading, never writing) and how to apply.

use std::future::Future;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Mutex;

use super::{JobContext, JobError, JobRun, Plan};
use crate::config::SyncConfig;
use crate::prom::{PromClient, PromError};
use crate::report::{Outcome, RunRecord};

/// Whether a run applies its plan or stops after it (`--dry-run`: nothing sent, nothing
/// written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    DryRun,
}

impl Mode {
    pub fn from_dry_run(dry_run: bool) -> Self {
        if dry_run { Mode::DryRun } else { Mode::Apply }
    }
}

/// What one run of a job works with.
pub struct RunEnv<'a> {
    pub ctx: &'a JobContext,
    pub mode: Mode,
    /// Counted for this run alone; `None` without a token.
    client: Option<PromClient>,
}

impl RunEnv<'_> {
    /// The run's Prom.ua client, or why there is none.
    pub fn client(&self) -> Result<&PromClient, PromError> {
        self.client.as_ref().ok_or(PromError::NoToken)
    }
}

/// A job kind. `plan` reads what it needs (the store, Prom.ua) and plans, writing nothing;
/// the runner decides whether `apply` runs.
pub trait Job: Sync {
    const KIND: &'static str;
    type Plan: Into<Plan> + Send;

    /// The `[sync]` switch this job obeys (its name, and whether it is on).
    fn switch(&self, _sync: &SyncConfig) -> Option<(&'static str, bool)> {
        None
    }

    /// Held from planning to the end of applying, so two pushes of one figure never
    /// overlap.
    fn lock<'c>(&self, _ctx: &'c JobContext) -> Option<&'c Arc<Mutex<()>>> {
        None
    }

    /// Reads and plans; fills in what the record says of the plan (considered, planned,
    /// notes). `None`: the run ended before a plan (the record says why, e.g. a failed
    /// read).
    fn plan(
        &self,
        env: &RunEnv<'_>,
        record: &mut RunRecord,
    ) -> impl Future<Output = Result<Option<Self::Plan>, JobError>> + Send;

    /// Why a guard stops this plan, if one does.
    fn guarded(plan: &Self::Plan) -> Option<String>;

    /// Applies the plan and fills in what happened (sent, confirmed, failures, outcome).
    fn apply(
        &self,
        plan: Self::Plan,
        env: &RunEnv<'_>,
        record: &mut RunRecord,
    ) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// Runs one job once, without recording it (see `run_job`).
pub async fn run<J: Job>(
    job: &J,
    name: &str,
    ctx: &JobContext,
    mode: Mode,
) -> Result<JobRun, JobError> {
    if mode == Mode::Apply
        && let Some((switch, false)) = job.switch(&ctx.sync)
    {
        return Ok(skipped(name, J::KIND, switch));
    }
    let started = Utc::now();
    let _sending = match (mode, job.lock(ctx)) {
        (Mode::Apply, Some(lock)) => Some(lock.lock().await),
        _ => None,
    };
    let env = RunEnv {
        ctx,
        mode,
        client: ctx.run_client(),
    };
    let mut record = started_record(name, J::KIND, mode, started);
    let plan = job.plan(&env, &mut record).await?;
    let plan = match plan {
        Some(plan) if mode == Mode::DryRun => {
            return Ok(finish(&env, record, Some(plan.into())));
        }
        Some(plan) => plan,
        None => return Ok(finish(&env, record, None)),
    };
    if let Some(why) = J::guarded(&plan) {
        record.outcome = Outcome::Guarded;
        record.error = Some(why);
        return Ok(finish(&env, record, None));
    }
    job.apply(plan, &env, &mut record).await?;
    if record.outcome == Outcome::Ok && !record.failed.is_empty() {
        record.outcome = Outcome::Partial;
    }
    Ok(finish(&env, record, None))
}

/// Closes a record: what the run cost and when it ended.
fn finish(env: &RunEnv<'_>, mut record: RunRecord, plan: Option<Plan>) -> JobRun {
    if let Some(c) = &env.client {
        record.requests = c.requests();
        record.retries = c.retries();
        // What reading Prom's answers left out or could not read (skipped items, odd
        // parts of a write's answer).
        record.notes.extend(c.notes());
    }
    record.finished_at = Utc::now();
    JobRun { record, plan }
}

/// The record a run starts with: `dry_run` or `ok` until something says otherwise.
pub(crate) fn started_record(
    job: &str,
    kind: &str,
    mode: Mode,
    started: chrono::DateTime<Utc>,
) -> RunRecord {
    // The daemon's `run` span (`daemon/run_log.rs`) gets the run's id now, so every line
    // of the run carries it; elsewhere there is no such field and this does nothing.
    tracing::Span::current().record(
        "run_id",
        tracing::field::display(crate::report::run_id(job, &started)),
    );
    RunRecord {
        job: job.to_string(),
        kind: kind.to_string(),
        started_at: started,
        finished_at: started,
        outcome: match mode {
            Mode::Apply => Outcome::Ok,
            Mode::DryRun => Outcome::DryRun,
        },
        considered: 0,
        planned: 0,
        sent: 0,
        confirmed: 0,
        failed: Vec::new(),
        requests: 0,
        retries: 0,
        error: None,
        notes: Vec::new(),
        warnings: Vec::new(),
        drift: Vec::new(),
        recurring: None,
    }
}

/// The run of a job whose `[sync]` switch is off: nothing planned, nothing sent.
fn skipped(job: &str, kind: &str, switch: &str) -> JobRun {
    let mut record = started_record(job, kind, Mode::Apply, Utc::now());
    record.outcome = Outcome::Skipped;
    record.error = Some(format!("[sync] {switch} is off"));
    JobRun { record, plan: None }
}
