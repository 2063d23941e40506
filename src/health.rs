//! Whether a job is healthy: its last success is no older than its `stale_after`, and its
//! last run did not fail every item. Pure: the clock, the daemon's start and the runs come
//! in; `/health`, `/metrics` and `status` all ask here, so they never disagree.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::report::{Outcome, RunRecord};

/// One word for scripts and alert rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// A recent success, and the last run did not fail every item.
    Ok,
    /// Never succeeded yet, and less than `stale_after` has passed since the daemon started.
    Waiting,
    /// The last success is older than `stale_after` (or there is none, `stale_after`
    /// after the start).
    Stale,
    /// The last run failed every item it sent, or failed as a whole.
    Failing,
}

impl std::fmt::Display for HealthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HealthState::Ok => "ok",
            HealthState::Waiting => "waiting",
            HealthState::Stale => "stale",
            HealthState::Failing => "failing",
        })
    }
}

/// One job's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobHealth {
    pub healthy: bool,
    pub state: HealthState,
    /// Why it is unhealthy, in words (empty when healthy).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// When the last successful run finished.
    pub last_success: Option<DateTime<Utc>>,
    pub stale_after_secs: u64,
}

/// A run that did its work: it finished with something confirmed, or had nothing to do,
/// or its `[sync]` switch is off (the operator chose that; `check-config` warns of it),
/// or it sent nothing and only reported items (a verify that found drift and does not
/// repair, a pull that refused some orders but not all): it ran, and its findings are its
/// result. A pull that refused every order it read is no success.
pub fn is_success(r: &RunRecord) -> bool {
    match r.outcome {
        Outcome::Ok | Outcome::Skipped => !failed_every_item(r),
        Outcome::Partial => {
            r.confirmed > 0
                || (r.sent == 0 && (!r.drift.is_empty() || r.failed.len() < r.considered))
        }
        Outcome::Failed | Outcome::Cancelled | Outcome::DryRun | Outcome::Guarded => false,
    }
}

/// A run that sent items and got none confirmed, or failed as a whole.
pub fn failed_every_item(r: &RunRecord) -> bool {
    r.outcome == Outcome::Failed || (r.sent > 0 && r.confirmed == 0)
}

/// The verdict on one job at `now`. `since` is when the daemon started: a job with no
/// success yet is given `stale_after` from then.
pub fn judge(
    last_run: Option<&RunRecord>,
    last_success: Option<&RunRecord>,
    stale_after: Duration,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> JobHealth {
    let success_at = last_success.map(|r| r.finished_at);
    let reference = success_at.unwrap_or(since);
    let age = (now - reference).to_std().unwrap_or_default();
    let mut reasons = Vec::new();
    let mut state = HealthState::Ok;
    if age > stale_after {
        state = HealthState::Stale;
        reasons.push(match success_at {
            Some(at) => format!(
                "last success {} ago ({}), longer than stale_after {}",
                words(age),
                at.format("%Y-%m-%d %H:%M:%S UTC"),
                words(stale_after)
            ),
            None => format!(
                "no success in the {} since the daemon started (stale_after {})",
                words(age),
                words(stale_after)
            ),
        });
    } else if success_at.is_none() {
        state = HealthState::Waiting;
    }
    if let Some(r) = last_run.filter(|r| failed_every_item(r)) {
        state = HealthState::Failing;
        reasons.push(match &r.error {
            Some(e) if r.outcome == Outcome::Failed => format!(
                "last run ({}) failed: {e}",
                r.started_at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            _ => format!(
                "last run ({}) failed every item: sent {}, confirmed 0",
                r.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                r.sent
            ),
        });
    }
    JobHealth {
        healthy: reasons.is_empty(),
        state,
        reasons,
        last_success: success_at,
        stale_after_secs: stale_after.as_secs(),
    }
}

/// `2h 5m`, `3d 4h`, `45s`: the two largest units.
pub fn words(d: Duration) -> String {
    let s = d.as_secs();
    let parts = [
        (s / 86_400, "d"),
        (s / 3_600 % 24, "h"),
        (s / 60 % 60, "m"),
        (s % 60, "s"),
    ];
    let shown: Vec<String> = parts
        .iter()
        .skip_while(|(n, _)| *n == 0)
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if shown.is_empty() {
        "0s".into()
    } else {
        shown.join(" ")
    }
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
