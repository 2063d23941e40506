//! The on-change push: a change to a linked product's stock or price wakes it; it waits
//! the debounce so that many changes go in one batch, then sends what changed (prices
//! through the configured `push_prices` job's rules). The scheduled jobs stay the safety
//! net for anything this misses.

use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::jobs::{JobContext, on_change};

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
        log(on_change::push_stock(&c).await);
        if let Some(opts) = &c.on_change_prices {
            log(on_change::push_prices(&c, opts).await);
        }
    }
}

fn log(result: Result<Option<crate::report::RunRecord>, crate::jobs::JobError>) {
    match result {
        Ok(Some(r)) => match r.outcome {
            crate::report::Outcome::Ok => tracing::info!("{}", r.summary()),
            crate::report::Outcome::Failed | crate::report::Outcome::Guarded => {
                tracing::error!("{}", r.summary())
            }
            _ => tracing::warn!("{}", r.summary()),
        },
        Ok(None) => {}
        Err(e) => tracing::error!("on-change push failed: {e}"),
    }
}
