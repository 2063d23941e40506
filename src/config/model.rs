//! The validated configuration the rest of the program runs on: what the compiler
//! builds once every check passed, with the few methods that derive a value from it.

use std::path::PathBuf;
use std::time::Duration;

use super::kinds::{
    ImportProductsOptions, PullOrdersOptions, PushPricesOptions, PushStatusesOptions,
    PushStockOptions, VerifyOptions,
};
use super::{PromConfig, Schedule};

/// The validated configuration the rest of the program runs on.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was loaded from.
    pub path: PathBuf,
    pub prom: PromConfig,
    pub store: StoreConfig,
    pub sync: SyncConfig,
    pub admin: AdminConfig,
    pub daemon: DaemonConfig,
    pub jobs: Vec<JobConfig>,
    /// Things worth saying that do not stop the program (e.g. no token configured).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
    /// Run records older than this many days are dropped (the last of each job stays).
    pub keep_runs_days: u64,
    /// sled's page cache, in MiB (the daemon's memory; `store/cache.rs`).
    pub cache_capacity_mib: u64,
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The warehouses whose stock Prom.ua sees (summed).
    pub warehouses: Vec<String>,
    /// Warehouses kept in the back office but not pushed (returns, a workshop...).
    pub local_warehouses: Vec<String>,
    pub update_balances: bool,
    pub update_prices: bool,
    pub update_statuses: bool,
    /// How long the on-change push waits after a change, to send many in one batch.
    pub push_debounce: Duration,
    /// Local order statuses that hold stock for the order.
    pub reserve_statuses: Vec<String>,
    /// The local status that ships an order: its reservation becomes a stock move.
    pub done_status: Option<String>,
    /// A seller's own statuses that hold nothing (Prom.ua's own are known without it).
    pub release_statuses: Vec<String>,
    /// A seller's own statuses after delivery (e.g. "completed"): shipped, as at
    /// `done_status`.
    pub shipped_statuses: Vec<String>,
    /// Local status → the Prom.ua status the `status_map`s send it as.
    pub status_aliases: Vec<(String, String)>,
    /// Where reservations and shipments take stock from.
    pub reserve_warehouse: String,
    /// Held back from Prom.ua on every product.
    pub safety_buffer: i64,
}

impl SyncConfig {
    /// Every warehouse the configuration declares: the pushed ones, then the local ones.
    /// Stock can be written only to these.
    pub fn known_warehouses(&self) -> Vec<String> {
        self.warehouses
            .iter()
            .chain(&self.local_warehouses)
            .cloned()
            .collect()
    }

    pub fn reservation_policy(&self) -> crate::domain::ReservationPolicy {
        crate::domain::ReservationPolicy {
            reserve_statuses: self.reserve_statuses.clone(),
            done_status: self.done_status.clone(),
            release_statuses: self.release_statuses.clone(),
            shipped_statuses: self.shipped_statuses.clone(),
            aliases: self.status_aliases.clone(),
            warehouse: self.reserve_warehouse.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// Whether the daemon serves the admin API.
    pub enabled: bool,
    pub listen: std::net::SocketAddr,
    /// Where the bearer token lives (created 0600 at the daemon's first start).
    pub token_file: PathBuf,
    /// The largest CSV body (`POST /v1/import/{kind}`, `POST /v1/links/apply`) and CSV
    /// file the CLI sends, in MB (MiB).
    pub max_csv_body_mb: u64,
    /// The largest body of any other admin API call, in KB (KiB).
    pub max_json_body_kb: u64,
    /// `GET /metrics` answers without the token (for a Prometheus that cannot send one).
    pub metrics_public: bool,
}

impl AdminConfig {
    /// The URL a local client uses (a wildcard address is reached on loopback).
    pub fn base_url(&self) -> String {
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}/")
    }
}

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// How long a stop waits for running jobs before cancelling them.
    pub shutdown_grace: Duration,
    /// The zone of every schedule without its own `timezone`.
    pub timezone: chrono_tz::Tz,
}

#[derive(Debug, Clone)]
pub struct JobConfig {
    pub name: String,
    pub schedule: Schedule,
    /// The zone the schedule is read in (the job's own, else `[daemon] timezone`).
    pub timezone: chrono_tz::Tz,
    /// Whether a tick missed while the daemon was down or the machine slept runs once.
    pub catch_up: bool,
    pub kind: JobKind,
    /// How old its last success may grow before `/health` calls the job stale; None
    /// (the default): until three of its ticks have passed (`config/stale_after.rs`).
    pub stale_after: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    PushStock(PushStockOptions),
    PushPrices(PushPricesOptions),
    PushStatuses(PushStatusesOptions),
    PullOrders(PullOrdersOptions),
    ImportProducts(ImportProductsOptions),
    Verify(VerifyOptions),
}

impl JobKind {
    pub fn name(&self) -> &'static str {
        match self {
            JobKind::PushStock(_) => "push_stock",
            JobKind::PushPrices(_) => "push_prices",
            JobKind::PushStatuses(_) => "push_statuses",
            JobKind::PullOrders(_) => "pull_orders",
            JobKind::ImportProducts(_) => "import_products",
            JobKind::Verify(_) => "verify",
        }
    }

    /// Pushes and the order pull keep two sides in step: a missed tick is worth running
    /// late. An import or a verify is heavy and waits for its next tick.
    pub fn catch_up_default(&self) -> bool {
        !matches!(self, JobKind::ImportProducts(_) | JobKind::Verify(_))
    }
}

/// A verify compares with what the push jobs would send: it takes the first push_stock
/// job's rule for unrecorded stock and the first push_prices job's price rules (without
/// one, nobody owns prices on Prom.ua and they are not compared).
pub(super) fn owners_for_verify(jobs: &mut [JobConfig]) {
    let push_stock = jobs.iter().find_map(|j| match &j.kind {
        JobKind::PushStock(o) => Some(o.clone()),
        _ => None,
    });
    let rules = jobs.iter().find_map(|j| match &j.kind {
        JobKind::PushPrices(o) => Some(o.rules()),
        _ => None,
    });
    let extras = jobs.iter().find_map(|j| match &j.kind {
        JobKind::PushPrices(o) => Some((o.send_tiers, o.send_discounts)),
        _ => None,
    });
    for job in jobs {
        if let JobKind::Verify(o) = &mut job.kind {
            o.push_stock = push_stock.clone().unwrap_or_default();
            o.price_rules = rules.clone();
            o.price_extras = extras.unwrap_or((true, true));
        }
    }
}
