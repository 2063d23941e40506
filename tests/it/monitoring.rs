//! `/metrics` and `/health`: what a scraper parses, the token, and the verdicts `status`
//! shares.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use chrono::{DateTime, Utc};
use promua_sync::admin::Serving;
use promua_sync::backoffice::{Access, BackOffice, Connection, connect};
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{Actor, Store};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

/// The scalar value of the sample `metric` with exactly `labels`.
fn value(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    use prometheus_parse::Value;
    scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == metric
                && s.labels.len() == labels.len()
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
        .and_then(|s| match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(v),
            _ => None,
        })
}

/// Parses an exposition as Prometheus would, checking that every sample line was read.
fn parse(text: &str) -> prometheus_parse::Scrape {
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let sample_lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(
        scrape.samples.len(),
        sample_lines,
        "unparsed lines in:\n{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    for s in &scrape.samples {
        assert!(s.metric.starts_with("promua_sync_"), "{}", s.metric);
    }
    scrape
}

async fn scrape(http: &reqwest::Client, base: &str, token: &str) -> prometheus_parse::Scrape {
    let resp = http
        .get(format!("{base}metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    parse(&resp.text().await.unwrap())
}

fn run_at(
    job: &str,
    started: DateTime<Utc>,
    outcome: Outcome,
    sent: usize,
    confirmed: usize,
) -> RunRecord {
    RunRecord {
        job: job.into(),
        kind: "push_stock".into(),
        started_at: started,
        finished_at: started + chrono::Duration::seconds(3),
        outcome,
        considered: sent,
        planned: sent,
        sent,
        confirmed,
        failed: Vec::new(),
        requests: 1,
        retries: 0,
        error: None,
        notes: Vec::new(),
        warnings: Vec::new(),
        drift: Vec::new(),
        recurring: None,
    }
}

/// The daemon runs `stock` every two seconds: `/metrics` refuses a scrape without the
/// token, and its counters follow the runs Prom.ua saw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_daemons_runs_behind_the_token() {
    let env = Env::new(5, SandboxOptions::default(), |i| i as i64 + 3).await;
    let config = env.write_config("*/2 * * * * *", "");
    let mut child = env.start_daemon(&config).await;
    let base = format!("http://127.0.0.1:{}/", env.admin_port());
    let http = reqwest::Client::new();
    let token = std::fs::read_to_string(env.dir.path().join("admin-token")).unwrap();
    let token = token.trim();

    let refused = http.get(format!("{base}metrics")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let wrong = http
        .get(format!("{base}metrics"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let runs = |s: &prometheus_parse::Scrape| {
        value(
            s,
            "promua_sync_runs_total",
            &[("job", "stock"), ("outcome", "ok")],
        )
        .unwrap_or(0.0)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let first = loop {
        let s = scrape(&http, &base, token).await;
        if runs(&s) >= 1.0 {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "no run counted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The first run sent every product; Prom.ua got each once.
    let sent: usize = edited_ids(&env.sandbox).iter().map(Vec::len).sum();
    assert_eq!(sent, 5);
    let job = [("job", "stock")];
    assert_eq!(
        value(&first, "promua_sync_items_sent_total", &job),
        Some(5.0)
    );
    assert_eq!(
        value(&first, "promua_sync_items_confirmed_total", &job),
        Some(5.0)
    );
    assert_eq!(
        value(&first, "promua_sync_items_failed_total", &job),
        Some(0.0)
    );
    assert!(value(&first, "promua_sync_prom_requests_total", &job).unwrap() >= 1.0);
    assert_eq!(value(&first, "promua_sync_job_healthy", &job), Some(1.0));
    assert!(value(&first, "promua_sync_store_size_bytes", &[]).unwrap() > 0.0);
    assert!(value(&first, "promua_sync_on_change_pending_products", &[]).is_some());

    // A later scrape sees more runs; nothing changed, so nothing more was sent.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let second = loop {
        let s = scrape(&http, &base, token).await;
        if runs(&s) > runs(&first) {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the counter did not move"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        value(&second, "promua_sync_items_sent_total", &job),
        Some(5.0)
    );
    // The gauges are the stored records': the newest run's end, to the microsecond.
    let stored: Vec<RunRecord> = http
        .get(format!("{base}v1/runs/stock?limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let last = value(&second, "promua_sync_last_success_timestamp_seconds", &job).unwrap();
    assert!(
        (last - stored[0].finished_at.timestamp_micros() as f64 / 1e6).abs() < 1.5,
        "{last} vs {:?}",
        stored[0].finished_at
    );
    let health: serde_json::Value = http
        .get(format!("{base}health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["jobs"][0]["state"], "ok", "{health}");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// A config whose job `stock` has `stale_after = "1h"`, and its store.
async fn stale_setup(env: &Env) -> (std::path::PathBuf, promua_sync::config::Config) {
    let path = env.write_config_any_admin_port("*/5 * * * *", "");
    patch_file(
        &path,
        "schedule = \"*/5 * * * *\"\n",
        "schedule = \"*/5 * * * *\"\nstale_after = \"1h\"\n",
    );
    let config = promua_sync::config::load(&path).unwrap();
    (path, config)
}

/// A run two hours old with `stale_after = "1h"`: `/health` answers 503 with the reason,
/// `/metrics` (public) shows the job unhealthy, and a fresh success makes both well again.
#[tokio::test]
async fn health_turns_503_for_a_stale_job_and_metrics_can_be_public() {
    let env = Env::new(2, SandboxOptions::default(), |_| 1).await;
    let (_, config) = stale_setup(&env).await;
    assert_eq!(config.jobs[0].stale_after, Some(Duration::from_secs(3_600)));
    let store = Store::open(&env.store_path()).unwrap();
    let old = Utc::now() - chrono::Duration::hours(2);
    store
        .record_run(&run_at("stock", old, Outcome::Ok, 2, 2))
        .unwrap();
    let office = BackOffice::new(store.clone(), Actor::Api, BackOffice::jobs_of(&config))
        .with_stale_after_of(&config);
    let listener = promua_sync::admin::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let serving = Serving {
        metrics_public: true,
        ..Serving::default()
    };
    tokio::spawn(promua_sync::admin::serve_with(
        listener,
        office,
        "secret-token".into(),
        serving,
        stop.clone(),
    ));
    let _stop = stop.drop_guard();
    let http = reqwest::Client::new();

    let resp = http.get(format!("{base}health")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["jobs"][0]["job"], "stock");
    assert_eq!(body["jobs"][0]["state"], "stale");
    let reason = body["reasons"][0].as_str().unwrap();
    assert!(
        reason.starts_with("job stock: last success 2h 0m ago")
            || reason.starts_with("job stock: last success 1h 59m ago"),
        "{reason}"
    );
    assert!(reason.ends_with("longer than stale_after 1h"), "{reason}");

    // Public: no token needed.
    let text = http
        .get(format!("{base}metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let s = parse(&text);
    let job = [("job", "stock")];
    assert_eq!(value(&s, "promua_sync_job_healthy", &job), Some(0.0));
    let finished = (old + chrono::Duration::seconds(3)).timestamp_micros() as f64 / 1e6;
    assert_eq!(
        value(&s, "promua_sync_last_success_timestamp_seconds", &job),
        Some(finished)
    );
    // The counters are the process's: this office counted no run.
    assert_eq!(
        value(
            &s,
            "promua_sync_runs_total",
            &[("job", "stock"), ("outcome", "ok")]
        ),
        None
    );

    // A run that sent two and got none confirmed is failing, however recent.
    store
        .record_run(&run_at(
            "stock",
            Utc::now() - chrono::Duration::minutes(1),
            Outcome::Partial,
            2,
            0,
        ))
        .unwrap();
    let body: serde_json::Value = http
        .get(format!("{base}health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["jobs"][0]["state"], "failing", "{body}");
    assert_eq!(body["reasons"].as_array().unwrap().len(), 2, "{body}");

    store
        .record_run(&run_at("stock", Utc::now(), Outcome::Ok, 2, 2))
        .unwrap();
    let resp = http.get(format!("{base}health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["jobs"][0]["state"], "ok", "{body}");
    assert!(body["reasons"].as_array().unwrap().is_empty());
}

/// `status` gives the verdict `/health` gives, in its table and in `--json`.
#[tokio::test]
async fn status_prints_the_health_verdict() {
    let env = Env::new(1, SandboxOptions::default(), |_| 1).await;
    let (path, config) = stale_setup(&env).await;
    {
        let Connection::Store(office) = connect(&config, Access::ReadWrite).await.unwrap() else {
            panic!("the store, not the admin API");
        };
        let old = Utc::now() - chrono::Duration::hours(3);
        office
            .store()
            .record_run(&run_at("stock", old, Outcome::Ok, 1, 1))
            .unwrap();
        office.store().flush_blocking().unwrap();
    }
    let out = cli_async(&path, &["status"]).await;
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("stock") && l.contains("stale: last success 2h 59m ago")),
        "{stdout}"
    );
    let out = cli_async(&path, &["status", "--json"]).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "stock");
    assert_eq!(v[0]["last_run"]["outcome"], "ok");
    assert_eq!(v[0]["health"]["state"], "stale", "{v}");
    assert_eq!(v[0]["health"]["healthy"], false);
}

#[test]
fn a_stale_after_that_is_no_duration_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jobs.toml");
    std::fs::write(
        &config,
        "[store]\npath = \"store\"\n\n[[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"*/5 * * * *\"\nstale_after = \"2x\"\n",
    )
    .unwrap();
    let out = cli(&config, &["check-config"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stale_after"), "{stderr}");
    assert!(stderr.contains("`x` is not a unit"), "{stderr}");
}

#[tokio::test]
async fn metrics_public_is_read_from_admin_and_off_by_default() {
    let env = Env::new(1, SandboxOptions::default(), |_| 1).await;
    let path = env.write_config_any_admin_port("*/5 * * * *", "");
    let config = promua_sync::config::load(&path).unwrap();
    assert!(!Serving::of(&config.admin).metrics_public);
    patch_file(&path, "[admin]\n", "[admin]\nmetrics_public = true\n");
    let config = promua_sync::config::load(&path).unwrap();
    assert!(Serving::of(&config.admin).metrics_public);
}

/// A verify that finds drift and does not repair sends nothing: its run is Partial with
/// nothing confirmed, yet it did its work. The drift gauge shows what it found and the job
/// stays healthy; a daytime schedule is judged by its ticks, not by its overnight gap.
#[tokio::test]
async fn a_verify_finding_drift_is_a_success_and_its_drift_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let drift = |sku: &str| promua_sync::report::DriftItem {
        sku: sku.into(),
        prom_id: 7,
        field: "quantity_in_stock".into(),
        local: serde_json::json!(3),
        prom: serde_json::json!(5),
        snapshot: serde_json::json!(3),
        cause: promua_sync::report::DriftCause::ChangedOnProm,
        repaired: false,
    };
    let started = Utc::now() - chrono::Duration::minutes(2);
    let mut run = run_at("check", started, Outcome::Partial, 0, 0);
    run.kind = "verify".into();
    run.drift = vec![drift("A-1"), drift("B-2")];
    store.record_run(&run).unwrap();
    let jobs = vec![(
        "check".to_string(),
        "verify".to_string(),
        "*/5 * * * *".to_string(),
        "UTC".to_string(),
    )];
    let office = BackOffice::new(store, Actor::Api, jobs);
    let snapshot = office.snapshot().await.unwrap();
    let check = &snapshot.jobs[0];
    assert_eq!(check.drift, Some(2));
    assert_eq!(check.last_success, Some(run.finished_at));
    let health = check.health.as_ref().unwrap();
    assert!(health.healthy, "{health:?}");
    assert!(office.health_report().await.unwrap().healthy());
}
