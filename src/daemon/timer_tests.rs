//! The loop on a wall clock the test moves: tokio's paused time drives the naps, and a
//! jump added to the wall clock stands for a suspend.

use std::sync::Mutex;

use chrono::Duration;

use super::*;
use crate::config::{JobKind, PushStockOptions, Schedule};

struct Fake {
    /// The wall clock at the test's start, and when tokio's clock stood then.
    base: DateTime<Utc>,
    start: tokio::time::Instant,
    /// Added to the wall clock: a suspend or a clock set forward.
    jump: Mutex<Duration>,
    /// When each run started.
    runs: Mutex<Vec<DateTime<Utc>>>,
}

impl World for Fake {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = Duration::from_std(self.start.elapsed()).unwrap();
        self.base + elapsed + *self.jump.lock().unwrap()
    }
    fn last_run_start(&self) -> Result<Option<DateTime<Utc>>, String> {
        Ok(self.runs.lock().unwrap().last().copied())
    }
    fn fire(&self) {
        let now = self.now();
        self.runs.lock().unwrap().push(now);
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn hourly(catch_up: bool) -> JobConfig {
    JobConfig {
        name: "stock".into(),
        schedule: Schedule::parse("0 * * * *").unwrap(),
        timezone: chrono_tz::UTC,
        catch_up,
        kind: JobKind::PushStock(PushStockOptions::default()),
        stale_after: Some(std::time::Duration::from_secs(3 * 3600)),
    }
}

/// Runs at 11:00; a 3-hour suspend from 11:01 to 14:01; then runs until 15:00:30. The
/// hours missed asleep (12:00, 13:00, 14:00) give one run at the wake-up with catch-up,
/// none without; 15:00 runs on time either way.
async fn suspended(catch_up: bool) -> Vec<String> {
    let world = std::sync::Arc::new(Fake {
        base: utc("2027-03-28T10:59:50Z"),
        start: tokio::time::Instant::now(),
        jump: Mutex::new(Duration::zero()),
        runs: Mutex::new(vec![utc("2027-03-28T10:00:00Z")]),
    });
    let stop = CancellationToken::new();
    let job = hourly(catch_up);
    let (w, s) = (world.clone(), stop.clone());
    let task = tokio::spawn(async move { drive(&job, &*w, &s, true).await });
    tokio::time::sleep(std::time::Duration::from_secs(70)).await;
    *world.jump.lock().unwrap() = Duration::hours(3);
    // From 11:01 (14:01 on the wall) to 15:00:30 on the wall.
    tokio::time::sleep(std::time::Duration::from_secs(59 * 60 + 30)).await;
    stop.cancel();
    task.await.unwrap();
    let runs = world.runs.lock().unwrap().clone();
    runs[1..]
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_suspend_over_missed_ticks_catches_up_once() {
    assert_eq!(suspended(true).await, ["11:00", "14:01", "15:00"]);
}

#[tokio::test(start_paused = true)]
async fn without_catch_up_a_suspend_waits_for_the_next_tick() {
    assert_eq!(suspended(false).await, ["11:00", "15:00"]);
}

#[tokio::test(start_paused = true)]
async fn a_start_after_a_missed_tick_runs_once_and_a_start_after_a_run_does_not() {
    for (last, want) in [("2027-03-28T09:30:00Z", 1), ("2027-03-28T10:00:05Z", 0)] {
        let world = Fake {
            base: utc("2027-03-28T10:20:00Z"),
            start: tokio::time::Instant::now(),
            jump: Mutex::new(Duration::zero()),
            runs: Mutex::new(vec![utc(last)]),
        };
        let stop = CancellationToken::new();
        let job = hourly(true);
        tokio::select! {
            _ = drive(&job, &world, &stop, true) => unreachable!("an hourly schedule fires forever"),
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
        assert_eq!(
            world.runs.lock().unwrap().len() - 1,
            want,
            "last run {last}"
        );
    }
}
