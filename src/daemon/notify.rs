//! systemd readiness and watchdog (sd_notify). Outside systemd these do nothing.

use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

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

/// Pings the watchdog at half its interval while the runtime is alive.
pub fn spawn_watchdog(stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let interval = sd_notify::watchdog_enabled();
    tokio::spawn(async move {
        let Some(interval) = interval.filter(|d| !d.is_zero()) else {
            return;
        };
        let period: Duration = interval / 2;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(period) => send(&[NotifyState::Watchdog]),
            }
        }
    })
}
