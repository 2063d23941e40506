//! `pull_orders`: new and changed Prom.ua orders into the back office, each exactly once.
//!
//! The cursor is the newest `date_modified` stored (UTC). Each run reads from the cursor
//! less an overlap window, upserts on the Prom order id, and moves the cursor in the same
//! transaction that stores the orders: a crash before it leaves both as they were, and the
//! next run reads the same orders again.

use std::fmt;

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::JobError;
use super::runner::{Job, RunEnv};
use crate::config::PullOrdersOptions;
use crate::prom::dto::{Order, OrderFilter};
use crate::report::{Outcome, RunRecord};
use crate::store::{LocalLine, LocalOrder};

pub const KIND: &str = "pull_orders";

/// Prom's order as the back office keeps it (before its lines are linked).
pub fn to_local(o: &Order, now: chrono::DateTime<Utc>) -> LocalOrder {
    let status = o
        .status
        .as_ref()
        .map_or_else(|| "pending".to_string(), |s| s.as_str().to_string());
    let client = [
        &o.client_first_name,
        &o.client_second_name,
        &o.client_last_name,
    ]
    .iter()
    .filter_map(|p| p.as_deref())
    .filter(|p| !p.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    LocalOrder {
        prom_id: o.id,
        prom_status: Some(status.clone()),
        prom_status_unconfirmed: false,
        status,
        status_pending: false,
        created_at: o.date_created,
        modified_at: o.date_modified,
        client,
        phone: o.phone.clone(),
        email: o.email.clone(),
        total: o.price.clone(),
        lines: o
            .products
            .iter()
            .map(|l| LocalLine {
                prom_product_id: l.id,
                sku: l.sku.clone(),
                name: l.name.clone().unwrap_or_default(),
                quantity: l.quantity.unwrap_or(Decimal::ONE),
                price: l.price.clone(),
                product_id: None,
            })
            .collect(),
        reserved: Vec::new(),
        stock_moved: false,
        shipped: Vec::new(),
        adopted_done: false,
        imported_at: now,
        updated_at: now,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderImport {
    pub prom_id: i64,
    /// `new` or `changed`.
    pub action: &'static str,
    pub status: String,
    pub before_status: Option<String>,
    pub lines: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdersPlan {
    /// Orders read from Prom.ua.
    pub read: usize,
    pub imports: Vec<OrderImport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
    /// The orders to store (new or newer than the stored copy).
    #[serde(skip)]
    pub to_store: Vec<LocalOrder>,
    /// The newest change read: the cursor once stored.
    #[serde(skip)]
    pub newest: Option<chrono::DateTime<Utc>>,
}

impl fmt::Display for OrdersPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pull_orders plan: {} orders read, {} to store",
            self.read,
            self.imports.len()
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would store nothing")?;
        }
        if self.imports.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "{:>12}  {:<8}  {:<12}  {:<12}  {:>5}",
            "ORDER", "ACTION", "BEFORE", "AFTER", "LINES"
        )?;
        for i in &self.imports {
            writeln!(
                f,
                "{:>12}  {:<8}  {:<12}  {:<12}  {:>5}",
                i.prom_id,
                i.action,
                i.before_status.as_deref().unwrap_or("-"),
                i.status,
                i.lines
            )?;
        }
        Ok(())
    }
}

/// Pure: which read orders are new or changed against the store's copies.
pub fn plan(read: &[LocalOrder], stored: impl Fn(i64) -> Option<LocalOrder>) -> OrdersPlan {
    let mut imports = Vec::new();
    let mut to_store = Vec::new();
    for o in read {
        let old = stored(o.prom_id);
        let action = match &old {
            None => "new",
            // Only a newer version replaces what is stored: a read that raced a later change
            // (or an overlap re-read) never rolls an order back.
            Some(old) if o.modified_at > old.modified_at => "changed",
            Some(old) if o.modified_at == old.modified_at && old.prom_status != o.prom_status => {
                "changed"
            }
            Some(_) => continue,
        };
        imports.push(OrderImport {
            prom_id: o.prom_id,
            action,
            status: o.status.clone(),
            before_status: old.map(|o| o.status),
            lines: o.lines.len(),
        });
        to_store.push(o.clone());
    }
    imports.sort_by_key(|i| i.prom_id);
    OrdersPlan {
        read: read.len(),
        imports,
        guarded: None,
        to_store,
        newest: None,
    }
}

/// A `pull_orders` job with its options.
pub struct PullOrders<'a>(pub &'a PullOrdersOptions);

impl Job for PullOrders<'_> {
    const KIND: &'static str = KIND;
    type Plan = OrdersPlan;

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<OrdersPlan>, JobError> {
        let (ctx, client) = (env.ctx, env.client()?);
        let cursor = ctx.blocking(|s| s.orders_cursor()).await?;
        let from = cursor.map_or_else(
            || r.started_at - Duration::days(i64::from(self.0.initial_days)),
            |c| c - Duration::minutes(i64::from(self.0.overlap_minutes)),
        );
        let filter = OrderFilter {
            last_modified_from: Some(from),
            ..Default::default()
        };
        let orders = match client.all_orders(&filter).await {
            Ok(o) => o,
            Err(e) => {
                r.outcome = Outcome::Failed;
                r.error = Some(e.to_string());
                return Ok(None);
            }
        };
        let started = r.started_at;
        let read: Vec<LocalOrder> = orders.iter().map(|o| to_local(o, started)).collect();
        // A stored order that cannot be read stops the run: never overwrite it as "new".
        let mut plan = ctx
            .blocking(move |s| {
                let mut stored = std::collections::HashMap::new();
                for o in &read {
                    if let Some(old) = s.order(o.prom_id)? {
                        stored.insert(o.prom_id, old);
                    }
                }
                Ok(plan(&read, |id| stored.get(&id).cloned()))
            })
            .await?;
        // The newest change read: the next run starts from it (less the overlap).
        plan.newest = orders
            .iter()
            .filter_map(|o| o.date_modified)
            .max()
            .map(|t| t.with_timezone(&Utc));
        if let Some(max) = self.0.max_changes.filter(|max| plan.imports.len() > *max) {
            plan.guarded = Some(format!(
                "would store {} orders, more than max_changes = {max}",
                plan.imports.len()
            ));
        }
        r.considered = plan.read;
        r.planned = plan.imports.len();
        Ok(Some(plan))
    }

    fn guarded(plan: &OrdersPlan) -> Option<String> {
        plan.guarded.clone()
    }

    async fn apply(
        &self,
        plan: OrdersPlan,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        let ctx = env.ctx;
        let policy = ctx.sync.reservation_policy();
        let OrdersPlan {
            to_store, newest, ..
        } = plan;
        // One transaction with the cursor; then what the stored orders left unlinked.
        let unlinked = ctx
            .blocking(move |s| {
                s.upsert_orders(&to_store, &policy, newest)?;
                let mut unlinked = Vec::new();
                for o in &to_store {
                    if let Some(stored) = s.order(o.prom_id)? {
                        let n = stored
                            .lines
                            .iter()
                            .filter(|l| l.product_id.is_none())
                            .count();
                        unlinked.push((o.prom_id, n));
                    }
                }
                Ok(unlinked)
            })
            .await?;
        ctx.store.flush().await?;
        ctx.notify_changed();
        r.confirmed = r.planned;
        for (order, n) in unlinked.into_iter().filter(|(_, n)| *n > 0) {
            r.notes.push(format!(
                "order {order}: {n} line(s) match no local product (see `orders list --unlinked`)"
            ));
        }
        Ok(())
    }
}
