//! The pushes the daemon makes between scheduled runs: the linked products whose stock or
//! price changed since the last take of the dirty set, through the same planner, guards,
//! stock route, edit-push engine and read-back (`verify_sample` of the configured job)
//! as the scheduled jobs, under the same lock.
//!
//! The dirty marks taken for a push are settled in one place: whatever Prom.ua did not
//! confirm (a failed or unsent batch, a guard, an error on any path) is marked again, so
//! the next push sends it.

use std::collections::HashSet;
use std::future::Future;

use chrono::{DateTime, Utc};

use super::edit_push::{self, Edit};
use super::readback::{self, ReadBack};
use super::runner::{Mode, started_record};
use super::{JobContext, JobError, push_prices, push_stock};
use crate::config::PushPricesOptions;
use crate::report::{Outcome, RunRecord};
use crate::store::{DIRTY_PRICE, DIRTY_STOCK};

/// What a push over dirty products did: its record (if it is worth keeping) and the
/// products to mark dirty again.
struct Settled {
    record: Option<RunRecord>,
    again: Vec<u64>,
}

/// The on-change stock push, with the options of the configured `push_stock` job.
pub async fn push_stock(ctx: &JobContext) -> Result<Option<RunRecord>, JobError> {
    if !ctx.sync.update_balances {
        return Ok(None);
    }
    let _sending = ctx.stock_lock.lock().await;
    over_dirty(ctx, DIRTY_STOCK, |dirty, started| {
        stock(ctx, dirty, started)
    })
    .await
}

/// The on-change price push, through the rules and guards of the configured `push_prices`
/// job.
pub async fn push_prices(
    ctx: &JobContext,
    opts: &PushPricesOptions,
) -> Result<Option<RunRecord>, JobError> {
    if !ctx.sync.update_prices {
        return Ok(None);
    }
    let _sending = ctx.price_lock.lock().await;
    over_dirty(ctx, DIRTY_PRICE, |dirty, started| {
        prices(ctx, opts, dirty, started)
    })
    .await
}

/// Takes the dirty set of one figure, runs `push` over it, and marks again what the push
/// did not settle, whatever the push returned.
async fn over_dirty<F, Fut>(
    ctx: &JobContext,
    flag: u8,
    push: F,
) -> Result<Option<RunRecord>, JobError>
where
    F: FnOnce(HashSet<u64>, DateTime<Utc>) -> Fut,
    Fut: Future<Output = Result<Settled, JobError>>,
{
    let started = Utc::now();
    let taken = ctx.blocking(move |s| s.take_dirty(flag)).await?;
    if taken.is_empty() {
        return Ok(None);
    }
    let result = push(taken.iter().copied().collect(), started).await;
    let again = match &result {
        Ok(settled) => settled.again.clone(),
        Err(_) => taken,
    };
    ctx.blocking(move |s| s.mark_dirty_ids(&again, flag))
        .await?;
    let record = result?.record;
    if let Some(r) = &record {
        super::record(ctx, r).await?;
    }
    Ok(record)
}

async fn stock(
    ctx: &JobContext,
    dirty: HashSet<u64>,
    started: DateTime<Utc>,
) -> Result<Settled, JobError> {
    let opts = &ctx.on_change_guard;
    // The dirty products by point reads, not a walk of the catalogue (386 ms at 100,000
    // linked products): the on-change latency is the debounce plus this.
    let ids: Vec<u64> = dirty.iter().copied().collect();
    let warehouses = ctx.sync.warehouses.clone();
    let rows = ctx
        .blocking(move |s| s.linked_stock_of(&ids, &warehouses))
        .await?;
    let considered = rows.len();
    let facts = push_stock::load_facts(ctx).await?;
    let mut plan = push_stock::plan(&rows, ctx.sync.safety_buffer, opts, &facts);
    // The zero-share guard judges against the whole linked catalogue, as the scheduled
    // push does; counting it walks the links (30 ms at 100,000), so only when it matters.
    let zeroing = plan
        .changes
        .iter()
        .any(|c| c.quantity == 0 && c.before_quantity != Some(0));
    let hiding = plan
        .changes
        .iter()
        .any(|c| c.status == Some(super::presence_rules::NOT_ON_DISPLAY));
    if (zeroing && opts.max_zero_share_percent.is_some())
        || (hiding && opts.max_hide_share_percent.is_some())
    {
        plan.considered = ctx.blocking(|s| s.linked_count()).await?;
    }
    super::stock_route::route(ctx, &mut plan).await?;
    plan.guarded = push_stock::guard(&plan, opts);
    // What the read before a hide found goes into this push's record.
    let mut pre = started_record(
        push_stock::ON_CHANGE_JOB,
        push_stock::KIND,
        Mode::Apply,
        started,
    );
    pre.notes.extend(plan.unrecorded_note(&ctx.sync.warehouses));
    if plan.guarded.is_none()
        && let Some(client) = ctx.run_client()
    {
        // Said as the scheduled push says it, before the marks it counts are dropped.
        pre.notes.extend(plan.forget_hidden_note());
        push_stock::forget_hidden(ctx, std::mem::take(&mut plan.forget_hidden)).await?;
        push_stock::check_hides(&mut plan.changes, plan.considered, ctx, &client, &mut pre).await?;
    }
    let mut settled = send(
        ctx,
        (push_stock::ON_CHANGE_JOB, push_stock::KIND, started),
        considered,
        plan.guarded,
        &plan.changes,
        (opts.batch_size, opts.verify_sample),
        dirty,
    )
    .await?;
    if let Some(r) = &mut settled.record {
        r.notes.splice(0..0, pre.notes);
    }
    Ok(settled)
}

async fn prices(
    ctx: &JobContext,
    opts: &PushPricesOptions,
    dirty: HashSet<u64>,
    started: DateTime<Utc>,
) -> Result<Settled, JobError> {
    let ids: Vec<u64> = dirty.iter().copied().collect();
    // The price guards judge each change, not a share of the catalogue: no count.
    let (rows, extras) = ctx
        .blocking(move |s| Ok((s.linked_prices_of(&ids)?, s.extras_rows_of(&ids)?)))
        .await?;
    let considered = rows.len();
    let plan = push_prices::plan_with(&rows, &extras, opts, ctx.today());
    if plan.changes.is_empty() && plan.guarded.is_none() {
        return Ok(Settled {
            record: None,
            again: Vec::new(),
        });
    }
    let mut settled = send(
        ctx,
        (push_prices::ON_CHANGE_JOB, push_prices::KIND, started),
        considered,
        plan.guarded,
        &plan.changes,
        (opts.batch_size, opts.verify_sample),
        dirty,
    )
    .await?;
    // Why a tier or a discount was left out: the run says so, as a scheduled run does.
    if let Some(r) = settled.record.as_mut() {
        r.notes.extend(plan.notes);
    }
    Ok(settled)
}

/// Sends a plan's edits unless guarded, in batches of `batch_size`, and reads back up to
/// `verify_sample` of what Prom.ua confirmed; what is not confirmed (or read back
/// otherwise) stays dirty.
async fn send<E: ReadBack>(
    ctx: &JobContext,
    (job, kind, started): (&str, &str, DateTime<Utc>),
    considered: usize,
    guarded: Option<String>,
    edits: &[E],
    (batch_size, verify_sample): (usize, usize),
    dirty: HashSet<u64>,
) -> Result<Settled, JobError> {
    let mut r = started_record(job, kind, Mode::Apply, started);
    r.considered = considered;
    r.planned = edits.len();
    if let Some(why) = guarded {
        r.outcome = Outcome::Guarded;
        r.error = Some(why);
        r.finished_at = Utc::now();
        return Ok(Settled {
            record: Some(r),
            again: dirty.into_iter().collect(),
        });
    }
    let client = ctx.run_client().ok_or(crate::prom::PromError::NoToken)?;
    let mut pushed = edit_push::push(edits, &client, &ctx.store, batch_size, &ctx.cancel).await?;
    readback::verify(edits, &mut pushed, verify_sample, ctx, &client, &mut r).await?;
    let confirmed: HashSet<u64> = pushed.confirmed.iter().copied().collect();
    let again = edits
        .iter()
        .map(Edit::product_id)
        .filter(|id| !confirmed.contains(id))
        .collect();
    pushed.fill(&mut r);
    r.requests = client.requests();
    r.retries = client.retries();
    r.notes.extend(client.notes());
    r.finished_at = Utc::now();
    Ok(Settled {
        record: Some(r),
        again,
    })
}
