//! The ticks across both of Kyiv's 2027 transitions: 28 March (03:00 → 04:00) and
//! 31 October (04:00 → 03:00).

use super::*;
use chrono_tz::Europe::Kyiv;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Kyiv).to_rfc3339()
}

fn ticks(expr: &str, from: &str, n: usize) -> Vec<String> {
    let s = Schedule::parse(expr).unwrap();
    next_ticks(&s, Kyiv, utc(from), n)
        .iter()
        .map(local)
        .collect()
}

#[test]
fn a_daily_job_runs_once_a_day_across_spring_forward() {
    assert_eq!(
        ticks("0 5 * * *", "2027-03-26T12:00:00Z", 4),
        [
            "2027-03-27T05:00:00+02:00",
            "2027-03-28T05:00:00+03:00",
            "2027-03-29T05:00:00+03:00",
            "2027-03-30T05:00:00+03:00",
        ]
    );
}

#[test]
fn a_job_in_the_skipped_hour_runs_once_at_the_end_of_the_gap() {
    // 03:30 does not exist on 28 March: the run is at 04:00 local, once.
    assert_eq!(
        ticks("30 3 * * *", "2027-03-26T12:00:00Z", 4),
        [
            "2027-03-27T03:30:00+02:00",
            "2027-03-28T04:00:00+03:00",
            "2027-03-29T03:30:00+03:00",
            "2027-03-30T03:30:00+03:00",
        ]
    );
}

#[test]
fn a_job_in_the_repeated_hour_runs_once_at_its_first_occurrence() {
    assert_eq!(
        ticks("30 3 * * *", "2027-10-29T12:00:00Z", 4),
        [
            "2027-10-30T03:30:00+03:00",
            "2027-10-31T03:30:00+03:00",
            "2027-11-01T03:30:00+02:00",
            "2027-11-02T03:30:00+02:00",
        ]
    );
}

#[test]
fn a_daily_job_runs_once_a_day_across_fall_back() {
    assert_eq!(
        ticks("0 5 * * *", "2027-10-29T12:00:00Z", 3),
        [
            "2027-10-30T05:00:00+03:00",
            "2027-10-31T05:00:00+02:00",
            "2027-11-01T05:00:00+02:00",
        ]
    );
}

/// Exactly one run on each local day of the year, for times in and around both
/// transitions (the second pass of a repeated hour must not fire it again).
#[test]
fn every_local_day_of_2027_has_exactly_one_run() {
    for expr in [
        "30 3 * * *",
        "0 3 * * *",
        "59 2 * * *",
        "0 4 * * *",
        "0 0 * * *",
    ] {
        let s = Schedule::parse(expr).unwrap();
        let all = next_ticks(&s, Kyiv, utc("2026-12-31T12:00:00Z"), 400);
        let mut days = std::collections::BTreeMap::new();
        for t in &all {
            let d = t.with_timezone(&Kyiv).date_naive();
            if d.format("%Y").to_string() == "2027" {
                *days.entry(d).or_insert(0) += 1;
            }
        }
        assert_eq!(days.len(), 365, "{expr}");
        assert!(days.values().all(|n| *n == 1), "{expr}: {days:?}");
    }
}

#[test]
fn ticks_are_whole_seconds() {
    let s = Schedule::parse("30 3 * * *").unwrap();
    let after = utc("2027-03-26T12:00:00.750Z");
    let t = next_tick(&s, Kyiv, after).unwrap();
    assert_eq!(local(&t), "2027-03-27T03:30:00+02:00");
    // Just after a tick, the next is tomorrow's.
    let t2 = next_tick(&s, Kyiv, t + Duration::milliseconds(300)).unwrap();
    assert_eq!(local(&t2), "2027-03-28T04:00:00+03:00");
}

#[test]
fn starting_inside_the_repeated_hour_does_not_run_the_first_pass_again() {
    // 03:10 EET is the second pass (01:10 UTC); 03:30 EEST (00:30 UTC) already fired.
    let s = Schedule::parse("30 3 * * *").unwrap();
    let next = next_tick(&s, Kyiv, utc("2027-10-31T01:10:00Z")).unwrap();
    assert_eq!(local(&next), "2027-11-01T03:30:00+02:00");
}

#[test]
fn an_interval_job_follows_the_first_pass_of_the_repeated_hour() {
    // Every 30 minutes: 03:00 and 03:30 summer time, then 04:00 winter time.
    let got = ticks("*/30 * * * *", "2027-10-30T23:50:00Z", 4);
    assert_eq!(
        got,
        [
            "2027-10-31T03:00:00+03:00",
            "2027-10-31T03:30:00+03:00",
            "2027-10-31T04:00:00+02:00",
            "2027-10-31T04:30:00+02:00",
        ]
    );
    // Started in the second pass (03:10 winter time): 03:30 had its run in the first.
    let got = ticks("*/30 * * * *", "2027-10-31T01:10:00Z", 1);
    assert_eq!(got, ["2027-10-31T04:00:00+02:00"]);
}

#[test]
fn a_time_just_before_the_gap_is_not_moved_to_its_end() {
    // croner alone also fired a 02:59 job at 04:00 on the spring day.
    assert_eq!(
        ticks("59 2 * * *", "2027-03-27T12:00:00Z", 2),
        ["2027-03-28T02:59:00+02:00", "2027-03-29T02:59:00+03:00"]
    );
}

#[test]
fn the_latest_tick_follows_the_same_rules() {
    let s = Schedule::parse("30 3 * * *").unwrap();
    // On the spring day the run was at 04:00 local (01:00 UTC).
    let l = latest_tick(&s, Kyiv, utc("2027-03-28T02:00:00Z")).unwrap();
    assert_eq!(local(&l), "2027-03-28T04:00:00+03:00");
    let l = latest_tick(&s, Kyiv, utc("2027-03-28T00:59:59Z")).unwrap();
    assert_eq!(local(&l), "2027-03-27T03:30:00+02:00");
    // On the fall day, in the second pass, the latest is the first pass's 03:30.
    let l = latest_tick(&s, Kyiv, utc("2027-10-31T01:40:00Z")).unwrap();
    assert_eq!(local(&l), "2027-10-31T03:30:00+03:00");
    // A tick exactly now counts.
    let l = latest_tick(&s, Kyiv, utc("2027-11-01T01:30:00Z")).unwrap();
    assert_eq!(local(&l), "2027-11-01T03:30:00+02:00");
    // A yearly schedule looks back a year.
    let y = Schedule::parse("0 0 1 1 *").unwrap();
    let l = latest_tick(&y, chrono_tz::UTC, utc("2026-11-29T00:00:00Z")).unwrap();
    assert_eq!(l, utc("2026-01-01T00:00:00Z"));
}

#[test]
fn catch_up_is_due_only_when_the_last_run_started_before_the_latest_tick() {
    let tick = Some(utc("2027-03-28T01:00:00Z"));
    assert!(due_for_catch_up(Some(utc("2027-03-27T01:30:00Z")), tick));
    assert!(!due_for_catch_up(Some(utc("2027-03-28T01:00:00Z")), tick));
    assert!(!due_for_catch_up(Some(utc("2027-03-28T01:00:01Z")), tick));
    // Never ran: nothing was missed. No tick yet: nothing to miss.
    assert!(!due_for_catch_up(None, tick));
    assert!(!due_for_catch_up(Some(utc("2027-03-27T01:30:00Z")), None));
}

#[test]
fn a_wake_up_long_after_its_tick_is_a_missed_tick() {
    let tick = utc("2027-03-28T01:00:00Z");
    assert_eq!(
        wake(utc("2027-03-28T00:59:50Z"), tick),
        Wake::Sleep(std::time::Duration::from_secs(10))
    );
    assert_eq!(
        wake(utc("2027-03-28T00:00:00Z"), tick),
        Wake::Sleep(std::time::Duration::from_secs(30))
    );
    assert_eq!(wake(tick, tick), Wake::Fire);
    assert_eq!(wake(utc("2027-03-28T01:01:00Z"), tick), Wake::Fire);
    assert_eq!(wake(utc("2027-03-28T03:00:00Z"), tick), Wake::Missed);
}

#[test]
fn a_frequent_job_started_inside_the_repeated_hour_fires_after_it() {
    // 03:05 and 03:40 winter time are in the second pass: every local minute (and
    // second) of the hour ran in the first, so the next tick ends the repetition. The
    // search once gave up after 16 ticks and the job never fired again.
    for expr in ["* * * * *", "* * * * * *", "*/2 * * * *", "*/5 * * * *"] {
        let s = Schedule::parse(expr).unwrap();
        for from in ["2027-10-31T01:05:00Z", "2027-10-31T01:40:30Z"] {
            let next = next_tick(&s, Kyiv, utc(from));
            assert_eq!(
                next.map(|t| local(&t)).as_deref(),
                Some("2027-10-31T04:00:00+02:00"),
                "{expr} from {from}"
            );
        }
    }
}

#[test]
fn a_minutely_job_runs_each_local_minute_once_across_fall_back() {
    let s = Schedule::parse("* * * * *").unwrap();
    let got = next_ticks(&s, Kyiv, utc("2027-10-30T23:59:30Z"), 62);
    // 03:00..03:59 summer time (00:00..00:59 UTC), then 04:00 and 04:01 winter time.
    assert_eq!(got[0], utc("2027-10-31T00:00:00Z"));
    assert_eq!(got[59], utc("2027-10-31T00:59:00Z"));
    assert_eq!(got[60], utc("2027-10-31T02:00:00Z"));
    assert_eq!(got[61], utc("2027-10-31T02:01:00Z"));
}
