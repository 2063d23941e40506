//! Issue 16's figures in one run, each beside its bound (DESIGN §4). Run:
//! `cargo bench --bench targets`. `BENCH_SIZES` lists the catalogue sizes (default
//! `100000,1000000`); `BENCH_QUICK=1` runs one small size (2,000) to check the harness
//! itself fast; `BENCH_TMPDIR` is where the stores go (default the system's temp dir;
//! each is deleted after its size). At each size the sandbox generates the catalogue
//! and the store is seeded by an import from it; see `figures.rs` for what runs where.
//! Prints a markdown table: figure | size | measured | bound | ratio | met?.

#[path = "../common/catalogue_read.rs"]
mod catalogue_read;
mod daemon;
mod figures;
#[path = "../common/store_breakdown.rs"]
mod store_breakdown;
mod table;
mod world;

fn sizes() -> Vec<usize> {
    if std::env::var("BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0") {
        return vec![2_000];
    }
    match std::env::var("BENCH_SIZES") {
        Ok(v) => v
            .split(',')
            .map(|s| {
                s.trim()
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("BENCH_SIZES: {s:?} is not a size"))
            })
            .collect(),
        Err(_) => vec![100_000, 1_000_000],
    }
}

/// The machine, for the record: the CPU's model and the cores this process may use.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let kb: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.0} GiB", kb / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    format!("{cpu}, {cores} cores{mem}")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let started = chrono::Utc::now();
    let mut rows = Vec::new();
    for n in sizes() {
        figures::run(n, &mut rows).await;
    }
    println!(
        "\n## Issue 16 targets — {} UTC, {}, {} build",
        started.format("%Y-%m-%d %H:%M"),
        machine(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!("Command: `cargo bench --bench targets`\n");
    println!(
        "The daemon's figures (3, 6, 7) run at sizes up to 100,000; above that the cold push runs \
         without the daemon or latency, for the record, and figures 2, 3 and 8 have no bound \
         (their bounds are stated at 100,000). Every size seeds its store by the import.\n"
    );
    table::print(&rows);
}
