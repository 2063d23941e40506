//! The rule on its own, then the watchdog on tokio's paused clock with a real timer loop
//! (`timer::drive`) that a test can freeze, a store probe it can hang, and pings counted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::*;
use crate::config::{JobConfig, JobKind, PushStockOptions, Schedule};
use crate::daemon::heartbeat::Beat;
use crate::daemon::timer::{World, drive};

const MIN: Duration = Duration::from_secs(60);

fn beat(job: &str, at: Instant) -> LastBeat {
    LastBeat {
        job: job.into(),
        at,
    }
}

#[test]
fn pings_only_while_every_loop_beat_within_the_bound_and_the_store_answered() {
    let t0 = Instant::now();
    let stall = Duration::from_secs(75);
    let now = t0 + Duration::from_secs(100);
    let fresh = [beat("stock", t0 + Duration::from_secs(90))];
    assert_eq!(decide(&fresh, now, stall, &Probe::Answered), Verdict::Ping);
    // No loop at all (no job, or every schedule ended): only the store counts.
    assert_eq!(decide(&[], now, stall, &Probe::Answered), Verdict::Ping);
    // Exactly at the bound is still alive; past it is stuck.
    let edge = [beat("stock", now - stall)];
    assert_eq!(decide(&edge, now, stall, &Probe::Answered), Verdict::Ping);
    let beats = [
        beat("stock", t0 + Duration::from_secs(90)),
        beat("prices", t0),
        beat("orders", t0 + Duration::from_secs(20)),
    ];
    let Verdict::Withhold(trouble) = decide(&beats, now, stall, &Probe::Answered) else {
        panic!("two stuck loops pinged");
    };
    assert_eq!(trouble.stuck, ["orders", "prices"]);
    assert_eq!(trouble.store, None);
    assert_eq!(
        trouble.to_string(),
        "the timer loop of job(s) orders, prices has not woken for over 75 s (stuck)"
    );
    for probe in [Probe::Silent, Probe::Failed("io error".into())] {
        let Verdict::Withhold(trouble) = decide(&fresh, now, stall, &probe) else {
            panic!("{probe:?} pinged");
        };
        assert!(trouble.stuck.is_empty());
        assert_eq!(trouble.store, Some(probe));
        assert!(trouble.to_string().contains("the store"), "{trouble}");
    }
}

#[test]
fn the_timing_fits_inside_the_units_watchdog_interval() {
    let t = Timing::for_interval(Duration::from_secs(120));
    assert_eq!(t.check, Duration::from_secs(30));
    assert_eq!(t.stall, Duration::from_secs(75));
    assert_eq!(t.probe_timeout, Duration::from_secs(10));
    // A stuck loop is seen (stall + one check) before systemd's interval runs out twice.
    assert!(t.stall + t.check < Duration::from_secs(120));
    // A short interval checks often; the stall bound still outlasts a loop's nap.
    let t = Timing::for_interval(Duration::from_millis(200));
    assert_eq!(t.check, Duration::from_millis(50));
    assert_eq!(t.probe_timeout, Duration::from_millis(25));
    assert!(t.stall > NAP.to_std().unwrap());
}

/// A wall clock on tokio's paused one; the loop's beats go to the registry.
struct Clock {
    base: DateTime<Utc>,
    start: Instant,
    beat: Beat,
}

impl World for Clock {
    fn now(&self) -> DateTime<Utc> {
        self.base + chrono::Duration::from_std(self.start.elapsed()).unwrap()
    }
    fn last_run_start(&self) -> Result<Option<DateTime<Utc>>, String> {
        Ok(None)
    }
    fn fire(&self) {}
    fn beat(&self) {
        self.beat.beat()
    }
}

/// A daily job: its loop only naps during the tests, and must still beat.
fn daily() -> JobConfig {
    JobConfig {
        name: "stock".into(),
        schedule: Schedule::parse("30 3 * * *").unwrap(),
        timezone: chrono_tz::UTC,
        catch_up: false,
        kind: JobKind::PushStock(PushStockOptions::default()),
        stale_after: Some(Duration::from_secs(3 * 86400)),
    }
}

struct Rig {
    heartbeats: Heartbeats,
    generation: CancellationToken,
    /// When each ping went out.
    pings: Arc<Mutex<Vec<Instant>>>,
    /// While true, the loop is not polled: stuck on an await that never ends.
    frozen: tokio::sync::watch::Sender<bool>,
    /// While true, a store probe does not answer.
    hung: tokio::sync::watch::Sender<bool>,
    probes_started: Arc<AtomicUsize>,
}

impl Rig {
    /// Starts a daily job's timer loop (freezable) and the watchdog for a 120 s interval.
    fn start() -> Self {
        let heartbeats = Heartbeats::default();
        let generation = CancellationToken::new();
        let (frozen, mut frozen_rx) = tokio::sync::watch::channel(false);
        let clock = Clock {
            base: "2027-03-28T10:00:00Z".parse().unwrap(),
            start: Instant::now(),
            beat: heartbeats.register("stock", &generation),
        };
        let stop = generation.clone();
        tokio::spawn(async move {
            let job = daily();
            let looping = drive(&job, &clock, &stop, false);
            tokio::pin!(looping);
            loop {
                tokio::select! {
                    _ = &mut looping => return,
                    live = async { frozen_rx.wait_for(|f| *f).await.is_ok() } => {
                        let thawed = async { frozen_rx.wait_for(|f| !*f).await.is_ok() };
                        if !live || !thawed.await {
                            return;
                        }
                    }
                }
            }
        });
        let (hung, hung_rx) = tokio::sync::watch::channel(false);
        let probes_started = Arc::new(AtomicUsize::new(0));
        let started = probes_started.clone();
        let probe: StartProbe = Box::new(move || {
            started.fetch_add(1, Ordering::SeqCst);
            let mut hung = hung_rx.clone();
            tokio::spawn(async move {
                let answered = hung.wait_for(|h| !*h).await.is_ok();
                answered
                    .then_some(())
                    .ok_or_else(|| "the test ended".to_string())
            })
        });
        let pings = Arc::new(Mutex::new(Vec::new()));
        let sent = pings.clone();
        let watchdog = Watchdog {
            heartbeats: heartbeats.clone(),
            timing: Timing::for_interval(2 * MIN),
            probe,
            ping: move || sent.lock().unwrap().push(Instant::now()),
        };
        tokio::spawn(watchdog.run(CancellationToken::new()));
        Self {
            heartbeats,
            generation,
            pings,
            frozen,
            hung,
            probes_started,
        }
    }

    /// Pings sent in `[from, to]`.
    fn pings_between(&self, from: Instant, to: Instant) -> usize {
        let pings = self.pings.lock().unwrap();
        pings.iter().filter(|&&t| t >= from && t <= to).count()
    }

    /// The longest time without a ping in `[from, to]`.
    fn longest_silence(&self, from: Instant, to: Instant) -> Duration {
        let pings = self.pings.lock().unwrap();
        let mut marks: Vec<Instant> = pings
            .iter()
            .copied()
            .filter(|&t| t > from && t < to)
            .collect();
        marks.insert(0, from);
        marks.push(to);
        marks.windows(2).map(|w| w[1] - w[0]).max().unwrap()
    }
}

#[tokio::test(start_paused = true)]
async fn a_stuck_loop_stops_the_pings_and_they_resume_when_it_beats_again() {
    let rig = Rig::start();
    let t0 = Instant::now();
    tokio::time::sleep(10 * MIN).await;
    let t1 = Instant::now();
    // The loop only naps (its tick is at 03:30) yet beats at each wake-up: pings flow.
    assert!(rig.pings_between(t0, t1) >= 20, "{:?}", rig.pings);
    assert!(rig.longest_silence(t0, t1) <= Duration::from_secs(30));

    rig.frozen.send_replace(true);
    tokio::time::sleep(5 * MIN).await;
    let t2 = Instant::now();
    // Pings stop within a nap + the stall bound + a check, for longer than WatchdogSec:
    // systemd would restart the daemon.
    assert_eq!(rig.pings_between(t1 + 2 * MIN, t2), 0, "{:?}", rig.pings);
    assert!(rig.longest_silence(t1, t2) > 2 * MIN);

    rig.frozen.send_replace(false);
    tokio::time::sleep(2 * MIN).await;
    let t3 = Instant::now();
    assert!(rig.pings_between(t2, t3) >= 3, "{:?}", rig.pings);
    assert!(rig.longest_silence(t2 + MIN, t3) <= Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn a_hung_store_stops_the_pings_without_piling_up_probes() {
    let rig = Rig::start();
    tokio::time::sleep(5 * MIN).await;
    let t1 = Instant::now();
    let before = rig.probes_started.load(Ordering::SeqCst);
    rig.hung.send_replace(true);
    tokio::time::sleep(5 * MIN).await;
    let t2 = Instant::now();
    // The first check after the hang finds the store silent: no ping after it.
    assert_eq!(rig.pings_between(t1 + Duration::from_secs(31), t2), 0);
    assert!(rig.longest_silence(t1, t2) > 2 * MIN);
    // One probe hangs and is awaited at every check; no new one starts meanwhile.
    assert_eq!(rig.probes_started.load(Ordering::SeqCst), before + 1);

    rig.hung.send_replace(false);
    tokio::time::sleep(2 * MIN).await;
    assert!(
        rig.pings_between(t2, Instant::now()) >= 3,
        "{:?}",
        rig.pings
    );
}

#[tokio::test(start_paused = true)]
async fn a_loop_of_an_ended_generation_no_longer_counts() {
    let rig = Rig::start();
    // A loop of the same generation that never beats (as if stuck).
    let silent = rig.heartbeats.register("prices", &rig.generation);
    tokio::time::sleep(3 * MIN).await;
    let t1 = Instant::now();
    // Stuck since 75 s after it registered: no ping from the check at 90 s on.
    assert_eq!(rig.pings_between(t1 - Duration::from_secs(90), t1), 0);
    // A reload ends the generation: its loops, stuck or not, are forgotten.
    rig.generation.cancel();
    tokio::time::sleep(2 * MIN).await;
    assert!(
        rig.pings_between(t1, Instant::now()) >= 3,
        "{:?}",
        rig.pings
    );
    drop(silent);
}
