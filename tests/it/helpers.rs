//! Test helpers: a sandbox on 127.0.0.1:0, a seeded store, a jobs.toml pointing at both.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, Ordering};
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
    /// See [`Env::admin_port`].
    admin_port: AtomicU16,
}

/// A loopback port nobody listened on a moment ago. Racy: the listener is gone when this
/// returns, so anything (a sandbox binding port 0, another test run) may take the port
/// first. Only for an address a test must write down before the daemon starts; the
/// daemon's start retries on "Address already in use" ([`start_daemon_at`]).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `text` with its one `anchor` replaced by `replacement`. Panics unless the anchor occurs
/// exactly once: a template that changed must fail the test, not quietly test another
/// configuration.
pub fn patch(text: &str, anchor: &str, replacement: &str) -> String {
    let n = text.matches(anchor).count();
    assert_eq!(n, 1, "{anchor:?} occurs {n} times (not once) in:\n{text}");
    text.replacen(anchor, replacement, 1)
}

/// [`patch`] on a file, in place.
pub fn patch_file(path: &Path, anchor: &str, replacement: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, patch(&text, anchor, replacement)).unwrap();
}

/// The `[admin] listen` line of a config file on `port` (loopback).
fn listen_line(port: u16) -> String {
    format!("listen = \"127.0.0.1:{port}\"\n")
}

/// The port of the one `listen = "127.0.0.1:N"` line in a config text.
fn listen_port(text: &str) -> u16 {
    let ports: Vec<u16> = text
        .lines()
        .filter_map(|l| l.strip_prefix("listen = \"127.0.0.1:"))
        .map(|rest| rest.trim_end_matches('"').parse().unwrap())
        .collect();
    assert_eq!(ports.len(), 1, "one [admin] listen line wanted in:\n{text}");
    ports[0]
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
            admin_port: AtomicU16::new(free_port()),
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

    /// The admin API port in the config files [`Env::write_config`] writes, and the one
    /// the daemon [`Env::start_daemon`] started listens on (a new one if another process
    /// took the first).
    pub fn admin_port(&self) -> u16 {
        self.admin_port.load(Ordering::SeqCst)
    }

    /// Writes jobs.toml with one push_stock job named `stock` and returns its path. The
    /// admin API listens on [`Env::admin_port`].
    pub fn write_config(&self, schedule: &str, extra: &str) -> PathBuf {
        self.write_config_on(schedule, extra, self.admin_port())
    }

    /// [`Env::write_config`] for a daemon whose admin API the test never calls: port 0, so
    /// the kernel picks a free port as the daemon binds and nothing can take it first.
    pub fn write_config_any_admin_port(&self, schedule: &str, extra: &str) -> PathBuf {
        self.write_config_on(schedule, extra, 0)
    }

    fn write_config_on(&self, schedule: &str, extra: &str, admin_port: u16) -> PathBuf {
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
{listen}
[daemon]
shutdown_grace_secs = 10
{extra}
[[job]]
name = "stock"
kind = "push_stock"
schedule = "{schedule}"
"#,
                self.sandbox.base_url(),
                listen = listen_line(admin_port),
            ),
        )
        .unwrap();
        path
    }

    /// The loaded [`Env::write_config_any_admin_port`]: for jobs run in the test, and for
    /// the daemon run in-process, whose admin API no test here calls.
    pub fn config(&self, schedule: &str) -> Config {
        config::load(&self.write_config_any_admin_port(schedule, "")).unwrap()
    }
}

pub fn context(config: &Config, store: &Store) -> JobContext {
    let mut ctx = JobContext::new(
        store.clone(),
        Some(PromClient::new(&config.prom).unwrap()),
        config.sync.clone(),
        CancellationToken::new(),
    );
    ctx.stock_route = config.prom.stock_route;
    ctx
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

/// [`cli`] that must succeed: its stdout (the test fails with its stderr otherwise).
pub fn cli_ok(config: &Path, args: &[&str]) -> String {
    let out = cli(config, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Starts `promua-sync run --config config` (its output in `daemon.log` in `dir`) and
/// waits until it has bound the admin API (its log says so) and `/health` answers there
/// (200, or 503 for an unhealthy job).
/// The CLI finds the daemon through the port its config names, so the config names one,
/// from [`free_port`], which another process may take first: when the daemon exits with
/// "Address already in use", the config file gets a new port and the start is tried
/// again. Returns the daemon and the port it listens on.
pub async fn start_daemon_at(dir: &Path, config: &Path) -> (std::process::Child, u16) {
    start_daemon_with(dir, config, |_| {}).await
}

/// [`start_daemon_at`], with `setup` applied to the command before each start.
pub async fn start_daemon_with(
    dir: &Path,
    config: &Path,
    setup: impl Fn(&mut std::process::Command),
) -> (std::process::Child, u16) {
    const STARTS: usize = 5;
    let log_path = dir.join("daemon.log");
    let http = reqwest::Client::new();
    for start in 1..=STARTS {
        let port = listen_port(&std::fs::read_to_string(config).unwrap());
        let log = std::fs::File::create(&log_path).unwrap();
        let mut cmd = bin();
        setup(&mut cmd);
        let mut child = cmd
            .args(["run", "--config"])
            .arg(config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let bound = format!("admin API on http://127.0.0.1:{port}/");
        let health = format!("http://127.0.0.1:{port}/health");
        for _ in 0..500 {
            if let Some(status) = child.try_wait().unwrap() {
                let text = std::fs::read_to_string(&log_path).unwrap();
                assert!(
                    text.contains("Address already in use") && start < STARTS,
                    "the daemon exited ({status}) before its admin API came up:\n{text}"
                );
                eprintln!("admin port {port} was taken: starting again on another");
                patch_file(config, &listen_line(port), &listen_line(free_port()));
                break;
            }
            // Only once our daemon has bound the port can the answer be its own.
            if std::fs::read_to_string(&log_path).unwrap().contains(&bound)
                && http
                    .get(&health)
                    .send()
                    .await
                    // 503 is an answer too: an unhealthy job (a stale one) is not a down daemon.
                    .is_ok_and(|r| r.status().is_success() || r.status() == 503)
            {
                return (child, port);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if child.try_wait().unwrap().is_none() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the daemon's admin API did not come up:\n{}",
                std::fs::read_to_string(&log_path).unwrap()
            );
        }
    }
    unreachable!("every start ends in a return or a panic")
}

impl Env {
    /// [`start_daemon_at`] for this environment; [`Env::admin_port`] follows the port the
    /// daemon got, and so do the config files written after.
    pub async fn start_daemon(&self, config: &Path) -> std::process::Child {
        let (child, port) = start_daemon_at(self.dir.path(), config).await;
        self.admin_port.store(port, Ordering::SeqCst);
        child
    }

    /// The Prom id of the catalogue product with the SKU of back-office product `id`.
    pub fn prom_id_of(&self, store: &Store, id: u64) -> i64 {
        let sku = store.product(id).unwrap().unwrap().sku;
        self.catalogue
            .iter()
            .find(|p| p.sku.as_deref() == Some(sku.as_str()))
            .unwrap()
            .id
    }
}

/// An order as a buyer places it in the sandbox: `status`, and lines of (Prom product id,
/// SKU, quantity) at 399.00 each, placed now.
pub fn buyer_order(
    status: &str,
    lines: Vec<(Option<i64>, &str, i64)>,
) -> promua_sync::sandbox::SandboxOrder {
    promua_sync::sandbox::SandboxOrder {
        id: 0,
        date_created: chrono::Utc::now(),
        date_modified: chrono::Utc::now(),
        client_first_name: "Олена".into(),
        client_last_name: "Коваленко".into(),
        client_second_name: None,
        phone: "+380671112233".into(),
        email: None,
        status: status.into(),
        delivery_provider: Some("nova_poshta".into()),
        delivery_cost: rust_decimal::Decimal::ZERO,
        cancellation_reason: None,
        details: Default::default(),
        lines: lines
            .into_iter()
            .map(|(id, sku, q)| promua_sync::sandbox::SandboxOrderLine {
                product_id: id,
                external_id: None,
                name: format!("Товар {sku}"),
                sku: Some(sku.to_string()),
                price: rust_decimal::Decimal::new(39900, 2),
                quantity: rust_decimal::Decimal::from(q),
            })
            .collect(),
    }
}

/// The binary, off the test's runtime threads (the sandbox is served in-process).
pub async fn cli_async(path: &std::path::Path, args: &[&str]) -> std::process::Output {
    let (path, args): (std::path::PathBuf, Vec<String>) = (
        path.to_path_buf(),
        args.iter().map(|a| a.to_string()).collect(),
    );
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(&path, &args)
    })
    .await
    .unwrap()
}

/// Stops a daemon [`Env::start_daemon`] started, with SIGTERM, and asserts it exited 0.
pub async fn stop_daemon(child: std::process::Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.wait().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
}
