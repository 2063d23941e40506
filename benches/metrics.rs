//! `GET /metrics` with a large store (issue 15: under 10 ms with 100,000 products). Run:
//! `cargo bench --bench metrics` (`BENCH_N` to change the size). The store holds N linked
//! products, five jobs with 2,000 recorded runs each (one of them failing for its last
//! 400, so its last success is 400 records back), then the admin API is scraped over
//! loopback with the token: 200 scrapes with the on-change backlog empty, 200 with every
//! product waiting for the on-change push (the worst backlog: a stock import of every
//! product while the push is stopped by a guard).

#[path = "common/linked.rs"]
mod linked;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use chrono::Utc;
use promua_sync::admin::Serving;
use promua_sync::backoffice::BackOffice;
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::generate_products;
use promua_sync::store::{Actor, DIRTY_STOCK, Store};
use tokio_util::sync::CancellationToken;

const JOBS: [(&str, &str); 5] = [
    ("stock", "push_stock"),
    ("prices", "push_prices"),
    ("orders", "pull_orders"),
    ("import", "import_products"),
    ("verify", "verify"),
];
const RUNS_PER_JOB: usize = 2_000;
const FAILING_TAIL: usize = 400;
const SCRAPES: usize = 200;

fn record(job: &str, kind: &str, i: usize, outcome: Outcome) -> RunRecord {
    let started = Utc::now() - chrono::Duration::minutes((RUNS_PER_JOB - i) as i64 * 5);
    RunRecord {
        job: job.into(),
        kind: kind.into(),
        started_at: started,
        finished_at: started + chrono::Duration::seconds(2),
        outcome,
        considered: 100,
        planned: 10,
        sent: 10,
        confirmed: if outcome == Outcome::Ok { 10 } else { 0 },
        failed: Vec::new(),
        requests: 2,
        retries: 0,
        error: None,
        notes: Vec::new(),
        warnings: Vec::new(),
        drift: Vec::new(),
        recurring: None,
    }
}

async fn scrapes(http: &reqwest::Client, url: &str, token: &str) -> Vec<Duration> {
    let mut times = Vec::with_capacity(SCRAPES);
    for _ in 0..SCRAPES {
        let t = Instant::now();
        let resp = http.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.text().await.unwrap();
        times.push(t.elapsed());
        assert!(body.contains("promua_sync_store_size_bytes"));
    }
    times.sort();
    times
}

fn report(what: &str, times: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} scrapes)",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100]),
        ms(times[times.len() - 1]),
        times.len()
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    linked::link_catalogue(&store, &generate_products(n, 5_000_001, 42)).await;
    for (job, kind) in JOBS {
        for i in 0..RUNS_PER_JOB {
            let failing = job == "orders" && i >= RUNS_PER_JOB - FAILING_TAIL;
            let outcome = if failing {
                Outcome::Failed
            } else {
                Outcome::Ok
            };
            store.record_run(&record(job, kind, i, outcome)).unwrap();
        }
    }
    store.flush().await.unwrap();
    let jobs = JOBS
        .iter()
        .map(|(j, k)| {
            (
                j.to_string(),
                k.to_string(),
                "*/5 * * * *".to_string(),
                "UTC".to_string(),
            )
        })
        .collect();
    let office = BackOffice::new(store.clone(), Actor::Api, jobs);
    let listener = promua_sync::admin::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve_with(
        listener,
        office.clone(),
        "bench-token".into(),
        Serving::default(),
        stop.clone(),
    ));
    let http = reqwest::Client::new();
    // One scrape to open the connection.
    scrapes(&http, &url, "bench-token").await;

    println!(
        "linked products: {n}; {} jobs × {RUNS_PER_JOB} runs; store {} MB on disk",
        JOBS.len(),
        store.size_on_disk().unwrap() / 1_000_000
    );
    report(
        "GET /metrics, backlog 0",
        &scrapes(&http, &url, "bench-token").await,
    );

    // Ids are not dense: mark a range wide enough; unlinked and absent ids are passed over.
    let ids: Vec<u64> = (1..=4 * n as u64 + 10).collect();
    store.mark_dirty_ids(&ids, DIRTY_STOCK).unwrap();
    assert_eq!(store.dirty_count(), n, "every linked product marked");
    report(
        &format!("GET /metrics, backlog {n}"),
        &scrapes(&http, &url, "bench-token").await,
    );

    // The full count, made off the scrapes, is what they show.
    let body = http
        .get(&url)
        .bearer_auth("bench-token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.lines()
            .any(|l| l == format!("promua_sync_on_change_pending_products {n}")),
        "{body}"
    );

    // The store's part alone, without HTTP.
    let mut best = Duration::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        let snap = office.snapshot_now().unwrap();
        let _ = office.metrics().render(&snap);
        best = best.min(t.elapsed());
    }
    println!(
        "snapshot + render in-process, backlog {n}: best of 20 {:.2} ms",
        best.as_secs_f64() * 1000.0
    );
    stop.cancel();
}
