//! Shared by the benches: the catalogue read of an import or a full verify
//! (`PromClient::all_products`) over a catalogue, for both shapes of Prom's default
//! listing, with its request count beside issue 16's bound.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use promua_sync::config::PromConfig;
use promua_sync::prom::PromClient;
use promua_sync::sandbox::{Catalogue, DefaultListing, Sandbox, SandboxOptions};

const TOKEN: &str = "bench-token";

/// One catalogue read: what it cost against its bound.
pub struct CatalogueRead {
    pub shape: &'static str,
    pub requests: u64,
    /// 1.1 × ⌈N/100⌉ for a listing of the whole catalogue; 1.1 × the sum of the groups'
    /// pages (the root's included) for a listing of the root group alone.
    pub bound: f64,
    /// Products the listings served, and the most times one product was served.
    pub products_read: u64,
    pub most_listed: u32,
    pub wall: Duration,
}

/// Reads `catalogue` whole from a sandbox adding `latency` per request, once per shape of
/// the default listing. Panics unless every product was read.
pub async fn catalogue_reads(catalogue: &Catalogue, latency: Duration) -> Vec<CatalogueRead> {
    let n = catalogue.products.len();
    let pages = |k: usize| k.div_ceil(100).max(1);
    let mut per_group: BTreeMap<i64, usize> = BTreeMap::new();
    for p in &catalogue.products {
        *per_group.entry(p.group_id).or_default() += 1;
    }
    let group_pages: usize = per_group.values().map(|&k| pages(k)).sum();
    let mut out = Vec::new();
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
        let listed = sandbox.times_listed();
        out.push(CatalogueRead {
            shape,
            requests: client.requests(),
            bound: base as f64 * 1.1,
            products_read: listed.values().map(|&c| u64::from(c)).sum(),
            most_listed: listed.values().copied().max().unwrap_or(0),
            wall,
        });
        drop(running);
    }
    out
}
