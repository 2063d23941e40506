//! The on-change push: a change to a linked product's stock or price wakes it; it waits
//! the debounce so that many changes go in one batch, then sends what changed (prices
//! through the configured `push_prices` job's rules). The scheduled jobs stay the safety
//! net for anything this misses.

use std::sync::Arc;

use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
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
        if !settle(&changed, c.sync.push_debounce, &shutdown).await {
            return;
        }
        logged(ON_CHANGE_STOCK_JOB, "push_stock", on_change::push_stock(&c)).await;
        if let Some(opts) = &c.on_change_prices {
            let push = on_change::push_prices(&c, opts);
            logged(ON_CHANGE_PRICES_JOB, "push_prices", push).await;
        }
    }
}

/// How much longer than the debounce a steady stream of changes may hold a push back.
const DEBOUNCE_CAP: u32 = 4;

/// Waits until `debounce` has passed since the last change (each change restarts it), but
/// no longer than [`DEBOUNCE_CAP`] debounces after the first, so that a steady stream of
/// changes still goes out. False when the daemon stops meanwhile.
async fn settle(changed: &Notify, debounce: Duration, shutdown: &CancellationToken) -> bool {
    let first = Instant::now();
    let cap = first + debounce * DEBOUNCE_CAP;
    let mut deadline = (first + debounce).min(cap);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return false,
            _ = tokio::time::sleep_until(deadline) => return true,
            _ = changed.notified() => deadline = (Instant::now() + debounce).min(cap),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Changes at 0.5 s and 0.9 s with a 1 s debounce: the push waits until 1.9 s. A
    /// change every 0.5 s for ever: it goes at the cap, 4 s.
    #[tokio::test(start_paused = true)]
    async fn the_debounce_counts_from_the_last_change_up_to_a_cap() {
        let changed = std::sync::Arc::new(Notify::new());
        let stop = CancellationToken::new();
        let debounce = Duration::from_secs(1);
        let start = Instant::now();
        let pokes = {
            let changed = changed.clone();
            tokio::spawn(async move {
                for at in [500, 900] {
                    tokio::time::sleep_until(start + Duration::from_millis(at)).await;
                    changed.notify_one();
                }
            })
        };
        assert!(settle(&changed, debounce, &stop).await);
        assert_eq!(start.elapsed(), Duration::from_millis(1900));
        pokes.await.unwrap();

        let start = Instant::now();
        let stream = {
            let changed = changed.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    changed.notify_one();
                }
            })
        };
        assert!(settle(&changed, debounce, &stop).await);
        assert_eq!(start.elapsed(), debounce * DEBOUNCE_CAP);
        stream.abort();

        stop.cancel();
        assert!(
            !settle(&changed, debounce, &stop).await,
            "a stop ends the wait"
        );
    }
}
