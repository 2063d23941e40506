//! `BackOffice`: the ledger on an open store, acting for someone (the journal names who),
//! with what it takes from the configuration (jobs, warehouses, reservation policy). Its
//! operations are in the files of their area; this one holds what they share and the
//! `Ledger` implementation that calls them.

use std::sync::{Arc, RwLock};

use tokio::sync::Notify;

use super::job_runs::JobRunDone;
use super::{
    AcceptLinks, BackofficeError, CsvKind, CsvOptions, ImportReport, JobStatus, Ledger,
    LinkRequest, LinkView, OrderLineLink, OrderLineLinked, OrderQuery, OrderStatusSet, OrderView,
    PresenceSet, PriceSet, ProductQuery, ProductRemoved, ProductView, ProductsPage, Result,
    Shortfall, StagedView, StockAdjust, StockMove, StockMoved, StockSet, Suggestion,
};
use super::{csv_io, links, matching, order_statuses, orders, products, runs, stock};
use crate::domain::ReservationPolicy;
use crate::jobs::RunRequest;
use crate::report::RunRecord;
use crate::store::{Actor, NewProduct, ProductUpdate, Store, StoreError};

/// A configured job as `status` shows it: (name, kind, schedule, time zone).
pub type JobEntry = (String, String, String, String);

/// The ledger on an open store.
#[derive(Clone)]
pub struct BackOffice {
    store: Store,
    actor: Actor,
    /// The jobs of the configuration, for `last_runs`; a reload replaces them.
    jobs: Arc<RwLock<Vec<JobEntry>>>,
    /// Woken after a change that the on-change push should see.
    changed: Option<Arc<Notify>>,
    /// How order statuses hold and ship stock; a reload replaces it.
    policy: Arc<RwLock<ReservationPolicy>>,
    /// The warehouses the configuration declares (`[sync] warehouses` and
    /// `local_warehouses`); a reload replaces them.
    warehouses: Arc<RwLock<Vec<String>>>,
    /// The warehouses whose stock Prom.ua sees (`[sync] warehouses`): what `available`
    /// and the shortfalls count; a reload replaces them.
    pushed: Arc<RwLock<Vec<String>>>,
    /// Counters, `stale_after`s and the start time for `/metrics`, `/health`, `status`.
    pub(super) monitor: super::monitor::Monitor,
    /// The daemon's runner, for `job run` through the admin API (`None`: no daemon).
    pub(super) runner: Option<Arc<dyn crate::jobs::JobRunner>>,
}

/// Reads a lock that a panicking writer may have poisoned (the value is whole: every
/// write replaces it in one assignment).
fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(|p| p.into_inner()) = value;
}

impl BackOffice {
    /// `jobs`: (name, kind, schedule, time zone) of the configured jobs.
    pub fn new(store: Store, actor: Actor, jobs: Vec<JobEntry>) -> Self {
        Self {
            store,
            actor,
            jobs: Arc::new(RwLock::new(jobs)),
            changed: None,
            policy: Arc::new(RwLock::new(ReservationPolicy {
                reserve_statuses: ["pending", "received", "paid"].map(String::from).to_vec(),
                done_status: Some("delivered".into()),
                release_statuses: Vec::new(),
                shipped_statuses: Vec::new(),
                aliases: Vec::new(),
                warehouse: "main".into(),
            })),
            warehouses: Arc::new(RwLock::new(vec!["main".into()])),
            pushed: Arc::new(RwLock::new(vec!["main".into()])),
            monitor: Default::default(),
            runner: None,
        }
    }

    /// The office with the warehouses and reservation policy of a configuration.
    pub fn configured(self, sync: &crate::config::SyncConfig) -> Self {
        self.set_sync(sync);
        self
    }

    /// Takes the warehouses and reservation policy of a (re)loaded configuration.
    pub fn set_sync(&self, sync: &crate::config::SyncConfig) {
        self.set_policy(sync.reservation_policy());
        write(&self.warehouses, sync.known_warehouses());
        write(&self.pushed, sync.warehouses.clone());
    }

    /// The office with these warehouses declared (instead of a configuration's); the
    /// pushed ones stay as they were (`main` unless configured).
    pub fn with_warehouses<S: Into<String>>(self, warehouses: impl IntoIterator<Item = S>) -> Self {
        write(
            &self.warehouses,
            warehouses.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// The warehouses stock may be written to.
    pub fn known_warehouses(&self) -> Vec<String> {
        read(&self.warehouses)
    }

    /// The warehouses whose stock is pushed to Prom.ua.
    pub fn pushed_warehouses(&self) -> Vec<String> {
        read(&self.pushed)
    }

    /// Of `product_ids`, those whose stock in the pushed warehouses is below what open
    /// orders reserve, or below 0: what a write that moved their stock warns of. Each
    /// once, in the order first named; ids of products that do not exist are passed over.
    pub async fn shortfalls(&self, product_ids: &[u64]) -> Result<Vec<Shortfall>> {
        let (ids, pushed) = (product_ids.to_vec(), self.pushed_warehouses());
        self.blocking(move |store| {
            Ok(store
                .short_of_stock(&ids, &pushed)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
        .await
    }

    /// [`BackOffice::shortfalls`] after a write that is done: a failure to read them
    /// must not make the write look failed (a retried adjustment would apply twice), so
    /// it is logged and answered as no warnings.
    pub(super) async fn shortfalls_after_write(&self, product_ids: &[u64]) -> Vec<Shortfall> {
        if product_ids.is_empty() {
            return Vec::new();
        }
        self.shortfalls(product_ids).await.unwrap_or_else(|e| {
            tracing::error!("the stock was written; checking it against reservations failed: {e}");
            Vec::new()
        })
    }

    pub fn with_policy(self, policy: ReservationPolicy) -> Self {
        self.set_policy(policy);
        self
    }

    pub fn set_policy(&self, policy: ReservationPolicy) {
        write(&self.policy, policy);
    }

    pub(super) fn policy(&self) -> ReservationPolicy {
        read(&self.policy)
    }

    /// The policy orders are settled under: the configured one with the shop's own
    /// statuses (as last read) resolved, as `pull_orders` settles them.
    pub(super) fn order_policy(&self) -> Result<ReservationPolicy> {
        Ok(self.store.shop_policy(&self.policy())?)
    }

    pub fn set_jobs(&self, jobs: Vec<JobEntry>) {
        write(&self.jobs, jobs);
    }

    pub(super) fn jobs(&self) -> Vec<JobEntry> {
        read(&self.jobs)
    }

    /// (name, kind, schedule, time zone) of a configuration's jobs.
    pub fn jobs_of(config: &crate::config::Config) -> Vec<JobEntry> {
        config
            .jobs
            .iter()
            .map(|j| {
                (
                    j.name.clone(),
                    j.kind.name().to_string(),
                    j.schedule.written().to_string(),
                    j.timezone.name().to_string(),
                )
            })
            .collect()
    }

    pub fn with_notify(mut self, changed: Arc<Notify>) -> Self {
        self.changed = Some(changed);
        self
    }

    /// The office with the daemon's runner: `job run` goes to it (`job_runs.rs`).
    pub fn with_runner(mut self, runner: Arc<dyn crate::jobs::JobRunner>) -> Self {
        self.runner = Some(runner);
        self
    }

    /// The same ledger acting for someone else (e.g. the CLI through the API).
    pub fn acting_as(&self, actor: Actor) -> Self {
        Self {
            actor,
            ..self.clone()
        }
    }

    pub(super) fn actor(&self) -> Actor {
        self.actor
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// On disk before the caller hears of it: every write of the ledger ends here.
    /// Concurrent callers share one flush (the store's group commit).
    pub(super) async fn durable(&self) -> Result<()> {
        self.store.flush().await?;
        Ok(())
    }

    /// Folds a bulk write into the store's plan view (cheap when nothing changed). A
    /// failure costs the next push's read only some point reads: said in the log.
    pub(super) async fn refresh_view(&self) {
        let store = self.store.clone();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || store.refresh_plan_view()).await {
            tracing::warn!("the plan view was not refreshed: {e}");
        }
    }

    /// Tells the on-change push that something it sends has changed.
    pub(super) fn touched(&self) {
        if let Some(n) = &self.changed {
            n.notify_one();
        }
    }

    /// Runs store work on tokio's blocking pool, off the threads that serve requests: for
    /// scans of every product, link or order, and for writes of many rows at once.
    pub(super) async fn blocking<T, F>(&self, work: F) -> Result<T>
    where
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || work(&store)).await {
            Ok(answer) => answer,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only when the runtime shuts down before the work ran: nothing was done.
            Err(e) => Err(BackofficeError::Store(StoreError::Sled(
                sled::Error::ReportableBug(format!("the store's work did not run: {e}")),
            ))),
        }
    }
}

impl Ledger for BackOffice {
    async fn list_products(&self, q: &ProductQuery) -> Result<ProductsPage> {
        products::list(self, q).await
    }

    async fn show_product(&self, sku: &str) -> Result<ProductView> {
        products::show(self, sku).await
    }

    async fn add_product(&self, p: &NewProduct) -> Result<ProductView> {
        products::add(self, p).await
    }

    async fn update_product(&self, sku: &str, u: &ProductUpdate) -> Result<ProductView> {
        products::update(self, sku, u).await
    }

    async fn remove_product(&self, sku: &str, force: bool) -> Result<ProductRemoved> {
        products::remove(self, sku, force).await
    }

    async fn set_stock(&self, sku: &str, req: &StockSet) -> Result<Option<StockMoved>> {
        stock::set(self, sku, req).await
    }

    async fn adjust_stock(&self, sku: &str, req: &StockAdjust) -> Result<Option<StockMoved>> {
        stock::adjust(self, sku, req).await
    }

    async fn set_price(&self, sku: &str, req: &PriceSet) -> Result<ProductView> {
        products::set_price(self, sku, req).await
    }

    async fn set_presence(&self, sku: &str, req: &PresenceSet) -> Result<ProductView> {
        products::set_presence(self, sku, req).await
    }

    async fn set_tiers(&self, sku: &str, req: &super::TiersSet) -> Result<ProductView> {
        let change = crate::store::ExtrasChange {
            tiers: Some(req.tiers.clone()),
            discount: None,
        };
        super::price_extras::set(self, sku, change).await
    }

    async fn set_discount(&self, sku: &str, req: &super::DiscountSet) -> Result<ProductView> {
        let change = crate::store::ExtrasChange {
            tiers: None,
            discount: Some(req.discount.clone()),
        };
        super::price_extras::set(self, sku, change).await
    }

    async fn links(&self, unlinked_only: bool) -> Result<Vec<LinkView>> {
        links::list(self, unlinked_only).await
    }

    async fn link(&self, sku: &str, req: &LinkRequest) -> Result<LinkView> {
        links::link(self, sku, req).await
    }

    async fn unlink(&self, sku: &str) -> Result<LinkView> {
        links::unlink(self, sku).await
    }

    async fn journal(&self, sku: Option<&str>, limit: usize) -> Result<Vec<StockMove>> {
        stock::journal(self, sku, limit).await
    }

    async fn last_runs(&self) -> Result<Vec<JobStatus>> {
        runs::last_runs(self)
    }

    async fn job_runs(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>> {
        runs::job_runs(self, job, limit).await
    }

    async fn import_csv(
        &self,
        kind: CsvKind,
        data: &[u8],
        opts: &CsvOptions,
    ) -> Result<ImportReport> {
        let (data, opts, warehouses) = (data.to_vec(), opts.clone(), self.known_warehouses());
        let (mut report, moved) = self
            .blocking(move |store| csv_io::import(store, kind, &data, &opts, &warehouses))
            .await?;
        self.durable().await?;
        self.refresh_view().await;
        self.touched();
        let pushed = self.pushed_warehouses();
        let ids: Vec<u64> = moved
            .into_iter()
            .filter(|(_, w)| pushed.contains(w))
            .map(|(id, _)| id)
            .collect();
        report.warnings = self.shortfalls_after_write(&ids).await;
        Ok(report)
    }

    async fn export_csv(&self, kind: CsvKind) -> Result<String> {
        self.blocking(move |store| csv_io::export(store, kind))
            .await
    }

    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<OrderView>> {
        orders::list(self, q).await
    }

    async fn export_orders(&self, q: &OrderQuery) -> Result<String> {
        orders::export(self, q).await
    }

    async fn show_order(&self, prom_id: i64) -> Result<OrderView> {
        orders::show(self, prom_id)
    }

    async fn set_order_status(&self, prom_id: i64, req: &OrderStatusSet) -> Result<OrderView> {
        orders::set_status(self, prom_id, req).await
    }

    async fn order_statuses(&self) -> Result<super::OrderStatusesView> {
        order_statuses::statuses(self).await
    }

    async fn link_order_line(
        &self,
        prom_id: i64,
        line: usize,
        req: &OrderLineLink,
    ) -> Result<OrderLineLinked> {
        orders::link_line(self, prom_id, line, req).await
    }

    async fn staged(&self, unlinked_only: bool) -> Result<Vec<StagedView>> {
        links::staged(self, unlinked_only).await
    }

    async fn suggest_links(&self, min_score: f64) -> Result<Vec<Suggestion>> {
        self.blocking(move |store| matching::suggestions(store, min_score))
            .await
    }

    async fn accept_links(&self, req: &AcceptLinks) -> Result<Vec<LinkView>> {
        links::accept(self, req).await
    }

    async fn export_unlinked(&self) -> Result<String> {
        self.blocking(matching::export).await
    }

    async fn apply_links(&self, data: &[u8]) -> Result<ImportReport> {
        links::apply(self, data).await
    }

    async fn backup_store(&self) -> Result<Vec<u8>> {
        self.blocking(|store| Ok(store.backup()?)).await
    }

    async fn run_job(&self, name: &str, req: &RunRequest) -> Result<JobRunDone> {
        super::job_runs::run_job(self, name, req).await
    }

    async fn check_store(&self) -> Result<Vec<String>> {
        // An open may have skipped reading every entry back (`store/file_stamp.rs`): a
        // check always does.
        self.blocking(|store| {
            store.verify_readable()?;
            Ok(store.check_consistency()?)
        })
        .await
    }

    async fn repair_store(&self) -> Result<Vec<String>> {
        self.blocking(|store| {
            store.verify_readable()?;
            store.rebuild_order_search()?;
            Ok(store.check_consistency()?)
        })
        .await
    }
}
