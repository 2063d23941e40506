//! The world a size's figures are measured in: a generated catalogue served by two
//! sandboxes (one limited to 200 requests a second, for the import; one adding latency to
//! every request, for the pushes), a temporary directory with the token and two configs
//! sharing one store, and the release binary run as a user would.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use promua_sync::sandbox::{
    Catalogue, DefaultListing, RunningSandbox, Sandbox, SandboxOptions, generate_catalogue,
};
use promua_sync::store::{Actor, DIRTY_PRICE, DIRTY_STOCK, StockChange, Store};

pub const TOKEN: &str = "bench-token";
/// The jobs' `[prom]` limits (the cold push's bound is computed from them).
pub const RPS: u32 = 200;
pub const CONCURRENCY: usize = 4;
/// The on-change push's debounce.
pub const DEBOUNCE_MS: u64 = 1000;

pub struct World {
    pub dir: tempfile::TempDir,
    pub catalogue: Catalogue,
    /// 200 requests a second (429 above), no latency: the import reads from it.
    pub limited: RunningSandbox,
    /// `latency` added to every request: the pushes write to it.
    pub slow: RunningSandbox,
    pub latency: Duration,
    pub import_config: PathBuf,
    pub push_config: PathBuf,
    pub admin_port: u16,
}

impl World {
    pub async fn new(n: usize, latency: Duration) -> World {
        let catalogue = generate_catalogue(n, 0, 42);
        let serve = async |options: SandboxOptions| {
            let sb = Sandbox::new(SandboxOptions {
                token: TOKEN.into(),
                // The listing Prom shows most shops: the whole catalogue (the grouped
                // shape's read is figure 5's second row).
                default_listing: DefaultListing::All,
                ..options
            });
            sb.load(catalogue.clone());
            sb.spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
                .await
                .expect("sandbox starts")
        };
        let limited = serve(SandboxOptions {
            rate_limit: 200,
            ..SandboxOptions::default()
        })
        .await;
        let slow = serve(SandboxOptions {
            latency,
            ..SandboxOptions::default()
        })
        .await;
        let dir = match std::env::var_os("BENCH_TMPDIR") {
            Some(d) => tempfile::tempdir_in(d),
            None => tempfile::tempdir(),
        }
        .expect("temporary directory");
        std::fs::write(dir.path().join("token"), TOKEN).unwrap();
        let admin_port = free_port();
        let import_config = dir.path().join("import.toml");
        std::fs::write(&import_config, config_text(&limited.base_url(), admin_port)).unwrap();
        let push_config = dir.path().join("jobs.toml");
        std::fs::write(&push_config, config_text(&slow.base_url(), admin_port)).unwrap();
        World {
            dir,
            catalogue,
            limited,
            slow,
            latency,
            import_config,
            push_config,
            admin_port,
        }
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// A stock file for every linked product, as a shop records after `create_missing`
    /// (which creates products without stock); the marks it leaves for the on-change push
    /// are taken, as the daemon would have pushed them. Returns (SKU, Prom id) of
    /// `samples` linked products spread over the catalogue.
    pub async fn record_stock(&self, samples: usize) -> Vec<(String, i64)> {
        let store = Store::open(&self.store_path()).expect("store opens");
        let links = store.links().unwrap();
        for (c, chunk) in links.chunks(10_000).enumerate() {
            let changes: Vec<StockChange> = chunk
                .iter()
                .enumerate()
                .map(|(k, l)| StockChange::Set {
                    product_id: l.product_id,
                    warehouse: "main".into(),
                    quantity: ((c * 10_000 + k) % 7) as i64 + 1,
                })
                .collect();
            store
                .apply_stock_changes(&changes, Actor::Csv, Some("stock.csv"))
                .unwrap();
        }
        store.take_dirty(DIRTY_STOCK).unwrap();
        store.take_dirty(DIRTY_PRICE).unwrap();
        let step = (links.len() / samples.max(1)).max(1);
        let picked = links
            .iter()
            .step_by(step)
            .take(samples)
            .map(|l| {
                let p = store
                    .product(l.product_id)
                    .unwrap()
                    .expect("linked product");
                (p.sku, l.prom_id)
            })
            .collect();
        store.flush().await.unwrap();
        picked
    }
}

/// A loopback port nobody listened on a moment ago, for the daemon's admin API.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config_text(base_url: &str, admin_port: u16) -> String {
    format!(
        r#"[prom]
base_url = "{base_url}"
token_file = "token"
requests_per_second = {RPS}
max_concurrency = {CONCURRENCY}
max_retries = 10
retry_base_delay_ms = 50

[store]
path = "store"

[sync]
warehouses = ["main"]
push_debounce_ms = {DEBOUNCE_MS}

[admin]
listen = "127.0.0.1:{admin_port}"

[daemon]
shutdown_grace_secs = 30

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
catch_up = false
max_zero_share_percent = 100
"#
    )
}

/// The release binary, without `PROMUA_SYNC__*` or `RUST_LOG` from the outer environment.
pub fn bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_promua-sync"));
    for (k, _) in std::env::vars() {
        if k.starts_with("PROMUA_SYNC__") || k == "RUST_LOG" || k == "JOURNAL_STREAM" {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// `promua-sync ARGS --config CONFIG`, off the runtime's threads (the sandboxes are
/// served in this process). Panics with its output unless it exits 0.
pub async fn cli(config: &Path, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.args(args).arg("--config").arg(config);
    let what = format!("promua-sync {}", args.join(" "));
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("the binary runs"))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
