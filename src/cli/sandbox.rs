//! `sandbox`: the Prom.ua emulator on a loopback address, to rehearse a configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::{EXIT_ERROR, EXIT_USAGE, fail};
use crate::sandbox::{
    Catalogue, DefaultListing, FaultRates, LastId, Sandbox, SandboxOptions, generate_catalogue,
};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Control API (not a Prom.ua path): GET/DELETE /__sandbox/requests (what it received), \
GET/POST /__sandbox/products, DELETE /__sandbox/products/{id} (the seller deletes one), POST /__sandbox/catalogue, GET/POST /__sandbox/orders (a buyer places one), \
PATCH /__sandbox/orders/{id} (a buyer changes one), POST/DELETE /__sandbox/rejections ([{\"id\", \"message\"}]), \
GET/PUT /__sandbox/faults, POST /__sandbox/faults/next ([\"server_error\", \"rate_limited\", \"dropped\", \
\"malformed\", \"error_key\", \"not_found\", \"forbidden\"]), POST /__sandbox/token ({\"revoked\": true}), \
GET/PUT /__sandbox/quirks ({\"edit_ignores_quantity\": true}: products/edit confirms quantity_in_stock and ignores it)."
)]
pub struct SandboxArgs {
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1:8099")]
    pub listen: SocketAddr,
    /// The bearer token the sandbox accepts (anything else gets Prom's HTML 401).
    #[arg(long, default_value = "sandbox-token")]
    pub token: String,
    /// Generate this many products in nested groups (Ukrainian names; some blank and duplicate SKUs).
    #[arg(long, default_value_t = 0, help_heading = "Seeding")]
    pub products: usize,
    /// Generate this many orders (1 to 4 lines, some for products not in the catalogue).
    #[arg(long, default_value_t = 0, help_heading = "Seeding")]
    pub orders: usize,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 1, help_heading = "Seeding")]
    pub seed: u64,
    /// Load a JSON file: {"groups": [...], "products": [...], "orders": [...]}, or an array of products.
    #[arg(long, value_name = "FILE", help_heading = "Seeding")]
    pub seed_file: Option<PathBuf>,
    /// How `last_id` bounds a page: exclusive (id < last_id) or inclusive (id <= last_id).
    #[arg(long, value_enum, default_value_t = LastId::Exclusive, help_heading = "Behaviour")]
    pub last_id: LastId,
    /// What products/list without group_id returns: the root group's products only, or all.
    #[arg(long, value_enum, default_value_t = DefaultListing::RootOnly, help_heading = "Behaviour")]
    pub default_listing: DefaultListing,
    /// Refuse products/edit batches above this size.
    #[arg(long, default_value_t = 100, help_heading = "Behaviour")]
    pub max_batch: usize,
    /// Added latency per Prom.ua API response, in milliseconds.
    #[arg(long, default_value_t = 0, help_heading = "Faults")]
    pub latency_ms: u64,
    /// Share of API calls answered with HTTP 500 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub server_errors: f64,
    /// Share of API calls answered with HTTP 429 and Retry-After.
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub rate_limited: f64,
    /// Share of API calls whose connection is dropped.
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub dropped: f64,
    /// Share of API calls processed and then dropped: the call took effect, the client
    /// never hears so.
    #[arg(long, default_value_t = 0.0, help_heading = "Faults")]
    pub dropped_after_apply: f64,
    /// Retry-After of the 429s, in seconds.
    #[arg(long, default_value_t = 1, help_heading = "Faults")]
    pub retry_after_secs: u64,
    /// Answer every API call with the HTML 401 of a revoked token.
    #[arg(long, help_heading = "Faults")]
    pub revoked: bool,
}

pub(super) async fn sandbox(args: SandboxArgs) -> u8 {
    if !args.listen.ip().is_loopback() {
        return fail(
            EXIT_USAGE,
            &format!("the sandbox listens on loopback only, not {}", args.listen),
        );
    }
    let rates = [
        args.server_errors,
        args.rate_limited,
        args.dropped,
        args.dropped_after_apply,
    ];
    if rates.iter().any(|r| !(0.0..=1.0).contains(r)) || rates.iter().sum::<f64>() > 1.0 {
        return fail(
            EXIT_USAGE,
            "fault shares are between 0.0 and 1.0 and add up to at most 1.0",
        );
    }
    let sb = Sandbox::new(SandboxOptions {
        token: args.token,
        last_id: args.last_id,
        default_listing: args.default_listing,
        default_limit: 20,
        max_batch: args.max_batch.max(1),
        latency: Duration::from_millis(args.latency_ms),
        faults: FaultRates {
            server_error: args.server_errors,
            rate_limited: args.rate_limited,
            dropped: args.dropped,
            dropped_after_apply: args.dropped_after_apply,
            retry_after_secs: args.retry_after_secs,
            seed: args.seed,
        },
        rate_limit: 0,
    });
    sb.revoke_token(args.revoked);
    if let Some(file) = &args.seed_file {
        let catalogue = Catalogue::from_seed_file(file);
        match catalogue {
            Ok(c) => sb.load(c),
            Err(e) => return fail(EXIT_USAGE, &format!("{}: {e}", file.display())),
        }
    }
    if args.products > 0 || args.orders > 0 {
        sb.load(generate_catalogue(args.products, args.orders, args.seed));
    }
    let running = match sb.spawn(args.listen).await {
        Ok(r) => r,
        Err(e) => {
            return fail(
                EXIT_ERROR,
                &format!("cannot listen on {}: {e}", args.listen),
            );
        }
    };
    println!("Prom.ua sandbox: base_url = \"{}\"", running.base_url());
    println!(
        "products: {}; control API: http://{}/__sandbox/requests",
        sb.products().len(),
        running.addr
    );
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    running.stop().await;
    0
}
