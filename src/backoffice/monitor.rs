//! What monitoring asks of the back office: each configured job's verdict (`/health`,
//! `status`) and the store-derived figures of a `/metrics` scrape. Point reads only: per
//! job its last run and (normally one or two records back) its last success; the dirty
//! set's count; the store files' size. No walk of the products.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::runs::ON_CHANGE;
use super::{BackOffice, Result};
use crate::health::{self, JobHealth};
use crate::metrics::{JobFigures, Metrics, Snapshot};
use crate::report::RunRecord;

/// How many runs back a verdict looks for the last success: a job failing every five
/// minutes for days costs a scrape no more than this many decodes.
const SUCCESS_CAP: usize = 500;

/// When a job has neither a configured nor a derivable `stale_after` (a schedule that
/// does not parse: only hand-built offices in tests).
const FALLBACK_STALE_AFTER: Duration = Duration::from_secs(86_400);

/// The on-change backlog a scrape counts itself; a larger one is counted off the scrape
/// (a walk of 100,000 keys takes about 35 ms, of 1,000 a fraction of one: `benches/metrics.rs`).
const PENDING_CAP: usize = 1_000;

/// How long a full count of a large backlog is shown before a scrape asks for another.
const PENDING_FRESH: std::time::Duration = std::time::Duration::from_secs(10);

/// The last full count of a backlog over [`PENDING_CAP`], refreshed off the scrape path.
#[derive(Debug, Default)]
struct PendingCount {
    value: u64,
    at: Option<std::time::Instant>,
    counting: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    pending: Arc<std::sync::Mutex<PendingCount>>,
    metrics: Metrics,
    /// When this office was made: the daemon's start, or the CLI command's.
    started: DateTime<Utc>,
    /// Per job: its configured `stale_after` (None: three ticks) and when it was first
    /// loaded (a job a reload adds is not judged from the daemon's start).
    jobs: Arc<RwLock<HashMap<String, Watched>>>,
}

#[derive(Clone, Copy, Debug)]
struct Watched {
    stale_after: Option<Duration>,
    since: DateTime<Utc>,
}

impl Default for Monitor {
    fn default() -> Self {
        Self {
            pending: Default::default(),
            metrics: Metrics::new(),
            started: Utc::now(),
            jobs: Default::default(),
        }
    }
}

/// `GET /health`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// `ok` or `unhealthy` (then the answer is 503).
    pub status: String,
    pub version: String,
    /// Linked products waiting for the on-change push.
    pub pending_changes: u64,
    /// Every unhealthy job's reasons, each prefixed with the job's name.
    pub reasons: Vec<String>,
    pub jobs: Vec<JobVerdict>,
}

impl HealthReport {
    pub fn healthy(&self) -> bool {
        self.reasons.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobVerdict {
    pub job: String,
    #[serde(flatten)]
    pub health: JobHealth,
}

impl BackOffice {
    /// The office counting runs into `metrics` (the daemon's jobs bump the same ones).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.monitor.metrics = metrics;
        self
    }

    pub fn metrics(&self) -> &Metrics {
        &self.monitor.metrics
    }

    /// The office with the `stale_after` of a configuration's jobs.
    pub fn with_stale_after_of(self, config: &crate::config::Config) -> Self {
        self.set_stale_after_of(config);
        self
    }

    /// Takes the `stale_after` of a (re)loaded configuration's jobs; a job seen before
    /// keeps the time it was first loaded.
    pub fn set_stale_after_of(&self, config: &crate::config::Config) {
        let mut jobs = self.monitor.jobs.write().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now().max(self.monitor.started);
        *jobs = config
            .jobs
            .iter()
            .map(|j| {
                let since = jobs.get(&j.name).map_or(now, |w| w.since);
                let watched = Watched {
                    stale_after: j.stale_after,
                    since,
                };
                (j.name.clone(), watched)
            })
            .collect();
    }

    /// When `job` was first loaded (the office's start for one it was not told of).
    fn watched_since(&self, job: &str) -> DateTime<Utc> {
        self.watched(job).map_or(self.monitor.started, |w| w.since)
    }

    fn watched(&self, job: &str) -> Option<Watched> {
        let jobs = self.monitor.jobs.read().unwrap_or_else(|p| p.into_inner());
        jobs.get(job).copied()
    }

    /// How old a success that started at `from` may grow: the configured length, else
    /// until the schedule's third tick after it, in the job's zone.
    fn stale_after(&self, job: &str, schedule: &str, zone: &str, from: DateTime<Utc>) -> Duration {
        if let Some(d) = self.watched(job).and_then(|w| w.stale_after) {
            return d;
        }
        match (
            crate::config::Schedule::parse(schedule),
            crate::config::parse_zone(zone),
        ) {
            (Ok(s), Ok(z)) => crate::config::default_stale_after(&s, z, from),
            _ => FALLBACK_STALE_AFTER,
        }
    }

    /// The last successful run of `job`, `last_run` itself when it is one.
    fn last_success(&self, job: &str, last_run: Option<&RunRecord>) -> Result<Option<RunRecord>> {
        match last_run {
            Some(r) if health::is_success(r) => Ok(Some(r.clone())),
            None => Ok(None),
            Some(_) => Ok(self
                .store()
                .last_run_where(job, SUCCESS_CAP, health::is_success)?),
        }
    }

    /// The verdict on a configured job now, given its last run.
    pub(super) fn job_health(&self, job: &str, last_run: Option<&RunRecord>) -> Result<JobHealth> {
        let (schedule, zone) = self
            .jobs()
            .into_iter()
            .find(|(name, _, _, _)| name == job)
            .map(|(_, _, s, z)| (s, z))
            .unwrap_or_default();
        let success = self.last_success(job, last_run)?;
        Ok(self.judge(job, (&schedule, &zone), last_run, success.as_ref()))
    }

    /// `timing` is the job's schedule and zone, as written.
    fn judge(
        &self,
        job: &str,
        timing: (&str, &str),
        last_run: Option<&RunRecord>,
        success: Option<&RunRecord>,
    ) -> JobHealth {
        let since = self.watched_since(job);
        let from = success.map_or(since, |r| r.started_at);
        let stale_after = self.stale_after(job, timing.0, timing.1, from);
        // `judge` measures from the success's end: its run's length is granted on top.
        health::judge(last_run, success, stale_after, since, Utc::now())
    }

    /// `/metrics`' store-derived figures, on the blocking pool.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let office = self.clone();
        self.blocking(move |_| office.snapshot_now()).await
    }

    /// `/health`'s verdicts, on the blocking pool.
    pub async fn health_report(&self) -> Result<HealthReport> {
        let office = self.clone();
        self.blocking(move |_| office.health_now()).await
    }

    /// `/metrics`' store-derived figures, with each configured job's verdict.
    pub fn snapshot_now(&self) -> Result<Snapshot> {
        let store = self.store();
        let mut jobs = Vec::new();
        for (name, kind, schedule, zone) in self.jobs() {
            let last_run = store.last_run(&name)?;
            let success = self.last_success(&name, last_run.as_ref())?;
            let timing = (schedule.as_str(), zone.as_str());
            jobs.push(JobFigures {
                health: Some(self.judge(&name, timing, last_run.as_ref(), success.as_ref())),
                last_run: last_run.as_ref().map(|r| r.finished_at),
                last_success: success.as_ref().map(|r| r.finished_at),
                drift: (kind == "verify").then(|| success.as_ref().map_or(0, |r| r.drift.len())),
                job: name,
            });
        }
        for name in ON_CHANGE {
            if let Some(r) = store.last_run(name)? {
                let success = self.last_success(name, Some(&r))?;
                jobs.push(JobFigures {
                    job: name.to_string(),
                    last_run: Some(r.finished_at),
                    last_success: success.map(|s| s.finished_at),
                    drift: None,
                    health: None,
                });
            }
        }
        Ok(Snapshot {
            jobs,
            pending_on_change: self.pending_on_change(),
            store_bytes: store.size_on_disk()?,
        })
    }

    /// Products waiting for the on-change push: counted here up to [`PENDING_CAP`]; a
    /// larger backlog shows its last full count (at least the cap), which a thread of its
    /// own refreshes when it is older than [`PENDING_FRESH`], so a scrape never waits for
    /// a walk of the whole set.
    fn pending_on_change(&self) -> u64 {
        let store = self.store();
        let quick = store.dirty_count_upto(PENDING_CAP);
        let mut p = self
            .monitor
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if quick < PENDING_CAP {
            *p = PendingCount::default();
            return quick as u64;
        }
        let fresh = p.at.is_some_and(|at| at.elapsed() < PENDING_FRESH);
        if !fresh && !p.counting {
            p.counting = true;
            let (store, pending) = (store.clone(), self.monitor.pending.clone());
            std::thread::spawn(move || {
                let n = store.dirty_count() as u64;
                let mut p = pending.lock().unwrap_or_else(|e| e.into_inner());
                *p = PendingCount {
                    value: n,
                    at: Some(std::time::Instant::now()),
                    counting: false,
                };
            });
        }
        p.value.max(PENDING_CAP as u64)
    }

    /// `/health`: every configured job's verdict.
    pub fn health_now(&self) -> Result<HealthReport> {
        let store = self.store();
        let mut jobs = Vec::new();
        let mut reasons = Vec::new();
        for (name, _, _, _) in self.jobs() {
            let last_run = store.last_run(&name)?;
            let health = self.job_health(&name, last_run.as_ref())?;
            reasons.extend(health.reasons.iter().map(|r| format!("job {name}: {r}")));
            jobs.push(JobVerdict { job: name, health });
        }
        Ok(HealthReport {
            status: if reasons.is_empty() {
                "ok"
            } else {
                "unhealthy"
            }
            .into(),
            version: env!("CARGO_PKG_VERSION").into(),
            pending_changes: self.pending_on_change(),
            reasons,
            jobs,
        })
    }
}
