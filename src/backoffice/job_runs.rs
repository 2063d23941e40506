//! `job run` through the back office: the daemon's runner (given with
//! [`BackOffice::with_runner`]) runs the job, and the answer carries the run as
//! `job run` prints it, so the CLI prints the same whether it ran the job or the daemon
//! did.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{BackOffice, BackofficeError, Result};
use crate::jobs::{JobRun, RunRefused, RunRequest};
use crate::report::RunRecord;

/// A finished run as `job run` prints it.
#[derive(Debug, Serialize, Deserialize)]
pub struct JobRunDone {
    /// The run (`{record, plan?}`) exactly as `job run --json` prints it, whitespace and
    /// all: a plan's fields keep their order, which a `serde_json::Value` would not.
    pub run: Box<RawValue>,
    /// The plan as `job run --dry-run` prints it (plans are written to be read, not
    /// read back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_text: Option<String>,
}

#[derive(Deserialize)]
struct RecordOf {
    record: RunRecord,
}

impl JobRunDone {
    pub fn of(run: &JobRun) -> Self {
        let text = serde_json::to_string_pretty(run).expect("a run serializes");
        Self {
            run: RawValue::from_string(text).expect("serde_json wrote JSON"),
            plan_text: run.plan.as_ref().map(|p| p.to_string()),
        }
    }

    /// The run's record, read back from [`JobRunDone::run`].
    pub fn record(&self) -> Result<RunRecord> {
        serde_json::from_str::<RecordOf>(self.run.get())
            .map(|r| r.record)
            .map_err(|e| BackofficeError::Remote(format!("unreadable run record: {e}")))
    }
}

impl From<RunRefused> for BackofficeError {
    fn from(e: RunRefused) -> Self {
        match e {
            RunRefused::UnknownJob(m) => BackofficeError::NotFound(m),
            RunRefused::BadOption(m) => BackofficeError::Invalid(m),
            RunRefused::Busy(m) => BackofficeError::Busy(m),
            RunRefused::Unavailable(m) => BackofficeError::Conflict(m),
            RunRefused::Failed(m) => BackofficeError::JobFailed(m),
        }
    }
}

pub(super) async fn run_job(
    office: &BackOffice,
    name: &str,
    req: &RunRequest,
) -> Result<JobRunDone> {
    let Some(runner) = &office.runner else {
        return Err(BackofficeError::Conflict(
            "jobs run through the admin API only in the daemon (`promua-sync run`); with the daemon stopped, `job run` runs them itself".into(),
        ));
    };
    let run = runner.run_now(name.to_string(), req.clone()).await?;
    Ok(JobRunDone::of(&run))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;

    fn record() -> RunRecord {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-29T03:04:05.123456789Z")
            .unwrap()
            .to_utc();
        let mut r =
            crate::jobs::runner::started_record("stock", "push_stock", crate::jobs::Mode::Apply, t);
        r.outcome = Outcome::Partial;
        r.error = Some("ω".into());
        r
    }

    #[test]
    fn the_run_comes_back_as_printed_and_its_record_whole() {
        let run = JobRun {
            record: record(),
            plan: None,
        };
        let done = JobRunDone::of(&run);
        let wire = serde_json::to_vec(&done).unwrap();
        let back: JobRunDone = serde_json::from_slice(&wire).unwrap();
        assert_eq!(back.run.get(), serde_json::to_string_pretty(&run).unwrap());
        assert_eq!(back.record().unwrap(), run.record);
        assert_eq!(back.plan_text, None);
    }
}
