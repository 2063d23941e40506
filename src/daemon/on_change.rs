//! The on-change push: a change to a linked product's stock or price wakes it; it waits
//! the debounce so that many changes go in one batch, then sends what changed (prices
//! through the configured `push_prices` job's rules). The scheduled jobs stay the safety
//! net for anything this misses.

use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::config::{ON_CHANGE_PRICES_JOB, ON_CHANGE_STOCK_JOB};
use crate::jobs::{JobContext, on_change};
use crate::report::{Outcome, RunRecord};
use tracing::Instrument;

pub async fn run(
    ctx: watch::Receiver<JobContext>,
    changed: Arc<Notify>,
    shutdown: CancellationToken,
) {
    // Changes made while the daemon was stopped (CLI on the store) are pending at start.
    let mut wake = true;
    loop {
        if !wake {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = changed.notified() => {}
            }
        }
        wake = false;
        let c = ctx.borrow().clone();
        if !c.store.has_dirty() {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(c.sync.push_debounce) => {}
        }
        logged(ON_CHANGE_STOCK_JOB, "push_stock", on_change::push_stock(&c)).await;
        if let Some(opts) = &c.on_change_prices {
            let push = on_change::push_prices(&c, opts);
            logged(ON_CHANGE_PRICES_JOB, "push_prices", push).await;
        }
    }
}

/// Runs an on-change push in its `run` span (journald's `JOB=on_change_stock`) and logs
/// its record as a scheduled run's.
async fn logged(
    job: &str,
    kind: &str,
    push: impl Future<Output = Result<Option<RunRecord>, crate::jobs::JobError>>,
) {
    async {
        match push.await {
            Ok(Some(r)) => super::log_record(&r),
            Ok(None) => {}
            Err(e) => tracing::error!(outcome = %Outcome::Failed, "on-change push failed: {e}"),
        }
    }
    .instrument(super::run_log::span_named(job, kind))
    .await
}
