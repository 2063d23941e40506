//! The batched edit-push engine every push uses (`push_stock`, `push_prices`, the
//! on-change pushes): items in, batches of `products/edit` (or, for items addressed by
//! external id, `products/edit_by_external_id`) out, and what Prom.ua confirmed back.
//! After the push, `readback.rs` checks a sample of what was confirmed.
//!
//! Each batch is crash-consistent: before Prom.ua can apply anything the store stops
//! claiming the old values (marked unconfirmed, on disk), so a crash between Prom's apply
//! and our confirmation resends rather than trusts a stale snapshot; then what Prom
//! confirmed is written and on disk before the batch counts as done. This happens inside
//! the batch's own future: the loop collecting batches awaits nothing else, so a flush
//! never waits on a batch the stream is not polling.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::JobError;
use super::readback::{self, ReadBack};
use super::runner::RunEnv;
use crate::domain::MAX_BATCH;
use crate::prom::dto::ProductPatch;
use crate::prom::{PromClient, PromError};
use crate::report::{ItemFailure, Outcome, RunRecord};
use crate::store::{Store, StoreError};

/// One product's edit: the patch to send, and the snapshot to keep once Prom confirms it.
pub trait Edit: Clone + Send + Sync + 'static {
    /// The local product (its id and SKU) and the Prom.ua product it is linked to.
    fn target(&self) -> (u64, &str, i64);
    fn product_id(&self) -> u64 {
        self.target().0
    }
    fn sku(&self) -> &str {
        self.target().1
    }
    fn prom_id(&self) -> i64 {
        self.target().2
    }
    fn patch(&self) -> ProductPatch;
    /// Sent by this external id through `products/edit_by_external_id` (whose answer names
    /// items by it); `None`: by Prom id through `products/edit`.
    fn external_id(&self) -> Option<&str> {
        None
    }
    /// Why Prom's confirmation of this edit is not enough to keep its snapshot (it is
    /// sent for what it can change, and fails with this reason); `None` for most.
    fn unconfirmable(&self) -> Option<String> {
        None
    }
    /// After Prom.ua refused this edit for `reason`: a smaller edit to send instead, in
    /// the same run and once, and the failure to report for what it leaves out (`None`:
    /// the refusal stands; most edits).
    fn without_refused(&self, _reason: &str) -> Option<(Self, String)> {
        None
    }
    /// Makes the store stop claiming these products' old values (before a send).
    fn mark_unconfirmed(store: &Store, product_ids: &[u64]) -> Result<(), StoreError>;
    /// [`Edit::mark_unconfirmed`] knowing the edits: an edit may need to record what it
    /// sends before sending it (push_prices' first tiers or discount). Also what a
    /// read-back that found a mismatch calls.
    fn mark_edits_unconfirmed(store: &Store, edits: &[Self]) -> Result<(), StoreError> {
        let ids: Vec<u64> = edits.iter().map(Edit::product_id).collect();
        Self::mark_unconfirmed(store, &ids)
    }
    /// What the store must hold before `batch` is sent: by default
    /// [`Edit::mark_edits_unconfirmed`]; push_stock adds its pending marks.
    fn mark_sending(store: &Store, batch: &[Self]) -> Result<(), StoreError> {
        Self::mark_edits_unconfirmed(store, batch)
    }
    /// Writes the snapshots of the edits Prom.ua confirmed.
    fn confirm(store: &Store, confirmed: &[Self], at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// What a push did.
#[derive(Debug, Default)]
pub struct Pushed {
    /// Items sent in a request.
    pub sent: usize,
    /// Products whose edit Prom.ua confirmed (their snapshots are on disk).
    pub confirmed: Vec<u64>,
    pub failed: Vec<ItemFailure>,
    /// Items never sent because a stop was requested.
    pub unsent: usize,
    /// The error that stopped the whole push (every further request would fail so).
    pub fatal: Option<PromError>,
}

impl Pushed {
    /// Takes back the confirmation of `product_id` (a read-back showed Prom.ua does not
    /// hold what it confirmed): it fails with `failure`.
    pub fn unconfirm(&mut self, product_id: u64, failure: ItemFailure) {
        self.confirmed.retain(|id| *id != product_id);
        self.failed.push(failure);
    }

    /// Writes what the push did into a run's record.
    pub fn fill(self, r: &mut RunRecord) {
        r.sent += self.sent;
        r.confirmed += self.confirmed.len();
        r.failed.extend(self.failed);
        if let Some(e) = self.fatal {
            r.outcome = Outcome::Failed;
            r.error = Some(e.to_string());
        } else if self.unsent > 0 {
            r.outcome = Outcome::Cancelled;
            r.error = Some(format!(
                "stopped before sending {} item(s); the next run sends them",
                self.unsent
            ));
        } else if !r.failed.is_empty() && r.outcome == Outcome::Ok {
            r.outcome = Outcome::Partial;
        }
    }
}

/// A push job's apply: sends `edits` with the run's client, reads back up to
/// `verify_sample` of those Prom.ua confirmed, and writes what happened into the run's
/// record.
pub async fn apply<E: ReadBack>(
    edits: &[E],
    env: &RunEnv<'_>,
    batch_size: usize,
    verify_sample: usize,
    r: &mut RunRecord,
) -> Result<(), JobError> {
    let ctx = env.ctx;
    let client = env.client()?;
    let mut pushed = push(edits, client, &ctx.store, batch_size, &ctx.cancel).await?;
    // What was sent is recorded even when the read-back then fails.
    let checked = readback::verify(edits, &mut pushed, verify_sample, ctx, client, r).await;
    pushed.fill(r);
    checked
}

/// Why a batch did not complete: the store could not record it, or sending failed.
enum BatchError {
    Storing(JobError),
    Sending(PromError),
}

/// Sends `edits` in batches of `batch_size` (at most [`MAX_BATCH`]), as many at once as
/// the client allows. A store error stops the push and is returned: nothing after it
/// could be recorded.
pub async fn push<E: Edit>(
    edits: &[E],
    client: &PromClient,
    store: &Store,
    batch_size: usize,
    cancel: &CancellationToken,
) -> Result<Pushed, JobError> {
    let stop = cancel.child_token();
    // A batch goes through one call: items by Prom id and by external id never share one.
    let (by_external_id, by_id): (Vec<usize>, Vec<usize>) =
        (0..edits.len()).partition(|&i| edits[i].external_id().is_some());
    let size = batch_size.clamp(1, MAX_BATCH);
    let batches: Vec<Vec<usize>> = by_id
        .chunks(size)
        .chain(by_external_id.chunks(size))
        .map(<[usize]>::to_vec)
        .collect();
    // Owned batches and a cloned client keep the stream's futures `Send + 'static`. Each
    // batch is copied out of the plan only when its call starts (the stream is lazy):
    // copying them all first held the plan three times over (50 MB at 100,000 items).
    let batches = batches.into_iter().map(|batch| {
        batch
            .into_iter()
            .map(|i| edits[i].clone())
            .collect::<Vec<E>>()
    });
    // Twice as many batches under way as calls may be: a batch spends part of its time
    // flushing the store before and after its call, and meanwhile another's call can take
    // its slot. `slots` keeps the calls at `max_concurrency`, and lets a batch see a
    // fatal error of another before its own call goes out.
    let slots = Arc::new(Semaphore::new(client.max_concurrency()));
    let mut results = futures::stream::iter(batches.map(|batch| {
        let stop = stop.clone();
        let client = client.clone();
        let store = store.clone();
        let slots = slots.clone();
        async move {
            if stop.is_cancelled() {
                return (batch, None);
            }
            let result = send_batch(&store, &client, &batch, &slots, &stop).await;
            match result {
                // Stopped after marking, before sending: held back, sent by the next run.
                Ok(None) => (batch, None),
                Ok(Some(refusals)) => (batch, Some(Ok(refusals))),
                Err(e) => (batch, Some(Err(e))),
            }
        }
    }))
    .buffer_unordered(client.max_concurrency() * 2);

    let mut out = Pushed::default();
    let mut held_back: Vec<Vec<E>> = Vec::new();
    let mut smaller: Vec<(E, String)> = Vec::new();
    while let Some((batch, result)) = results.next().await {
        let result = match result {
            None => {
                held_back.push(batch);
                continue;
            }
            Some(Err(BatchError::Storing(e))) => return Err(e),
            Some(Ok(res)) => Ok(res),
            Some(Err(BatchError::Sending(e))) => Err(e),
        };
        out.sent += batch.len();
        match result {
            Ok(refusals) => {
                for (edit, refusal) in batch.iter().zip(refusals) {
                    let retry = refusal.as_deref().and_then(|r| edit.without_refused(r));
                    match (refusal.or_else(|| edit.unconfirmable()), retry) {
                        (None, _) => out.confirmed.push(edit.product_id()),
                        (Some(_), Some(retry)) => smaller.push(retry),
                        (Some(reason), None) => out.failed.push(failure(edit, reason)),
                    }
                }
            }
            Err(e) => {
                let reason = e.to_string();
                out.failed
                    .extend(batch.iter().map(|edit| failure(edit, reason.clone())));
                if e.is_fatal_for_run() {
                    stop.cancel();
                    out.fatal.get_or_insert(e);
                }
            }
        }
    }
    drop(results);
    resend_smaller(smaller, client, store, size, &stop, &mut out).await?;
    let held_back = held_back.iter().flatten();
    match &out.fatal {
        // Items held back by a fatal error failed for the same reason.
        Some(e) => {
            let reason = e.to_string();
            out.failed
                .extend(held_back.map(|edit| failure(edit, reason.clone())));
        }
        None => out.unsent = held_back.count(),
    }
    Ok(out)
}

/// Sends the smaller edits of refused ones ([`Edit::without_refused`]) once: each fails
/// with the reason it was made smaller for, whatever Prom.ua says of the rest (what it
/// confirms has its snapshot written).
async fn resend_smaller<E: Edit>(
    smaller: Vec<(E, String)>,
    client: &PromClient,
    store: &Store,
    size: usize,
    stop: &CancellationToken,
    out: &mut Pushed,
) -> Result<(), JobError> {
    let slots = Semaphore::new(client.max_concurrency());
    for chunk in smaller.chunks(size) {
        let batch: Vec<E> = chunk.iter().map(|(e, _)| e.clone()).collect();
        let refusals = if stop.is_cancelled() || out.fatal.is_some() {
            None
        } else {
            match send_batch(store, client, &batch, &slots, stop).await {
                Ok(r) => r,
                Err(BatchError::Storing(e)) => return Err(e),
                Err(BatchError::Sending(e)) => {
                    let why = e.to_string();
                    if e.is_fatal_for_run() {
                        out.fatal.get_or_insert(e);
                    }
                    Some(vec![Some(why); batch.len()])
                }
            }
        };
        // Not counted in `sent` again: each was counted when first sent.
        for (i, (edit, reason)) in chunk.iter().enumerate() {
            let reason = match refusals.as_ref().and_then(|r| r[i].as_deref()) {
                Some(also) => format!("{reason}; sent without them, refused too: {also}"),
                None if refusals.is_none() => format!("{reason}; not sent again (stopped)"),
                None => reason.clone(),
            };
            out.failed.push(failure(edit, reason));
        }
    }
    Ok(())
}

/// One batch: mark unconfirmed and flush, send (in one of `slots`, unless `stop` came
/// meanwhile: `None`), write what Prom confirmed and flush. Returns, per item of the
/// batch, why Prom.ua did not confirm it (`None`: confirmed).
async fn send_batch<E: Edit>(
    store: &Store,
    client: &PromClient,
    batch: &[E],
    slots: &Semaphore,
    stop: &CancellationToken,
) -> Result<Option<Vec<Option<String>>>, BatchError> {
    let sending = batch.to_vec();
    on_blocking_pool(store, move |s| E::mark_sending(s, &sending)).await?;
    store
        .flush()
        .await
        .map_err(|e| BatchError::Storing(e.into()))?;
    let slot = slots.acquire().await.expect("semaphore never closed");
    if stop.is_cancelled() {
        return Ok(None);
    }
    let sent = send(client, batch).await;
    // Before the slot is free: the batch waiting for it must not send after this error.
    if let Err(e) = &sent
        && e.is_fatal_for_run()
    {
        stop.cancel();
    }
    drop(slot);
    let refusals = sent.map_err(BatchError::Sending)?;
    let at = Utc::now();
    let confirmed: Vec<E> = batch
        .iter()
        .zip(&refusals)
        .filter(|(edit, refusal)| refusal.is_none() && edit.unconfirmable().is_none())
        .map(|(edit, _)| edit.clone())
        .collect();
    on_blocking_pool(store, move |s| E::confirm(s, &confirmed, at)).await?;
    store
        .flush()
        .await
        .map_err(|e| BatchError::Storing(e.into()))?;
    Ok(Some(refusals))
}

/// Sends one batch by the call its items are addressed for (all alike, see `push`).
async fn send<E: Edit>(client: &PromClient, batch: &[E]) -> Result<Vec<Option<String>>, PromError> {
    if batch.iter().any(|e| e.external_id().is_some()) {
        let ext = |e: &E| e.external_id().unwrap_or_default().to_string();
        let patches: Vec<ProductPatch<String>> =
            batch.iter().map(|e| e.patch().with_id(ext(e))).collect();
        // The answer names items by external id: each is mapped back to its product.
        let res = client.edit_products_by_external_id(&patches).await?;
        Ok(batch.iter().map(|e| res.refusal(&ext(e))).collect())
    } else {
        let patches: Vec<ProductPatch> = batch.iter().map(Edit::patch).collect();
        let res = client.edit_products(&patches).await?;
        Ok(batch.iter().map(|e| res.refusal(&e.prom_id())).collect())
    }
}

async fn on_blocking_pool<F>(store: &Store, work: F) -> Result<(), BatchError>
where
    F: FnOnce(&Store) -> Result<(), StoreError> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|e| BatchError::Storing(e.into()))?
        .map_err(|e| BatchError::Storing(e.into()))
}

pub(crate) fn failure<E: Edit>(edit: &E, reason: String) -> ItemFailure {
    ItemFailure {
        sku: edit.sku().to_string(),
        prom_id: edit.prom_id(),
        reason,
    }
}
