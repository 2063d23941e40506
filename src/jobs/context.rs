//! What a job run needs from the world, shared by the scheduled runs, `job run` and the
//! on-change pushes.

use std::sync::Arc;

use tokio::sync::{Mutex, Notify};
use tokio_util::sync::CancellationToken;

use crate::config::{PushPricesOptions, PushStockOptions, SyncConfig};
use crate::domain::StockRoute;
use crate::prom::PromClient;
use crate::store::Store;

#[derive(Clone, Debug)]
pub struct JobContext {
    pub store: Store,
    /// `None` when no token is configured: only dry runs are possible.
    pub prom: Option<PromClient>,
    pub sync: SyncConfig,
    /// Set when the process is stopping: no new batch starts after it.
    pub cancel: CancellationToken,
    /// Held while stock is planned and sent, so that the scheduled push and the
    /// on-change push never send stale values over each other.
    pub stock_lock: Arc<Mutex<()>>,
    /// The same for prices: the scheduled and on-change price pushes never overlap, so a
    /// stale batch can never land after a newer confirmed one.
    pub price_lock: Arc<Mutex<()>>,
    /// Held by `pull_orders` and `push_statuses`: a status push never sends what a pull
    /// is settling at the same moment (a local change a later Prom change superseded).
    pub orders_lock: Arc<Mutex<()>>,
    /// A person watches a terminal: long jobs show a progress bar instead of log lines.
    pub interactive: bool,
    /// The options (guards, batch size) the on-change push honours: those of the
    /// configured `push_stock` job.
    pub on_change_guard: PushStockOptions,
    /// The rules and guards of the configured `push_prices` job, for on-change price pushes
    /// (`None`: no such job, price changes wait for one).
    pub on_change_prices: Option<PushPricesOptions>,
    /// Wakes the on-change push after a job changed what Prom.ua should show.
    pub changed: Option<Arc<Notify>>,
    /// `[prom] stock_route`: which edit call carries stock (`jobs/stock_route.rs`).
    pub stock_route: StockRoute,
    /// The daemon's `/metrics` counters, bumped as each run is recorded.
    pub metrics: Option<crate::metrics::Metrics>,
    /// The configuration file the job came from: the commands a run's notes suggest name
    /// it (an instance of the template unit reads `/etc/promua-sync/SHOP.toml`).
    pub config_path: Option<std::path::PathBuf>,
    /// `[daemon] timezone`: the zone whose date says when a discount has ended.
    pub timezone: chrono_tz::Tz,
}

impl JobContext {
    pub fn new(
        store: Store,
        prom: Option<PromClient>,
        sync: SyncConfig,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            store,
            prom,
            sync,
            cancel,
            stock_lock: Default::default(),
            price_lock: Default::default(),
            orders_lock: Default::default(),
            interactive: false,
            on_change_guard: Default::default(),
            on_change_prices: None,
            changed: None,
            stock_route: StockRoute::Auto,
            metrics: None,
            config_path: None,
            timezone: chrono_tz::UTC,
        }
    }

    /// Today's date in the daemon's zone.
    pub fn today(&self) -> chrono::NaiveDate {
        day_in(chrono::Utc::now(), self.timezone)
    }

    /// A command line for a note, e.g. `promua-sync --config /etc/promua-sync/shop-a.toml
    /// orders list --unlinked`; without `--config` when the file is the one found from
    /// anywhere (`/etc/promua-sync/jobs.toml`) or not known.
    pub fn command(&self, args: &str) -> String {
        command_line(self.config_path.as_deref(), args)
    }

    /// Tells the on-change push (in the daemon) that stock may have changed.
    pub fn notify_changed(&self) {
        if let Some(n) = &self.changed {
            n.notify_one();
        }
    }

    /// A client for one run: its own request counters, and no retries once stopping.
    pub(crate) fn run_client(&self) -> Option<PromClient> {
        self.prom
            .as_ref()
            .map(|p| p.counted().cancellable(self.cancel.clone()))
    }

    /// How order statuses hold and ship stock: `[sync]` and the status maps, with the
    /// shop's own statuses as last read resolved ([`Store::shop_policy`]).
    pub(crate) async fn order_policy(
        &self,
    ) -> Result<crate::domain::ReservationPolicy, super::JobError> {
        let base = self.sync.reservation_policy();
        self.blocking(move |s| s.shop_policy(&base)).await
    }

    /// Runs store work on tokio's blocking pool: sled reads and transactions can take
    /// long enough to stall the runtime's threads.
    pub(crate) async fn blocking<T, F>(&self, work: F) -> Result<T, super::JobError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || work(&store)).await??)
    }
}

/// [`JobContext::command`]'s rule.
fn command_line(config: Option<&std::path::Path>, args: &str) -> String {
    match config {
        Some(p) if p != std::path::Path::new("/etc/promua-sync/jobs.toml") => {
            format!("promua-sync --config {} {args}", p.display())
        }
        _ => format!("promua-sync {args}"),
    }
}

/// The date it is at `now` in `zone` (pure, for [`JobContext::today`]).
pub fn day_in(now: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> chrono::NaiveDate {
    now.with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_suggested_command_names_the_configuration_unless_found_from_anywhere() {
        assert_eq!(command_line(None, "orders list"), "promua-sync orders list");
        let etc = Path::new("/etc/promua-sync/jobs.toml");
        assert_eq!(
            command_line(Some(etc), "orders list"),
            "promua-sync orders list"
        );
        let shop = Path::new("/etc/promua-sync/shop-a.toml");
        assert_eq!(
            command_line(Some(shop), "orders list --unlinked"),
            "promua-sync --config /etc/promua-sync/shop-a.toml orders list --unlinked"
        );
    }
}
