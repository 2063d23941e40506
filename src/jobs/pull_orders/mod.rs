//! `pull_orders`: new and changed Prom.ua orders into the back office, each exactly once.
//!
//! The cursor is the newest `date_modified` stored (UTC). Each run reads from the cursor
//! less an overlap window, upserts on the Prom order id, and moves the cursor in the same
//! transaction that stores the orders: a crash before it leaves both as they were, and the
//! next run reads the same orders again. The first run also fixes when order tracking
//! started (its window's start), and reports the open orders older than its window.
//! What a stored order becomes (status conflicts, orders first seen delivered) is decided
//! by `store::merge_order`, which the plan shows.

mod older_open;
mod plan;
mod read;

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

use tokio::sync::Mutex;

use super::runner::{Job, RunEnv};
use super::{JobContext, JobError};
use crate::config::PullOrdersOptions;
use crate::prom::dto::OrderFilter;
use crate::recurring::Recurring;
use crate::report::{ItemWarning, Outcome, RunRecord};
use crate::store::{LocalOrder, OrderUpsert, PullMark, Tracking};
use older_open::search;
pub use plan::{OlderOpen, OrderImport, OrdersPlan, plan};
pub use read::to_local;

/// The pull's plan, and the shop's status list it read (for the apply to keep: a dry
/// run keeps nothing).
pub struct Pulled {
    pub orders: OrdersPlan,
    shop_read: Option<super::shop_statuses::ListRead>,
}

impl From<Pulled> for super::Plan {
    fn from(p: Pulled) -> Self {
        p.orders.into()
    }
}

pub const KIND: &str = "pull_orders";

/// A `pull_orders` job with its options, and a one-off start (`job run NAME --since`).
pub struct PullOrders<'a> {
    pub options: &'a PullOrdersOptions,
    /// Read orders changed since then instead of since the cursor.
    pub since: Option<DateTime<Utc>>,
}

impl<'a> PullOrders<'a> {
    pub fn new(options: &'a PullOrdersOptions) -> Self {
        Self {
            options,
            since: None,
        }
    }
}

impl Job for PullOrders<'_> {
    const KIND: &'static str = KIND;
    type Plan = Pulled;

    fn lock<'c>(&self, ctx: &'c JobContext) -> Option<&'c Arc<Mutex<()>>> {
        Some(&ctx.orders_lock)
    }

    async fn plan(&self, env: &RunEnv<'_>, r: &mut RunRecord) -> Result<Option<Pulled>, JobError> {
        let (ctx, client) = (env.ctx, env.client()?);
        let (cursor, tracking) = ctx
            .blocking(|s| Ok((s.orders_cursor()?, s.orders_tracking()?)))
            .await?;
        // A first pull fixes when tracking starts: its window, never an arbitrary `--since`.
        let first = tracking.is_none() && cursor.is_none();
        if first && self.since.is_some() {
            r.outcome = Outcome::Failed;
            r.error = Some(format!(
                "--since imports older orders after a first pull: run `job run {}` once without it (it reads the last initial_days = {} days)",
                r.job, self.options.initial_days
            ));
            return Ok(None);
        }
        let window = r.started_at - Duration::days(i64::from(self.options.initial_days));
        let from = match (self.since, cursor) {
            (Some(since), _) => since,
            (None, Some(c)) => c - Duration::minutes(i64::from(self.options.overlap_minutes)),
            (None, None) => window,
        };
        // A store from before tracking was recorded has tracked at least since its cursor.
        let mut tracking = tracking.unwrap_or(Tracking {
            since: cursor.unwrap_or(window),
            open_at_start: Vec::new(),
        });
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
        // The shop's statuses before anything is planned: the titles a configuration
        // names resolve to the names orders show (the search below filters by them).
        let shown: Vec<String> = orders
            .iter()
            .filter_map(|o| o.status.as_ref().map(|s| s.as_str().to_string()))
            .collect();
        let (shop, shop_read) = super::shop_statuses::read(env, r, &shown).await?;
        let base = ctx.sync.reservation_policy();
        let policy = base.for_shop(shop.as_ref());
        let older_open = if first {
            let search = search(&base, shop.as_ref());
            r.notes.extend(search.skipped_note(shop.as_ref()));
            let o = older_open::older_open(env, &search.statuses, from).await?;
            // Open when tracking started: their delivery moves stock, imported or not.
            tracking.open_at_start = o.ids.clone();
            Some(o)
        } else {
            None
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
                Ok(plan(
                    &read,
                    |id| stored.get(&id).cloned(),
                    &tracking,
                    &policy,
                ))
            })
            .await?;
        plan.older_open = older_open.filter(|o| !o.ids.is_empty() || o.error.is_some());
        // The newest change read: the next run starts from it (less the overlap). A run
        // that read nothing still read from `from`: else a quiet shop's next run would
        // take a fresh first window and skip what changed in between. A `--since` run
        // leaves the cursor alone: moving it forward would skip what it did not read.
        plan.newest = if self.since.is_some() {
            None
        } else {
            orders
                .iter()
                .filter_map(|o| o.date_modified)
                .map(|t| t.with_timezone(&Utc))
                .chain([from])
                .max()
        };
        if let Some(max) = self
            .options
            .max_changes
            .filter(|max| plan.imports.len() > *max)
        {
            plan.guarded = Some(format!(
                "would store {} orders, more than max_changes = {max}",
                plan.imports.len()
            ));
        }
        if let Some(o) = &plan.older_open {
            r.notes.push(o.message(&r.job));
        }
        r.failed.extend(plan.rejected.iter().cloned());
        r.considered = plan.read;
        r.planned = plan.imports.len();
        Ok(Some(Pulled {
            orders: plan,
            shop_read,
        }))
    }

    fn guarded(plan: &Pulled) -> Option<String> {
        plan.orders.guarded.clone()
    }

    async fn apply(
        &self,
        plan: Pulled,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        let ctx = env.ctx;
        // The shop's own statuses first (not in the orders' transaction): what the orders
        // are settled under resolves the titles a status map names.
        let shop = super::shop_statuses::keep(env, plan.shop_read).await?;
        let policy = ctx.sync.reservation_policy().for_shop(shop.as_ref());
        let plan = plan.orders;
        let warehouses = ctx.sync.warehouses.clone();
        let OrdersPlan {
            to_store,
            newest,
            tracking,
            ..
        } = plan;
        let mark = PullMark {
            cursor: newest,
            tracking,
        };
        // Settle what the last run or a settings change left owing; then one transaction
        // with the cursor; then the re-links its new links owe and the products now
        // short of stock.
        let job = r.job.clone();
        let (resettled, ups, short, settled) = ctx
            .blocking(move |s| {
                s.finish_relinks(&policy)?;
                let resettled = s.resettle_orders(&policy)?;
                let ups = s.upsert_orders(&to_store, &policy, &mark)?;
                s.finish_relinks(&policy)?;
                let mut touched: Vec<u64> =
                    ups.iter().flat_map(|u| u.touched.iter().copied()).collect();
                touched.sort_unstable();
                touched.dedup();
                let short = s.short_of_stock(&touched, &warehouses)?;
                let settled = settled_since_warned(s, &job, &ups)?;
                Ok((resettled, ups, short, settled))
            })
            .await?;
        if resettled > 0 {
            r.notes.push(format!(
                "the order status settings changed: {resettled} stored order(s) now hold or ship under the new ones"
            ));
        }
        ctx.store.flush().await?;
        ctx.notify_changed();
        r.confirmed = r.planned;
        let mut unlinked = Recurring::new(
            "order(s) with unlinked lines",
            ctx.command("orders list --unlinked"),
            false,
        );
        for u in &ups {
            let key = format!("order {}", u.prom_id);
            if u.unlinked_lines == 0 {
                unlinked.cleared.push(key);
                continue;
            }
            let note = format!(
                "order {}: {} line(s) match no local product (see `orders list --unlinked`)",
                u.prom_id, u.unlinked_lines
            );
            unlinked.push(key.clone(), note.clone());
            r.notes.push(note);
        }
        let warned = ups.iter().flat_map(warnings);
        for w in warned {
            if w.kind == "unlinked_line" {
                unlinked.push(w.subject.clone(), w.message.clone());
            }
            r.warnings.push(w);
        }
        unlinked.cleared.extend(settled);
        r.recurring = Some(unlinked);
        r.warnings.extend(short.iter().map(|s| ItemWarning {
            subject: s.sku.clone(),
            prom_id: 0,
            kind: "shortfall".into(),
            message: s.message(),
        }));
        Ok(())
    }
}

/// What a stored order is worth a warning for.
/// Orders warned of before that this run did not read, whose lines are now all linked
/// (by hand, by a relink after an import) or that are gone: forgotten, so the memory does
/// not grow with the shop's history and a new unlinked line on them warns again. One
/// point read per order still remembered.
fn settled_since_warned(
    s: &crate::store::Store,
    job: &str,
    ups: &[OrderUpsert],
) -> Result<Vec<String>, crate::store::StoreError> {
    let mut settled = Vec::new();
    for key in s.warned_of(job)? {
        let Some(id) = key
            .strip_prefix("order ")
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        if ups.iter().any(|u| u.prom_id == id) {
            continue;
        }
        if !s.order(id)?.is_some_and(|o| o.has_unlinked_lines()) {
            settled.push(key);
        }
    }
    Ok(settled)
}

fn warnings(u: &OrderUpsert) -> Vec<ItemWarning> {
    let item = |kind: &str, message: String| ItemWarning {
        subject: format!("order {}", u.prom_id),
        prom_id: u.prom_id,
        kind: kind.into(),
        message,
    };
    let mut out = Vec::new();
    if let Some(c) = &u.conflict {
        out.push(item("status_conflict", c.message()));
    }
    if u.history {
        out.push(item(
            "history",
            format!(
                "order {}: first seen done, created before order tracking started: taken as history, its stock is not moved",
                u.prom_id
            ),
        ));
    }
    if let Some(s) = &u.unknown_status {
        out.push(item(
            "unknown_status",
            format!(
                "order {}: status `{s}` is named in no [sync] status list: the order keeps what it held or shipped; name it in reserve_statuses (holds), shipped_statuses (after delivery) or release_statuses (holds nothing)",
                u.prom_id
            ),
        ));
    }
    for (line, sku, prom) in &u.unseen_lines {
        out.push(item(
            "unlinked_line",
            format!(
                "order {} line {line}: SKU {sku} is a local product, but no catalogue read showed Prom product {prom}: the line is not linked (run an import_products job, or `links link {sku} {prom} --force`)",
                u.prom_id
            ),
        ));
    }
    out
}
