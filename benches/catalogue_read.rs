//! The catalogue read of an import or a full verify (issue 16): requests and time of
//! `all_products` over a generated catalogue in nested groups (a fifth in the root), for
//! both shapes of Prom's default listing. Bounds: 1.1 × ⌈N/100⌉ requests when the default
//! listing shows the whole catalogue; 1.1 × the sum of the groups' pages (the root's
//! included) when it shows only the root group. Run: `cargo bench --bench catalogue_read`
//! (`BENCH_N` for the size, default 100,000; `BENCH_LATENCY_MS` for the sandbox's added
//! latency per request, default 20).

use std::time::Duration;

use promua_sync::sandbox::generate_catalogue;

#[path = "common/catalogue_read.rs"]
mod catalogue_read;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let n = env_or("BENCH_N", 100_000) as usize;
    let latency = Duration::from_millis(env_or("BENCH_LATENCY_MS", 20));
    let catalogue = generate_catalogue(n, 0, 7);
    println!(
        "catalogue: {n} products in {} groups (+ the root), {latency:?} added per request",
        catalogue.groups.len()
    );
    println!("| default listing | requests | bound | ratio | products read | wall |");
    println!("|---|---|---|---|---|---|");
    for r in catalogue_read::catalogue_reads(&catalogue, latency).await {
        println!(
            "| {} | {} | {:.0} | {:.2} | {} (at most {}× one product) | {:.1} s |",
            r.shape,
            r.requests,
            r.bound,
            r.requests as f64 / r.bound,
            r.products_read,
            r.most_listed,
            r.wall.as_secs_f64()
        );
    }
}
