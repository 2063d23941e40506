//! Catch-up: a daemon started after a tick it missed runs that job once, unless the job
//! says `catch_up = false`. The missed tick is the yearly `0 0 1 1 *` (1 January, UTC),
//! and the last run a record seeded before it.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::Store;

use crate::helpers::*;

const YEARLY: &str = "0 0 1 1 *";

/// A finished run of `stock`, started at `at`, written as the daemon would.
pub(crate) fn seed_run(store_path: &Path, at: &str) {
    seed_run_as(store_path, at, Outcome::Ok)
}

fn seed_run_as(store_path: &Path, at: &str, outcome: Outcome) {
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(at).unwrap().into();
    let store = Store::open(store_path).unwrap();
    store
        .record_run(&RunRecord {
            job: "stock".into(),
            kind: "push_stock".into(),
            started_at: at,
            finished_at: at + chrono::Duration::seconds(1),
            outcome,
            considered: 0,
            planned: 0,
            sent: 0,
            confirmed: 0,
            failed: Vec::new(),
            requests: 0,
            retries: 0,
            error: None,
            notes: Vec::new(),
            warnings: Vec::new(),
            drift: Vec::new(),
            recurring: None,
        })
        .unwrap();
    store.flush_blocking().unwrap();
}

/// The yearly `stock` job's configuration, keeping the seeded runs: they are older than
/// the default 90 days of history.
fn yearly_config(env: &Env) -> std::path::PathBuf {
    let config = env.write_config(YEARLY, "");
    patch_file(
        &config,
        "path = \"store\"",
        "path = \"store\"\nkeep_runs_days = 36500",
    );
    config
}

fn stock_runs(env: &Env) -> Vec<RunRecord> {
    // After the daemon stopped: it held the store's lock.
    Store::open(&env.store_path())
        .unwrap()
        .runs_of("stock", 10)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_started_after_a_missed_tick_runs_the_job_once() {
    let env = Env::new(12, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = yearly_config(&env);
    // Last ran in 2025: the tick of 1 January 2026 was missed.
    seed_run(&env.store_path(), "2025-06-01T10:00:00Z");
    let daemon = env.start_daemon(&config).await;

    wait_for("the catch-up push", Duration::from_secs(20), || {
        let sent: usize = assert_edit_requests_well_formed(&env.sandbox).iter().sum();
        sent == 12
    })
    .await;
    // Time for a second run, had the loop fired once per missed tick or twice at start.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop_daemon(daemon).await;

    let sizes = assert_edit_requests_well_formed(&env.sandbox);
    assert_eq!(
        sizes.iter().sum::<usize>(),
        12,
        "one run sent each item once: {sizes:?}"
    );
    for p in &env.catalogue {
        let i = env.catalogue.iter().position(|c| c.id == p.id).unwrap();
        let got = env.sandbox.product(p.id).unwrap().quantity_in_stock;
        assert_eq!(got, Some(i as i64 + 1), "{:?}", p.sku);
    }
    let runs = stock_runs(&env);
    assert_eq!(runs.len(), 2, "the seeded run and one catch-up: {runs:?}");
    assert_eq!(runs[0].outcome, Outcome::Ok);
    assert_eq!(runs[0].sent, 12);
    let log = std::fs::read_to_string(env.dir.path().join("daemon.log")).unwrap();
    assert!(log.contains("job stock: catching up at start"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_false_leaves_a_missed_tick_to_the_next_one() {
    let env = Env::new(12, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = yearly_config(&env);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("catch_up = false\n");
    std::fs::write(&config, text).unwrap();
    seed_run(&env.store_path(), "2025-06-01T10:00:00Z");
    let daemon = env.start_daemon(&config).await;
    // The catch-up test above sees its push well within this.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop_daemon(daemon).await;

    // (The on-change push may send at the stop: it records as `on_change_stock`.)
    let runs = stock_runs(&env);
    assert_eq!(runs.len(), 1, "only the seeded run: {runs:?}");
    let log = std::fs::read_to_string(env.dir.path().join("daemon.log")).unwrap();
    assert!(!log.contains("job stock (push_stock) ok"), "{log}");
    assert!(log.contains("(catch_up = false)"), "{log}");
    assert!(!log.contains("catching up"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_ran_after_its_latest_tick_is_not_caught_up() {
    let env = Env::new(12, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = yearly_config(&env);
    seed_run(&env.store_path(), "2026-01-01T00:00:01Z");
    let daemon = env.start_daemon(&config).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop_daemon(daemon).await;
    // (The on-change push may send at the stop: it records as `on_change_stock`.)
    let log = std::fs::read_to_string(env.dir.path().join("daemon.log")).unwrap();
    assert_eq!(stock_runs(&env).len(), 1, "{log}");
    assert!(!log.contains("job stock (push_stock) ok"), "{log}");
}

/// A run a stop cancelled midway (a reboot during the 1 January push) did not do the
/// tick's work: the next start catches up past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_cancelled_after_the_tick_is_caught_up() {
    let env = Env::new(12, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = yearly_config(&env);
    seed_run(&env.store_path(), "2025-06-01T10:00:00Z");
    seed_run_as(
        &env.store_path(),
        "2026-01-01T00:00:01Z",
        Outcome::Cancelled,
    );
    let daemon = env.start_daemon(&config).await;
    wait_for("the catch-up push", Duration::from_secs(20), || {
        let sent: usize = assert_edit_requests_well_formed(&env.sandbox).iter().sum();
        sent == 12
    })
    .await;
    stop_daemon(daemon).await;
    let runs = stock_runs(&env);
    assert_eq!(runs.len(), 3, "seeded, cancelled, caught up: {runs:?}");
    assert_eq!(runs[0].outcome, Outcome::Ok);
    assert_eq!(runs[0].sent, 12);
}
