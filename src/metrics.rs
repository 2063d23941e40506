//! `/metrics`: the Prometheus text exposition, every name prefixed `promua_sync_`.
//!
//! Two sources. Counters live in the process (runs since the daemon started, items and
//! requests), bumped where every run record is written (`jobs::record`); Prometheus's
//! `rate()` and `increase()` absorb the reset a restart brings. Gauges are read from the
//! store at each scrape (last run, last success, drift, health, backlog, size), so they
//! survive restarts and agree with `status`. The figures of a scrape come in a
//! [`Snapshot`] (`backoffice/monitor.rs` reads it); rendering it here does no I/O.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::health::JobHealth;
use crate::report::RunRecord;

/// What `/metrics` answers as `Content-Type`: the OpenMetrics text prometheus-client
/// writes (Prometheus asks for it and parses it; counters end in `_total`).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

const PREFIX: &str = "promua_sync";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    job: String,
    outcome: String,
}

type PerJob = Family<JobLabels, Counter>;
type Seconds = Family<JobLabels, Gauge<f64, AtomicU64>>;

/// The in-process counters, shared by the jobs that bump them and the admin API that
/// renders them. Cloning shares them.
#[derive(Clone, Debug)]
pub struct Metrics(Arc<Counters>);

#[derive(Debug)]
struct Counters {
    registry: Registry,
    runs: Family<RunLabels, Counter>,
    sent: PerJob,
    confirmed: PerJob,
    failed: PerJob,
    requests: PerJob,
    retries: PerJob,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let runs = Family::<RunLabels, Counter>::default();
        let [sent, confirmed, failed, requests, retries] =
            std::array::from_fn(|_| PerJob::default());
        registry.register(
            "runs",
            "Job runs recorded since the daemon started, by job and outcome",
            runs.clone(),
        );
        for (name, help, family) in [
            (
                "items_sent",
                "Items sent to Prom.ua in write requests",
                &sent,
            ),
            (
                "items_confirmed",
                "Items Prom.ua confirmed (processed_ids)",
                &confirmed,
            ),
            (
                "items_failed",
                "Items a run could not get confirmed",
                &failed,
            ),
            (
                "prom_requests",
                "HTTP requests to Prom.ua, retries included",
                &requests,
            ),
            (
                "prom_retries",
                "HTTP requests to Prom.ua that were retries",
                &retries,
            ),
        ] {
            registry.register(
                name,
                format!("{help}, since the daemon started"),
                family.clone(),
            );
        }
        Self(Arc::new(Counters {
            registry,
            runs,
            sent,
            confirmed,
            failed,
            requests,
            retries,
        }))
    }

    /// Shows every configured job's counters at 0 before its first run: a series born at
    /// its first increment hides that increment from `increase()`, so the first failure
    /// after a restart would not alert.
    pub fn know_jobs<'a>(&self, jobs: impl IntoIterator<Item = &'a str>) {
        use crate::report::Outcome;
        let c = &self.0;
        for job in jobs {
            for outcome in [
                Outcome::Ok,
                Outcome::Partial,
                Outcome::Failed,
                Outcome::Cancelled,
                Outcome::Skipped,
                Outcome::Guarded,
            ] {
                drop(c.runs.get_or_create(&RunLabels {
                    job: job.to_string(),
                    outcome: outcome.to_string(),
                }));
            }
            let job = JobLabels {
                job: job.to_string(),
            };
            for family in [&c.sent, &c.confirmed, &c.failed, &c.requests, &c.retries] {
                drop(family.get_or_create(&job));
            }
        }
    }

    /// Counts a finished run (a real one: dry runs are not recorded).
    pub fn observe(&self, r: &RunRecord) {
        let c = &self.0;
        c.runs
            .get_or_create(&RunLabels {
                job: r.job.clone(),
                outcome: r.outcome.to_string(),
            })
            .inc();
        let job = JobLabels { job: r.job.clone() };
        c.sent.get_or_create(&job).inc_by(r.sent as u64);
        c.confirmed.get_or_create(&job).inc_by(r.confirmed as u64);
        c.failed.get_or_create(&job).inc_by(r.failed.len() as u64);
        c.requests.get_or_create(&job).inc_by(r.requests);
        c.retries.get_or_create(&job).inc_by(r.retries);
    }

    /// The whole exposition: the counters, then the gauges of `snap`, then `# EOF`.
    pub fn render(&self, snap: &Snapshot) -> String {
        let mut gauges = Registry::with_prefix(PREFIX);
        let last_run = Seconds::default();
        let last_success = Seconds::default();
        let healthy = Family::<JobLabels, Gauge>::default();
        let drift = Family::<JobLabels, Gauge>::default();
        for j in &snap.jobs {
            let job = JobLabels { job: j.job.clone() };
            if let Some(t) = j.last_run {
                last_run.get_or_create(&job).set(seconds(t));
            }
            if let Some(t) = j.last_success {
                last_success.get_or_create(&job).set(seconds(t));
            }
            if let Some(h) = &j.health {
                healthy.get_or_create(&job).set(i64::from(h.healthy));
            }
            if let Some(n) = j.drift {
                drift.get_or_create(&job).set(gauge(n as u64));
            }
        }
        gauges.register(
            "last_run_timestamp_seconds",
            "When the job's last recorded run finished (Unix time)",
            last_run,
        );
        gauges.register(
            "last_success_timestamp_seconds",
            "When the job's last successful run finished (Unix time)",
            last_success,
        );
        gauges.register(
            "job_healthy",
            "1 when the job's last success is within its stale_after and its last run did not fail every item (as /health)",
            healthy,
        );
        gauges.register(
            "verify_drift_items",
            "Drifted product fields the last run of a verify job found",
            drift,
        );
        let pending = Gauge::<i64>::default();
        pending.set(gauge(snap.pending_on_change));
        gauges.register(
            "on_change_pending_products",
            "Linked products changed since the last on-change push, waiting for it (over 1000: as counted up to 10 s before)",
            pending,
        );
        let size = Gauge::<i64>::default();
        size.set(gauge(snap.store_bytes));
        gauges.register("store_size_bytes", "The store's size on disk", size);
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = encode_registry(&mut out, &self.0.registry);
        let _ = encode_registry(&mut out, &gauges);
        let _ = encode_eof(&mut out);
        out
    }
}

fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_micros() as f64 / 1e6
}

fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The store-derived figures of one scrape.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub jobs: Vec<JobFigures>,
    pub pending_on_change: u64,
    pub store_bytes: u64,
}

/// One job's figures: configured jobs, and the on-change pushes once they have run.
#[derive(Debug, Clone, Default)]
pub struct JobFigures {
    pub job: String,
    pub last_run: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// Drift found by the last run, for `verify` jobs only.
    pub drift: Option<usize>,
    /// The verdict, for configured jobs only (the on-change pushes have no schedule).
    pub health: Option<JobHealth>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;

    #[test]
    fn counters_and_gauges_render_with_the_prefix() {
        let m = Metrics::new();
        let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .to_utc();
        m.observe(&RunRecord {
            job: "stock".into(),
            kind: "push_stock".into(),
            started_at: at,
            finished_at: at,
            outcome: Outcome::Ok,
            considered: 4,
            planned: 3,
            sent: 3,
            confirmed: 3,
            failed: vec![crate::report::ItemFailure {
                sku: "A-1".into(),
                prom_id: 1,
                reason: "refused".into(),
            }],
            requests: 2,
            retries: 1,
            error: None,
            notes: Vec::new(),
            warnings: Vec::new(),
            drift: Vec::new(),
            recurring: None,
        });
        let text = m.render(&Snapshot {
            jobs: vec![JobFigures {
                job: "stock".into(),
                last_run: Some(at),
                last_success: Some(at),
                drift: Some(2),
                health: Some(crate::health::judge(
                    None,
                    None,
                    std::time::Duration::from_secs(60),
                    at,
                    at,
                )),
            }],
            pending_on_change: 7,
            store_bytes: 4096,
        });
        for line in [
            r#"promua_sync_runs_total{job="stock",outcome="ok"} 1"#,
            r#"promua_sync_items_sent_total{job="stock"} 3"#,
            r#"promua_sync_prom_retries_total{job="stock"} 1"#,
            r#"promua_sync_last_success_timestamp_seconds{job="stock"} 1795860000.0"#,
            r#"promua_sync_verify_drift_items{job="stock"} 2"#,
            "promua_sync_on_change_pending_products 7",
            "promua_sync_store_size_bytes 4096",
            "# EOF",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing in:\n{text}"
            );
        }
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(l.starts_with("promua_sync_"), "{l}");
        }
        // Every metric the shipped alert rules name is one this exposition has.
        let rules = include_str!("../contrib/prometheus/promua-sync.rules.yml");
        let named: Vec<&str> = rules
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("promua_sync_"))
            .collect();
        assert!(named.len() >= 5, "{named:?}");
        for name in named {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("{name}{{"))
                        || l.starts_with(&format!("{name} "))),
                "the rules name {name}, which /metrics does not have:\n{text}"
            );
        }
    }

    #[test]
    fn a_configured_job_shows_its_counters_at_zero_before_it_runs() {
        let m = Metrics::new();
        m.know_jobs(["stock"]);
        let text = m.render(&Snapshot::default());
        for line in [
            r#"promua_sync_runs_total{job="stock",outcome="failed"} 0"#,
            r#"promua_sync_runs_total{job="stock",outcome="ok"} 0"#,
            r#"promua_sync_items_failed_total{job="stock"} 0"#,
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }
}
