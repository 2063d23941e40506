//! A run asked for now, outside the schedule: `job run NAME`. The CLI runs it itself when
//! the store is free; while the daemon holds the store it asks the daemon, through the
//! admin API, which runs it with its own context under the job's guard. The
//! [`JobRunner`] trait is how the layers above (the back office, the admin API) reach the
//! daemon's runner without importing it.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{JobRun, RunOptions};
use crate::config::{JobConfig, JobKind};

/// What `job run` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRequest {
    #[serde(default)]
    pub dry_run: bool,
    /// `pull_orders` only: `--since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// `verify` only: `--full`.
    #[serde(default)]
    pub full: bool,
    /// While a run of the job is going: `true` waits for it to end, then runs; `false`
    /// answers [`RunRefused::Busy`] at once (so the CLI can say it waits).
    #[serde(default)]
    pub wait: bool,
}

impl RunRequest {
    pub fn options(&self) -> RunOptions {
        RunOptions {
            since: self.since,
            full: self.full,
        }
    }
}

/// Why a run asked for was not run (or ended before its record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunRefused {
    /// No job of that name in the configuration; the message lists the jobs.
    #[error("{0}")]
    UnknownJob(String),
    /// An option the job's kind does not take (`--since` on a push, ...).
    #[error("{0}")]
    BadOption(String),
    /// A run of the job is going and the request said not to wait.
    #[error("{0}")]
    Busy(String),
    /// The daemon is stopping, or there is no daemon to run it.
    #[error("{0}")]
    Unavailable(String),
    /// The job failed before it produced a record (`job NAME: why`).
    #[error("{0}")]
    Failed(String),
}

/// The configured job `name`, if `options` fit its kind; the refusal says what is wrong
/// in the words `job run` prints (the same from the CLI's check and from the daemon's).
pub fn pick<'a>(
    jobs: &'a [JobConfig],
    config_path: &Path,
    name: &str,
    options: &RunOptions,
) -> Result<&'a JobConfig, RunRefused> {
    let Some(job) = jobs.iter().find(|j| j.name == name) else {
        let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
        return Err(RunRefused::UnknownJob(format!(
            "no job named `{name}` in {} (jobs: {})",
            config_path.display(),
            names.join(", ")
        )));
    };
    let refuse = |flag: &str, kind: &str| {
        Err(RunRefused::BadOption(format!(
            "{flag} applies to {kind} jobs; `{name}` is a {} job",
            job.kind.name()
        )))
    };
    if options.since.is_some() && !matches!(job.kind, JobKind::PullOrders(_)) {
        return refuse("--since", "pull_orders");
    }
    if options.full && !matches!(job.kind, JobKind::Verify(_)) {
        return refuse("--full", "verify");
    }
    Ok(job)
}

/// What a [`JobRunner`] answers.
pub type RunFuture = Pin<Box<dyn Future<Output = Result<JobRun, RunRefused>> + Send>>;

/// Runs a configured job now, as the daemon does (its context, its guard, its record and
/// metrics). Implemented by the daemon; handed to the back office the admin API serves.
pub trait JobRunner: Send + Sync {
    fn run_now(&self, name: String, request: RunRequest) -> RunFuture;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs() -> Vec<JobConfig> {
        let text = r#"
[store]
path = "store"
[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/5 * * * *"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "*/5 * * * *"
"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        std::fs::write(&path, text).unwrap();
        crate::config::load(&path).unwrap().jobs
    }

    #[test]
    fn pick_names_the_jobs_and_refuses_options_of_another_kind() {
        let jobs = jobs();
        let path = Path::new("/etc/promua-sync/jobs.toml");
        let none = RunOptions::default();
        assert_eq!(pick(&jobs, path, "stock", &none).unwrap().name, "stock");
        assert_eq!(
            pick(&jobs, path, "nope", &none).unwrap_err(),
            RunRefused::UnknownJob(
                "no job named `nope` in /etc/promua-sync/jobs.toml (jobs: stock, orders)".into()
            )
        );
        let since = RunOptions {
            since: Some(Utc::now()),
            full: false,
        };
        assert!(pick(&jobs, path, "orders", &since).is_ok());
        assert_eq!(
            pick(&jobs, path, "stock", &since).unwrap_err(),
            RunRefused::BadOption(
                "--since applies to pull_orders jobs; `stock` is a push_stock job".into()
            )
        );
        let full = RunOptions {
            since: None,
            full: true,
        };
        assert!(matches!(
            pick(&jobs, path, "orders", &full),
            Err(RunRefused::BadOption(m)) if m.starts_with("--full applies to verify jobs")
        ));
    }

    #[test]
    fn a_request_reads_from_an_empty_query_or_body() {
        let r: RunRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(r, RunRequest::default());
    }
}
