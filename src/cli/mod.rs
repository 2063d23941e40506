//! The command line (clap). Every subcommand takes `--config FILE`.
//!
//! Exit codes: 0 success; 1 a run that finished with failed items; 2 bad usage or
//! bad configuration; 3 an error that stopped the command.
//!
//! One file a command (or group of commands): the back-office commands' clap definitions
//! are in `args`, what they print in `output`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

mod args;
mod check_config;
mod files;
mod generate;
mod job;
mod links;
mod order_output;
mod orders;
mod output;
mod products;
mod run;
mod sandbox;
mod status;
mod stock;
mod store;
mod tiers;

pub use args::{
    CsvArgs, LinksCommand, OrdersCommand, PricesCommand, ProductsCommand, StagedCommand,
    StockCommand,
};
use clap::{Parser, Subcommand};
pub use sandbox::SandboxArgs;

use crate::backoffice::{Access, Connection};
use crate::config::{self, Config};
use crate::store::Store;

pub const EXIT_FAILED_ITEMS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_ERROR: u8 = 3;
/// A command stopped by Ctrl-C (`demo`): 128 + SIGINT, the shell's convention.
pub const EXIT_INTERRUPTED: u8 = 130;

const DEFAULT_CONFIGS: [&str; 2] = ["./jobs.toml", "/etc/promua-sync/jobs.toml"];

#[derive(Debug, Parser)]
#[command(
    name = "promua-sync",
    version,
    about = "Keeps a back office and a Prom.ua shop in step"
)]
pub struct Cli {
    /// Configuration file [default: ./jobs.toml, then /etc/promua-sync/jobs.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: jobs on their schedules until SIGTERM or SIGINT; SIGHUP reloads.
    Run,
    /// Validate the configuration; report every error with its file, line and column.
    CheckConfig {
        /// Also call Prom.ua once to prove the token works.
        #[arg(long)]
        online: bool,
    },
    /// Work with one job.
    Job {
        #[command(subcommand)]
        command: JobCommand,
    },
    /// The last run of every configured job.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Local products (works with the daemon running or stopped).
    Products {
        #[command(subcommand)]
        command: ProductsCommand,
    },
    /// Stock per warehouse, and its journal.
    Stock {
        #[command(subcommand)]
        command: StockCommand,
    },
    /// Local prices.
    Prices {
        #[command(subcommand)]
        command: PricesCommand,
    },
    /// Orders imported from Prom.ua.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Prom.ua products downloaded without creating anything (import mode `stage`).
    Staged {
        #[command(subcommand)]
        command: StagedCommand,
    },
    /// Links between local products and Prom.ua products.
    Links {
        #[command(subcommand)]
        command: LinksCommand,
    },
    /// Care of the store: backup, restore, check, compact.
    Store {
        #[command(subcommand)]
        command: store::StoreCommand,
    },
    /// See it work, offline: a sandbox plays the shop, a throw-away store the back office,
    /// and the whole integration is walked step by step (stage, link, orders, stock,
    /// statuses, prices, drift).
    Demo {
        /// Plain products in the shop, each also in the back office under the same SKU
        /// (the hard cases come on top).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(5..=20000))]
        products: u32,
        /// Pause between steps until Enter is pressed (the end of input goes on; a
        /// pipe that gives no line for 30 s ends the pauses).
        #[arg(long)]
        step: bool,
        /// Leave the store, the sandbox's data and a jobs.toml in DIR (new or empty) to
        /// explore with the CLI afterwards; a demo that fails takes back what it wrote.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
    },
    /// Run the Prom.ua emulator on a loopback address, to rehearse a configuration.
    Sandbox(SandboxArgs),
    /// Print the shell completion script for bash, zsh or fish (reads no configuration).
    Completions {
        #[arg(value_enum)]
        shell: generate::Shell,
    },
    /// Print the man page (roff); with --dir, write one page per command there.
    Man {
        /// Write promua-sync.1 and a page per command (promua-sync-job-run.1, ...) in DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Run a job once now and print its report.
    Run {
        /// The job's `name` in jobs.toml.
        name: String,
        /// Print the plan (per item: before, after, why); send and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// `pull_orders` only: read orders changed since this day (YYYY-MM-DD, UTC) or
        /// moment (RFC 3339), e.g. the open orders a first pull reported as older than
        /// its window. The cursor never moves back.
        #[arg(long, value_name = "DATE", value_parser = parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// `verify` only: walk Prom.ua's whole catalogue, however recent the last full walk.
        #[arg(long)]
        full: bool,
    },
}

/// `--since`: a day (midnight UTC) or an RFC 3339 moment, not in the future.
fn parse_since(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let t = crate::backoffice::parse_moment(s)?;
    if t > chrono::Utc::now() {
        return Err(format!(
            "`{s}` is in the future: no order changed since then"
        ));
    }
    Ok(t)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // A command whose output is cut short (`job run X | head -1`) ends quietly, killed by
    // SIGPIPE as `git` and `ls` are, instead of panicking in `println!`. Not the daemon nor
    // the sandbox: a closed log stream must not kill a service.
    if !matches!(cli.command, Command::Run | Command::Sandbox(_)) {
        die_quietly_on_closed_stdout();
    }
    let default_level = match cli.command {
        Command::Run | Command::Sandbox(_) => "info",
        _ => "warn",
    };
    crate::logging::init(default_level);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = runtime.block_on(dispatch(cli));
    // Do not wait for stray blocking tasks (e.g. a sled read) at exit.
    runtime.shutdown_timeout(Duration::from_secs(1));
    ExitCode::from(code)
}

async fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::Completions { shell } => return generate::completions(shell),
        Command::Man { dir } => return generate::man(dir.as_deref()),
        Command::Sandbox(args) => return sandbox::sandbox(args).await,
        Command::Demo {
            products,
            step,
            keep,
        } => {
            let opts = crate::demo::DemoOptions {
                products: products as usize,
                step,
                keep,
            };
            return match crate::demo::run(opts).await {
                Ok(()) => 0,
                Err(crate::demo::DemoError::Usage(msg)) => fail(EXIT_USAGE, &msg),
                // 128 + SIGINT, as a shell reports a command Ctrl-C stopped.
                Err(crate::demo::DemoError::Interrupted) => {
                    fail(EXIT_INTERRUPTED, "demo interrupted")
                }
                Err(e) => fail(EXIT_ERROR, &format!("demo failed: {e:#}")),
            };
        }
        _ => {}
    }
    let path = match config_path(cli.config.as_deref()) {
        Ok(p) => p,
        Err(msg) => return fail(EXIT_USAGE, &msg),
    };
    let config = match config::load(&path) {
        Ok(c) => c,
        Err(errors) => {
            eprint!("{}", errors.render(std::io::stderr().is_terminal()));
            return EXIT_USAGE;
        }
    };
    // Before any store opens: every open of this process takes it (`store/cache.rs`).
    crate::store::set_cache_capacity_mib(config.store.cache_capacity_mib);
    match cli.command {
        Command::Run => run::daemon(config).await,
        Command::Completions { .. } | Command::Man { .. } => unreachable!("handled above"),
        Command::CheckConfig { online } => check_config::check_config(&config, online).await,
        Command::Job {
            command:
                JobCommand::Run {
                    name,
                    dry_run,
                    json,
                    since,
                    full,
                },
        } => job::job_run(&config, &name, dry_run, json, since, full).await,
        Command::Status { json } => status::status(&config, json).await,
        Command::Products { command } => products::products(&config, command).await,
        Command::Stock { command } => stock::stock(&config, command).await,
        Command::Prices { command } => products::prices(&config, command).await,
        Command::Links { command } => links::links(&config, command).await,
        Command::Orders { command } => orders::orders(&config, command).await,
        Command::Staged { command } => links::staged(&config, command).await,
        Command::Store { command } => store::store(&config, command).await,
        Command::Demo { .. } | Command::Sandbox(_) => unreachable!("handled above"),
    }
}

/// SIGPIPE back to its default: a write to a closed pipe ends the process. Rust ignores
/// SIGPIPE so that such a write is an error, which `println!` turns into a panic. Writes
/// to sockets are unaffected (the standard library sends with `MSG_NOSIGNAL`).
fn die_quietly_on_closed_stdout() {
    #[cfg(unix)]
    // SAFETY: called at startup, before any thread exists; `SIG_DFL` is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn fail(code: u8, msg: &str) -> u8 {
    eprintln!("error: {msg}");
    code
}

fn config_path(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    DEFAULT_CONFIGS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "no configuration found: pass --config FILE or create {}",
                DEFAULT_CONFIGS.join(" or ")
            )
        })
}

fn warn_all(config: &Config) {
    for w in &config.warnings {
        eprintln!("warning: {w}");
    }
}

/// Opens the store for a command that needs it itself (the daemon, a job run), on the
/// blocking pool: opening reads the whole store back and may wait for a lock.
async fn open_store(config: &Config) -> Result<Store, u8> {
    let path = config.store.path.clone();
    let days = config.store.keep_runs_days;
    let opened = move || {
        let store = Store::open(&path)?;
        store.keep_runs_for(days);
        Ok::<_, crate::store::StoreError>(store)
    };
    match tokio::task::spawn_blocking(opened).await {
        Ok(opened) => opened.map_err(|e| fail(EXIT_ERROR, &e.to_string())),
        // A panic stays a panic (the store's panic hook words a damaged store).
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(fail(EXIT_ERROR, &format!("opening the store failed: {e}"))),
    }
}

/// The ledger of a back-office command: the store, or the daemon's admin API when the
/// daemon holds the store (`backoffice::connect` chooses).
async fn ledger(config: &Config, access: Access) -> Result<Connection, u8> {
    crate::backoffice::connect(config, access)
        .await
        .map_err(|e| fail(EXIT_ERROR, &e.to_string()))
}
