//! `import_products`: bring a Prom.ua catalogue and the back office together, matching
//! products by identical SKU (without invisible characters at the ends). Four modes:
//! `update_balances`, `create_missing`, `link_only`, `stage`. Hard cases (blank SKU, a SKU
//! on two Prom products, a SKU taken by a product linked elsewhere, a SKU that changed on
//! Prom since linking, a SKU that only looks like another, a field or a quantity that is
//! not usable) are reported in every mode, never guessed. A second run with nothing
//! changed on either side changes nothing. `update_balances` shares the stock figure with
//! push_stock and never feeds its output back in (`balances.rs`).
//! Linked and staged Prom products the walk did not show are asked for by id (`gone`):
//! those Prom.ua answers 404 for are flagged gone, and their staged rows dropped.

mod balances;
pub(crate) mod gone;
mod identity;
mod plan;
mod readable;
mod sku_words;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Mutex;

use balances::Feedback;

pub use plan::{Action, HardCase, HardCaseKind, ImportItem, ImportPlan, LocalView, plan};

use super::progress::Progress;
use super::runner::{Job, RunEnv};
use super::{JobContext, JobError, Plan};
use crate::config::{ImportMode, ImportProductsOptions};
use crate::prom::dto::Product as PromProduct;
use crate::report::{Outcome, RunRecord};
use crate::store::{Actor, NewProduct, StagedProduct, StockChange, Store, StoreError};

pub const KIND: &str = "import_products";

/// A job's plan with what applying it needs: the Prom.ua products read and the back
/// office's view they were planned against.
pub struct ImportWork {
    pub plan: ImportPlan,
    prom: Vec<PromProduct>,
    local: LocalView,
    warehouse: String,
    /// Linked or staged Prom ids Prom.ua answered 404 for.
    gone: Vec<i64>,
}

impl From<ImportWork> for Plan {
    fn from(w: ImportWork) -> Plan {
        Plan::ImportProducts(w.plan)
    }
}

/// An `import_products` job with its options.
pub struct ImportProducts<'a>(pub &'a ImportProductsOptions);

impl Job for ImportProducts<'_> {
    const KIND: &'static str = KIND;
    type Plan = ImportWork;

    /// `update_balances` reads the stock snapshots and writes stock: it holds the stock
    /// lock, so that it never plans against a push in flight.
    fn lock<'c>(&self, ctx: &'c JobContext) -> Option<&'c Arc<Mutex<()>>> {
        (self.0.mode == ImportMode::UpdateBalances).then_some(&ctx.stock_lock)
    }

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<ImportWork>, JobError> {
        let (ctx, client) = (env.ctx, env.client()?);
        let warehouse = self
            .0
            .warehouse
            .clone()
            .unwrap_or_else(|| ctx.sync.warehouses[0].clone());
        let mut progress = Progress::new(ctx.interactive, "Prom.ua products read");
        let fetched = client
            .all_products_with_progress(&mut |n| progress.at(n, "Prom.ua products read"))
            .await;
        progress.done();
        let prom = match fetched {
            Ok(p) => p,
            Err(e) => {
                r.outcome = Outcome::Failed;
                r.error = Some(e.to_string());
                return Ok(None);
            }
        };
        let from = warehouse.clone();
        let mut local = ctx.blocking(move |s| LocalView::load(s, &from)).await?;
        // Products missing from the walk are asked for by id; those found deleted free
        // their local products for linking in this very plan.
        let walked: HashSet<i64> = prom.iter().map(|p| p.id).collect();
        let check = gone::check(client, gone::unlisted(&walked, &local)).await;
        let now = Utc::now();
        local.gone.extend(check.gone.iter().map(|id| (*id, now)));
        let back: Vec<i64> = local
            .gone
            .keys()
            .filter(|id| walked.contains(id))
            .copied()
            .collect();
        for id in &back {
            local.gone.remove(id);
        }
        if self.0.mode == ImportMode::UpdateBalances {
            let (from, sync) = (warehouse.clone(), ctx.sync.clone());
            // The SKUs on Prom.ua: unlinked local products with one may be linked by this run.
            let skus: HashSet<String> = prom
                .iter()
                .filter_map(|p| identity::prom_sku(p).map(str::to_string))
                .collect();
            local = ctx
                .blocking(move |s| {
                    local.feedback = Feedback::load(s, &local, &from, &sync, &skus)?;
                    Ok(local)
                })
                .await?;
        }
        let mut plan = plan(self.0.mode, &prom, &local);
        plan.hard_cases.extend(check.hard_cases(&local, &plan));
        if let Some(max) = self.0.max_changes.filter(|m| plan.items.len() > *m) {
            plan.guarded = Some(format!(
                "would make {} changes, more than max_changes = {max}",
                plan.items.len()
            ));
        }
        r.considered = plan.read;
        r.planned = plan.items.len();
        r.notes = plan
            .hard_cases
            .iter()
            .map(|h| format!("Prom product {}: {}", h.prom_id, h.detail))
            .collect();
        let list_with = ctx.command(&format!("job run {} --dry-run", r.job));
        r.recurring = Some(recurring(list_with, &plan.hard_cases, &r.notes));
        r.notes.extend(check.notes());
        r.notes.extend(back.iter().map(|id| {
            format!(
                "Prom product {id}: listed again on Prom.ua: no longer taken for deleted; the pushes send it again"
            )
        }));
        Ok(Some(ImportWork {
            plan,
            prom,
            local,
            warehouse,
            gone: check.gone,
        }))
    }

    fn guarded(work: &ImportWork) -> Option<String> {
        work.plan.guarded.clone()
    }

    async fn apply(
        &self,
        work: ImportWork,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        let ctx = env.ctx;
        let planned = work.plan.items.len();
        let reason = format!("import_products {}", r.job);
        let (started, policy) = (r.started_at, ctx.order_policy().await?);
        // The marks the walk read are written with no stock push between their check
        // (`record_prom_shown_walked`) and their write; update_balances holds the lock.
        let _stock = match self.0.mode {
            ImportMode::UpdateBalances => None,
            _ => Some(ctx.stock_lock.lock().await),
        };
        ctx.blocking(move |s| write(s, &work, &reason, started, &policy))
            .await?;
        drop(_stock);
        ctx.store.flush().await?;
        ctx.notify_changed();
        // Linked products with no stock recorded are not pushed: say so, and what to do.
        let warehouses = ctx.sync.warehouses.clone();
        let unrecorded = ctx
            .blocking(move |s| {
                let rows = s.linked_stock(&warehouses)?;
                Ok(rows.iter().filter(|row| !row.recorded).count())
            })
            .await?;
        if unrecorded > 0 {
            r.notes.push(format!(
                "{unrecorded} linked product(s) have no stock recorded yet in {}: push_stock does not send them until their stock is recorded (`stock set`, a stock CSV, or an import_products job with mode = \"update_balances\")",
                ctx.sync.warehouses.join(", ")
            ));
        }
        r.confirmed = planned;
        Ok(())
    }
}

/// The hard cases as recurring items (warned of once by the daemon's log): the whole
/// catalogue was walked, so those not met are resolved. A hard case is the same while its
/// Prom product and its kind are (its detail may carry figures that change).
fn recurring(
    list_with: String,
    hard: &[plan::HardCase],
    notes: &[String],
) -> crate::recurring::Recurring {
    let mut out = crate::recurring::Recurring::new("hard case(s)", list_with, true);
    for (h, note) in hard.iter().zip(notes) {
        out.push(format!("prom {} {:?}", h.prom_id, h.kind), note.clone());
    }
    out
}

/// Writes a plan to the store (on the blocking pool): new products, links, balances,
/// staging, then the orders waiting on the newly linked products.
fn write(
    store: &Store,
    work: &ImportWork,
    reason: &str,
    started: chrono::DateTime<Utc>,
    policy: &crate::domain::ReservationPolicy,
) -> Result<(), StoreError> {
    let ImportWork {
        plan,
        prom,
        local,
        warehouse,
        gone,
    } = work;
    let by_id: HashMap<i64, &PromProduct> = prom.iter().map(|p| (p.id, p)).collect();
    // 0. What the walk showed (seen; no longer gone) and what Prom.ua deleted (gone, its
    // staged rows dropped): before the links, which replace links to gone products.
    let shown: Vec<i64> = prom.iter().map(|p| p.id).collect();
    store.record_walk(&shown)?;
    // Their external ids, for stock sent through `edit_by_external_id` (`stock_route.rs`).
    let external: Vec<(i64, Option<&str>)> = prom
        .iter()
        .map(|p| (p.id, p.external_id.as_deref()))
        .collect();
    store.record_external_ids(&external)?;
    // Their presence and status, for push_stock's presence rules (`keep_presence`, hiding).
    let marks: Vec<(i64, Option<&str>, Option<&str>)> = prom
        .iter()
        .map(|p| (p.id, p.presence.as_deref(), p.status.as_deref()))
        .collect();
    store.record_prom_shown_walked(&marks, started)?;
    store.mark_gone(gone, started)?;
    let items = |a: Action| plan.items.iter().filter(move |i| i.action == a);
    // 1. New local products, in one transaction.
    let creates: Vec<&ImportItem> = items(Action::Create).collect();
    let new: Vec<NewProduct> = creates
        .iter()
        .map(|i| {
            let p = by_id[&i.prom_id];
            NewProduct {
                sku: i.prom_sku.clone().unwrap_or_default(),
                name: if i.name.trim().is_empty() {
                    i.prom_sku.clone().unwrap_or_default()
                } else {
                    i.name.clone()
                },
                price: p.price,
                currency: p.currency.clone(),
            }
        })
        .collect();
    let created = store.add_products(&new)?;
    // 2. Links, in one transaction.
    let mut pairs: Vec<(u64, i64)> = created
        .iter()
        .zip(&creates)
        .map(|(p, i)| (p.id, i.prom_id))
        .collect();
    for i in items(Action::Link) {
        let id = local.by_sku[i.local_sku.as_deref().unwrap_or_default()];
        pairs.push((id, i.prom_id));
    }
    store.link_many(&pairs)?;
    // 3. Balances. Products created get no stock row: their stock is not known yet (a
    // recorded 0 would be pushed to Prom.ua as "out of stock").
    let changes: Vec<StockChange> = items(Action::Stock)
        .filter_map(|i| {
            let id = local.by_prom.get(&i.prom_id).copied().or_else(|| {
                // The view keys local SKUs as matching cleans them.
                i.local_sku
                    .as_deref()
                    .and_then(crate::domain::sku::clean)
                    .and_then(|s| local.by_sku.get(s).copied())
            })?;
            Some(StockChange::Set {
                product_id: id,
                warehouse: warehouse.clone(),
                quantity: i.after?,
            })
        })
        .collect();
    store.apply_stock_changes(&changes, Actor::Import, Some(reason))?;
    // 4. Staging.
    let staged: Vec<StagedProduct> = items(Action::Stage)
        .map(|i| {
            let p = by_id[&i.prom_id];
            StagedProduct {
                prom_id: p.id,
                sku: i.prom_sku.clone(),
                name: i.name.clone(),
                other_names: p.other_names(),
                price: p.price,
                currency: p.currency.clone(),
                quantity: readable::stock(p),
                staged_at: started,
            }
        })
        .collect();
    store.put_staged(&staged)?;
    // Orders waiting on these Prom products link now.
    for (_, prom_id) in &pairs {
        store.relink_orders(*prom_id, policy)?;
    }
    Ok(())
}
