//! The back office's operations, addressed by SKU: what the CLI (directly on the store
//! when the daemon is stopped) and the admin API (when it runs) both call. The `Ledger`
//! trait is the one surface; `BackOffice` implements it on the store, `AdminClient` over
//! HTTP, so every command behaves the same either way.

mod csv_io;
mod error;
mod input;
mod matching;
mod remote;
mod types;

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use tokio::sync::Notify;

pub use csv_io::{CsvKind, CsvOptions, MAX_FIELD_BYTES, MAX_ROWS, RowError, RowErrors};
pub use error::BackofficeError;
use input::fmt_delta;
pub use input::{
    check_delta, check_prom_id, check_quantity, parse_delta, parse_prom_id, parse_quantity,
};
pub use matching::{Suggestion, suggest};
pub use remote::AdminClient;
pub use types::*;

use crate::domain::ReservationPolicy;
use crate::report::RunRecord;
use crate::store::{
    Actor, JournalEntry, LocalOrder, MAX_QUANTITY, NewProduct, Product, ProductUpdate, StockChange,
    Store,
};

pub type Result<T> = std::result::Result<T, BackofficeError>;

/// Every back-office operation the CLI and the admin API offer.
#[allow(async_fn_in_trait)]
pub trait Ledger {
    async fn list_products(&self, q: &ProductQuery) -> Result<ProductsPage>;
    async fn show_product(&self, sku: &str) -> Result<ProductView>;
    async fn add_product(&self, p: &NewProduct) -> Result<ProductView>;
    async fn update_product(&self, sku: &str, u: &ProductUpdate) -> Result<ProductView>;
    async fn set_stock(&self, sku: &str, req: &StockSet) -> Result<Option<JournalEntry>>;
    async fn adjust_stock(&self, sku: &str, req: &StockAdjust) -> Result<Option<JournalEntry>>;
    async fn set_price(&self, sku: &str, req: &PriceSet) -> Result<ProductView>;
    async fn links(&self, unlinked_only: bool) -> Result<Vec<LinkView>>;
    async fn link(&self, sku: &str, req: &LinkRequest) -> Result<LinkView>;
    async fn unlink(&self, sku: &str) -> Result<LinkView>;
    async fn journal(&self, sku: Option<&str>, limit: usize) -> Result<Vec<JournalEntry>>;
    async fn last_runs(&self) -> Result<Vec<JobStatus>>;
    async fn job_runs(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>>;
    async fn import_csv(
        &self,
        kind: CsvKind,
        data: &[u8],
        opts: &CsvOptions,
    ) -> Result<ImportReport>;
    async fn export_csv(&self, kind: CsvKind) -> Result<String>;
    /// Orders, newest first; only those with a line matching no local product if asked.
    async fn list_orders(&self, unlinked_only: bool) -> Result<Vec<LocalOrder>>;
    async fn show_order(&self, prom_id: i64) -> Result<LocalOrder>;
    /// Changes the local status (reservations follow; `push_statuses` sends it).
    async fn set_order_status(&self, prom_id: i64, req: &OrderStatusSet) -> Result<LocalOrder>;
    /// Prom products downloaded in `stage` mode, with their link state.
    async fn staged(&self, unlinked_only: bool) -> Result<Vec<StagedView>>;
    /// A local product for each unlinked staged product, by name similarity.
    async fn suggest_links(&self, min_score: f64) -> Result<Vec<Suggestion>>;
    /// Links the suggestions at or above `min_score`, or only those for `prom_ids`.
    async fn accept_links(&self, req: &AcceptLinks) -> Result<Vec<LinkView>>;
    /// The unlinked on both sides, as CSV to fill in.
    async fn export_unlinked(&self) -> Result<String>;
    /// Applies a filled-in mapping: all of it or nothing.
    async fn apply_links(&self, data: &[u8]) -> Result<ImportReport>;
}

/// The ledger on an open store.
#[derive(Clone)]
pub struct BackOffice {
    store: Store,
    actor: Actor,
    /// The jobs of the configuration (name, kind, schedule), for `last_runs`; a reload
    /// replaces them.
    jobs: Arc<std::sync::RwLock<Vec<(String, String, String)>>>,
    /// Woken after a change that the on-change push should see.
    changed: Option<Arc<Notify>>,
    /// How order statuses hold and ship stock; a reload replaces it.
    policy: Arc<std::sync::RwLock<ReservationPolicy>>,
    /// The warehouses the configuration declares (`[sync] warehouses` and
    /// `local_warehouses`); a reload replaces them.
    warehouses: Arc<std::sync::RwLock<Vec<String>>>,
}

impl BackOffice {
    /// `jobs`: (name, kind, schedule) of the configured jobs.
    pub fn new(store: Store, actor: Actor, jobs: Vec<(String, String, String)>) -> Self {
        Self {
            store,
            actor,
            jobs: Arc::new(std::sync::RwLock::new(jobs)),
            changed: None,
            policy: Arc::new(std::sync::RwLock::new(ReservationPolicy {
                reserve_statuses: ["pending", "received", "paid"].map(String::from).to_vec(),
                done_status: Some("delivered".into()),
                warehouse: "main".into(),
            })),
            warehouses: Arc::new(std::sync::RwLock::new(vec!["main".into()])),
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
        *self.warehouses.write().unwrap_or_else(|p| p.into_inner()) = sync.known_warehouses();
    }

    /// The office with these warehouses declared (instead of a configuration's).
    pub fn with_warehouses<S: Into<String>>(self, warehouses: impl IntoIterator<Item = S>) -> Self {
        *self.warehouses.write().unwrap_or_else(|p| p.into_inner()) =
            warehouses.into_iter().map(Into::into).collect();
        self
    }

    /// The warehouses stock may be written to.
    pub fn known_warehouses(&self) -> Vec<String> {
        self.warehouses
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn with_policy(self, policy: ReservationPolicy) -> Self {
        self.set_policy(policy);
        self
    }

    pub fn set_policy(&self, policy: ReservationPolicy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = policy;
    }

    fn policy(&self) -> ReservationPolicy {
        self.policy
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_jobs(&self, jobs: Vec<(String, String, String)>) {
        *self.jobs.write().unwrap_or_else(|p| p.into_inner()) = jobs;
    }

    /// (name, kind, schedule) of a configuration's jobs.
    pub fn jobs_of(config: &crate::config::Config) -> Vec<(String, String, String)> {
        config
            .jobs
            .iter()
            .map(|j| {
                (
                    j.name.clone(),
                    j.kind.name().to_string(),
                    j.schedule.written().to_string(),
                )
            })
            .collect()
    }

    pub fn with_notify(mut self, changed: Arc<Notify>) -> Self {
        self.changed = Some(changed);
        self
    }

    /// The same ledger acting for someone else (e.g. the CLI through the API).
    pub fn acting_as(&self, actor: Actor) -> Self {
        Self {
            actor,
            ..self.clone()
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// On disk before the caller hears of it: every write of the ledger ends here.
    /// Concurrent callers share one flush (the store's group commit).
    async fn durable(&self) -> Result<()> {
        self.store.flush().await?;
        Ok(())
    }

    fn touched(&self) {
        if let Some(n) = &self.changed {
            n.notify_one();
        }
    }

    fn product(&self, sku: &str) -> Result<Product> {
        self.store.product_by_sku(sku)?.ok_or_else(|| {
            BackofficeError::NotFound(format!("no product with SKU `{}`", sku.trim()))
        })
    }

    fn view(&self, p: Product) -> Result<ProductView> {
        let stock: BTreeMap<String, i64> = self.store.stock_of(p.id)?.into_iter().collect();
        let prom_id = self.store.link_of(p.id)?;
        let confirmed = self.store.stock_snapshot(p.id)?;
        Ok(ProductView {
            // Saturating: a sum of many warehouses never wraps, whatever the store holds.
            total_stock: stock.values().fold(0i64, |t, q| t.saturating_add(*q)),
            stock,
            prom_id,
            prom_confirmed: confirmed,
            product: p,
        })
    }

    fn link_view(&self, p: &Product) -> Result<LinkView> {
        Ok(LinkView {
            sku: p.sku.clone(),
            name: p.name.clone(),
            prom_id: self.store.link_of(p.id)?,
        })
    }

    /// The warehouse, trimmed, if the configuration declares it.
    fn warehouse(&self, w: &str) -> Result<String> {
        csv_io::check_warehouse(w, &self.known_warehouses())
            .map_err(|m| BackofficeError::Invalid(format!("warehouse: {m}")))
    }

    /// The quantity of `product` in `warehouse` now (0 when never recorded).
    fn stock_in(&self, product: &Product, warehouse: &str) -> Result<i64> {
        Ok(self
            .store
            .stock_of(product.id)?
            .into_iter()
            .find(|(w, _)| w == warehouse)
            .map_or(0, |(_, q)| q))
    }
}

impl Ledger for BackOffice {
    async fn list_products(&self, q: &ProductQuery) -> Result<ProductsPage> {
        let limit = q.limit.unwrap_or(100).clamp(1, 1000);
        let mut out = Vec::new();
        let mut after = q.after;
        // Scan in id order, filtering, until a page is full.
        'scan: loop {
            let chunk = self.store.products_after(after, 500)?;
            if chunk.is_empty() {
                break;
            }
            for p in chunk {
                after = Some(p.id);
                let sku_ok = q.sku.as_deref().is_none_or(|s| p.sku.starts_with(s.trim()));
                let name_ok = q
                    .name
                    .as_deref()
                    .is_none_or(|n| p.name.to_lowercase().contains(&n.trim().to_lowercase()));
                if !(sku_ok && name_ok) {
                    continue;
                }
                if let Some(linked) = q.linked {
                    if self.store.link_of(p.id)?.is_some() != linked {
                        continue;
                    }
                }
                out.push(self.view(p)?);
                if out.len() == limit {
                    break 'scan;
                }
            }
        }
        let next_after = (out.len() == limit)
            .then(|| out.last().map(|v| v.product.id))
            .flatten();
        Ok(ProductsPage {
            products: out,
            next_after,
        })
    }

    async fn show_product(&self, sku: &str) -> Result<ProductView> {
        let p = self.product(sku)?;
        self.view(p)
    }

    async fn add_product(&self, p: &NewProduct) -> Result<ProductView> {
        let created = self.store.add_products(std::slice::from_ref(p))?;
        self.durable().await?;
        self.view(created.into_iter().next().expect("one product"))
    }

    async fn update_product(&self, sku: &str, u: &ProductUpdate) -> Result<ProductView> {
        let p = self.product(sku)?;
        let updated = self.store.update_products(&[(p.id, u.clone())])?;
        self.durable().await?;
        self.touched();
        self.view(updated.into_iter().next().expect("one product"))
    }

    async fn set_stock(&self, sku: &str, req: &StockSet) -> Result<Option<JournalEntry>> {
        check_quantity(req.quantity).map_err(BackofficeError::Invalid)?;
        let warehouse = self.warehouse(&req.warehouse)?;
        let p = self.product(sku)?;
        let change = StockChange::Set {
            product_id: p.id,
            warehouse,
            quantity: req.quantity,
        };
        let moved = self
            .store
            .apply_stock_changes(&[change], self.actor, req.reason.as_deref())?;
        self.durable().await?;
        self.touched();
        Ok(moved.into_iter().next())
    }

    async fn adjust_stock(&self, sku: &str, req: &StockAdjust) -> Result<Option<JournalEntry>> {
        check_delta(req.delta).map_err(BackofficeError::Invalid)?;
        let warehouse = self.warehouse(&req.warehouse)?;
        let p = self.product(sku)?;
        // Checked here for a clear message; the store refuses it too.
        let before = self.stock_in(&p, &warehouse)?;
        let after = before.saturating_add(req.delta);
        if req.delta < 0 && after < 0 {
            return Err(BackofficeError::Invalid(format!(
                "delta: {} would take the stock of {} in {warehouse} below 0 ({before} {} = {after}); stock must not be negative",
                req.delta,
                p.sku,
                fmt_delta(req.delta)
            )));
        }
        if req.delta > 0 && after > MAX_QUANTITY {
            return Err(BackofficeError::Invalid(format!(
                "delta: {} would take the stock of {} in {warehouse} to {after} ({before} {}), above the largest quantity, {}",
                req.delta,
                p.sku,
                fmt_delta(req.delta),
                csv_io::thousands(MAX_QUANTITY as u64)
            )));
        }
        let change = StockChange::Adjust {
            product_id: p.id,
            warehouse,
            delta: req.delta,
        };
        let moved = self
            .store
            .apply_stock_changes(&[change], self.actor, req.reason.as_deref())?;
        self.durable().await?;
        self.touched();
        Ok(moved.into_iter().next())
    }

    async fn set_price(&self, sku: &str, req: &PriceSet) -> Result<ProductView> {
        if req.price.is_sign_negative() {
            return Err(BackofficeError::Invalid(
                "a price must not be negative".into(),
            ));
        }
        let u = ProductUpdate {
            price: Some(req.price),
            currency: req.currency.clone(),
            name: None,
        };
        self.update_product(sku, &u).await
    }

    async fn links(&self, unlinked_only: bool) -> Result<Vec<LinkView>> {
        let mut out = Vec::new();
        for p in self.store.products()? {
            let v = self.link_view(&p)?;
            if !unlinked_only || v.prom_id.is_none() {
                out.push(v);
            }
        }
        Ok(out)
    }

    async fn link(&self, sku: &str, req: &LinkRequest) -> Result<LinkView> {
        check_prom_id(req.prom_id)
            .map_err(|m| BackofficeError::Invalid(format!("prom_id: {m}")))?;
        let p = self.product(sku)?;
        match self.store.link_of(p.id)? {
            Some(existing) if existing == req.prom_id => return self.link_view(&p),
            Some(existing) if !req.force => {
                return Err(BackofficeError::Conflict(format!(
                    "{} is already linked to Prom product {existing}; unlink it first or force",
                    p.sku
                )));
            }
            Some(_) => {
                // Refuse before unlinking, so a failed force leaves things as they were.
                if let Some(other) = self.store.linked_to_prom(req.prom_id)? {
                    if other != p.id {
                        return Err(BackofficeError::Conflict(format!(
                            "Prom product {} is already linked to another local product",
                            req.prom_id
                        )));
                    }
                }
                self.store.unlink(p.id)?;
            }
            None => {}
        }
        self.store.link(p.id, req.prom_id).map_err(|e| match e {
            crate::store::StoreError::Invalid(m) => BackofficeError::Conflict(m),
            e => e.into(),
        })?;
        // Stored orders with lines for this Prom product now link (and reserve) too.
        if self.store.relink_orders(req.prom_id, &self.policy())? > 0 {
            self.touched();
        }
        self.durable().await?;
        self.link_view(&p)
    }

    async fn unlink(&self, sku: &str) -> Result<LinkView> {
        let p = self.product(sku)?;
        if self.store.unlink(p.id)?.is_none() {
            return Err(BackofficeError::NotFound(format!(
                "{} is not linked",
                p.sku
            )));
        }
        self.durable().await?;
        self.link_view(&p)
    }

    async fn journal(&self, sku: Option<&str>, limit: usize) -> Result<Vec<JournalEntry>> {
        let id = sku.map(|s| self.product(s)).transpose()?.map(|p| p.id);
        Ok(self.store.journal(id, limit.clamp(1, 10_000))?)
    }

    async fn last_runs(&self) -> Result<Vec<JobStatus>> {
        let jobs = self.jobs.read().unwrap_or_else(|p| p.into_inner()).clone();
        jobs.iter()
            .map(|(name, kind, schedule)| {
                Ok(JobStatus {
                    job: name.clone(),
                    kind: kind.clone(),
                    schedule: schedule.clone(),
                    last_run: self.store.last_run(name)?,
                })
            })
            .collect()
    }

    async fn job_runs(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>> {
        let configured: Vec<String> = self
            .jobs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(name, _, _)| name.clone())
            .collect();
        let on_change = [
            crate::jobs::push_stock::ON_CHANGE_JOB,
            crate::jobs::push_prices::ON_CHANGE_JOB,
        ];
        let runs = self.store.runs_of(job, limit.clamp(1, 1000))?;
        // A job no longer configured still shows the runs it left.
        if runs.is_empty() && !configured.iter().any(|j| j == job) && !on_change.contains(&job) {
            return Err(BackofficeError::NotFound(format!(
                "no job named `{job}` (configured: {}; the on-change pushes record as {})",
                if configured.is_empty() {
                    "none".to_string()
                } else {
                    configured
                        .iter()
                        .map(|j| format!("`{j}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                on_change.map(|j| format!("`{j}`")).join(" and ")
            )));
        }
        Ok(runs)
    }

    async fn import_csv(
        &self,
        kind: CsvKind,
        data: &[u8],
        opts: &CsvOptions,
    ) -> Result<ImportReport> {
        let report = csv_io::import(&self.store, kind, data, opts, &self.known_warehouses())?;
        self.durable().await?;
        self.touched();
        Ok(report)
    }

    async fn export_csv(&self, kind: CsvKind) -> Result<String> {
        csv_io::export(&self.store, kind)
    }

    async fn staged(&self, unlinked_only: bool) -> Result<Vec<StagedView>> {
        let mut out = Vec::new();
        for s in self.store.staged()? {
            let linked_sku = match self.store.linked_to_prom(s.prom_id)? {
                Some(id) => self.store.product(id)?.map(|p| p.sku),
                None => None,
            };
            if !unlinked_only || linked_sku.is_none() {
                out.push(StagedView {
                    staged: s,
                    linked_sku,
                });
            }
        }
        Ok(out)
    }

    async fn suggest_links(&self, min_score: f64) -> Result<Vec<Suggestion>> {
        let (staged, locals) = matching::unlinked(&self.store)?;
        Ok(suggest(&staged, &locals, min_score))
    }

    async fn accept_links(&self, req: &AcceptLinks) -> Result<Vec<LinkView>> {
        for id in &req.prom_ids {
            check_prom_id(*id).map_err(|m| BackofficeError::Invalid(format!("prom_ids: {m}")))?;
        }
        let min = if req.prom_ids.is_empty() {
            req.min_score.unwrap_or(0.8)
        } else {
            req.min_score.unwrap_or(0.0)
        };
        let chosen: Vec<Suggestion> = self
            .suggest_links(min)
            .await?
            .into_iter()
            .filter(|s| req.prom_ids.is_empty() || req.prom_ids.contains(&s.prom_id))
            .collect();
        let mut pairs = Vec::new();
        for s in &chosen {
            pairs.push((self.product(&s.local_sku)?.id, s.prom_id));
        }
        self.store.link_many(&pairs)?;
        for (_, prom_id) in &pairs {
            self.store.relink_orders(*prom_id, &self.policy())?;
        }
        self.durable().await?;
        self.touched();
        chosen
            .iter()
            .map(|s| {
                Ok(LinkView {
                    sku: s.local_sku.clone(),
                    name: s.local_name.clone(),
                    prom_id: Some(s.prom_id),
                })
            })
            .collect()
    }

    async fn export_unlinked(&self) -> Result<String> {
        matching::export(&self.store)
    }

    async fn apply_links(&self, data: &[u8]) -> Result<ImportReport> {
        let n = matching::apply(&self.store, data)?;
        for (_, prom_id) in self.store.link_pairs()? {
            self.store.relink_orders(prom_id, &self.policy())?;
        }
        self.durable().await?;
        self.touched();
        Ok(ImportReport {
            rows: n,
            updated: n,
            ..Default::default()
        })
    }

    async fn list_orders(&self, unlinked_only: bool) -> Result<Vec<LocalOrder>> {
        Ok(self
            .store
            .orders()?
            .into_iter()
            .filter(|o| !unlinked_only || o.has_unlinked_lines())
            .collect())
    }

    async fn show_order(&self, prom_id: i64) -> Result<LocalOrder> {
        self.store
            .order(prom_id)?
            .ok_or_else(|| BackofficeError::NotFound(format!("no order {prom_id}")))
    }

    async fn set_order_status(&self, prom_id: i64, req: &OrderStatusSet) -> Result<LocalOrder> {
        let status = req.status.trim();
        if status.is_empty() {
            return Err(BackofficeError::Invalid(
                "a status must not be blank".into(),
            ));
        }
        self.show_order(prom_id).await?;
        let o = self
            .store
            .set_order_status(prom_id, status, &self.policy())?;
        self.durable().await?;
        self.touched();
        Ok(o)
    }
}

/// Parses a decimal price given on the command line or in JSON text.
pub fn parse_price(text: &str) -> Result<Decimal> {
    let p = crate::domain::Money::parse(text);
    match p.amount {
        Some(a) if !a.is_sign_negative() => Ok(a),
        _ => Err(BackofficeError::Invalid(format!("`{text}` is not a price"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_list_twenty_and_count_the_rest_by_row() {
        let mut e = RowErrors::default();
        for row in 2..4_000_002u64 {
            e.add(row, "quantity", "bad");
            if row == 2 {
                e.add(row, "sku", "also bad");
            }
        }
        assert_eq!(e.len(), 20);
        assert_eq!(e.rows_with_errors(), 4_000_000);
        assert_eq!(e.more_rows(), 4_000_000 - 19);
        assert!(
            e.to_string()
                .ends_with("… and 3,999,981 more rows with errors")
        );
        let back = RowErrors::from_parts(e.to_vec(), e.rows_with_errors(), e.more_rows());
        assert_eq!(back.more_rows(), e.more_rows());
        assert_eq!(csv_io::thousands(0), "0");
        assert_eq!(csv_io::thousands(1_000), "1,000");
        assert_eq!(csv_io::thousands(3_999_980), "3,999,980");
    }
}
