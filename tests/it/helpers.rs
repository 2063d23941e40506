//! Test helpers: a sandbox on 127.0.0.1:0, a seeded store, a jobs.toml pointing at both.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use promua_sync::config::{self, Config};
use promua_sync::jobs::JobContext;
use promua_sync::prom::PromClient;
use promua_sync::sandbox::{
    RunningSandbox, Sandbox, SandboxOptions, SandboxProduct, generate_products,
};
use promua_sync::store::Store;
use tokio_util::sync::CancellationToken;

pub const TOKEN: &str = "test-token-5f0c2a";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub sandbox: RunningSandbox,
    pub catalogue: Vec<SandboxProduct>,
    /// The admin API port of this environment's daemon (free when the Env was made).
    pub admin_port: u16,
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Env {
    /// A sandbox with `n` products and a store with the same products linked, each with
    /// stock `stock(i)` in warehouse `main`.
    pub async fn new(n: usize, options: SandboxOptions, stock: impl Fn(usize) -> i64) -> Self {
        Self::with_token(TOKEN, n, options, stock).await
    }

    /// As [`Env::new`], with `token` accepted by the sandbox and written to the token file.
    pub async fn with_token(
        token: &str,
        n: usize,
        options: SandboxOptions,
        stock: impl Fn(usize) -> i64,
    ) -> Self {
        let sandbox = Sandbox::new(SandboxOptions {
            token: token.into(),
            ..options
        });
        let catalogue = generate_products(n, 5_000_001, 42);
        sandbox.upsert_products(catalogue.clone());
        let sandbox = sandbox
            .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), format!("{token}\n")).unwrap();
        let env = Self {
            dir,
            sandbox,
            catalogue,
            admin_port: free_port(),
        };
        let store = Store::open(&env.store_path()).unwrap();
        for (i, p) in env.catalogue.iter().enumerate() {
            let local = store
                .add_product(p.sku.as_deref().unwrap(), &p.name)
                .unwrap();
            store.link(local.id, p.id).unwrap();
            store.set_stock(local.id, "main", stock(i)).unwrap();
        }
        store.flush_blocking().unwrap();
        drop(store);
        env
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Writes jobs.toml with one push_stock job named `stock` and returns its path.
    pub fn write_config(&self, schedule: &str, extra: &str) -> PathBuf {
        let path = self.dir.path().join("jobs.toml");
        std::fs::write(
            &path,
            format!(
                r#"[prom]
base_url = "{}"
token_file = "token"
requests_per_second = 1000
max_concurrency = 2
max_retries = 10
retry_base_delay_ms = 10

[store]
path = "store"

[sync]
warehouses = ["main"]

[admin]
listen = "127.0.0.1:{admin_port}"

[daemon]
shutdown_grace_secs = 10
{extra}
[[job]]
name = "stock"
kind = "push_stock"
schedule = "{schedule}"
"#,
                self.sandbox.base_url(),
                admin_port = self.admin_port,
            ),
        )
        .unwrap();
        path
    }

    pub fn config(&self, schedule: &str) -> Config {
        config::load(&self.write_config(schedule, "")).unwrap()
    }
}

pub fn context(config: &Config, store: &Store) -> JobContext {
    JobContext::new(
        store.clone(),
        Some(PromClient::new(&config.prom).unwrap()),
        config.sync.clone(),
        CancellationToken::new(),
    )
}

/// Polls `cond` every 20 ms until it holds or `timeout` passes.
pub async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every `products/edit` request was a bare JSON array of at most 100 items and
/// carried the bearer token. Returns the number of items per request.
pub fn assert_edit_requests_well_formed(sandbox: &Sandbox) -> Vec<usize> {
    sandbox
        .edit_requests()
        .iter()
        .map(|r| {
            assert_eq!(
                r.authorization.as_deref(),
                Some(format!("Bearer {TOKEN}").as_str())
            );
            let items = r
                .body
                .as_ref()
                .and_then(|b| b.as_array())
                .expect("a bare JSON array body");
            assert!(
                !items.is_empty() && items.len() <= 100,
                "batch of {}",
                items.len()
            );
            items.len()
        })
        .collect()
}

/// The ids of the items in every edit request, in order.
pub fn edited_ids(sandbox: &Sandbox) -> Vec<Vec<i64>> {
    sandbox
        .edit_requests()
        .iter()
        .map(|r| {
            r.body
                .as_ref()
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect()
        })
        .collect()
}

/// A command for the built binary with no `PROMUA_SYNC__*` from the outer environment.
pub fn bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_promua-sync"));
    for (k, _) in std::env::vars() {
        if k.starts_with("PROMUA_SYNC__") || k == "RUST_LOG" || k == "JOURNAL_STREAM" {
            cmd.env_remove(k);
        }
    }
    cmd
}

pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs a command of the built binary with `--config config`.
pub fn cli(config: &Path, args: &[&str]) -> std::process::Output {
    bin()
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

/// Starts `promua-sync run` (its output in `daemon.log` beside the store) and waits until
/// the admin API on `admin_port` answers `/health`.
pub async fn start_daemon_at(dir: &Path, config: &Path, admin_port: u16) -> std::process::Child {
    let log = std::fs::File::create(dir.join("daemon.log")).unwrap();
    let mut child = bin()
        .args(["run", "--config"])
        .arg(config)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{admin_port}/health");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..500 {
        if http
            .get(&health)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !up {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(
        up,
        "the daemon's admin API did not come up:\n{}",
        std::fs::read_to_string(dir.join("daemon.log")).unwrap()
    );
    child
}

impl Env {
    /// [`start_daemon_at`] for this environment.
    pub async fn start_daemon(&self, config: &Path) -> std::process::Child {
        start_daemon_at(self.dir.path(), config, self.admin_port).await
    }
}
