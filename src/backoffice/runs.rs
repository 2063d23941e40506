//! The runs the jobs recorded: the last of each configured job (`status`), and the
//! latest of one job.

use super::{BackOffice, BackofficeError, JobStatus, Result, office::JobEntry};
use chrono::{DateTime, FixedOffset};

use crate::report::RunRecord;

/// The jobs that record runs without being configured: the on-change pushes.
pub(super) const ON_CHANGE: [&str; 2] = [
    crate::jobs::push_stock::ON_CHANGE_JOB,
    crate::jobs::push_prices::ON_CHANGE_JOB,
];

/// One point read per configured job.
pub(super) fn last_runs(office: &BackOffice) -> Result<Vec<JobStatus>> {
    let store = office.store();
    office
        .jobs()
        .into_iter()
        .map(|(name, kind, schedule, zone)| {
            let last_run = store.last_run(&name)?;
            Ok(JobStatus {
                health: Some(office.job_health(&name, last_run.as_ref())?),
                next_run: next_run(&schedule, &zone),
                last_run,
                name,
                kind,
                schedule,
                timezone: zone,
            })
        })
        .collect()
}

/// The next tick of a configured job, at its zone's offset (the schedule and the zone
/// were checked when the configuration loaded).
pub(super) fn next_run(schedule: &str, zone: &str) -> Option<DateTime<FixedOffset>> {
    let schedule = crate::config::Schedule::parse(schedule).ok()?;
    let zone = crate::config::parse_zone(zone).ok()?;
    let t = crate::config::ticks::next_tick(&schedule, zone, chrono::Utc::now())?;
    Some(t.with_timezone(&zone).fixed_offset())
}

/// Up to 1,000 runs of a job, on the blocking pool. A job no longer configured still
/// shows the runs it left.
pub(super) async fn job_runs(
    office: &BackOffice,
    job: &str,
    limit: usize,
) -> Result<Vec<RunRecord>> {
    let name = job.to_string();
    let runs = office
        .blocking(move |store| Ok(store.runs_of(&name, limit.clamp(1, 1000))?))
        .await?;
    if runs.is_empty() {
        check_job(&office.jobs(), job)?;
    }
    Ok(runs)
}

/// `NotFound` for a job that is neither configured nor an on-change push.
pub(super) fn check_job(configured: &[JobEntry], job: &str) -> Result<()> {
    if configured.iter().any(|(name, ..)| name == job) || ON_CHANGE.contains(&job) {
        return Ok(());
    }
    Err(BackofficeError::NotFound(format!(
        "no job named `{job}` (configured: {}; the on-change pushes record as {})",
        if configured.is_empty() {
            "none".to_string()
        } else {
            configured
                .iter()
                .map(|(name, ..)| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        ON_CHANGE.map(|j| format!("`{j}`")).join(" and ")
    )))
}
