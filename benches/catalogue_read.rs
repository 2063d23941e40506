//! The catalogue read of an import or a full verify (issue 16): requests and time of
//! `all_products` over a generated catalogue in nested groups (a fifth in the root), for
//! both shapes of Prom's default listing. Bounds: 1.1 × ⌈N/100⌉ requests when the default
//! listing shows the whole catalogue; 1.1 × the sum of the groups' pages (the root's
//! included) when it shows only the root group. Run: `cargo bench --bench catalogue_read`
//! (`BENCH_N` for the size, default 100,000; `BENCH_LATENCY_MS` for the sandbox's added
//! latency per request, default 20).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use promua_sync::config::PromConfig;
use promua_sync::prom::PromClient;
use promua_sync::sandbox::{DefaultListing, Sandbox, SandboxOptions, generate_catalogue};

const TOKEN: &str = "bench-token";

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
    let pages = |k: usize| k.div_ceil(100).max(1);
    let mut per_group: BTreeMap<i64, usize> = BTreeMap::new();
    for p in &catalogue.products {
        *per_group.entry(p.group_id).or_default() += 1;
    }
    let group_pages: usize = per_group.values().map(|&k| pages(k)).sum();
    println!(
        "catalogue: {n} products in {} groups (+ the root), {latency:?} added per request",
        catalogue.groups.len()
    );
    println!("| default listing | requests | bound | ratio | products read | wall |");
    println!("|---|---|---|---|---|---|");
    for (shape, listing, base) in [
        ("whole catalogue", DefaultListing::All, pages(n)),
        ("root group only", DefaultListing::RootOnly, group_pages),
    ] {
        let sandbox = Sandbox::new(SandboxOptions {
            token: TOKEN.into(),
            default_listing: listing,
            latency,
            ..SandboxOptions::default()
        });
        sandbox.load(catalogue.clone());
        let running = sandbox
            .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("sandbox starts");
        let cfg = PromConfig {
            base_url: running.base_url(),
            token: Some(TOKEN.to_string().into()),
            token_origin: "bench".into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            requests_per_second: 1000,
            max_concurrency: 4,
            max_retries: 3,
            retry_base_delay: Duration::from_millis(50),
            stock_route: Default::default(),
        };
        let client = PromClient::new(&cfg).expect("client").counted();
        let t = Instant::now();
        let all = client.all_products().await.expect("catalogue read");
        let wall = t.elapsed();
        assert_eq!(all.len(), n, "every product read");
        let bound = base as f64 * 1.1;
        let requests = client.requests();
        println!(
            "| {shape} | {requests} | {bound:.0} | {:.2} | {} | {:.1} s |",
            requests as f64 / bound,
            products_read(&sandbox),
            wall.as_secs_f64()
        );
    }
}

/// How many product reads the listings served: N when each product was read once.
fn products_read(sandbox: &Sandbox) -> String {
    let listed = sandbox.times_listed();
    let total: u64 = listed.values().map(|&c| u64::from(c)).sum();
    let most = listed.values().copied().max().unwrap_or(0);
    format!("{total} (at most {most}× one product)")
}
