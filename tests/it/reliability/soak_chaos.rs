//! What chaos a soak run went through, counted from the workload's record and the
//! sandbox's request log: the soak proves something only if each kind happened. Before
//! its last kill the soak waits (bounded) until the minimums are met, rather than hoping
//! a time-driven workload reached them on a busy machine.

use std::time::{Duration, Instant};

use promua_sync::sandbox::{FaultRates, ScriptedFault};

use super::sized;
use super::soak_world::{DONE, Outcome, World};

/// The counts a run is judged by (minimums: the same struct).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chaos {
    pub acked: usize,
    pub orders: usize,
    /// Status changes `orders/set_status` made on Prom.ua.
    pub status_changes: usize,
    /// Acknowledged local changes to the done status.
    pub delivered: usize,
    /// Status or product writes Prom.ua applied and whose answer was then lost.
    pub lost_answers: usize,
}

impl Chaos {
    pub fn minimum() -> Self {
        Self {
            acked: sized(10, 100),
            orders: sized(5, 40),
            status_changes: sized(1, 10),
            delivered: sized(1, 5),
            lost_answers: sized(1, 5),
        }
    }

    pub fn of(world: &World) -> Self {
        let record = world.record();
        let lost_answers = world
            .env
            .sandbox
            .requests()
            .iter()
            .filter(|r| {
                r.fault == Some(ScriptedFault::DroppedAfterApply)
                    && (r.path.ends_with("/orders/set_status")
                        || r.path.ends_with("/products/edit"))
            })
            .count();
        Self {
            acked: record.acked(),
            orders: record.orders.len(),
            status_changes: world.env.sandbox.status_changes().len(),
            delivered: record
                .orders
                .values()
                .flat_map(|o| &o.steps)
                .filter(|s| **s == (DONE, Outcome::Acked))
                .count(),
            lost_answers,
        }
    }

    /// What falls short of `min`, named.
    pub fn short_of(&self, min: &Self) -> Vec<String> {
        [
            ("acknowledged updates", self.acked, min.acked),
            ("orders placed", self.orders, min.orders),
            (
                "status changes on Prom.ua",
                self.status_changes,
                min.status_changes,
            ),
            ("acknowledged deliveries", self.delivered, min.delivered),
            (
                "writes applied, answer lost",
                self.lost_answers,
                min.lost_answers,
            ),
        ]
        .into_iter()
        .filter(|(_, got, want)| got < want)
        .map(|(what, got, want)| format!("{what}: {got} of {want}"))
        .collect()
    }
}

/// Waits until the run's chaos meets the minimums, at most `limit`. A write whose answer
/// is lost after it applied is one call in twenty at the soak's rates: when none has hit
/// a status or product write yet, that fault's rate goes up (seeded like the rest) until
/// one has. Returns how long it waited.
pub async fn wait_for_chaos(world: &World, rates: FaultRates, limit: Duration) -> Duration {
    let started = Instant::now();
    let min = Chaos::minimum();
    let mut raised = false;
    while started.elapsed() < limit {
        let now = Chaos::of(world);
        if now.short_of(&min).is_empty() {
            break;
        }
        if now.lost_answers < min.lost_answers && !raised {
            world.env.sandbox.set_faults(FaultRates {
                dropped_after_apply: 0.3,
                seed: rates.seed ^ 0xdaa,
                ..rates
            });
            raised = true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if raised {
        world.env.sandbox.set_faults(rates);
    }
    started.elapsed()
}

/// The status and product writes Prom.ua answered so far.
fn writes(world: &World) -> usize {
    world.env.sandbox.set_status_requests().len() + world.env.sandbox.edit_requests().len()
}

/// Waits (at most `limit`) for the next status or product write Prom.ua answers, then
/// `jitter` more: a kill then lands while the job that sent it is still running (storing
/// the answer, or sending the next batch). Whether one came.
pub async fn after_next_write(world: &World, limit: Duration, jitter: Duration) -> bool {
    let before = writes(world);
    let started = Instant::now();
    while started.elapsed() < limit {
        if writes(world) > before {
            tokio::time::sleep(jitter).await;
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}
