//! `job run NAME [--dry-run] [--json]`: one job, now, with its report (or plan).

use std::io::IsTerminal;

use tokio_util::sync::CancellationToken;

use super::{EXIT_ERROR, EXIT_FAILED_ITEMS, EXIT_USAGE, fail, open_store, warn_all};
use crate::config::Config;
use crate::jobs::{JobContext, RunOptions, run_job_with};
use crate::prom::PromClient;
use crate::report::Outcome;

pub(super) async fn job_run(
    config: &Config,
    name: &str,
    dry_run: bool,
    json: bool,
    since: Option<chrono::DateTime<chrono::Utc>>,
    full: bool,
) -> u8 {
    warn_all(config);
    let Some(job) = config.jobs.iter().find(|j| j.name == name) else {
        let names: Vec<&str> = config.jobs.iter().map(|j| j.name.as_str()).collect();
        return fail(
            EXIT_USAGE,
            &format!(
                "no job named `{name}` in {} (jobs: {})",
                config.path.display(),
                names.join(", ")
            ),
        );
    };
    if since.is_some() && !matches!(job.kind, crate::config::JobKind::PullOrders(_)) {
        return fail(
            EXIT_USAGE,
            &format!(
                "--since applies to pull_orders jobs; `{name}` is a {} job",
                job.kind.name()
            ),
        );
    }
    if full && !matches!(job.kind, crate::config::JobKind::Verify(_)) {
        return fail(
            EXIT_USAGE,
            &format!(
                "--full applies to verify jobs; `{name}` is a {} job",
                job.kind.name()
            ),
        );
    }
    let prom = match (&config.prom.token, dry_run) {
        (Some(_), _) => match PromClient::new(&config.prom) {
            Ok(c) => Some(c),
            Err(e) => return fail(EXIT_USAGE, &e.to_string()),
        },
        (None, true) => None,
        (None, false) => {
            return fail(EXIT_USAGE, &crate::prom::PromError::NoToken.to_string());
        }
    };
    let store = match open_store(config).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cancel = CancellationToken::new();
    {
        // Ctrl-C: stop sending new batches, report what was done.
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted: finishing the batches in flight");
                cancel.cancel();
            }
        });
    }
    let mut ctx = JobContext::new(store.clone(), prom, config.sync.clone(), cancel);
    ctx.interactive = !json && std::io::stderr().is_terminal();
    ctx.stock_route = config.prom.stock_route;
    let options = RunOptions { since, full };
    let mode = crate::jobs::Mode::from_dry_run(dry_run);
    let run = match run_job_with(job, &ctx, mode, &options).await {
        Ok(r) => r,
        Err(e) => return fail(EXIT_ERROR, &format!("job {name}: {e}")),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&run).expect("serializable")
        );
    } else {
        if let Some(plan) = &run.plan {
            print!("{plan}");
        }
        // A dry run shows its plan; one that ended before a plan (a failed read) shows
        // its record, with the error, as a real run would.
        if !dry_run || run.plan.is_none() {
            print!("{}", run.record);
        }
    }
    // A real run recorded and flushed itself (`run_job`); a dry run writes nothing.
    match run.record.outcome {
        Outcome::Ok | Outcome::Skipped | Outcome::DryRun => 0,
        Outcome::Partial | Outcome::Guarded => EXIT_FAILED_ITEMS,
        Outcome::Failed | Outcome::Cancelled => EXIT_ERROR,
    }
}
