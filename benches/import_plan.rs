//! Planning an import over a large catalogue: the SKU identity (identical SKUs, look-alike
//! keys built once) must stay cheap. Run: `cargo bench --bench import_plan`
//! (`BENCH_N=1000000` for a larger one). Prints the time of the pure plan, best of 5, for
//! a catalogue all linked (no normalisation at all), one matching by SKU and unlinked,
//! and one where a tenth of the Prom products match nothing identically (every local SKU
//! keyed once).

use std::time::{Duration, Instant};

use promua_sync::config::ImportMode;
use promua_sync::jobs::import_products::{LocalView, plan};
use promua_sync::prom::dto::Product;

fn prom(i: usize, sku: &str) -> Product {
    serde_json::from_value(serde_json::json!({
        "id": 10_000_000 + i as i64,
        "sku": sku,
        "name": format!("Товар {i}"),
        "quantity_in_stock": (i % 17) as i64,
        "price": 100.0,
    }))
    .unwrap()
}

fn best_of_5(what: &str, mode: ImportMode, catalogue: &[Product], local: &LocalView) {
    let mut best = Duration::MAX;
    let mut hard = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let p = plan(mode, catalogue, local);
        best = best.min(t.elapsed());
        hard = p.hard_cases.len();
    }
    eprintln!(
        "{what}: {} Prom products, {} local: plan {:.1} ms ({hard} hard cases)",
        catalogue.len(),
        local.sku_of.len(),
        best.as_secs_f64() * 1e3
    );
}

fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut local = LocalView::default();
    for i in 0..n {
        let sku = format!("SKU-{i:07}");
        local.by_sku.insert(sku.clone(), i as u64 + 1);
        local.sku_of.insert(i as u64 + 1, sku);
    }
    let same: Vec<Product> = (0..n).map(|i| prom(i, &format!("SKU-{i:07}"))).collect();
    best_of_5("matching, unlinked", ImportMode::LinkOnly, &same, &local);
    // Every tenth Prom SKU in lower case: matches nothing identically, looks like a local one.
    let tenth: Vec<Product> = (0..n)
        .map(|i| {
            let sku = format!("SKU-{i:07}");
            prom(i, &if i % 10 == 0 { sku.to_lowercase() } else { sku })
        })
        .collect();
    best_of_5(
        "a tenth look-alike",
        ImportMode::CreateMissing,
        &tenth,
        &local,
    );
    for (i, p) in same.iter().enumerate() {
        local.links.insert(i as u64 + 1, p.id);
        local.by_prom.insert(p.id, i as u64 + 1);
    }
    best_of_5("all linked", ImportMode::UpdateBalances, &same, &local);
}
