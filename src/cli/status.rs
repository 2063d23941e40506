//! `status [--json]`: the last run of every configured job, and the verdict `/health`
//! gives each. It only reads: with no store yet it shows the jobs as never run, and
//! creates nothing.

use super::ledger;
use super::output::{finish, print, status_table};
use crate::backoffice::{Access, JobStatus, Ledger};
use crate::config::Config;

pub(super) async fn status(config: &Config, json: bool) -> u8 {
    let ledger = match ledger(config, Access::ReadOnly).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = ledger
        .last_runs()
        .await
        .map(|rows| print(json, &rows, |r| status_table(r) + &health_lines(r)));
    finish(result)
}

/// One line per job: its health state, and the reasons when it is not healthy. Nothing
/// when no verdict is known (no store yet).
fn health_lines(rows: &[JobStatus]) -> String {
    let judged: Vec<_> = rows
        .iter()
        .filter_map(|j| j.health.as_ref().map(|h| (&j.name, h)))
        .collect();
    if judged.is_empty() {
        return String::new();
    }
    let mut s = format!("\n{:<16} HEALTH\n", "JOB");
    for (job, h) in judged {
        s += &format!("{job:<16} {}", h.state);
        if !h.reasons.is_empty() {
            s += &format!(": {}", h.reasons.join("; "));
        }
        s.push('\n');
    }
    s
}
