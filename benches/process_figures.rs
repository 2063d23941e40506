//! Whole-process figures at N linked products (issue 16, DESIGN §4), each beside its bound:
//! a push with nothing to send (`promua-sync job run stock`, the whole process, best of 5:
//! under 300 ms at 100,000), and the daemon's memory (VmRSS after start: under 40 MiB;
//! its peak, VmHWM, over a cold push of every product: under 120 MiB).
//! Run: `cargo bench --bench process_figures` (`BENCH_N` to change the size).
//!
//! A sandbox in this process holds N generated products; the store links a local product
//! to each (with stock); the daemon starts on it (idle figure), pushes every product
//! through its admin API (peak figure); then, with the daemon stopped, the CLI pushes
//! again with nothing to send (wall-time figure).

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use promua_sync::sandbox::{Sandbox, SandboxOptions, generate_products};
use promua_sync::store::Store;

#[path = "common/linked.rs"]
mod linked;

const TOKEN: &str = "bench-token";
const BIN: &str = env!("CARGO_BIN_EXE_promua-sync");

fn write_config(dir: &Path, base_url: &str, admin_port: u16) -> std::path::PathBuf {
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let path = dir.join("jobs.toml");
    let text = format!(
        r#"[prom]
base_url = "{base_url}"
token_file = "token"
requests_per_second = 1000
max_concurrency = 4

[store]
path = "store"

[sync]
warehouses = ["main"]

[admin]
listen = "127.0.0.1:{admin_port}"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 0 1 1 *"
max_zero_share_percent = 100
max_changes = 10000000
"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `/proc/PID/status` figure (`VmRSS`, `VmHWM`) in MiB.
fn status_mib(pid: u32, key: &str) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn cli(config: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Starts the daemon and waits until its admin API answers.
fn start_daemon(dir: &Path, config: &Path, port: u16) -> Child {
    let log = std::fs::File::create(dir.join("daemon.log")).unwrap();
    // A profiler to run the daemon under (e.g. BENCH_DAEMON_WRAP="heaptrack -o /tmp/ht").
    let wrap = std::env::var("BENCH_DAEMON_WRAP").unwrap_or_default();
    let mut words: Vec<&str> = wrap.split_whitespace().collect();
    words.push(BIN);
    let mut child = Command::new(words[0])
        .args(&words[1..])
        .args(["run", "--config"])
        .arg(config)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let bound = format!("admin API on http://127.0.0.1:{port}/");
    for _ in 0..3000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the daemon exited: {}",
            std::fs::read_to_string(dir.join("daemon.log")).unwrap()
        );
        if std::fs::read_to_string(dir.join("daemon.log"))
            .unwrap()
            .contains(&bound)
        {
            return child;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the daemon's admin API did not come up");
}

fn stop_daemon(mut child: Child) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    child.wait().unwrap();
}

fn row(figure: &str, value: f64, unit: &str, bound: f64) {
    println!(
        "{figure:<44} {value:>9.1} {unit:<4} bound {bound:>6.0} {unit:<4} ratio {:.2}",
        value / bound
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // The bounds are DESIGN §4's, set for 100,000 linked products.
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..SandboxOptions::default()
    });
    let catalogue = generate_products(n, 5_000_001, 42);
    sandbox.upsert_products(catalogue.clone());
    let sandbox = sandbox
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let port = free_port();
    let config = write_config(dir.path(), &sandbox.base_url(), port);
    let store = Store::open(&dir.path().join("store")).unwrap();
    let seeded = Instant::now();
    linked::link_catalogue(&store, &catalogue).await;
    drop(store);
    drop(catalogue);
    eprintln!(
        "seeded {n} linked products in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    // The daemon: idle after its start, then its peak over a cold push of every product.
    let dir_path = dir.path().to_path_buf();
    let (idle, idle_anon, peak, after, after_anon, push_secs, push_out) =
        tokio::task::spawn_blocking({
            let config = config.clone();
            move || {
                let daemon = start_daemon(&dir_path, &config, port);
                let pid = daemon.id();
                std::thread::sleep(Duration::from_secs(3));
                let idle = status_mib(pid, "VmRSS");
                let idle_anon = status_mib(pid, "RssAnon");
                let start = Instant::now();
                let out = cli(&config, &["job", "run", "stock"]);
                let push_secs = start.elapsed().as_secs_f64();
                let peak = status_mib(pid, "VmHWM");
                std::thread::sleep(Duration::from_secs(3));
                let after = status_mib(pid, "VmRSS");
                let after_anon = status_mib(pid, "RssAnon");
                // To look at the daemon after the push (gdb, /proc/PID/smaps): hold it running.
                if let Some(secs) = std::env::var("BENCH_HOLD")
                    .ok()
                    .and_then(|v| v.parse().ok())
                {
                    eprintln!("daemon {pid} held for {secs} s");
                    std::thread::sleep(Duration::from_secs(secs));
                }
                stop_daemon(daemon);
                (idle, idle_anon, peak, after, after_anon, push_secs, out)
            }
        })
        .await
        .unwrap();
    eprint!(
        "cold push through the daemon ({push_secs:.1} s):\n{}",
        String::from_utf8_lossy(&push_out.stdout)
    );

    // The CLI with the daemon stopped: every product confirmed, nothing to send.
    // Whether the daemon's stop left the store stamped (`store/file_stamp.rs`): if not,
    // the first open after it reads every entry back.
    let stamped = dir.path().join("store/promua-sync.closed").exists();
    let (first, best, out) = tokio::task::spawn_blocking(move || {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let start = Instant::now();
            let out = cli(&config, &["job", "run", "stock"]);
            times.push(start.elapsed().as_secs_f64());
            last = Some(out);
        }
        let best = times.iter().copied().fold(f64::MAX, f64::min);
        (times[0], best, last.unwrap())
    })
    .await
    .unwrap();
    eprint!(
        "push with nothing to send:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );

    println!("\n== whole-process figures at {n} linked products ==");
    row(
        "push with nothing to send (best of 5)",
        best * 1000.0,
        "ms",
        300.0,
    );
    row(
        "  the first of them, after the daemon's stop",
        first * 1000.0,
        "ms",
        300.0,
    );
    println!("  (the daemon's stop left the store stamped: {stamped})");
    row("daemon RSS idle after start (VmRSS)", idle, "MiB", 40.0);
    // The rest is the binary's pages and libraries (file-backed, shared).
    row("  of which anonymous (RssAnon)", idle_anon, "MiB", 40.0);
    row("daemon RSS peak, cold push (VmHWM)", peak, "MiB", 120.0);
    row("daemon RSS idle after the push (VmRSS)", after, "MiB", 40.0);
    row("  of which anonymous (RssAnon)", after_anon, "MiB", 40.0);
    // To look further at the store (`perf`, `strace` on the CLI): keep the directory.
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
}
