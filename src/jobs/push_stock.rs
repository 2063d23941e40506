//! `push_stock`: Prom.ua's `quantity_in_stock` and `presence` follow local stock.
//!
//! quantity = stock summed over `[sync] warehouses`, never below 0; presence is
//! `available` above 0, else `not_available`. Only items whose wanted values differ
//! from the snapshot (what Prom last confirmed) are sent, in batches; a snapshot is
//! written only for ids Prom lists in `processed_ids`.

use std::collections::HashSet;
use std::fmt;

use chrono::Utc;
use futures::StreamExt;
use serde::Serialize;

use super::{JobContext, JobError, JobRun, Plan, empty_record, skipped};
use crate::config::PushStockOptions;
use crate::prom::dto::{AVAILABLE, EditResult, NOT_AVAILABLE, ProductPatch};
use crate::prom::{PromClient, PromError};
use crate::report::{ItemFailure, Outcome, RunRecord};
use crate::store::{LinkedStock, StockSnapshot, Store};

pub const KIND: &str = "push_stock";

/// One intended change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockChange {
    pub product_id: u64,
    pub sku: String,
    pub prom_id: i64,
    /// What Prom last confirmed, if anything.
    pub before_quantity: Option<i64>,
    pub before_presence: Option<String>,
    pub quantity: i64,
    pub presence: &'static str,
    /// The snapshot is marked unconfirmed (a push of it was interrupted).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

impl StockChange {
    fn patch(&self) -> ProductPatch {
        ProductPatch {
            quantity_in_stock: Some(self.quantity),
            presence: Some(self.presence.to_string()),
            ..ProductPatch::new(self.prom_id)
        }
    }

    fn why(&self) -> String {
        if self.unconfirmed {
            return "last push not confirmed: Prom.ua may show another value".to_string();
        }
        match (self.before_quantity, &self.before_presence) {
            (None, _) => "never confirmed by Prom.ua".to_string(),
            (Some(q), _) if q != self.quantity => "quantity changed".to_string(),
            _ => "presence changed".to_string(),
        }
    }
}

/// The plan of one run: the linked products looked at and the changes to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockPlan {
    pub considered: usize,
    pub changes: Vec<StockChange>,
    /// Linked products with no stock recorded in any pushed warehouse: not sent.
    pub unrecorded: usize,
    /// Why a guard would stop this plan, if one would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
}

/// The guards of a push_stock job against a plan: the reason it must not be applied.
pub fn guard(plan: &StockPlan, opts: &PushStockOptions) -> Option<String> {
    if let Some(max) = opts.max_changes {
        if plan.changes.len() > max {
            return Some(format!(
                "would change {} products, more than max_changes = {max}",
                plan.changes.len()
            ));
        }
    }
    if let Some(max) = opts.max_zero_share_percent {
        let zeroing = plan
            .changes
            .iter()
            .filter(|c| c.quantity == 0 && c.before_quantity != Some(0))
            .count();
        if plan.considered > 0 {
            let share = rust_decimal::Decimal::from(zeroing * 100)
                / rust_decimal::Decimal::from(plan.considered);
            if share > max {
                return Some(format!(
                    "would set {zeroing} of {} linked products to zero stock ({}%), more than max_zero_share_percent = {max}",
                    plan.considered,
                    share.round_dp(1)
                ));
            }
        }
    }
    None
}

/// What Prom should show for a local stock level.
pub fn wanted(stock: i64) -> (i64, &'static str) {
    let quantity = stock.max(0);
    (
        quantity,
        if quantity > 0 {
            AVAILABLE
        } else {
            NOT_AVAILABLE
        },
    )
}

/// Pure: which linked products need sending. The quantity offered is the stock less
/// what open orders reserve and less the safety buffer. A product whose stock was never
/// recorded is not sent (unknown is not zero) unless `unrecorded_as_zero`.
pub fn plan(rows: &[LinkedStock], safety_buffer: i64, unrecorded_as_zero: bool) -> StockPlan {
    let mut unrecorded = 0;
    let changes = rows
        .iter()
        .filter_map(|row| {
            if !row.recorded && !unrecorded_as_zero {
                unrecorded += 1;
                return None;
            }
            let (quantity, presence) = wanted(
                row.stock
                    .saturating_sub(row.reserved)
                    .saturating_sub(safety_buffer),
            );
            let snap = row.snapshot.as_ref().filter(|s| s.prom_id == row.prom_id);
            if snap
                .is_some_and(|s| !s.unconfirmed && s.quantity == quantity && s.presence == presence)
            {
                return None;
            }
            Some(StockChange {
                product_id: row.product_id,
                sku: row.sku.clone(),
                prom_id: row.prom_id,
                before_quantity: snap.map(|s| s.quantity),
                before_presence: snap.map(|s| s.presence.clone()),
                quantity,
                presence,
                unconfirmed: snap.is_some_and(|s| s.unconfirmed),
            })
        })
        .collect();
    StockPlan {
        considered: rows.len(),
        changes,
        unrecorded,
        guarded: None,
    }
}

impl StockPlan {
    /// What the plan says of products with no stock recorded, if there are any.
    pub fn unrecorded_note(&self, warehouses: &[String]) -> Option<String> {
        (self.unrecorded > 0).then(|| {
            format!(
                "{} linked product(s) have no stock recorded yet in {}: not pushed (record their stock with `stock set` or a stock CSV, or set push_unrecorded_as_zero = true on the job to push them as 0)",
                self.unrecorded,
                warehouses.join(", ")
            )
        })
    }
}

impl fmt::Display for StockPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "push_stock plan: {} linked products, {} to send in {} request(s)",
            self.considered,
            self.changes.len(),
            self.changes.len().div_ceil(crate::config::MAX_BATCH)
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would send nothing")?;
        }
        if self.unrecorded > 0 {
            writeln!(
                f,
                "no stock recorded yet: {} linked product(s), not sent",
                self.unrecorded
            )?;
        }
        if self.changes.is_empty() {
            return Ok(());
        }
        let w = self
            .changes
            .iter()
            .map(|c| c.sku.chars().count())
            .max()
            .unwrap_or(3)
            .max(3);
        writeln!(
            f,
            "{:<w$}  {:>12}  {:<22}  {:<22}  WHY",
            "SKU", "PROM ID", "BEFORE", "AFTER"
        )?;
        for c in &self.changes {
            let before = match (c.before_quantity, &c.before_presence) {
                (Some(q), Some(p)) => format!("{q} {p}"),
                _ => "-".to_string(),
            };
            writeln!(
                f,
                "{:<w$}  {:>12}  {:<22}  {:<22}  {}",
                c.sku,
                c.prom_id,
                before,
                format!("{} {}", c.quantity, c.presence),
                c.why()
            )?;
        }
        Ok(())
    }
}

/// Reads the store off the async threads: a full scan can take a while.
async fn load(store: &Store, warehouses: &[String]) -> Result<Vec<LinkedStock>, JobError> {
    let store = store.clone();
    let warehouses = warehouses.to_vec();
    Ok(tokio::task::spawn_blocking(move || store.linked_stock(&warehouses)).await??)
}

pub async fn run(
    job: &str,
    opts: &PushStockOptions,
    ctx: &JobContext,
    dry_run: bool,
) -> Result<JobRun, JobError> {
    if !ctx.sync.update_balances && !dry_run {
        return Ok(skipped(job, KIND, "update_balances"));
    }
    let started_at = Utc::now();
    let _sending = if dry_run {
        None
    } else {
        Some(ctx.stock_lock.lock().await)
    };
    let rows = load(&ctx.store, &ctx.sync.warehouses).await?;
    let mut plan = plan(&rows, ctx.sync.safety_buffer, opts.push_unrecorded_as_zero);
    plan.guarded = guard(&plan, opts);
    let note = plan.unrecorded_note(&ctx.sync.warehouses);
    if dry_run {
        let mut record = empty_record(job, KIND, Outcome::DryRun, None);
        record.started_at = started_at;
        record.considered = plan.considered;
        record.planned = plan.changes.len();
        record.notes.extend(note);
        return Ok(JobRun {
            record,
            plan: Some(Plan::PushStock(plan)),
        });
    }
    if let Some(why) = plan.guarded.clone() {
        let mut record = empty_record(job, KIND, Outcome::Guarded, Some(why));
        record.started_at = started_at;
        record.considered = plan.considered;
        record.planned = plan.changes.len();
        record.notes.extend(note);
        return Ok(JobRun { record, plan: None });
    }
    let mut run = send(job, plan, opts, ctx, started_at).await?;
    run.record.notes.extend(note);
    Ok(run)
}

/// Job name of the runs the on-change push records.
pub const ON_CHANGE_JOB: &str = "on_change_stock";

/// The on-change push: sends the products whose stock changed since the last take of
/// the dirty set, if any. Runs under the same lock as the scheduled push.
pub async fn run_on_change(ctx: &JobContext) -> Result<Option<RunRecord>, JobError> {
    if !ctx.sync.update_balances {
        return Ok(None);
    }
    let _sending = ctx.stock_lock.lock().await;
    let dirty_ids = ctx.store.take_dirty(crate::store::DIRTY_STOCK)?;
    if dirty_ids.is_empty() {
        return Ok(None);
    }
    let dirty: HashSet<u64> = dirty_ids.iter().copied().collect();
    let started_at = Utc::now();
    let all = match load(&ctx.store, &ctx.sync.warehouses).await {
        Ok(rows) => rows,
        Err(e) => {
            ctx.store
                .mark_dirty_ids(&dirty_ids, crate::store::DIRTY_STOCK)?;
            return Err(e);
        }
    };
    let considered = all.len();
    let rows: Vec<LinkedStock> = all
        .into_iter()
        .filter(|r| dirty.contains(&r.product_id))
        .collect();
    let mut plan = plan(
        &rows,
        ctx.sync.safety_buffer,
        ctx.on_change_guard.push_unrecorded_as_zero,
    );
    // The guards judge against the whole linked catalogue, as the scheduled push does.
    plan.considered = considered;
    plan.guarded = guard(&plan, &ctx.on_change_guard);
    if let Some(why) = plan.guarded.clone() {
        ctx.store
            .mark_dirty_ids(&dirty_ids, crate::store::DIRTY_STOCK)?;
        let mut record = empty_record(ON_CHANGE_JOB, KIND, Outcome::Guarded, Some(why));
        record.started_at = started_at;
        record.considered = considered;
        record.planned = plan.changes.len();
        ctx.store.record_run(&record)?;
        return Ok(Some(record));
    }
    let wanted: Vec<(u64, i64, &'static str)> = plan
        .changes
        .iter()
        .map(|c| (c.product_id, c.quantity, c.presence))
        .collect();
    let run = match send(
        ON_CHANGE_JOB,
        plan,
        &PushStockOptions::default(),
        ctx,
        started_at,
    )
    .await
    {
        Ok(run) => run,
        Err(e) => {
            // Whatever was taken goes back: the next push sends it.
            ctx.store
                .mark_dirty_ids(&dirty_ids, crate::store::DIRTY_STOCK)?;
            return Err(e);
        }
    };
    // Whatever Prom did not confirm stays marked for the next push.
    let mut again = Vec::new();
    for (id, q, presence) in wanted {
        let confirmed = ctx
            .store
            .stock_snapshot(id)?
            .is_some_and(|s| !s.unconfirmed && s.quantity == q && s.presence == presence);
        if !confirmed {
            again.push(id);
        }
    }
    ctx.store
        .mark_dirty_ids(&again, crate::store::DIRTY_STOCK)?;
    ctx.store.record_run(&run.record)?;
    ctx.store.flush().await?;
    Ok(Some(run.record))
}

/// Applies a plan and makes the run's record.
async fn send(
    job: &str,
    plan: StockPlan,
    opts: &PushStockOptions,
    ctx: &JobContext,
    started_at: chrono::DateTime<Utc>,
) -> Result<JobRun, JobError> {
    let client = ctx
        .prom
        .as_ref()
        .ok_or(PromError::NoToken)?
        .counted()
        .cancellable(ctx.cancel.clone());
    let applied = apply(
        &plan.changes,
        &client,
        &ctx.store,
        opts.batch_size,
        &ctx.cancel,
    )
    .await?;

    let outcome = if applied.fatal.is_some() {
        Outcome::Failed
    } else if applied.unsent > 0 {
        Outcome::Cancelled
    } else if !applied.failed.is_empty() {
        Outcome::Partial
    } else {
        Outcome::Ok
    };
    let error = applied.fatal.map(|e| e.to_string()).or_else(|| {
        (applied.unsent > 0).then(|| {
            format!(
                "stopped before sending {} item(s); the next run sends them",
                applied.unsent
            )
        })
    });
    Ok(JobRun {
        record: RunRecord {
            job: job.to_string(),
            kind: KIND.to_string(),
            started_at,
            finished_at: Utc::now(),
            outcome,
            considered: plan.considered,
            planned: plan.changes.len(),
            sent: applied.sent,
            confirmed: applied.confirmed,
            failed: applied.failed,
            requests: client.requests(),
            retries: client.retries(),
            error,
            notes: Vec::new(),
        },
        plan: None,
    })
}

/// Why a batch did not complete: the store could not record it, or sending failed.
enum BatchError {
    Storing(crate::store::StoreError),
    Sending(PromError),
}
use BatchError::{Sending, Storing};

#[derive(Default)]
struct Applied {
    sent: usize,
    confirmed: usize,
    failed: Vec<ItemFailure>,
    /// Items never sent (stop requested or a fatal error).
    unsent: usize,
    fatal: Option<PromError>,
}

/// Sends the changes in batches (concurrency bounded by the client) and writes a
/// snapshot for each confirmed item as its batch returns.
async fn apply(
    changes: &[StockChange],
    client: &PromClient,
    store: &Store,
    batch_size: usize,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<Applied, JobError> {
    let stop = cancel.child_token();
    // Owned batches and a cloned client keep the stream's futures `Send + 'static`.
    let batches: Vec<Vec<StockChange>> = changes
        .chunks(batch_size.clamp(1, crate::config::MAX_BATCH))
        .map(<[StockChange]>::to_vec)
        .collect();
    let concurrency = client.max_concurrency();
    let mut results = futures::stream::iter(batches.into_iter().map(|batch| {
        let stop = stop.clone();
        let client = client.clone();
        let store = store.clone();
        async move {
            if stop.is_cancelled() {
                return (batch, None);
            }
            let result = send_batch(&store, &client, &batch).await;
            (batch, Some(result))
        }
    }))
    .buffer_unordered(concurrency);

    let mut out = Applied::default();
    let mut unsent: Vec<Vec<StockChange>> = Vec::new();
    while let Some((batch, result)) = results.next().await {
        let Some(result) = result else {
            unsent.push(batch);
            continue;
        };
        let result = match result {
            Err(Storing(e)) => return Err(e.into()),
            Ok(res) => Ok(res),
            Err(Sending(e)) => Err(e),
        };
        out.sent += batch.len();
        match result {
            Ok(res) => {
                for c in &batch {
                    match res.refusal(&c.prom_id) {
                        None => out.confirmed += 1,
                        Some(reason) => out.failed.push(failure(c, reason)),
                    }
                }
            }
            Err(e) => {
                let reason = e.to_string();
                out.failed
                    .extend(batch.iter().map(|c| failure(c, reason.clone())));
                if e.is_fatal_for_run() {
                    // Every further request would fail the same way: stop sending.
                    stop.cancel();
                    out.fatal.get_or_insert(e);
                }
            }
        }
    }
    match &out.fatal {
        // Items held back by a fatal error failed for the same reason.
        Some(e) => {
            let reason = e.to_string();
            out.failed.extend(
                unsent
                    .iter()
                    .flat_map(|b| b.iter())
                    .map(|c| failure(c, reason.clone())),
            );
        }
        None => out.unsent = unsent.iter().map(|b| b.len()).sum(),
    }
    Ok(out)
}

/// One batch, crash-consistently: before Prom.ua can apply anything the store stops
/// claiming the old values (marked unconfirmed, on disk), so a crash between Prom's apply
/// and our confirmation resends rather than trusts a stale snapshot; then what Prom
/// confirmed is written and on disk before the batch counts as done. This runs inside the
/// batch's own future: the loop collecting batches awaits nothing, so a flush never waits
/// on a batch the stream is not polling.
async fn send_batch(
    store: &Store,
    client: &PromClient,
    batch: &[StockChange],
) -> Result<EditResult, BatchError> {
    let ids: Vec<u64> = batch.iter().map(|c| c.product_id).collect();
    store.mark_stock_unconfirmed(&ids).map_err(Storing)?;
    store.flush().await.map_err(Storing)?;
    let patches: Vec<ProductPatch> = batch.iter().map(StockChange::patch).collect();
    let res = client.edit_products(&patches).await.map_err(Sending)?;
    let confirmed_at = Utc::now();
    let snaps: Vec<(u64, StockSnapshot)> = batch
        .iter()
        .filter(|c| res.refusal(&c.prom_id).is_none())
        .map(|c| {
            (
                c.product_id,
                StockSnapshot {
                    prom_id: c.prom_id,
                    quantity: c.quantity,
                    presence: c.presence.to_string(),
                    confirmed_at,
                    unconfirmed: false,
                },
            )
        })
        .collect();
    store.put_stock_snapshots(&snaps).map_err(Storing)?;
    store.flush().await.map_err(Storing)?;
    Ok(res)
}

fn failure(c: &StockChange, reason: String) -> ItemFailure {
    ItemFailure {
        sku: c.sku.clone(),
        prom_id: c.prom_id,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, stock: i64, snap: Option<(i64, &str)>) -> LinkedStock {
        LinkedStock {
            recorded: true,
            product_id: id,
            sku: format!("S{id}"),
            prom_id: 1000 + id as i64,
            stock,
            reserved: 0,
            snapshot: snap.map(|(q, p)| crate::store::ConfirmedStock {
                prom_id: 1000 + id as i64,
                quantity: q,
                presence: p.to_string(),
                unconfirmed: false,
            }),
        }
    }

    #[test]
    fn quantity_never_below_zero_and_presence_follows() {
        assert_eq!(wanted(-3), (0, NOT_AVAILABLE));
        assert_eq!(wanted(0), (0, NOT_AVAILABLE));
        assert_eq!(wanted(2), (2, AVAILABLE));
    }

    #[test]
    fn only_changes_are_planned() {
        let rows = vec![
            row(1, 5, Some((5, AVAILABLE))),
            row(2, 5, Some((4, AVAILABLE))),
            row(3, -1, Some((0, NOT_AVAILABLE))),
            row(4, 0, None),
            row(5, 0, Some((0, AVAILABLE))),
        ];
        let p = plan(&rows, 0, false);
        assert_eq!(p.considered, 5);
        let ids: Vec<u64> = p.changes.iter().map(|c| c.product_id).collect();
        assert_eq!(ids, vec![2, 4, 5]);
        assert_eq!(p.changes[0].why(), "quantity changed");
        assert_eq!(p.changes[1].why(), "never confirmed by Prom.ua");
        assert_eq!(p.changes[2].why(), "presence changed");
    }

    #[test]
    fn unrecorded_stock_is_not_sent_unless_asked() {
        let mut r = row(1, 0, None);
        r.recorded = false;
        let p = plan(std::slice::from_ref(&r), 0, false);
        assert!(p.changes.is_empty());
        assert_eq!(p.unrecorded, 1);
        assert!(
            p.unrecorded_note(&["main".into()])
                .unwrap()
                .contains("no stock recorded yet in main")
        );
        let p = plan(&[r], 0, true);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(
            (p.changes[0].quantity, p.changes[0].presence),
            (0, NOT_AVAILABLE)
        );
    }

    #[test]
    fn an_unconfirmed_snapshot_is_sent_again_even_when_equal() {
        let mut r = row(1, 5, Some((5, AVAILABLE)));
        r.snapshot.as_mut().unwrap().unconfirmed = true;
        let p = plan(&[r], 0, false);
        assert_eq!(p.changes.len(), 1);
        assert!(p.changes[0].unconfirmed);
        assert!(p.changes[0].why().contains("not confirmed"));
    }

    #[test]
    fn the_zero_share_guard_is_on_by_default() {
        let rows: Vec<LinkedStock> = (1..=10)
            .map(|i| row(i, if i <= 3 { 0 } else { 5 }, Some((5, AVAILABLE))))
            .collect();
        let p = plan(&rows, 0, false);
        let why = guard(&p, &PushStockOptions::default()).unwrap();
        assert!(why.contains("3 of 10"), "{why}");
        let loose = PushStockOptions {
            max_zero_share_percent: Some(rust_decimal::Decimal::from(100)),
            ..PushStockOptions::default()
        };
        assert!(guard(&p, &loose).is_none());
    }

    #[test]
    fn a_snapshot_for_another_prom_id_does_not_count() {
        let mut r = row(1, 5, Some((5, AVAILABLE)));
        r.prom_id = 42;
        assert_eq!(plan(&[r], 0, false).changes.len(), 1);
    }
}
