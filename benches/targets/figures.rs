//! Every figure of issue 16 at one size, in the order one world allows: the import seeds
//! the store (figure 8), a stock file records every stock, the daemon idles, pushes cold and
//! pushes on change (figures 3, 7, 6), then the push with nothing to send (2), the plan
//! (1), the store's size (4) and the catalogue reads (5).

use std::time::{Duration, Instant};

use promua_sync::jobs::push_stock;
use promua_sync::sandbox::RunningSandbox;
use promua_sync::store::Store;

use super::catalogue_read::catalogue_reads;
use super::daemon::Daemon;
use super::store_breakdown::breakdown;
use super::table::{Row, Unit};
use super::world::{CONCURRENCY, DEBOUNCE_MS, RPS, World, cli};

/// Up to this size the bounds stated for 100,000 apply, and the daemon's figures run.
const HUNDRED_K: usize = 100_000;

fn progress(n: usize, what: &str) {
    eprintln!("[{}] {n}: {what}", chrono::Utc::now().format("%H:%M:%S"));
}

/// Items the sandbox's edit requests carried.
fn edited_items(sb: &RunningSandbox) -> usize {
    sb.sandbox
        .edit_requests()
        .iter()
        .filter_map(|r| r.body.as_ref()?.as_array().map(Vec::len))
        .sum()
}

/// The run's own duration (`finished_at - started_at`) in `job run --json`'s output.
fn record_secs(stdout: &[u8]) -> Option<f64> {
    fn find(v: &serde_json::Value) -> Option<f64> {
        let at = |k: &str| {
            let t = v.get(k)?.as_str()?;
            chrono::DateTime::parse_from_rfc3339(t).ok()
        };
        if let (Some(a), Some(b)) = (at("started_at"), at("finished_at")) {
            return Some((b - a).as_seconds_f64());
        }
        match v {
            serde_json::Value::Object(m) => m.values().find_map(find),
            serde_json::Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    find(&serde_json::from_slice(stdout).ok()?)
}

pub async fn run(n: usize, rows: &mut Vec<Row>) {
    let small = n <= HUNDRED_K;
    // The daemon's figures (3, 6, 7) at 100,000; larger sizes push without latency.
    let latency = Duration::from_millis(if small { 20 } else { 0 });
    progress(n, "generating the catalogue");
    let world = World::new(n, latency).await;

    // 8. The import (create_missing) from a sandbox limited to 200 requests a second: the
    // store is seeded the way a shop's is.
    progress(n, "importing (figure 8)");
    let t = Instant::now();
    cli(&world.import_config, &["job", "run", "import"]).await;
    let wall = t.elapsed().as_secs_f64();
    let requests = world.limited.sandbox.requests();
    let refused = requests.iter().filter(|r| r.status == 429).count();
    let bound = small.then_some(30.0);
    rows.push(
        Row::new(
            "8. import create_missing, sandbox at 200 req/s",
            n,
            wall,
            bound,
            Unit::Secs,
        )
        .note(format!(
            "whole process; {} requests, {refused} answered 429{}",
            requests.len(),
            if small {
                ""
            } else {
                "; bound stated at 100,000 only"
            }
        )),
    );
    drop(requests);
    world.limited.sandbox.clear_requests();

    progress(n, "recording stock");
    let samples = world.record_stock(5).await;
    let linked = {
        let store = Store::open(&world.store_path()).unwrap();
        store.link_count()
    };
    progress(n, &format!("{linked} linked"));

    if small {
        daemon_figures(n, &world, &samples, linked, rows).await;
    } else {
        progress(
            n,
            "cold push, no latency, whole process (no daemon at this size)",
        );
        let t = Instant::now();
        cli(&world.push_config, &["job", "run", "stock"]).await;
        let wall = t.elapsed().as_secs_f64();
        let items = edited_items(&world.slow);
        rows.push(
            Row::new(
                "cold push, no latency (for the record)",
                n,
                wall,
                None,
                Unit::Secs,
            )
            .note(format!(
                "whole process; {} requests, {items} items",
                world.slow.sandbox.requests().len()
            )),
        );
        world.slow.sandbox.clear_requests();
    }

    // 2. A push with nothing to send, whole process, after pushes that confirmed all.
    progress(n, "push with nothing to send (figure 2)");
    world.slow.sandbox.clear_requests();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        cli(&world.push_config, &["job", "run", "stock"]).await;
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    let edits = world.slow.sandbox.edit_requests().len();
    assert_eq!(edits, 0, "a push with nothing to send sent {edits} edits");
    rows.push(
        Row::new(
            "2. push with nothing to send",
            n,
            best,
            small.then_some(300.0),
            Unit::Ms,
        )
        .note(format!(
            "whole process (`job run stock`, daemon stopped), best of 5; {} requests",
            world.slow.sandbox.requests().len()
        )),
    );

    let store = Store::open(&world.store_path()).unwrap();
    // 1. Planning a push: the store read and the pure plan.
    progress(n, "planning (figure 1)");
    let warehouses = vec!["main".to_string()];
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let rows = store.linked_stock(&warehouses).unwrap();
        let plan = push_stock::plan(&rows, 0, &Default::default(), &push_stock::Facts::default());
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(plan.considered, linked);
    }
    let bound = if small { 100.0 } else { 1000.0 };
    rows.push(
        Row::new(
            "1. plan a push (store read + plan)",
            n,
            best,
            Some(bound),
            Unit::Ms,
        )
        .note("`linked_stock` + `push_stock::plan`, in process, best of 5, steady state"),
    );

    // 4. The store's size per linked product, after the first sync.
    store.flush().await.unwrap();
    let per_linked = breakdown(&format!("store at {n}"), &store);
    rows.push(
        Row::new(
            "4. store size per linked product",
            n,
            per_linked,
            Some(1024.0),
            Unit::Bytes,
        )
        .note("sled `size_on_disk` ÷ linked, after import, stock file, pushes"),
    );
    drop(store);

    // 5. The catalogue reads, both shapes of the default listing (no added latency: the
    // request count is the figure).
    progress(n, "catalogue reads (figure 5)");
    for r in catalogue_reads(&world.catalogue, Duration::ZERO).await {
        rows.push(
            Row::new(
                &format!("5. catalogue read, {}", r.shape),
                n,
                r.requests as f64,
                Some(r.bound),
                Unit::Requests,
            )
            .note(format!(
                "{} products read (at most {}× one), {:.1} s",
                r.products_read,
                r.most_listed,
                r.wall.as_secs_f64()
            )),
        );
    }
    progress(n, "done");
}

/// Figures 3, 7 and 6, with the daemon running on the store.
async fn daemon_figures(
    n: usize,
    world: &World,
    samples: &[(String, i64)],
    linked: usize,
    rows: &mut Vec<Row>,
) {
    progress(n, "daemon: idle RSS (figure 3)");
    let daemon = Daemon::start(world.dir.path(), &world.push_config, world.admin_port).await;
    let idle = daemon.settled_rss().await;
    rows.push(
        Row::new("3. daemon RSS, idle", n, idle, Some(40.0), Unit::MiB).note(format!(
            "VmRSS once settled after the start; {linked} linked"
        )),
    );

    // 7 and 3: a full cold push (no snapshot matches the recorded stock), through `job run`.
    progress(n, "daemon: cold push (figures 7, 3)");
    world.slow.sandbox.clear_requests();
    let t = Instant::now();
    let out = cli(&world.push_config, &["job", "run", "stock", "--json"]).await;
    let wall = t.elapsed().as_secs_f64();
    let peak = daemon.mib("VmHWM");
    let recorded = record_secs(&out.stdout).map_or("?".into(), |s| format!("{s:.2} s"));
    let requests = world.slow.sandbox.requests().len() as f64;
    let items = edited_items(&world.slow);
    let in_flight = world.slow.sandbox.peak_in_flight();
    let latency = world.latency.as_secs_f64();
    let bound = (requests / f64::from(RPS)).max(requests * latency / CONCURRENCY as f64);
    rows.push(
        Row::new(
            "3. daemon peak RSS, full push",
            n,
            peak,
            Some(120.0),
            Unit::MiB,
        )
        .note("VmHWM after a cold push through `job run`"),
    );
    rows.push(
        Row::new("7. cold push, 20 ms latency", n, wall, Some(bound), Unit::Secs)
            .allowed(1.1)
            .note(format!(
                "`job run` through the daemon (its run record: {recorded}); {requests} requests, {items} items, at most {in_flight} calls at once; bound max({requests}/{RPS}, {requests}×{latency}/{CONCURRENCY})"
            )),
    );
    world.slow.sandbox.clear_requests();

    // 6. On-change: from the CLI's change to the sandbox holding the new quantity.
    progress(n, "daemon: on-change (figure 6)");
    let mut times = Vec::new();
    for (i, (sku, prom_id)) in samples.iter().enumerate() {
        let quantity = 1000 + i as i64;
        let sb = &world.slow.sandbox;
        let q = quantity.to_string();
        let args = ["stock", "set", sku, &q, "--warehouse", "main"];
        let t = Instant::now();
        let set = cli(&world.push_config, &args);
        let landed = async {
            while sb.product(*prom_id).and_then(|p| p.quantity_in_stock) != Some(quantity) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        let (_, ()) = tokio::join!(set, async {
            tokio::time::timeout(Duration::from_secs(30), landed)
                .await
                .unwrap_or_else(|_| panic!("{sku} did not reach the sandbox in 30 s"))
        });
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        // Let the on-change loop go back to waiting before the next change.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let shown: Vec<String> = times.iter().map(|t| format!("{t:.0}")).collect();
    rows.push(
        Row::new(
            "6. on-change: `stock set` to Prom",
            n,
            median,
            Some(DEBOUNCE_MS as f64 + 250.0),
            Unit::Ms,
        )
        .note(format!(
            "median of {} ({} ms), from the CLI's start; debounce {DEBOUNCE_MS} ms, 20 ms latency",
            times.len(),
            shown.join(", ")
        )),
    );
    daemon.stop().await;
}
