//! The daemon: a timer per job fires it at its ticks (`ticks` computes them in the job's
//! time zone, `timer` sleeps and catches up), a per-job guard stops a job overlapping
//! itself, a stop lets running batches finish (or abandons them after the grace
//! period), and SIGHUP reloads jobs.toml, keeping the old config if the new one fails.
//!
//! The timers do no HTTP and no store work themselves (beyond reading a job's last run
//! for a catch-up): each tick hands the job to a task tracked by a `TaskTracker`, so a
//! stop can wait for it.

mod heap;
mod heartbeat;
mod notify;
mod on_change;
mod on_demand;
mod run_log;
mod timer;
mod watchdog;

pub use run_log::{log_record, run_and_log, run_span};

use crate::config::ticks;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::backoffice::BackOffice;
use crate::config::{self, Config};
use crate::jobs::JobContext;
use crate::prom::PromClient;
use crate::store::{Actor, Store};

/// What can be asked of a running daemon.
pub struct Control {
    /// Cancelled to stop the daemon.
    pub shutdown: CancellationToken,
    /// A message reloads the configuration from its file.
    pub reload: mpsc::Receiver<()>,
}

/// One guard per job name, kept across reloads, so a job never overlaps itself.
type Guards = Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>;

/// What every configuration generation shares.
struct Shared {
    stock_lock: Arc<tokio::sync::Mutex<()>>,
    price_lock: Arc<tokio::sync::Mutex<()>>,
    /// `pull_orders` and `push_statuses` never overlap, across a reload too (a run of
    /// the old generation may still be going when the new one starts).
    orders_lock: Arc<tokio::sync::Mutex<()>>,
    changed: Arc<tokio::sync::Notify>,
    /// `/metrics`' counters: kept across reloads, bumped by every run.
    metrics: crate::metrics::Metrics,
    /// Every timer loop's heartbeat, read by the systemd watchdog.
    heartbeats: heartbeat::Heartbeats,
}

struct Running {
    /// Cancelled to stop this generation's timers (reload or stop).
    timers: CancellationToken,
    config: Config,
    ctx: JobContext,
}

/// Runs the daemon until `control.shutdown` is cancelled; flushes the store before
/// returning. The store is opened by the caller (it decides what a lock conflict means).
pub async fn run(config: Config, store: Store, mut control: Control) -> anyhow::Result<()> {
    let tracker = TaskTracker::new();
    let guards: Guards = Arc::default();
    let shutdown = control.shutdown.clone();
    let stock_lock = Arc::new(tokio::sync::Mutex::new(()));
    // Changes made through the API or by jobs wake the on-change push.
    let changed = Arc::new(tokio::sync::Notify::new());
    let shared = Shared {
        stock_lock: stock_lock.clone(),
        price_lock: Default::default(),
        orders_lock: Default::default(),
        changed: changed.clone(),
        metrics: crate::metrics::Metrics::new(),
        heartbeats: Default::default(),
    };
    let mut running = start(config, &store, &tracker, &guards, &shutdown, &shared, true)?;
    // `job run` through the admin API: this generation's jobs, under their guards.
    let on_demand = on_demand::OnDemand::new(&running, &guards, &tracker);

    let office = BackOffice::new(
        store.clone(),
        Actor::Api,
        BackOffice::jobs_of(&running.config),
    )
    .configured(&running.config.sync)
    .with_notify(changed.clone())
    .with_metrics(shared.metrics.clone())
    .with_runner(Arc::new(on_demand.clone()))
    .with_stale_after_of(&running.config);
    let admin = &running.config.admin;
    if admin.enabled {
        let token = crate::admin::token::load_or_create(&admin.token_file)
            .with_context(|| format!("the admin token file {}", admin.token_file.display()))?;
        let listener = crate::admin::bind(admin.listen)
            .await
            .with_context(|| format!("the admin API cannot listen on {}", admin.listen))?;
        // The address bound, not the one asked for: with port 0 the OS chose it.
        let mut served = admin.clone();
        served.listen = listener.local_addr().unwrap_or(admin.listen);
        tracing::info!("admin API on {}", served.base_url());
        tracker.spawn(crate::admin::serve_with(
            listener,
            office.clone(),
            token,
            crate::admin::Serving::of(admin),
            shutdown.clone(),
        ));
    }
    let (ctx_tx, ctx_rx) = tokio::sync::watch::channel(running.ctx.clone());
    tracker.spawn(on_change::run(ctx_rx, changed, shutdown.clone()));
    notify::ready();
    // Opening the store read sled's snapshot of its pages; what that freed goes back.
    heap::give_back_freed();
    let watchdog =
        notify::spawn_watchdog(shutdown.clone(), shared.heartbeats.clone(), store.clone());
    tracing::info!(
        "promua-sync {} running {} job(s) from {}",
        env!("CARGO_PKG_VERSION"),
        running.config.jobs.len(),
        running.config.path.display()
    );

    let mut refused = false;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            // sled refuses every call after a write the disk refused: stop, and let the
            // service manager start the daemon again (it opens once there is room).
            () = crate::store::write_refused() => {
                tracing::error!(
                    "the disk refused a write of the store {}: stopping, as the store takes no more writes in this process; free space, then start the daemon again",
                    store.path().display()
                );
                refused = true;
                // The admin API and the on-change task end on this signal: without it
                // the stop below waits out the whole grace period for them.
                shutdown.cancel();
                break;
            }
            Some(()) = control.reload.recv() => {
                notify::reloading();
                running = reload(running, &store, &tracker, &guards, &shutdown, &shared).await;
                office.set_jobs(BackOffice::jobs_of(&running.config));
                on_demand.set(&running);
                office.set_sync(&running.config.sync);
                office.set_stale_after_of(&running.config);
                let _ = ctx_tx.send(running.ctx.clone());
                notify::ready();
            }
        }
    }

    notify::stopping();
    let grace = running.config.daemon.shutdown_grace;
    tracing::info!(
        "stopping: no new runs; waiting up to {} s for running ones",
        grace.as_secs()
    );
    running.timers.cancel();
    tracker.close();
    if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
        tracing::warn!(
            "grace period of {} s over: abandoning {} running job(s); their unconfirmed items are sent next run",
            grace.as_secs(),
            tracker.len()
        );
    }
    if let Some(w) = watchdog {
        w.abort();
    }
    if refused {
        anyhow::bail!(
            "stopped: the disk refused a write of the store {}",
            store.path().display()
        );
    }
    store.flush().await.context("flushing the store")?;
    tracing::info!("stopped");
    Ok(())
}

async fn reload(
    old: Running,
    store: &Store,
    tracker: &TaskTracker,
    guards: &Guards,
    shutdown: &CancellationToken,
    shared: &Shared,
) -> Running {
    let path = old.config.path.clone();
    let new = match config::load(&path) {
        Ok(c) => c,
        Err(errors) => {
            tracing::error!("reload refused, keeping the running configuration:\n{errors}");
            return old;
        }
    };
    if new.store.path != old.config.store.path {
        tracing::warn!("[store] path changed: it takes effect at the next restart");
    }
    // Kept in the store's handle: the next run recorded prunes by the new length.
    store.keep_runs_for(new.store.keep_runs_days);
    if new.admin.listen != old.config.admin.listen
        || new.admin.enabled != old.config.admin.enabled
        || crate::admin::Serving::of(&new.admin) != crate::admin::Serving::of(&old.config.admin)
    {
        tracing::warn!("[admin] changed: it takes effect at the next restart");
    }
    // Running jobs keep going under the tracker; only future ticks change.
    old.timers.cancel();
    match start(new, store, tracker, guards, shutdown, shared, false) {
        Ok(r) => {
            tracing::info!("configuration reloaded: {} job(s)", r.config.jobs.len());
            r
        }
        Err(e) => {
            tracing::error!("reload failed ({e:#}); restarting the previous schedule");
            match start(
                old.config.clone(),
                store,
                tracker,
                guards,
                shutdown,
                shared,
                false,
            ) {
                Ok(r) => r,
                Err(e) => {
                    // Nothing is scheduled any more: stop cleanly rather than idle silently.
                    tracing::error!("cannot restore the previous schedule ({e:#}); stopping");
                    shutdown.cancel();
                    Running {
                        timers: CancellationToken::new(),
                        ctx: old.ctx,
                        config: old.config,
                    }
                }
            }
        }
    }
}

/// Starts a timer per job; `at_start` (the daemon's first generation) lets them catch up.
fn start(
    config: Config,
    store: &Store,
    tracker: &TaskTracker,
    guards: &Guards,
    shutdown: &CancellationToken,
    shared: &Shared,
    at_start: bool,
) -> anyhow::Result<Running> {
    let prom = PromClient::new(&config.prom).context("the Prom.ua client")?;
    let mut ctx = JobContext::new(
        store.clone(),
        Some(prom),
        config.sync.clone(),
        shutdown.clone(),
    );
    ctx.stock_lock = shared.stock_lock.clone();
    ctx.price_lock = shared.price_lock.clone();
    ctx.orders_lock = shared.orders_lock.clone();
    ctx.changed = Some(shared.changed.clone());
    ctx.metrics = Some(shared.metrics.clone());
    ctx.stock_route = config.prom.stock_route;
    ctx.config_path = Some(config.path.clone());
    ctx.timezone = config.daemon.timezone;
    ctx.on_change_guard = config
        .jobs
        .iter()
        .find_map(|j| match &j.kind {
            crate::config::JobKind::PushStock(o) => Some(o.clone()),
            _ => None,
        })
        .unwrap_or_default();
    ctx.on_change_prices = config.jobs.iter().find_map(|j| match &j.kind {
        crate::config::JobKind::PushPrices(o) => Some(o.clone()),
        _ => None,
    });
    let on_change = [
        Some(crate::config::ON_CHANGE_STOCK_JOB),
        ctx.on_change_prices
            .as_ref()
            .map(|_| crate::config::ON_CHANGE_PRICES_JOB),
    ];
    let jobs = config.jobs.iter().map(|j| j.name.as_str());
    shared
        .metrics
        .know_jobs(jobs.chain(on_change.into_iter().flatten()));
    let timers = shutdown.child_token();
    for job in &config.jobs {
        let guard = guards
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(job.name.clone())
            .or_default()
            .clone();
        let next = ticks::next_tick(&job.schedule, job.timezone, chrono::Utc::now());
        tracing::info!(
            "job {} ({}) scheduled at `{}` {}, next at {}{}",
            job.name,
            job.kind.name(),
            job.schedule.written(),
            job.timezone.name(),
            next.map_or_else(
                || "never".into(),
                |t| ticks::in_zone_and_utc(t, job.timezone)
            ),
            if job.catch_up {
                ""
            } else {
                " (catch_up = false)"
            }
        );
        let timer = timer::Timer {
            job: Arc::new(job.clone()),
            ctx: ctx.clone(),
            guard,
            tracker: tracker.clone(),
            stop: timers.clone(),
            beat: shared.heartbeats.register(&job.name, &timers),
        };
        tokio::spawn(timer.run(at_start));
    }
    Ok(Running {
        timers,
        config,
        ctx,
    })
}
