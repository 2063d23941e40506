//! systemd readiness and watchdog (sd_notify). Outside systemd these do nothing: with
//! no `NOTIFY_SOCKET` sd_notify sends nothing, and with no `WATCHDOG_USEC` (or one for
//! another pid) no watchdog runs.

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use super::heartbeat::Heartbeats;
use super::watchdog::{StartProbe, Timing, Watchdog};
use crate::store::Store;

fn send(state: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::debug!("sd_notify: {e}");
    }
}

pub fn ready() {
    send(&[NotifyState::Ready, NotifyState::Status("running")]);
}

pub fn reloading() {
    send(&[NotifyState::Reloading]);
}

pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// Runs the watchdog ([`super::watchdog`]) when systemd asks for one (`WATCHDOG_USEC`,
/// for this pid): pings only while the timer loops beat and the store answers.
pub(super) fn spawn_watchdog(
    stop: CancellationToken,
    heartbeats: Heartbeats,
    store: Store,
) -> Option<tokio::task::JoinHandle<()>> {
    let interval = sd_notify::watchdog_enabled().filter(|d| !d.is_zero())?;
    let timing = Timing::for_interval(interval);
    tracing::info!(
        "watchdog: pinging every {} ms while every timer loop wakes within {} s and the store answers within {} ms",
        timing.check.as_millis(),
        timing.stall.as_secs(),
        timing.probe_timeout.as_millis()
    );
    let probe: StartProbe = Box::new(move || {
        let store = store.clone();
        tokio::spawn(async move { store.probe().await.map_err(|e| e.to_string()) })
    });
    let watchdog = Watchdog {
        heartbeats,
        timing,
        probe,
        ping: || send(&[NotifyState::Watchdog]),
    };
    Some(tokio::spawn(watchdog.run(stop)))
}
