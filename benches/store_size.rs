//! Store size at steady state (issue 16: under 1 KB per linked product at 100,000). Run:
//! `cargo bench --bench store_size` (`BENCH_N` to change the size, `BENCH_ROUNDS` the
//! steady-state rounds). A sandbox holds a generated catalogue of N products in nested
//! groups (some blank and duplicate SKUs: hard cases); the store gets there as a shop's
//! does: an import (`create_missing`) creates and links what it can, a stock file sets
//! every linked product's stock, and the first pushes of stock and prices and a verify
//! confirm it all. Then each steady-state round changes the stock of 1% of the products
//! (as a day of sales would), pushes stock and prices, runs the import again and a verify.
//! After each phase it prints every tree's entries and payload (keys + values) beside the
//! files' size on disk; at the end the same after `store compact`.

use std::net::{Ipv4Addr, SocketAddr};

use promua_sync::jobs::{JobContext, Mode, run_job};
use promua_sync::prom::PromClient;
use promua_sync::sandbox::{Sandbox, SandboxOptions, generate_catalogue};
use promua_sync::store::{Actor, DIRTY_PRICE, DIRTY_STOCK, StockChange, Store};

#[path = "common/store_breakdown.rs"]
mod store_breakdown;
use store_breakdown::{breakdown, kb};
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
update_prices = true
[[job]]
name = "import"
kind = "import_products"
mode = "create_missing"
warehouse = "main"
schedule = "0 0 1 1 *"
[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 0 1 1 *"
max_zero_share_percent = 100
[[job]]
name = "prices"
kind = "push_prices"
schedule = "0 0 1 1 *"
[[job]]
name = "verify"
kind = "verify"
schedule = "0 0 1 1 *"
overlap_minutes = 0
"#
    )
}

/// The daemon's on-change push takes the dirty marks (here the scheduled pushes already
/// sent what they marked): without it every linked product would stay marked.
fn settle_dirty(store: &Store) {
    store.take_dirty(DIRTY_STOCK).unwrap();
    store.take_dirty(DIRTY_PRICE).unwrap();
}

#[tokio::main]
async fn main() {
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (n, rounds) = (env("BENCH_N", 100_000), env("BENCH_ROUNDS", 3));
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..SandboxOptions::default()
    });
    sandbox.load(generate_catalogue(n, 0, 42));
    let running = sandbox
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let config_path = dir.path().join("jobs.toml");
    std::fs::write(&config_path, config_text(&running.base_url())).unwrap();
    let config = promua_sync::config::load(&config_path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ctx = JobContext::new(
        store.clone(),
        Some(PromClient::new(&config.prom).unwrap()),
        config.sync.clone(),
        CancellationToken::new(),
    );
    let job = |name: &str| config.jobs.iter().find(|j| j.name == name).unwrap();
    let run = async |name: &str| {
        let t = std::time::Instant::now();
        let r = run_job(job(name), &ctx, Mode::Apply).await.unwrap().record;
        println!(
            "{name}: {} considered {} planned {} confirmed {} failed {} ({:.1} s)",
            r.outcome,
            r.considered,
            r.planned,
            r.confirmed,
            r.failed.len(),
            t.elapsed().as_secs_f64()
        );
    };

    run("import").await;
    // A stock file for every linked product (what a shop does after create_missing).
    let ids: Vec<u64> = store
        .links()
        .unwrap()
        .into_iter()
        .map(|l| l.product_id)
        .collect();
    let set = |k: usize, id: u64| StockChange::Set {
        product_id: id,
        warehouse: "main".into(),
        quantity: (k % 7) as i64 + 1,
    };
    for chunk in ids.chunks(10_000) {
        let changes: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(k, id)| set(k, *id))
            .collect();
        store
            .apply_stock_changes(&changes, Actor::Csv, Some("stock.csv"))
            .unwrap();
    }
    run("stock").await;
    run("prices").await;
    run("verify").await;
    settle_dirty(&store);
    store.flush().await.unwrap();
    breakdown("first sync", &store);

    for round in 1..=rounds {
        // A day of sales: 1% of the products, each one down by one.
        let changes: Vec<_> = ids
            .iter()
            .skip(round)
            .step_by(100)
            .map(|id| StockChange::Adjust {
                product_id: *id,
                warehouse: "main".into(),
                delta: -1,
            })
            .collect();
        store
            .apply_stock_changes(&changes, Actor::Order, None)
            .unwrap();
        run("stock").await;
        run("prices").await;
        run("import").await;
        run("verify").await;
        settle_dirty(&store);
        store.flush().await.unwrap();
        breakdown(&format!("steady state, round {round}"), &store);
    }
    let path = store.path().to_path_buf();
    drop(ctx);
    drop(store);
    let compacted = Store::compact(&path).unwrap();
    println!(
        "\nstore compact: {} KB -> {} KB",
        kb(compacted.bytes_before),
        kb(compacted.bytes_after)
    );
    breakdown("after store compact", &Store::open(&path).unwrap());
}
