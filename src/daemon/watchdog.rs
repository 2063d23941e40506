//! The systemd watchdog: `WATCHDOG=1` goes out only while every job's timer loop beats
//! ([`super::heartbeat`]) and the store answers a probe. A stuck loop or a hung store
//! stops the pings, and systemd restarts the daemon after `WatchdogSec`.
//!
//! [`decide`] is the rule (pure); [`Watchdog::run`] does the looking and the pinging.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::heartbeat::{Heartbeats, LastBeat};
use crate::config::ticks::NAP;

/// Slack over two naps for a busy machine: a loop is stuck after `2 × NAP + SLACK`.
const SLACK: Duration = Duration::from_secs(15);
/// The longest a probe is awaited at one check (shorter with a short `WatchdogSec`).
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the watchdog looks, and how long a loop or the store may stay silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Timing {
    /// Between checks (each healthy check pings).
    pub check: Duration,
    /// A loop that has not beaten for longer is stuck.
    pub stall: Duration,
    /// How long one check waits for the store probe.
    pub probe_timeout: Duration,
}

impl Timing {
    /// For systemd's watchdog interval (`WatchdogSec`). Checks run at a quarter of it, so
    /// one withheld ping (a slow probe) leaves room before systemd acts. The stall bound
    /// follows the loops' nap, not the interval: a healthy loop may sleep a whole `NAP`.
    pub fn for_interval(interval: Duration) -> Self {
        let check = (interval / 4).max(Duration::from_millis(1));
        let stall = NAP.to_std().unwrap_or(Duration::from_secs(30)) * 2 + SLACK;
        Self {
            check,
            stall,
            probe_timeout: (check / 2).min(PROBE_TIMEOUT),
        }
    }
}

/// What the store probe gave at a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Probe {
    Answered,
    Failed(String),
    /// No answer within the probe timeout (still awaited at the next check).
    Silent,
}

/// Why pings are withheld; compared to log a reason only when it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Trouble {
    /// Jobs whose loop stopped beating, sorted.
    pub stuck: Vec<String>,
    pub stall: Duration,
    /// The store's failure, if any.
    pub store: Option<Probe>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    Ping,
    Withhold(Trouble),
}

/// Ping only if every live loop beat within `stall` of `now` and the store answered.
pub(super) fn decide(beats: &[LastBeat], now: Instant, stall: Duration, probe: &Probe) -> Verdict {
    let mut stuck: Vec<String> = beats
        .iter()
        .filter(|b| now.saturating_duration_since(b.at) > stall)
        .map(|b| b.job.clone())
        .collect();
    stuck.sort();
    stuck.dedup();
    let store = (*probe != Probe::Answered).then(|| probe.clone());
    if stuck.is_empty() && store.is_none() {
        Verdict::Ping
    } else {
        Verdict::Withhold(Trouble {
            stuck,
            stall,
            store,
        })
    }
}

impl std::fmt::Display for Trouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.stuck.is_empty() {
            parts.push(format!(
                "the timer loop of job(s) {} has not woken for over {} s (stuck)",
                self.stuck.join(", "),
                self.stall.as_secs()
            ));
        }
        match &self.store {
            Some(Probe::Failed(e)) => parts.push(format!("the store's probe failed: {e}")),
            Some(Probe::Silent) => {
                parts.push("the store did not answer a read (hung: a stalled disk?)".into())
            }
            _ => {}
        }
        f.write_str(&parts.join("; "))
    }
}

/// Starts one store probe; it is awaited across checks until it answers.
pub(super) type StartProbe = Box<dyn Fn() -> JoinHandle<Result<(), String>> + Send + Sync>;

pub(super) struct Watchdog<S> {
    pub heartbeats: Heartbeats,
    pub timing: Timing,
    pub probe: StartProbe,
    /// Sends `WATCHDOG=1` (sd_notify in the daemon, a counter in tests).
    pub ping: S,
}

impl<S: FnMut() + Send> Watchdog<S> {
    /// Checks every `timing.check` until `stop`: pings when [`decide`] says so, and logs
    /// why when it withholds (once per reason) and when it pings again.
    pub async fn run(mut self, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(self.timing.check);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pending: Option<JoinHandle<Result<(), String>>> = None;
        let mut withheld: Option<Trouble> = None;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let probe = self.probe_store(&mut pending).await;
            let beats = self.heartbeats.last_beats();
            match decide(&beats, Instant::now(), self.timing.stall, &probe) {
                Verdict::Ping => {
                    if withheld.take().is_some() {
                        tracing::info!("watchdog: the loops and the store answer again; pinging");
                    }
                    (self.ping)();
                }
                Verdict::Withhold(trouble) => {
                    if withheld.as_ref() != Some(&trouble) {
                        tracing::error!(
                            "watchdog: withholding WATCHDOG=1: {trouble}; systemd restarts the daemon if this lasts WatchdogSec"
                        );
                    }
                    withheld = Some(trouble);
                }
            }
        }
    }

    async fn probe_store(&self, pending: &mut Option<JoinHandle<Result<(), String>>>) -> Probe {
        let handle = pending.get_or_insert_with(|| (self.probe)());
        match tokio::time::timeout(self.timing.probe_timeout, handle).await {
            Err(_) => Probe::Silent,
            Ok(done) => {
                *pending = None;
                match done {
                    Ok(Ok(())) => Probe::Answered,
                    Ok(Err(e)) => Probe::Failed(e),
                    Err(e) => Probe::Failed(format!("the probe task ended: {e}")),
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "watchdog_tests.rs"]
mod tests;
