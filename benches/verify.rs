//! A `verify` over a large linked catalogue (issue 13: a full verify of 100,000 linked
//! products costs at most 1.1 × ⌈N/100⌉ list requests and under 300 ms of comparison CPU;
//! an incremental verify with nothing changed at most 2 requests). Run:
//! `cargo bench --bench verify` (`BENCH_N` to change the size). A sandbox holds N
//! products (one listing, `generate_products`), the store the same N linked with stock,
//! pushed once so Prom.ua confirmed every value; then a full verify, the pure comparison
//! alone (best of 5), and an incremental verify with nothing changed. Also the request
//! cost of walking a catalogue in nested groups (`generate_catalogue`).

#[path = "common/linked.rs"]
mod linked;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use promua_sync::config::JobKind;
use promua_sync::jobs::verify::{Rules, Shown, compare};
use promua_sync::jobs::{JobContext, Mode, run_job};
use promua_sync::prom::PromClient;
use promua_sync::sandbox::{
    Catalogue, Sandbox, SandboxOptions, generate_catalogue, generate_products,
};
use promua_sync::store::Store;
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "bench-token";

fn config_text(base_url: &str) -> String {
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
[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 0 1 1 *"
max_zero_share_percent = 100
[[job]]
name = "verify"
kind = "verify"
schedule = "0 0 1 1 *"
overlap_minutes = 0
"#
    )
}

async fn sandbox_with(catalogue: Catalogue) -> (promua_sync::sandbox::RunningSandbox, String) {
    let sandbox = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..SandboxOptions::default()
    });
    sandbox.load(catalogue);
    let running = sandbox
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let url = running.base_url();
    (running, url)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let products = generate_products(n, 5_000_001, 42);
    let (sandbox, url) = sandbox_with(Catalogue {
        products: products.clone(),
        ..Default::default()
    })
    .await;
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let config_path = dir.path().join("jobs.toml");
    std::fs::write(&config_path, config_text(&url)).unwrap();
    let config = promua_sync::config::load(&config_path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    linked::link_catalogue(&store, &products).await;
    let ctx = JobContext::new(
        store.clone(),
        Some(PromClient::new(&config.prom).unwrap()),
        config.sync.clone(),
        CancellationToken::new(),
    );
    let job = |name: &str| config.jobs.iter().find(|j| j.name == name).unwrap();
    let pushed = run_job(job("stock"), &ctx, Mode::Apply)
        .await
        .unwrap()
        .record;
    assert_eq!(pushed.confirmed, n);
    // What the push changed is older than the verify's first read.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let bound = (1.1 * n.div_ceil(100) as f64).floor() as u64;
    let t = Instant::now();
    let full = run_job(job("verify"), &ctx, Mode::Apply)
        .await
        .unwrap()
        .record;
    let full_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(full.drift.is_empty(), "{:?}", full.drift.first());
    println!("linked products: {n}");
    println!(
        "full verify: {} requests (bound 1.1 × ⌈N/100⌉ = {bound}), {full_ms:.0} ms wall, {} compared",
        full.requests, full.considered
    );

    // The comparison alone: the rows the job reads and what Prom showed.
    let rows = store.linked_stock(&config.sync.warehouses).unwrap();
    let shown: std::collections::HashMap<i64, Shown> = sandbox
        .products()
        .iter()
        .map(|p| {
            (
                p.id,
                Shown {
                    quantity: p.quantity_in_stock,
                    presence: Some(p.presence.clone()),
                    price: Some(p.price),
                    status: Some(p.status.clone()),
                },
            )
        })
        .collect();
    let JobKind::Verify(o) = &job("verify").kind else {
        unreachable!()
    };
    let guards = o.stock_guards();
    let settings = std::collections::HashMap::new();
    let rules = Rules {
        safety_buffer: 0,
        presence_settings: &settings,
        prom_shown: &std::collections::HashMap::new(),
        stock: Some(&guards),
        prices: None,
    };
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let d = compare(&rows, &[], &shown, &rules);
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!((d.compared, d.items.len()), (n, 0));
    }
    println!("comparison (pure, best of 5): {best:.1} ms (target 300 ms)");

    let t = Instant::now();
    let quiet = run_job(job("verify"), &ctx, Mode::Apply)
        .await
        .unwrap()
        .record;
    println!(
        "incremental verify, nothing changed: {} requests (target 2), {:.0} ms wall",
        quiet.requests,
        t.elapsed().as_secs_f64() * 1000.0
    );
    drop(sandbox);

    // The walk alone over a catalogue in nested groups (a fifth in the root).
    let grouped = generate_catalogue(n, 0, 7);
    let groups = grouped.groups.len();
    let (_sb, url) = sandbox_with(grouped).await;
    let mut prom = config.prom.clone();
    prom.base_url = url;
    let client = PromClient::new(&prom).unwrap().counted();
    let all = client.all_products().await.unwrap();
    println!(
        "full walk of {} products in {groups} groups: {} requests (bound {bound})",
        all.len(),
        client.requests()
    );
}
