//! `job run` while the daemon runs (through `POST /v1/jobs/{name}/run`): the job runs in
//! the daemon, with the current configuration generation's context and jobs, under the
//! same per-job guard as its ticks. So it never overlaps a scheduled run: it waits for
//! one that is going (or answers `Busy` when asked not to wait), and a tick that comes
//! while it runs is skipped, as for any run still going. A real run is recorded and
//! counted in `/metrics` like a scheduled one; a dry run writes nothing and takes no
//! guard (it sends nothing, so it cannot collide with a run).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::{Guards, Running};
use crate::config::JobConfig;
use crate::jobs::on_demand::{RunFuture, pick};
use crate::jobs::{JobContext, JobRun, JobRunner, Mode, RunRefused, RunRequest, run_job_with};
use crate::report::Outcome;

/// What a run asked for needs of the daemon; cloned into the admin API's back office.
#[derive(Clone)]
pub(super) struct OnDemand {
    generation: Arc<RwLock<Generation>>,
    guards: Guards,
    tracker: TaskTracker,
}

/// The configuration generation runs start in; a reload replaces it.
struct Generation {
    ctx: JobContext,
    jobs: Vec<JobConfig>,
    path: PathBuf,
}

impl Generation {
    fn of(running: &Running) -> Self {
        Self {
            ctx: running.ctx.clone(),
            jobs: running.config.jobs.clone(),
            path: running.config.path.clone(),
        }
    }
}

impl OnDemand {
    pub(super) fn new(running: &Running, guards: &Guards, tracker: &TaskTracker) -> Self {
        Self {
            generation: Arc::new(RwLock::new(Generation::of(running))),
            guards: guards.clone(),
            tracker: tracker.clone(),
        }
    }

    /// Runs asked for from now on use this generation (after a reload).
    pub(super) fn set(&self, running: &Running) {
        *self.generation.write().unwrap_or_else(|p| p.into_inner()) = Generation::of(running);
    }

    /// The job `name` of the current generation, with its context.
    fn current(&self, name: &str, req: &RunRequest) -> Result<(JobConfig, JobContext), RunRefused> {
        let g = self.generation.read().unwrap_or_else(|p| p.into_inner());
        let job = pick(&g.jobs, &g.path, name, &req.options())?;
        Ok((job.clone(), g.ctx.clone()))
    }

    fn guard(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.guards
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    async fn run(self, name: String, req: RunRequest) -> Result<JobRun, RunRefused> {
        // A bad name or option is refused before any waiting.
        let (_, ctx) = self.current(&name, &req)?;
        let stopping =
            || RunRefused::Unavailable("the daemon is stopping: it starts no new run".to_string());
        if ctx.cancel.is_cancelled() {
            return Err(stopping());
        }
        let held = if req.dry_run {
            None
        } else {
            let guard = self.guard(&name);
            match guard.clone().try_lock_owned() {
                Ok(held) => Some(held),
                Err(_) if !req.wait => {
                    return Err(RunRefused::Busy(format!("job {name} is running now")));
                }
                Err(_) => tokio::select! {
                    held = guard.lock_owned() => Some(held),
                    _ = ctx.cancel.cancelled() => return Err(stopping()),
                },
            }
        };
        // After the wait: a reload meanwhile may have changed the job or removed it.
        let (job, ctx) = self.current(&name, &req)?;
        if ctx.cancel.is_cancelled() {
            return Err(stopping());
        }
        let mode = Mode::from_dry_run(req.dry_run);
        // A task of its own, tracked like a scheduled run: a client that goes away (Ctrl-C)
        // does not cut a started run short, and a stop waits for it.
        let task = self.tracker.spawn(async move {
            let _held = held;
            let span = super::run_span(&job);
            async {
                tracing::info!(
                    "job {} ({}){}: run asked through the admin API",
                    job.name,
                    job.kind.name(),
                    if req.dry_run { " dry run" } else { "" }
                );
                let run = run_job_with(&job, &ctx, mode, &req.options()).await;
                log(&job, &run);
                super::heap::give_back_freed();
                run
            }
            .instrument(span)
            .await
        });
        match task.await {
            Ok(run) => run.map_err(|e| RunRefused::Failed(format!("job {name}: {e}"))),
            Err(e) => Err(RunRefused::Failed(format!(
                "job {name}: the run's task failed: {e}"
            ))),
        }
    }
}

impl JobRunner for OnDemand {
    fn run_now(&self, name: String, request: RunRequest) -> RunFuture {
        Box::pin(self.clone().run(name, request))
    }
}

/// The run's log lines, as a scheduled run's (`run_log.rs`), in the run's span.
fn log(job: &JobConfig, run: &Result<JobRun, crate::jobs::JobError>) {
    match run {
        // A dry run remembers nothing it met: logging its "new" hard cases would repeat
        // them at every dry run and again at the next real one. Its summary only.
        Ok(run) if run.record.outcome == Outcome::DryRun => tracing::info!(
            outcome = %run.record.outcome,
            "{}",
            run.record.summary()
        ),
        Ok(run) => super::log_record(&run.record),
        Err(e) => tracing::error!(
            outcome = %Outcome::Failed,
            "job {} ({}) failed before it could run: {e}",
            job.name,
            job.kind.name()
        ),
    }
}
