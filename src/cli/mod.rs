//! The command line (clap). Every subcommand takes `--config FILE`.
//!
//! Exit codes: 0 success; 1 a run that finished with failed items; 2 bad usage or
//! bad configuration; 3 an error that stopped the command.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

mod ledger_cmds;

use clap::{Parser, Subcommand};
pub use ledger_cmds::{
    LinksCommand, OrdersCommand, PricesCommand, ProductsCommand, StagedCommand, StockCommand,
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{self, Config};
use crate::jobs::{JobContext, run_job};
use crate::prom::PromClient;
use crate::report::Outcome;
use crate::sandbox::{
    Catalogue, DefaultListing, FaultRates, LastId, Sandbox, SandboxOptions, SandboxProduct,
    generate_catalogue,
};
use crate::store::{Store, StoreError};

pub const EXIT_FAILED_ITEMS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_ERROR: u8 = 3;

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
    /// See it work: a sandbox, a throw-away store, and the stock job run three times.
    Demo {
        /// Linked products to seed.
        #[arg(long, default_value_t = 300)]
        products: usize,
    },
    /// Run the Prom.ua emulator on a loopback address, to rehearse a configuration.
    Sandbox(SandboxArgs),
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
    },
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Control API (not a Prom.ua path): GET/DELETE /__sandbox/requests (what it received), \
GET/POST /__sandbox/products, POST /__sandbox/catalogue, GET/POST /__sandbox/orders (a buyer places one), \
PATCH /__sandbox/orders/{id} (a buyer changes one), POST/DELETE /__sandbox/rejections ([{\"id\", \"message\"}]), \
GET/PUT /__sandbox/faults, POST /__sandbox/faults/next ([\"server_error\", \"rate_limited\", \"dropped\", \
\"malformed\", \"error_key\", \"not_found\", \"forbidden\"]), POST /__sandbox/token ({\"revoked\": true})."
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
    /// Retry-After of the 429s, in seconds.
    #[arg(long, default_value_t = 1, help_heading = "Faults")]
    pub retry_after_secs: u64,
    /// Answer every API call with the HTML 401 of a revoked token.
    #[arg(long, help_heading = "Faults")]
    pub revoked: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Sandbox(args) => return sandbox(args).await,
        Command::Demo { products } => {
            return match crate::demo::run(products).await {
                Ok(()) => 0,
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
    match cli.command {
        Command::Run => daemon(config).await,
        Command::CheckConfig { online } => check_config(&config, online).await,
        Command::Job {
            command:
                JobCommand::Run {
                    name,
                    dry_run,
                    json,
                },
        } => job_run(&config, &name, dry_run, json).await,
        Command::Status { json } => ledger_cmds::status(&config, json).await,
        Command::Products { command } => ledger_cmds::products(&config, command).await,
        Command::Stock { command } => ledger_cmds::stock(&config, command).await,
        Command::Prices { command } => ledger_cmds::prices(&config, command).await,
        Command::Links { command } => ledger_cmds::links(&config, command).await,
        Command::Orders { command } => ledger_cmds::orders(&config, command).await,
        Command::Staged { command } => ledger_cmds::staged(&config, command).await,
        Command::Demo { .. } | Command::Sandbox(_) => unreachable!("handled above"),
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

fn open_store(config: &Config) -> Result<Store, u8> {
    Store::open(&config.store.path).map_err(|e| match e {
        StoreError::Locked { .. } => fail(EXIT_ERROR, &e.to_string()),
        e => fail(EXIT_ERROR, &e.to_string()),
    })
}

async fn daemon(config: Config) -> u8 {
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    if config.prom.token.is_none() {
        return fail(
            EXIT_USAGE,
            "no Prom.ua token configured: set [prom] token_file or PROMUA_SYNC__PROM__TOKEN",
        );
    }
    // Signals first: a SIGTERM during start-up must still end in a clean stop.
    let shutdown = CancellationToken::new();
    let (reload_tx, reload) = mpsc::channel(1);
    if let Err(e) = spawn_signal_handlers(shutdown.clone(), reload_tx) {
        return fail(EXIT_ERROR, &format!("cannot install signal handlers: {e}"));
    }
    let store = match open_store(&config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let control = crate::daemon::Control { shutdown, reload };
    match crate::daemon::run(config, store, control).await {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e:#}");
            EXIT_ERROR
        }
    }
}

fn spawn_signal_handlers(
    shutdown: CancellationToken,
    reload: mpsc::Sender<()>,
) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => { tracing::info!("SIGTERM received"); shutdown.cancel(); }
                _ = int.recv() => { tracing::info!("SIGINT received"); shutdown.cancel(); }
                _ = hup.recv() => {
                    tracing::info!("SIGHUP received: reloading the configuration");
                    let _ = reload.try_send(());
                }
            }
        }
    });
    Ok(())
}

async fn check_config(config: &Config, online: bool) -> u8 {
    warn_all(config);
    println!("{}: configuration is valid", config.path.display());
    println!("  Prom.ua:    {}", config.prom.base_url);
    if config.prom.token.is_some() {
        println!("  token:      from {}", config.prom.token_origin);
    } else {
        println!("  token:      none configured");
    }
    println!("  store:      {}", config.store.path.display());
    println!(
        "  warehouses: {} (update balances {}, prices {}, statuses {})",
        config.sync.warehouses.join(", "),
        on_off(config.sync.update_balances),
        on_off(config.sync.update_prices),
        on_off(config.sync.update_statuses)
    );
    let now = chrono::Utc::now();
    for job in &config.jobs {
        let next = job.schedule.next_after(&now).map_or_else(
            || "never".to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        );
        println!(
            "  job {:<16} {:<12} `{}` next at {next}",
            job.name,
            job.kind.name(),
            job.schedule.written()
        );
    }
    if online {
        let client = match PromClient::new(&config.prom) {
            Ok(c) => c,
            Err(e) => return fail(EXIT_USAGE, &e.to_string()),
        };
        match client.products_page(None, None, 1).await {
            Ok(_) => println!("  Prom.ua accepted the token ({})", client.base_url()),
            Err(e) => return fail(EXIT_USAGE, &format!("the online check failed: {e}")),
        }
    }
    0
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

async fn job_run(config: &Config, name: &str, dry_run: bool, json: bool) -> u8 {
    warn_all(config);
    let Some(job) = config.jobs.iter().find(|j| j.name == name) else {
        let names: Vec<&str> = config.jobs.iter().map(|j| j.name.as_str()).collect();
        return fail(
            EXIT_USAGE,
            &format!(
                "no job named `{name}` in {} (jobs: {})",
                config.path.display(),
                names.join(", ")
            ),
        );
    };
    let prom = match (&config.prom.token, dry_run) {
        (Some(_), _) => match PromClient::new(&config.prom) {
            Ok(c) => Some(c),
            Err(e) => return fail(EXIT_USAGE, &e.to_string()),
        },
        (None, true) => None,
        (None, false) => {
            return fail(EXIT_USAGE, &crate::prom::PromError::NoToken.to_string());
        }
    };
    let store = match open_store(config) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cancel = CancellationToken::new();
    {
        // Ctrl-C: stop sending new batches, report what was done.
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted: finishing the batches in flight");
                cancel.cancel();
            }
        });
    }
    let mut ctx = JobContext::new(store.clone(), prom, config.sync.clone(), cancel);
    ctx.interactive = !json && std::io::stderr().is_terminal();
    let run = match run_job(job, &ctx, dry_run).await {
        Ok(r) => r,
        Err(e) => return fail(EXIT_ERROR, &format!("job {name}: {e}")),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&run).expect("serializable")
        );
    } else {
        if let Some(plan) = &run.plan {
            print!("{plan}");
        }
        if !dry_run {
            print!("{}", run.record);
        }
    }
    // A real run recorded and flushed itself (`run_job`); a dry run writes nothing.
    match run.record.outcome {
        Outcome::Ok | Outcome::Skipped | Outcome::DryRun => 0,
        Outcome::Partial | Outcome::Guarded => EXIT_FAILED_ITEMS,
        Outcome::Failed | Outcome::Cancelled => EXIT_ERROR,
    }
}

async fn sandbox(args: SandboxArgs) -> u8 {
    if !args.listen.ip().is_loopback() {
        return fail(
            EXIT_USAGE,
            &format!("the sandbox listens on loopback only, not {}", args.listen),
        );
    }
    let rates = [args.server_errors, args.rate_limited, args.dropped];
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
            retry_after_secs: args.retry_after_secs,
            seed: args.seed,
        },
    });
    sb.revoke_token(args.revoked);
    if let Some(file) = &args.seed_file {
        let catalogue = std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                serde_json::from_slice::<Catalogue>(&b)
                    .or_else(|_| {
                        serde_json::from_slice::<Vec<SandboxProduct>>(&b).map(|products| {
                            Catalogue {
                                products,
                                ..Catalogue::default()
                            }
                        })
                    })
                    .map_err(|e| format!("neither a catalogue nor an array of products: {e}"))
            });
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
