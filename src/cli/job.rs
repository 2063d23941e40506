//! `job run NAME [--dry-run] [--json]`: one job, now, with its report (or plan). With
//! the store free the CLI runs the job itself; while the daemon holds the store it asks
//! the daemon (`POST /v1/jobs/{name}/run`), which runs it under the job's guard, and
//! prints the same report with the same exit code.
//!
//! The job's name and options are checked against the CLI's configuration first (the
//! same file as the daemon's, as a rule); the daemon checks them again against its own,
//! as last loaded, and its answer wins: it is the one that runs the job.

use std::io::IsTerminal;

use tokio_util::sync::CancellationToken;

use super::{EXIT_ERROR, EXIT_FAILED_ITEMS, EXIT_USAGE, fail, ledger, warn_all};
use crate::backoffice::{
    Access, AdminClient, BackOffice, BackofficeError, Connection, JobRunDone, Ledger,
};
use crate::config::{Config, JobConfig};
use crate::jobs::on_demand::pick;
use crate::jobs::{JobContext, RunRequest, run_job_with};
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
    let req = RunRequest {
        dry_run,
        since,
        full,
        wait: false,
    };
    let job = match pick(&config.jobs, &config.path, name, &req.options()) {
        Ok(job) => job,
        Err(e) => return fail(EXIT_USAGE, &e.to_string()),
    };
    // The daemon runs with its own Prom client: a missing token matters only here.
    let prom = match (&config.prom.token, dry_run) {
        (Some(_), _) => PromClient::new(&config.prom).map(Some),
        (None, true) => Ok(None),
        (None, false) => Err(crate::prom::PromError::NoToken),
    };
    // Without a client a real run cannot start here: create no store for it.
    let access = match prom {
        Ok(_) => Access::ReadWrite,
        Err(_) => Access::ReadOnly,
    };
    let done = match ledger(config, access).await {
        Err(code) => return code,
        Ok(Connection::Admin(daemon)) => match in_daemon(&daemon, name, req).await {
            Ok(done) => done,
            Err(code) => return code,
        },
        Ok(Connection::Store(office)) => match prom {
            Ok(prom) => match here(config, &office, job, prom, json, &req).await {
                Ok(done) => done,
                Err(code) => return code,
            },
            Err(e) => return fail(EXIT_USAGE, &e.to_string()),
        },
        Ok(Connection::NoStore(_)) => {
            let why = prom.err().map_or_else(String::new, |e| e.to_string());
            return fail(EXIT_USAGE, &why);
        }
    };
    print(&done, json, dry_run)
}

/// Runs the job in this process, on the store it opened.
async fn here(
    config: &Config,
    office: &BackOffice,
    job: &JobConfig,
    prom: Option<PromClient>,
    json: bool,
    req: &RunRequest,
) -> Result<JobRunDone, u8> {
    let store = office.store().clone();
    store.keep_runs_for(config.store.keep_runs_days);
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
    let mut ctx = JobContext::new(store, prom, config.sync.clone(), cancel);
    ctx.config_path = Some(config.path.clone());
    ctx.timezone = config.daemon.timezone;
    ctx.interactive = !json && std::io::stderr().is_terminal();
    ctx.stock_route = config.prom.stock_route;
    let mode = crate::jobs::Mode::from_dry_run(req.dry_run);
    // A real run records and flushes itself (`run_job`); a dry run writes nothing.
    let done = match run_job_with(job, &ctx, mode, &req.options()).await {
        Ok(run) => Ok(JobRunDone::of(&run)),
        Err(e) => Err(fail(EXIT_ERROR, &format!("job {}: {e}", job.name))),
    };
    // Nothing writes after the run: the process's exit closes sled faster than a drop.
    if let Err(e) = ctx.store.close_at_exit().await {
        tracing::warn!("closing the store: {e}");
    }
    done
}

/// Has the daemon run the job: at once if the job is idle, else after the run going
/// now ends (said on stderr, so a wait is not taken for a hang).
async fn in_daemon(daemon: &AdminClient, name: &str, req: RunRequest) -> Result<JobRunDone, u8> {
    let asked = async {
        match daemon.run_job(name, &req).await {
            Err(BackofficeError::Busy(_)) => {
                eprintln!(
                    "job {name} is running in the daemon now: waiting for that run to end, then running it again"
                );
                let req = RunRequest { wait: true, ..req };
                daemon.run_job(name, &req).await
            }
            other => other,
        }
    };
    let answer = tokio::select! {
        answer = asked => answer,
        _ = tokio::signal::ctrl_c() => {
            return Err(fail(
                EXIT_ERROR,
                "interrupted: a run the daemon started goes on there to its end (see `promua-sync status`)",
            ));
        }
    };
    answer.map_err(|e| {
        let code = match e {
            // The daemon's configuration named no such job, or refused an option.
            BackofficeError::NotFound(_) | BackofficeError::Invalid(_) => EXIT_USAGE,
            _ => EXIT_ERROR,
        };
        fail(code, &e.to_string())
    })
}

/// Prints a run as `job run` does, wherever it ran, and gives its exit code.
fn print(done: &JobRunDone, json: bool, dry_run: bool) -> u8 {
    let record = match done.record() {
        Ok(r) => r,
        Err(e) => return fail(EXIT_ERROR, &e.to_string()),
    };
    if json {
        println!("{}", done.run.get());
    } else {
        if let Some(plan) = &done.plan_text {
            print!("{plan}");
        }
        // A dry run shows its plan; one that ended before a plan (a failed read) shows
        // its record, with the error, as a real run would.
        if !dry_run || done.plan_text.is_none() {
            print!("{record}");
        }
    }
    exit_code(record.outcome)
}

fn exit_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Ok | Outcome::Skipped | Outcome::DryRun => 0,
        Outcome::Partial | Outcome::Guarded => EXIT_FAILED_ITEMS,
        Outcome::Failed | Outcome::Cancelled => EXIT_ERROR,
    }
}
