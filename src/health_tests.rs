use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn run(started: &str, outcome: Outcome, sent: usize, confirmed: usize) -> RunRecord {
    RunRecord {
        job: "stock".into(),
        kind: "push_stock".into(),
        started_at: at(started),
        finished_at: at(started) + chrono::Duration::seconds(10),
        outcome,
        considered: sent,
        planned: sent,
        sent,
        confirmed,
        failed: Vec::new(),
        requests: 1,
        retries: 0,
        error: (outcome == Outcome::Failed).then(|| "Prom.ua answered 401".into()),
        notes: Vec::new(),
        warnings: Vec::new(),
        drift: Vec::new(),
        recurring: None,
    }
}

const HOUR: Duration = Duration::from_secs(3_600);

#[test]
fn a_recent_success_is_ok() {
    let ok = run("2026-11-28T10:00:00Z", Outcome::Ok, 5, 5);
    let h = judge(
        Some(&ok),
        Some(&ok),
        HOUR,
        at("2026-11-28T09:00:00Z"),
        at("2026-11-28T10:30:00Z"),
    );
    assert_eq!(h.state, HealthState::Ok);
    assert!(h.healthy && h.reasons.is_empty());
    assert_eq!(h.last_success, Some(at("2026-11-28T10:00:10Z")));
}

#[test]
fn an_old_success_is_stale_and_says_how_old() {
    let ok = run("2026-11-28T08:00:00Z", Outcome::Ok, 5, 5);
    let h = judge(
        Some(&ok),
        Some(&ok),
        HOUR,
        at("2026-11-28T07:00:00Z"),
        at("2026-11-28T10:30:10Z"),
    );
    assert_eq!(h.state, HealthState::Stale);
    assert!(!h.healthy);
    assert_eq!(
        h.reasons,
        ["last success 2h 30m ago (2026-11-28 08:00:10 UTC), longer than stale_after 1h"]
    );
}

#[test]
fn a_job_that_never_ran_waits_stale_after_from_the_start() {
    let since = at("2026-11-28T10:00:00Z");
    let waiting = judge(None, None, HOUR, since, at("2026-11-28T10:59:59Z"));
    assert_eq!(waiting.state, HealthState::Waiting);
    assert!(waiting.healthy);
    let stale = judge(None, None, HOUR, since, at("2026-11-28T11:00:01Z"));
    assert_eq!(stale.state, HealthState::Stale);
    assert_eq!(
        stale.reasons,
        ["no success in the 1h since the daemon started (stale_after 1h)"]
    );
}

#[test]
fn a_last_run_that_failed_every_item_is_failing_even_when_recent() {
    let ok = run("2026-11-28T10:00:00Z", Outcome::Ok, 5, 5);
    let bad = run("2026-11-28T10:05:00Z", Outcome::Partial, 3, 0);
    let h = judge(
        Some(&bad),
        Some(&ok),
        HOUR,
        at("2026-11-28T09:00:00Z"),
        at("2026-11-28T10:06:00Z"),
    );
    assert_eq!(h.state, HealthState::Failing);
    assert_eq!(
        h.reasons,
        ["last run (2026-11-28 10:05:00 UTC) failed every item: sent 3, confirmed 0"]
    );
    let failed = run("2026-11-28T10:05:00Z", Outcome::Failed, 0, 0);
    let h = judge(
        Some(&failed),
        Some(&ok),
        HOUR,
        at("2026-11-28T09:00:00Z"),
        at("2026-11-28T10:06:00Z"),
    );
    assert_eq!(
        h.reasons,
        ["last run (2026-11-28 10:05:00 UTC) failed: Prom.ua answered 401"]
    );
}

#[test]
fn stale_and_failing_give_both_reasons() {
    let ok = run("2026-11-27T10:00:00Z", Outcome::Ok, 5, 5);
    let bad = run("2026-11-28T10:05:00Z", Outcome::Failed, 0, 0);
    let h = judge(
        Some(&bad),
        Some(&ok),
        HOUR,
        at("2026-11-27T09:00:00Z"),
        at("2026-11-28T10:06:00Z"),
    );
    assert_eq!(h.state, HealthState::Failing);
    assert_eq!(h.reasons.len(), 2);
}

#[test]
fn what_counts_as_a_success() {
    let t = "2026-11-28T10:00:00Z";
    assert!(is_success(&run(t, Outcome::Ok, 0, 0)));
    assert!(is_success(&run(t, Outcome::Skipped, 0, 0)));
    assert!(is_success(&run(t, Outcome::Partial, 5, 4)));
    assert!(!is_success(&run(t, Outcome::Partial, 5, 0)));
    assert!(!is_success(&run(t, Outcome::Failed, 0, 0)));
    assert!(!is_success(&run(t, Outcome::Guarded, 0, 0)));
    assert!(!is_success(&run(t, Outcome::Cancelled, 2, 2)));
}

#[test]
fn durations_in_words() {
    assert_eq!(words(Duration::from_secs(0)), "0s");
    assert_eq!(words(Duration::from_secs(45)), "45s");
    assert_eq!(words(Duration::from_secs(3_600)), "1h");
    assert_eq!(words(Duration::from_secs(9_000)), "2h 30m");
    assert_eq!(
        words(Duration::from_secs(3 * 86_400 + 4 * 3_600 + 7)),
        "3d 4h"
    );
}

#[test]
fn a_run_that_sent_nothing_and_reported_items_is_a_success() {
    let t = "2026-11-28T10:00:00Z";
    let failure = |sku: &str| crate::report::ItemFailure {
        sku: sku.into(),
        prom_id: 1,
        reason: "refused".into(),
    };
    // A verify without repair that found drift (its drift items are its failures too).
    let mut verify = run(t, Outcome::Partial, 0, 0);
    verify.considered = 1;
    verify.failed = vec![failure("A-1")];
    verify.drift = vec![crate::report::DriftItem {
        sku: "A-1".into(),
        prom_id: 1,
        field: "price".into(),
        local: serde_json::json!("10"),
        prom: serde_json::json!("12"),
        snapshot: serde_json::json!("10"),
        cause: crate::report::DriftCause::ChangedOnProm,
        repaired: false,
    }];
    assert!(is_success(&verify));
    assert!(!failed_every_item(&verify));
    // A pull that refused one order of ten.
    let mut pull = run(t, Outcome::Partial, 0, 0);
    pull.considered = 10;
    pull.failed = vec![failure("order 7")];
    assert!(is_success(&pull));
    // A pull that refused every order it read.
    pull.considered = 1;
    assert!(!is_success(&pull));
}
