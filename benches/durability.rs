//! The cost of durable acknowledgements (issue 9). Run: `cargo bench --bench durability`.
//!
//! Measures, on a fresh store in a temporary directory:
//! - `stock set` through the CLI binary (one process per write, the daemon stopped), mean of 20;
//! - admin API stock writes per second with 16 concurrent clients (`PUT /v1/stock/{sku}`);
//! - a 100,000-row stock CSV imported through the back office;
//! - a cold push of 100,000 linked products to the sandbox (no latency).
//!
//! `BENCH_N` changes the 100,000; `BENCH_API_WRITES` the number of API writes (default 8,000).

#[path = "common/linked.rs"]
mod linked;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use promua_sync::backoffice::{BackOffice, CsvKind, CsvOptions, Ledger};
use promua_sync::jobs::{JobContext, run_job};
use promua_sync::prom::PromClient;
use promua_sync::sandbox::{Sandbox, SandboxOptions, generate_products};
use promua_sync::store::{Actor, NewProduct, Store};
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "bench-token";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed(store: &Store, n: usize) -> Vec<u64> {
    let mut ids = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let new: Vec<NewProduct> = chunk
            .iter()
            .map(|i| NewProduct {
                sku: format!("SKU-{i:07}"),
                name: format!("Товар {i}"),
                price: None,
                currency: None,
            })
            .collect();
        ids.extend(store.add_products(&new).unwrap().iter().map(|p| p.id));
    }
    store.flush_blocking().unwrap();
    ids
}

fn write_config(dir: &std::path::Path, base_url: &str, admin_port: u16) -> std::path::PathBuf {
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let path = dir.join("jobs.toml");
    std::fs::write(
        &path,
        format!(
            r#"[prom]
base_url = "{base_url}"
token_file = "token"
requests_per_second = 1000
max_concurrency = 4

[store]
path = "store"

[sync]
warehouses = ["main"]

[admin]
listen = "127.0.0.1:{admin_port}"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 0 * * *"
max_zero_share_percent = 100
max_changes = 10000000
"#
        ),
    )
    .unwrap();
    path
}

fn cli_stock_set() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "http://127.0.0.1:9/api/v1", 9);
    let store = Store::open(&dir.path().join("store")).unwrap();
    seed(&store, 10);
    drop(store);
    let runs = 20;
    let start = Instant::now();
    for i in 0..runs {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_promua-sync"))
            .args(["--config"])
            .arg(&config)
            .args(["stock", "set", "SKU-0000001", &(i + 1).to_string()])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    println!(
        "cli stock set: {:.1} ms per command (mean of {runs})",
        start.elapsed().as_secs_f64() * 1000.0 / runs as f64
    );
}

async fn api_writes() {
    let writes = env_usize("BENCH_API_WRITES", 8_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    seed(&store, 1_000);
    let office = BackOffice::new(store.clone(), Actor::Api, Vec::new());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let server = tokio::spawn(promua_sync::admin::serve(
        listener,
        office,
        TOKEN.into(),
        promua_sync::admin::BodyLimits::default(),
        stop.clone(),
    ));
    let clients = 16;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for k in 0..writes / clients {
                let sku = format!("SKU-{:07}", (c * 61 + k) % 1_000);
                let res = http
                    .put(format!("http://{addr}/v1/stock/{sku}"))
                    .bearer_auth(TOKEN)
                    .json(&serde_json::json!({"warehouse": "main", "quantity": k + 1}))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{}", res.status());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "admin API: {} stock writes by {clients} clients in {:.2} s = {:.0} writes/s ({} flushes)",
        writes / clients * clients,
        secs,
        (writes / clients * clients) as f64 / secs,
        store.flush_count()
    );
    stop.cancel();
    let _ = server.await;
}

async fn csv_import(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    seed(&store, n);
    let office = BackOffice::new(store.clone(), Actor::Csv, Vec::new());
    let mut csv = String::from("sku,quantity\n");
    for i in 0..n {
        csv.push_str(&format!("SKU-{i:07},{}\n", i % 50 + 1));
    }
    let start = Instant::now();
    let report = office
        .import_csv(
            CsvKind::Stock,
            csv.as_bytes(),
            &CsvOptions {
                warehouse: Some("main".into()),
                ..CsvOptions::default()
            },
        )
        .await
        .unwrap();
    // Direct mode: the CLI flushes before it exits 0.
    store.flush().await.unwrap();
    println!(
        "csv import: {n} stock rows in {:.0} ms ({} moves)",
        start.elapsed().as_secs_f64() * 1000.0,
        report.moves
    );
    // What every command that opens the store pays to read it all back.
    drop(office);
    drop(store);
    let start = Instant::now();
    let store = Store::open(&dir.path().join("store")).unwrap();
    println!(
        "open a store of {n} products with stock and journal: {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let start = Instant::now();
    let entries = store.verify_readable().unwrap();
    println!(
        "  of which reading back every entry ({entries}): {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    drop(store);
}

async fn cold_push(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..SandboxOptions::default()
    });
    let catalogue = generate_products(n, 5_000_001, 42);
    sandbox.upsert_products(catalogue.clone());
    let sandbox = sandbox
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let config_path = write_config(dir.path(), &sandbox.base_url(), 9);
    let config = promua_sync::config::load(&config_path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = seed(&store, 0);
    drop(ids);
    linked::link_catalogue(&store, &catalogue).await;
    let ctx = JobContext::new(
        store.clone(),
        Some(PromClient::new(&config.prom).unwrap()),
        config.sync.clone(),
        CancellationToken::new(),
    );
    let start = Instant::now();
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    println!(
        "cold push: {} products confirmed in {} requests in {:.0} ms ({} flushes)",
        run.record.confirmed,
        run.record.requests,
        start.elapsed().as_secs_f64() * 1000.0,
        store.flush_count()
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::main]
async fn main() {
    let n = env_usize("BENCH_N", 100_000);
    cli_stock_set();
    api_writes().await;
    csv_import(n).await;
    cold_push(n).await;
}
