//! Heartbeats of the scheduler's loops, read by the watchdog: each job's timer loop beats
//! at every wake-up (at least every [`crate::config::ticks::NAP`], also while it only
//! naps), so a loop that stops beating is stuck.
//!
//! A loop is forgotten when it ends (its [`Beat`] is dropped: its generation stopped, or
//! its schedule fires no more) and as soon as its generation is cancelled, so a reload
//! never leaves the old generation's loops counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The live loops and when each last beat. Cheap to clone; clones share the registry.
#[derive(Clone, Default)]
pub(super) struct Heartbeats(Arc<Mutex<Loops>>);

#[derive(Default)]
struct Loops {
    next_id: u64,
    live: HashMap<u64, Entry>,
}

struct Entry {
    job: String,
    last: Instant,
    /// The loop's configuration generation: once cancelled, the loop no longer counts.
    generation: CancellationToken,
}

/// One loop's handle: [`Beat::beat`] at each wake-up; dropping it forgets the loop.
pub(super) struct Beat {
    id: u64,
    loops: Heartbeats,
}

/// A live loop's job and its last beat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LastBeat {
    pub job: String,
    pub at: Instant,
}

impl Heartbeats {
    fn loops(&self) -> std::sync::MutexGuard<'_, Loops> {
        // A panic elsewhere while holding it leaves plain data behind: keep using it.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a loop of `job` in `generation`; it counts as having beaten now.
    pub fn register(&self, job: &str, generation: &CancellationToken) -> Beat {
        let mut loops = self.loops();
        let id = loops.next_id;
        loops.next_id += 1;
        loops.live.insert(
            id,
            Entry {
                job: job.to_owned(),
                last: Instant::now(),
                generation: generation.clone(),
            },
        );
        Beat {
            id,
            loops: self.clone(),
        }
    }

    /// The last beat of every loop whose generation still runs.
    pub fn last_beats(&self) -> Vec<LastBeat> {
        self.loops()
            .live
            .values()
            .filter(|e| !e.generation.is_cancelled())
            .map(|e| LastBeat {
                job: e.job.clone(),
                at: e.last,
            })
            .collect()
    }
}

impl Beat {
    pub fn beat(&self) {
        if let Some(e) = self.loops.loops().live.get_mut(&self.id) {
            e.last = Instant::now();
        }
    }
}

impl Drop for Beat {
    /// A loop that ends is forgotten; one that panicked is not: its entry goes stale, so
    /// the watchdog stops pinging and systemd restarts the daemon with its job.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        self.loops.loops().live.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn beats_are_kept_per_loop_and_ended_loops_forgotten() {
        let hb = Heartbeats::default();
        let (gen1, gen2) = (CancellationToken::new(), CancellationToken::new());
        let start = Instant::now();
        let stock = hb.register("stock", &gen1);
        let prices = hb.register("prices", &gen1);
        tokio::time::advance(std::time::Duration::from_secs(10)).await;
        stock.beat();
        let mut beats = hb.last_beats();
        beats.sort_by(|a, b| a.job.cmp(&b.job));
        assert_eq!(
            beats,
            [
                LastBeat {
                    job: "prices".into(),
                    at: start
                },
                LastBeat {
                    job: "stock".into(),
                    at: start + std::time::Duration::from_secs(10)
                },
            ]
        );
        // A loop that ended (its schedule fires no more) is forgotten.
        drop(prices);
        assert_eq!(hb.last_beats().len(), 1);
        // A reload: the old generation is cancelled, its loop not yet returned.
        let _new_stock = hb.register("stock", &gen2);
        gen1.cancel();
        assert_eq!(hb.last_beats().len(), 1);
        drop(stock);
        assert_eq!(hb.last_beats().len(), 1);
    }

    #[test]
    fn a_loop_that_panicked_stays_counted_and_goes_stale() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _entered = rt.enter();
        let hb = Heartbeats::default();
        let generation = CancellationToken::new();
        let beats = hb.clone();
        let gen2 = generation.clone();
        let died = std::thread::spawn(move || {
            let _beat = beats.register("stock", &gen2);
            panic!("a timer loop panicked");
        })
        .join();
        assert!(died.is_err());
        let left = hb.last_beats();
        assert_eq!(left.len(), 1, "the panicked loop is still watched");
        assert_eq!(left[0].job, "stock");
    }
}
