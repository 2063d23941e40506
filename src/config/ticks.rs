//! When a job's schedule fires, read in its time zone: the pure half of the scheduler.
//!
//! tokio-cron-scheduler froze a zone to one UTC offset when a job was created (its
//! upstream issue #87), so a 03:30 Kyiv job ran at 04:30 local after the clocks
//! changed. The ticks are computed here instead, from croner's local-time search, with
//! the two transitions decided explicitly:
//!
//! - a local time the clocks skip (03:30 on the spring-forward day in Kyiv, where 03:00
//!   becomes 04:00) runs once, at the first instant after the gap (04:00 local);
//! - a local time the clocks repeat (03:30 on the fall-back day, where 04:00 becomes
//!   03:00) runs once, at its first occurrence. This holds for every schedule: an
//!   interval one (`*/15 * * * *`) follows the local clock through the first pass and
//!   resumes after the repeated hour (it has a pause of one hour that night).

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use croner::Cron;

use crate::config::Schedule;

/// The first tick strictly after `after`, or None for a schedule that never fires again.
pub fn next_tick(schedule: &Schedule, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let cron = schedule.cron()?;
    next_of(&cron, zone, after)
}

/// The next `n` ticks after `after`.
pub fn next_ticks(
    schedule: &Schedule,
    zone: Tz,
    after: DateTime<Utc>,
    n: usize,
) -> Vec<DateTime<Utc>> {
    let Some(cron) = schedule.cron() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(n);
    let mut from = after;
    while out.len() < n {
        let Some(t) = next_of(&cron, zone, from) else {
            break;
        };
        out.push(t);
        from = t;
    }
    out
}

/// The latest tick at or before `now`: the one a catch-up compares the last run with.
pub fn latest_tick(schedule: &Schedule, zone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let cron = schedule.cron()?;
    // croner's backward search resolves a skipped time differently from its forward one:
    // find a tick safely before `now` (two hours covers any DST shift), then walk
    // forward with the same rule the daemon fires by.
    let back = now - Duration::hours(2);
    let start = cron
        .find_previous_occurrence(&back.with_timezone(&zone), true)
        .map(|t| t.with_timezone(&Utc) - Duration::seconds(1))
        .unwrap_or(back);
    let mut latest = None;
    let mut from = start;
    while let Some(t) = next_of(&cron, zone, from) {
        if t > now {
            break;
        }
        latest = Some(t);
        from = t;
    }
    latest
}

/// Whether a job whose last run started at `last_run_start` missed `latest_tick`. A job
/// that never ran has missed nothing: its first tick runs it.
pub fn due_for_catch_up(
    last_run_start: Option<DateTime<Utc>>,
    latest_tick: Option<DateTime<Utc>>,
) -> bool {
    matches!((last_run_start, latest_tick), (Some(run), Some(tick)) if run < tick)
}

/// How late a wake-up may find its tick and still call it on time. The loop naps at most
/// [`NAP`]; a tick found later than this was passed while the process slept (suspend)
/// or the wall clock jumped forward.
pub const LATE: Duration = Duration::seconds(90);

/// The longest sleep between looks at the wall clock. Sleeps run on the monotonic clock,
/// which stands still during a suspend: short naps notice a resume within this time.
pub const NAP: Duration = Duration::seconds(30);

/// What the loop does on waking at `now` with its next tick at `tick`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Not yet: sleep this long, then look again.
    Sleep(std::time::Duration),
    /// The tick is here: run.
    Fire,
    /// The tick passed long ago (a suspend or a clock jump): catch up or skip.
    Missed,
}

pub fn wake(now: DateTime<Utc>, tick: DateTime<Utc>) -> Wake {
    if now < tick {
        let wait = (tick - now).min(NAP);
        Wake::Sleep(wait.to_std().unwrap_or(std::time::Duration::from_secs(1)))
    } else if now - tick <= LATE {
        Wake::Fire
    } else {
        Wake::Missed
    }
}

/// A tick as people read it: in the job's zone, then in UTC when the zone is another,
/// e.g. `2027-03-28 04:00:00 EEST (2027-03-28 01:00:00 UTC)`.
pub fn in_zone_and_utc(t: DateTime<Utc>, zone: Tz) -> String {
    let utc = t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    if zone == chrono_tz::UTC {
        return utc;
    }
    format!(
        "{} ({utc})",
        t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S %Z")
    )
}

/// croner's search, with two corrections. It searches from the local time of `after`,
/// so in a repeated hour it can find a tick of the first pass while `after` is in the
/// second: that local time has had its run, search past it. And it moves a fixed time
/// of day that meets any gap to the end of the gap (a 02:59 job also fired at 04:00 on
/// the spring day): keep such a tick only when the time of day lies inside the gap.
fn next_of(cron: &Cron, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // croner keeps the fraction of a second it starts from: ticks are whole seconds.
    let whole = after.with_nanosecond(0).unwrap_or(after);
    let mut from = whole.with_timezone(&zone);
    for _ in 0..16 {
        let found = cron.find_next_occurrence(&from, false).ok()?;
        let t = found.with_timezone(&Utc);
        if t <= after {
            // `after` is in the second pass of a repeated hour, whose local times all ran
            // in the first: the next tick is at or after the end of the repetition.
            from = end_of_repetition(zone, after)?;
            continue;
        }
        if cron.is_time_matching(&found).unwrap_or(false) || skipped_before(cron, zone, t) {
            return Some(t);
        }
        from = found;
    }
    None
}

/// A second before the first whole minute after `after` whose local time is not
/// repeated (clocks change on whole minutes; three hours covers any fall-back).
fn end_of_repetition(zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Tz>> {
    let minute = after.with_second(0)?.with_nanosecond(0)?;
    (1..=180)
        .map(|k| minute + Duration::minutes(k))
        .find(|u| {
            zone.from_local_datetime(&u.with_timezone(&zone).naive_local())
                .single()
                .is_some()
        })
        .map(|u| (u - Duration::seconds(1)).with_timezone(&zone))
}

/// Whether a local time the schedule names was skipped by the clocks just before `t`
/// (the local times between the second before `t` and `t` itself do not exist).
fn skipped_before(cron: &Cron, zone: Tz, t: DateTime<Utc>) -> bool {
    let before = (t - Duration::seconds(1))
        .with_timezone(&zone)
        .naive_local();
    let at = t.with_timezone(&zone).naive_local();
    // On a naive calendar (UTC has no gaps), the schedule's next local time after `before`.
    cron.find_next_occurrence(&Utc.from_utc_datetime(&before), false)
        .is_ok_and(|n| n.naive_utc() < at)
}

#[cfg(test)]
#[path = "ticks_tests.rs"]
mod tests;
