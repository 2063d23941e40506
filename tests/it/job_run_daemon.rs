//! `job run` while the daemon runs: the daemon runs the job (`POST /v1/jobs/{name}/run`)
//! and the CLI prints what it prints with the daemon stopped, with the same exit codes;
//! a run asked for while a scheduled one is going waits for it.

use std::path::Path;
use std::time::Duration;

use promua_sync::backoffice::{BackOffice, BackofficeError, Ledger};
use promua_sync::jobs::on_demand::RunFuture;
use promua_sync::jobs::{JobRunner, RunRefused, RunRequest};
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{Actor, Store};

use crate::helpers::*;

/// A schedule that does not fire during a test (and, with no run before, no catch-up).
const YEARLY: &str = "0 0 1 1 *";

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn job_run(config: &Path, args: &[&str]) -> Ran {
    let mut all = vec!["job", "run"];
    all.extend_from_slice(args);
    let out = cli_async(config, &all).await;
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The output with what differs from one run to the next (its times) blanked.
fn timeless(text: &str) -> String {
    text.lines()
        .map(|l| {
            let timed = ["started:", "duration:", "\"started_at\"", "\"finished_at\""];
            match timed.iter().find(|t| l.trim_start().starts_with(*t)) {
                Some(t) => format!("{t} …"),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn runs_of(store: &Path, job: &str) -> Vec<RunRecord> {
    Store::open(store).unwrap().runs_of(job, 10).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_run_through_the_daemon_prints_what_a_local_run_prints() {
    // Twin shops: one with the daemon running, one with it stopped.
    let served = Env::new(5, SandboxOptions::default(), |i| i as i64 + 1).await;
    let alone = Env::new(5, SandboxOptions::default(), |i| i as i64 + 1).await;
    let served_config = served.write_config(YEARLY, "");
    let alone_config = alone.write_config(YEARLY, "");
    let daemon = served.start_daemon(&served_config).await;

    for args in [
        &["stock", "--dry-run"][..],
        &["stock", "--dry-run", "--json"],
        &["stock"],
        // The second real run finds nothing to send, on both.
        &["stock", "--json"],
    ] {
        let there = job_run(&served_config, args).await;
        let here = job_run(&alone_config, args).await;
        assert_eq!(there.code, Some(0), "{args:?}: {}", there.stderr);
        assert_eq!(here.code, Some(0), "{args:?}: {}", here.stderr);
        assert_eq!(timeless(&there.stdout), timeless(&here.stdout), "{args:?}");
        assert!(!there.stdout.is_empty(), "{args:?}");
        assert!(there.stderr.is_empty(), "{args:?}: {}", there.stderr);
    }
    let last = job_run(&served_config, &["stock", "--json"]).await;
    let v: serde_json::Value = serde_json::from_str(&last.stdout).unwrap();
    assert_eq!(v["record"]["job"], "stock");
    assert_eq!(v["record"]["outcome"], "ok");
    assert!(v.get("plan").is_none(), "{v}");

    // The daemon sent what the local run sent, once.
    for env in [&served, &alone] {
        let sent: usize = assert_edit_requests_well_formed(&env.sandbox).iter().sum();
        assert_eq!(sent, 5);
        for (i, p) in env.catalogue.iter().enumerate() {
            let got = env.sandbox.product(p.id).unwrap().quantity_in_stock;
            assert_eq!(got, Some(i as i64 + 1), "{:?}", p.sku);
        }
    }
    // Counted like a scheduled run (dry runs are not).
    let token = std::fs::read_to_string(served.dir.path().join("admin-token")).unwrap();
    let metrics = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/metrics", served.admin_port()))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"promua_sync_runs_total{job="stock",outcome="ok"} 3"#),
        "{metrics}"
    );
    stop_daemon(daemon).await;

    // Recorded like a local run (the daemon's shop had one more), the dry runs not at all.
    let there = runs_of(&served.store_path(), "stock");
    let here = runs_of(&alone.store_path(), "stock");
    assert_eq!(there.len(), 3, "{there:?}");
    assert_eq!(here.len(), 2, "{here:?}");
    let counts = |r: &RunRecord| (r.outcome, r.considered, r.planned, r.sent, r.confirmed);
    assert_eq!(
        there[1..].iter().map(counts).collect::<Vec<_>>(),
        here.iter().map(counts).collect::<Vec<_>>()
    );
    assert!(there.iter().any(|r| r.confirmed == 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_daemon_a_guard_stop_exits_1_and_a_bad_name_or_option_exits_2() {
    // Every product at zero: the zeroing guard stops the push.
    let env = Env::new(4, SandboxOptions::default(), |_| 0).await;
    let config = env.write_config(YEARLY, "");
    let daemon = env.start_daemon(&config).await;

    let guarded = job_run(&config, &["stock"]).await;
    assert_eq!(guarded.code, Some(1), "{}", guarded.stderr);
    assert!(
        guarded.stdout.contains("outcome:    guarded")
            && guarded.stdout.contains("max_zero_share_percent"),
        "{}",
        guarded.stdout
    );
    assert!(env.sandbox.edit_requests().is_empty());

    let unknown = job_run(&config, &["nope"]).await;
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.contains("no job named `nope` in ")
            && unknown.stderr.contains("(jobs: stock)"),
        "{}",
        unknown.stderr
    );
    let since = job_run(&config, &["stock", "--since", "2026-01-01"]).await;
    assert_eq!(since.code, Some(2));
    assert!(
        since
            .stderr
            .contains("--since applies to pull_orders jobs; `stock` is a push_stock job"),
        "{}",
        since.stderr
    );

    // A job the CLI's configuration names but the daemon's does not: the daemon, which
    // runs jobs, refuses it, naming its own jobs.
    let cli_config = env.dir.path().join("cli.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[[job]]\nname = \"orders\"\nkind = \"pull_orders\"\nschedule = \"0 0 1 1 *\"\n",
    );
    std::fs::write(&cli_config, text).unwrap();
    let theirs = job_run(&cli_config, &["orders"]).await;
    assert_eq!(theirs.code, Some(2), "{}", theirs.stderr);
    assert!(
        theirs.stderr.contains("no job named `orders` in ")
            && theirs.stderr.contains("(jobs: stock)"),
        "{}",
        theirs.stderr
    );
    assert!(theirs.stdout.is_empty());
    stop_daemon(daemon).await;

    let runs = runs_of(&env.store_path(), "stock");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].outcome, Outcome::Guarded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_asked_for_during_a_scheduled_run_waits_for_it() {
    // Slow answers keep the daemon's catch-up run going while `job run` comes.
    let options = SandboxOptions {
        latency: Duration::from_secs(3),
        ..Default::default()
    };
    let env = Env::new(4, options, |i| i as i64 + 1).await;
    let config = env.write_config(YEARLY, "");
    patch_file(
        &config,
        "path = \"store\"",
        "path = \"store\"\nkeep_runs_days = 36500",
    );
    // Last ran in 2025: the daemon catches up the tick of 1 January 2026 at start.
    crate::catch_up::seed_run(&env.store_path(), "2025-06-01T10:00:00Z");
    let daemon = env.start_daemon(&config).await;
    let manual = job_run(&config, &["stock"]).await;
    assert_eq!(manual.code, Some(0), "{}", manual.stderr);
    assert!(manual.stdout.contains("planned:    0"), "{}", manual.stdout);
    assert!(
        manual
            .stderr
            .contains("job stock is running in the daemon now: waiting for that run to end"),
        "{}",
        manual.stderr
    );
    stop_daemon(daemon).await;

    // Newest first: the manual run, the catch-up, the seeded run.
    let runs = runs_of(&env.store_path(), "stock");
    assert_eq!(runs.len(), 3, "{runs:?}");
    let (manual, scheduled) = (&runs[0], &runs[1]);
    assert_eq!(scheduled.sent, 4, "{scheduled:?}");
    assert_eq!(scheduled.confirmed, 4);
    // It started after the scheduled run ended, so it found nothing left to send.
    assert!(
        manual.started_at >= scheduled.finished_at,
        "overlap: {scheduled:?} {manual:?}"
    );
    assert_eq!(
        (manual.outcome, manual.planned, manual.sent),
        (Outcome::Ok, 0, 0)
    );
    let sent: usize = assert_edit_requests_well_formed(&env.sandbox).iter().sum();
    assert_eq!(sent, 4);
}

/// The admin API's refusals, each in its shape, with a runner that answers as told.
#[tokio::test]
async fn the_run_route_answers_each_refusal_in_its_shape() {
    struct Says(RunRefused);
    impl JobRunner for Says {
        fn run_now(&self, _: String, _: RunRequest) -> RunFuture {
            let answer = self.0.clone();
            Box::pin(async move { Err(answer) })
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let cases = [
        (
            RunRefused::UnknownJob("no job named `x`".into()),
            404,
            "not_found",
        ),
        (
            RunRefused::BadOption("--since applies".into()),
            422,
            "invalid",
        ),
        (RunRefused::Busy("job x is running now".into()), 409, "busy"),
        (RunRefused::Unavailable("stopping".into()), 409, "conflict"),
        (RunRefused::Failed("job x: boom".into()), 500, "job_failed"),
    ];
    for (refusal, status, kind) in cases {
        let office = BackOffice::new(store.clone(), Actor::Api, Vec::new())
            .with_runner(std::sync::Arc::new(Says(refusal.clone())));
        let api = serve(office).await;
        let resp = reqwest::Client::new()
            .post(format!("{}v1/jobs/x/run?dry_run=true", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{refusal:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["kind"], kind);
        assert_eq!(body["error"], refusal.to_string());
        // The client reads it back as the same refusal.
        let err = api
            .client
            .run_job("x", &RunRequest::default())
            .await
            .unwrap_err();
        assert_eq!(BackofficeError::from(refusal).to_string(), err.to_string());
    }

    // An office without the daemon's runner (the CLI's own) cannot run jobs; and the
    // route takes the token like every other.
    let api = serve(BackOffice::new(store.clone(), Actor::Api, Vec::new())).await;
    let err = api
        .client
        .run_job("stock", &RunRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BackofficeError::Conflict(m) if m.contains("only in the daemon")),
        "{err:?}"
    );
    let resp = reqwest::Client::new()
        .post(format!("{}v1/jobs/stock/run", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

struct Served {
    base: String,
    token: String,
    client: promua_sync::backoffice::AdminClient,
    _stop: tokio_util::sync::DropGuard,
}

async fn serve(office: BackOffice) -> Served {
    let listener = promua_sync::admin::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let token = "route-test-token".to_string();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office,
        token.clone(),
        Default::default(),
        stop.clone(),
    ));
    let client = promua_sync::backoffice::AdminClient::new(&base, token.clone(), "cli").unwrap();
    Served {
        base,
        token,
        client,
        _stop: stop.drop_guard(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reload_the_daemon_runs_the_jobs_of_the_new_configuration() {
    let env = Env::new(3, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = env.write_config(YEARLY, "");
    let daemon = env.start_daemon(&config).await;
    patch_file(&config, "name = \"stock\"", "name = \"stock_now\"");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.id() as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let log = env.dir.path().join("daemon.log");
    wait_for("the reload", Duration::from_secs(20), || {
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("configuration reloaded")
    })
    .await;
    let ran = job_run(&config, &["stock_now"]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("job:        stock_now (push_stock)"),
        "{}",
        ran.stdout
    );
    // The CLI's configuration no longer names `stock`; the daemon's no longer does either.
    let old = job_run(&config, &["stock"]).await;
    assert_eq!(old.code, Some(2));
    assert!(old.stderr.contains("(jobs: stock_now)"), "{}", old.stderr);
    stop_daemon(daemon).await;
    assert_eq!(runs_of(&env.store_path(), "stock_now").len(), 1);
    let sent: usize = assert_edit_requests_well_formed(&env.sandbox).iter().sum();
    assert_eq!(sent, 3);
}
