//! A scheduled run's log lines: one summary at a level journald can filter on, then
//! its notes, warnings and failures.

use crate::config::JobConfig;
use crate::jobs::{JobContext, run_job};
use crate::report::Outcome;

/// One run, one log line, at a level journald can filter on.
pub async fn run_and_log(job: &JobConfig, ctx: &JobContext) {
    match run_job(job, ctx, crate::jobs::Mode::Apply).await {
        Ok(run) => {
            let r = &run.record;
            match r.outcome {
                Outcome::Ok | Outcome::Skipped | Outcome::DryRun => {
                    tracing::info!("{}", r.summary())
                }
                Outcome::Partial | Outcome::Cancelled => tracing::warn!("{}", r.summary()),
                // A guard stops a run until the config changes: an operator must see it.
                Outcome::Failed | Outcome::Guarded => tracing::error!("{}", r.summary()),
            }
            for n in &r.notes {
                tracing::warn!("job {}: {n}", r.job);
            }
            for w in r.warnings.iter().take(20) {
                tracing::warn!("job {}: {}", r.job, w.message);
            }
            for f in r.failed.iter().take(10) {
                tracing::warn!(
                    "job {}: {} (Prom id {}) failed: {}",
                    r.job,
                    f.sku,
                    f.prom_id,
                    f.reason
                );
            }
        }
        Err(e) => tracing::error!(
            "job {} ({}) failed before it could run: {e}",
            job.name,
            job.kind.name()
        ),
    }
}
