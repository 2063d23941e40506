//! How the CLI reaches the ledger: the store itself when the daemon is stopped, the
//! daemon's admin API when the daemon runs (it holds the store's lock). [`connect`]
//! chooses; the [`Connection`] it gives is a `Ledger` either way, so a command is the
//! same code and the same answer with the daemon running or stopped.

use std::path::PathBuf;
use std::time::Duration;

use super::{
    AcceptLinks, AdminClient, BackOffice, BackofficeError, CsvKind, CsvOptions, ImportReport,
    JobStatus, Ledger, LinkRequest, LinkView, OrderLineLink, OrderLineLinked, OrderQuery,
    OrderStatusSet, OrderStatusesView, OrderView, PresenceSet, PriceSet, ProductQuery,
    ProductRemoved, ProductView, ProductsPage, Result, StagedView, StockAdjust, StockMove,
    StockMoved, StockSet, Suggestion, office::JobEntry, runs,
};
use crate::config::{AdminConfig, Config};
use crate::report::RunRecord;
use crate::store::{Actor, NewProduct, ProductUpdate, Store, StoreError};

/// What a command does to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// It may write, so the store is created if it does not exist yet.
    ReadWrite,
    /// It only reads and creates nothing: a store that does not exist yet is read as one
    /// where nothing was recorded (only the runs can be asked of it).
    ReadOnly,
}

/// The ledger the CLI works on.
// One per CLI command, never in a collection: the size of a variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Connection {
    /// The store, opened by this process (the daemon is not running).
    Store(BackOffice),
    /// The daemon's admin API (the daemon holds the store).
    Admin(AdminClient),
    /// No store yet, reached read-only: nothing recorded, and nothing created.
    NoStore(NoStore),
}

/// Why neither the store nor the admin API can be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Store(StoreError),
    #[error("{locked}; and the daemon's admin API cannot be used: {reason}")]
    NoAdminApi { locked: StoreError, reason: String },
}

/// Opens the store, or, when the daemon holds it, connects to the daemon's admin API.
/// Changes are journalled as the CLI's (`cli`).
pub async fn connect(
    config: &Config,
    access: Access,
) -> std::result::Result<Connection, ConnectError> {
    let path = config.store.path.clone();
    if access == Access::ReadOnly && !path.exists() {
        return Ok(Connection::NoStore(NoStore {
            path,
            jobs: BackOffice::jobs_of(config),
        }));
    }
    // Opening waits for a lock a closing process still holds, and probing the admin API
    // waits for its answer: off the runtime's threads.
    let admin = config.admin.clone();
    let opened = tokio::task::spawn_blocking({
        let path = path.clone();
        move || open(&path, &admin)
    })
    .await;
    let opened = match opened {
        Ok(opened) => opened,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Open {
            path,
            detail: e.to_string(),
        }),
    };
    match opened {
        Ok(store) => Ok(Connection::Store(
            BackOffice::new(store, Actor::Cli, BackOffice::jobs_of(config))
                .configured(&config.sync)
                .with_stale_after_of(config),
        )),
        Err(locked @ StoreError::Locked { .. }) => admin_client(&config.admin)
            .map(Connection::Admin)
            .map_err(|reason| ConnectError::NoAdminApi { locked, reason }),
        Err(e) => Err(ConnectError::Store(e)),
    }
}

/// The store, unless the daemon holds it. A lock held while nothing answers on the admin
/// API's address is a process that just closed the store: wait for it briefly.
fn open(path: &std::path::Path, admin: &AdminConfig) -> std::result::Result<Store, StoreError> {
    match Store::open_now(path) {
        Err(StoreError::Locked { .. }) if !admin_alive(admin) => Store::open(path),
        other => other,
    }
}

/// Whether something answers on the admin API's address (the daemon, running).
fn admin_alive(admin: &AdminConfig) -> bool {
    let mut addr = admin.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    admin.enabled && std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

fn admin_client(admin: &AdminConfig) -> std::result::Result<AdminClient, String> {
    if !admin.enabled {
        return Err("[admin] enabled = false".to_string());
    }
    let token = super::read_admin_token(&admin.token_file)?;
    AdminClient::new(&admin.base_url(), token, "cli")
}

/// The ledger of a store that does not exist yet, reached read-only.
pub struct NoStore {
    path: PathBuf,
    jobs: Vec<JobEntry>,
}

impl NoStore {
    /// The configured jobs, none of which has run.
    fn last_runs(&self) -> Result<Vec<JobStatus>> {
        Ok(self
            .jobs
            .iter()
            .map(|(job, kind, schedule, zone)| JobStatus {
                name: job.clone(),
                kind: kind.clone(),
                next_run: runs::next_run(schedule, zone),
                schedule: schedule.clone(),
                timezone: zone.clone(),
                last_run: None,
                health: None,
            })
            .collect())
    }

    fn job_runs(&self, job: &str) -> Result<Vec<RunRecord>> {
        runs::check_job(&self.jobs, job)?;
        Ok(Vec::new())
    }

    /// Anything else needs the store.
    fn refusal(&self) -> BackofficeError {
        BackofficeError::NotFound(format!(
            "the store {} does not exist yet: nothing is recorded",
            self.path.display()
        ))
    }
}

/// The `NoStore` arm of an operation: its own answer if it has one, else a refusal.
macro_rules! no_store {
    ($store:expr;) => {
        Err($store.refusal())
    };
    ($store:expr; |$n:ident| $answer:expr) => {{
        let $n = $store;
        $answer
    }};
}

/// Every operation goes to the store or to the admin API, whichever `connect` chose.
macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $(, no store: |$n:ident| $answer:expr)?;)*) => {
        impl Ledger for Connection {
            $(async fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                match self {
                    Connection::Store(l) => l.$name($($arg),*).await,
                    Connection::Admin(l) => l.$name($($arg),*).await,
                    Connection::NoStore(none) => no_store!(none; $(|$n| $answer)?),
                }
            })*
        }
    };
}

delegate! {
    list_products(q: &ProductQuery) -> ProductsPage;
    show_product(sku: &str) -> ProductView;
    add_product(p: &NewProduct) -> ProductView;
    update_product(sku: &str, u: &ProductUpdate) -> ProductView;
    remove_product(sku: &str, force: bool) -> ProductRemoved;
    set_stock(sku: &str, req: &StockSet) -> Option<StockMoved>;
    adjust_stock(sku: &str, req: &StockAdjust) -> Option<StockMoved>;
    set_price(sku: &str, req: &PriceSet) -> ProductView;
    set_presence(sku: &str, req: &PresenceSet) -> ProductView;
    set_tiers(sku: &str, req: &super::TiersSet) -> ProductView;
    set_discount(sku: &str, req: &super::DiscountSet) -> ProductView;
    links(unlinked_only: bool) -> Vec<LinkView>;
    link(sku: &str, req: &LinkRequest) -> LinkView;
    unlink(sku: &str) -> LinkView;
    journal(sku: Option<&str>, limit: usize) -> Vec<StockMove>;
    last_runs() -> Vec<JobStatus>, no store: |n| n.last_runs();
    job_runs(job: &str, limit: usize) -> Vec<RunRecord>, no store: |n| n.job_runs(job);
    import_csv(kind: CsvKind, data: &[u8], opts: &CsvOptions) -> ImportReport;
    export_csv(kind: CsvKind) -> String;
    list_orders(q: &OrderQuery) -> Vec<OrderView>;
    export_orders(q: &OrderQuery) -> String;
    show_order(prom_id: i64) -> OrderView;
    set_order_status(prom_id: i64, req: &OrderStatusSet) -> OrderView;
    order_statuses() -> OrderStatusesView;
    link_order_line(prom_id: i64, line: usize, req: &OrderLineLink) -> OrderLineLinked;
    staged(unlinked_only: bool) -> Vec<StagedView>;
    suggest_links(min_score: f64) -> Vec<Suggestion>;
    accept_links(req: &AcceptLinks) -> Vec<LinkView>;
    export_unlinked() -> String;
    apply_links(data: &[u8]) -> ImportReport;
    backup_store() -> Vec<u8>;
    check_store() -> Vec<String>;
    repair_store() -> Vec<String>;
    run_job(name: &str, req: &crate::jobs::RunRequest) -> super::JobRunDone;
}
