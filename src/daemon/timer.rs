//! One loop per job: sleep until its next tick, run it under the job's guard, and
//! catch up once on a tick missed while the daemon was down or the machine slept.
//!
//! The loop naps at most [`ticks::NAP`] and reads the wall clock at each wake-up:
//! sleeps run on the monotonic clock, which stands still during a suspend, so a
//! resume or a clock jump shows as a tick found long past ([`Wake::Missed`]). Each
//! wake-up beats the loop's heartbeat, which the watchdog reads.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::JobConfig;
use crate::config::ticks::{self, Wake};
use crate::jobs::JobContext;

/// What one job's loop needs; dropped when its generation stops.
pub(super) struct Timer {
    pub job: Arc<JobConfig>,
    pub ctx: JobContext,
    pub guard: Arc<tokio::sync::Mutex<()>>,
    pub tracker: TaskTracker,
    /// Cancelled when this configuration generation ends (reload or stop).
    pub stop: CancellationToken,
    /// This loop's heartbeat for the watchdog; dropped (forgotten) when the loop ends.
    pub beat: super::heartbeat::Beat,
}

/// What the loop sees and does, apart from sleeping: a test moves the wall clock.
pub(super) trait World {
    fn now(&self) -> DateTime<Utc>;
    /// When the job's last run started (None: never ran).
    fn last_run_start(&self) -> Result<Option<DateTime<Utc>>, String>;
    fn fire(&self);
    /// Tells the watchdog the loop is alive: called at every wake-up.
    fn beat(&self) {}
}

impl Timer {
    /// Runs until `stop`; `at_start` is the daemon's first generation (a reload does not
    /// catch up: the loop it replaces was watching the ticks).
    pub async fn run(self, at_start: bool) {
        drive(&self.job, &self, &self.stop, at_start).await
    }
}

pub(super) async fn drive(
    job: &JobConfig,
    world: &impl World,
    stop: &CancellationToken,
    at_start: bool,
) {
    if at_start && job.catch_up {
        catch_up(job, world, world.now(), "at start");
    }
    let mut next = ticks::next_tick(&job.schedule, job.timezone, world.now());
    while let Some(tick) = next {
        // At every wake-up, naps included: a loop that stops beating is stuck.
        world.beat();
        let now = world.now();
        match ticks::wake(now, tick) {
            Wake::Sleep(nap) => {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(nap) => continue,
                }
            }
            _ if stop.is_cancelled() => return,
            Wake::Fire => world.fire(),
            Wake::Missed => {
                tracing::warn!(
                    "job {}: its tick at {} passed {} s ago (the machine slept or the clock jumped)",
                    job.name,
                    tick.to_rfc3339(),
                    (now - tick).num_seconds()
                );
                if job.catch_up {
                    catch_up(job, world, now, "after the clock jump");
                } else {
                    tracing::info!(
                        "job {}: catch_up = false, waiting for its next tick",
                        job.name
                    );
                }
            }
        }
        // Never before the tick just handled: a clock set back does not repeat it.
        next = ticks::next_tick(&job.schedule, job.timezone, now.max(tick));
    }
    tracing::info!("job {}: its schedule fires no more", job.name);
}

/// Runs the job once if its last run started before its latest tick.
fn catch_up(job: &JobConfig, world: &impl World, now: DateTime<Utc>, when: &str) {
    let latest = ticks::latest_tick(&job.schedule, job.timezone, now);
    let last = match world.last_run_start() {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(
                "job {}: no catch-up, its last run cannot be read: {e}",
                job.name
            );
            return;
        }
    };
    if ticks::due_for_catch_up(last, latest) {
        tracing::info!(
            "job {}: catching up {when}: its last run started {} and the tick at {} was missed",
            job.name,
            last.map(|t| t.to_rfc3339()).unwrap_or_default(),
            latest.map(|t| t.to_rfc3339()).unwrap_or_default()
        );
        world.fire();
    }
}

impl World for Timer {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn beat(&self) {
        self.beat.beat()
    }

    /// A run a stop cancelled midway did not do its tick's work: look past it (a few
    /// records back at most), so a restart after a reboot during the run catches up.
    fn last_run_start(&self) -> Result<Option<DateTime<Utc>>, String> {
        self.ctx
            .store
            .last_run_where(&self.job.name, 16, |r| {
                r.outcome != crate::report::Outcome::Cancelled
            })
            .map(|r| r.map(|r| r.started_at))
            .map_err(|e| e.to_string())
    }

    /// Hands one run to the tracker, unless the job is still running (the tick is skipped).
    fn fire(&self) {
        if self.ctx.cancel.is_cancelled() || self.tracker.is_closed() {
            return;
        }
        let Ok(held) = self.guard.clone().try_lock_owned() else {
            tracing::warn!(
                "job {}: tick skipped, the previous run is still going",
                self.job.name
            );
            return;
        };
        let job = self.job.clone();
        let ctx = self.ctx.clone();
        self.tracker.spawn(async move {
            let _held = held;
            // A stop that came between the tick and this task: do not start.
            if !ctx.cancel.is_cancelled() {
                super::run_and_log(&job, &ctx).await;
            }
        });
    }
}

#[cfg(test)]
#[path = "timer_tests.rs"]
mod tests;
