//! Edge cases of the order rules of issue 12 found in review, each pinned here after its
//! fix. Rows in the style of `order_rules.rs` ([`Row`], [`at`], the same checks), kept out
//! of its table: `order_props`' model predates these fixes (it returns a shipped order's
//! stock at a custom status, and ships history orders that come back to the done status),
//! so `the_model_agrees_with_the_table` would read them against rules it does not know.
//! What a row cannot say (`--since`, settings changed between pulls, a lost
//! confirmation) is a test of its own, with the same checks.

use chrono::{Duration, Utc};
use promua_sync::report::Outcome;

use crate::order_rules::{Check, Check::*, Plus, Row, at, mismatch, run_row};
use crate::order_world::*;

/// Every check holds after `what`, else all mismatches.
fn expect(w: &World, what: &str, checks: Vec<Check>) {
    let m: Vec<String> = checks.iter().filter_map(|c| mismatch(w, c)).collect();
    assert!(m.is_empty(), "after {what}:\n  {}", m.join("\n  "));
}

async fn step(w: &mut World, s: Step, checks: Vec<Check>) {
    let what = format!("{s:?}");
    w.step(&s).await.unwrap_or_else(|e| panic!("{what}: {e}"));
    expect(w, &what, checks);
}

/// A run note of the pull after a settings change.
const RESETTLED: &str = "stored order(s) now hold or ship under the new ones";

// ---- a shop's own status after delivery ------------------------------------------------

/// Order 1 holds 3 throughout, so that the pushed quantity is stock − reserved.
#[tokio::test]
async fn r4_custom_status_after_delivery_on_prom_keeps_it_shipped() {
    run_row(
        "r4_custom_status_after_delivery_on_prom_keeps_it_shipped",
        Row {
            rule: "R4 a shop's own status after delivery (Prom.ua's side) keeps the stock shipped; a known status leaving done returns it",
            world: WorldSpec::linked(&[10]),
            steps: vec![
                (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
                (place(&[(0, "3")]).step(), at(10, 0, None, "-", "pending")),
                (Step::Pull, at(10, 5, None, "pending", "pending")),
                (
                    prom_status(0, DONE),
                    at(10, 5, None, "pending", "delivered"),
                ),
                (Step::Pull, at(8, 3, None, "delivered", "delivered")),
                (Step::PushStock, at(8, 3, Some(5), "delivered", "delivered")),
                (prom_status(0, CUSTOM), at(8, 3, Some(5), "delivered", CUSTOM)),
                (
                    Step::Pull,
                    at(8, 3, Some(5), CUSTOM, CUSTOM)
                        .plus([Warned(PULL, "unknown_status", 0), Local(1, "pending")]),
                ),
                (Step::PushStock, at(8, 3, Some(5), CUSTOM, CUSTOM)),
                (Step::Restart, at(8, 3, Some(5), CUSTOM, CUSTOM)),
                (Step::Pull, at(8, 3, Some(5), CUSTOM, CUSTOM)),
                // Back to done: shipped already, nothing more leaves.
                (prom_status(0, DONE), at(8, 3, Some(5), CUSTOM, "delivered")),
                (Step::Pull, at(8, 3, Some(5), "delivered", "delivered")),
                (prom_status(0, CUSTOM), at(8, 3, Some(5), "delivered", CUSTOM)),
                (Step::Pull, at(8, 3, Some(5), CUSTOM, CUSTOM)),
                // A status that releases (Prom's own) puts the shipped stock back.
                (
                    prom_status(0, "canceled"),
                    at(8, 3, Some(5), CUSTOM, "canceled"),
                ),
                (Step::Pull, at(10, 3, Some(5), "canceled", "canceled")),
                (Step::PushStock, at(10, 3, Some(7), "canceled", "canceled")),
            ],
        },
    )
    .await
}

#[tokio::test]
async fn r4_custom_local_status_after_delivery_keeps_it_shipped() {
    run_row(
        "r4_custom_local_status_after_delivery_keeps_it_shipped",
        Row {
            rule: "R4 a shop's own status set locally (`orders set-status`) after delivery keeps the stock shipped",
            world: WorldSpec::linked(&[10]),
            steps: vec![
                (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
                (place(&[(0, "3")]).step(), at(10, 0, None, "-", "pending")),
                (Step::Pull, at(10, 5, None, "pending", "pending")),
                (
                    local_status(0, DONE),
                    at(8, 3, None, "delivered", "pending"),
                ),
                (Step::PushStatuses, at(8, 3, None, "delivered", "delivered")),
                (
                    local_status(0, "archived"),
                    at(8, 3, None, "archived", "delivered"),
                ),
                (Step::PushStock, at(8, 3, Some(5), "archived", "delivered")),
                // Not in status_map: not sent, reported.
                (
                    Step::PushStatuses,
                    at(8, 3, Some(5), "archived", "delivered").plus([Reports(STATUSES, 0)]),
                ),
                (Step::Pull, at(8, 3, Some(5), "archived", "delivered")),
                (Step::Restart, at(8, 3, Some(5), "archived", "delivered")),
                (Step::Pull, at(8, 3, Some(5), "archived", "delivered")),
                (Step::PushStock, at(8, 3, Some(5), "archived", "delivered")),
                // Done again: nothing more leaves.
                (
                    local_status(0, DONE),
                    at(8, 3, Some(5), "delivered", "delivered"),
                ),
            ],
        },
    )
    .await
}

// ---- tracking: orders open at its start, history ---------------------------------------

#[tokio::test]
async fn r1_an_old_open_order_the_first_pull_reported_ships_when_delivered() {
    run_row(
        "r1_an_old_open_order_the_first_pull_reported_ships_when_delivered",
        Row {
            rule: "R1 an open order older than the first window (reported, not imported) was open when tracking started: its delivery ships, once, and is no history",
            world: WorldSpec::linked(&[10]),
            steps: vec![
                (
                    place(&[(0, "2")])
                        .status("received")
                        .created_days_ago(30)
                        .modified_days_ago(20)
                        .step(),
                    at(10, 0, None, "-", "received"),
                ),
                (
                    Step::Pull,
                    at(10, 0, None, "-", "received").plus([SinceNote(PULL, vec![0])]),
                ),
                (prom_status(0, DONE), at(10, 0, None, "-", "delivered")),
                (
                    Step::Pull,
                    at(8, 0, None, "delivered", "delivered").plus([Unwarned(PULL, "history")]),
                ),
                (Step::Pull, at(8, 0, None, "delivered", "delivered")),
                (Step::Restart, at(8, 0, None, "delivered", "delivered")),
                (Step::Pull, at(8, 0, None, "delivered", "delivered")),
                (Step::PushStock, at(8, 0, Some(8), "delivered", "delivered")),
            ],
        },
    )
    .await
}

#[tokio::test]
async fn r1_an_order_delivered_before_tracking_is_history_and_reported() {
    run_row(
        "r1_an_order_delivered_before_tracking_is_history_and_reported",
        Row {
            rule: "R1 an order first seen delivered, created before tracking and not open then, is history: no stock moves, a `history` warning",
            world: WorldSpec::linked(&[10]),
            steps: vec![
                (
                    place(&[(0, "2")])
                        .status("delivered")
                        .created_days_ago(30)
                        .step(),
                    at(10, 0, None, "-", "delivered"),
                ),
                (
                    Step::Pull,
                    at(10, 0, None, "delivered", "delivered").plus([Warned(PULL, "history", 0)]),
                ),
                (
                    Step::Pull,
                    at(10, 0, None, "delivered", "delivered").plus([Unwarned(PULL, "history")]),
                ),
                (Step::PushStock, at(10, 0, Some(10), "delivered", "delivered")),
            ],
        },
    )
    .await
}

#[tokio::test]
async fn r1_a_history_order_leaving_done_and_coming_back_never_moves_stock() {
    run_row(
        "r1_a_history_order_leaving_done_and_coming_back_never_moves_stock",
        Row {
            rule: "R1 a history order leaving the done status (for a known or a shop's own status, on either side) and coming back never moves stock; re-opened, it holds",
            world: WorldSpec::linked(&[10]),
            steps: vec![
                (
                    place(&[(0, "2")])
                        .status("delivered")
                        .created_days_ago(30)
                        .step(),
                    at(10, 0, None, "-", "delivered"),
                ),
                (Step::Pull, at(10, 0, None, "delivered", "delivered")),
                (
                    prom_status(0, "received"),
                    at(10, 0, None, "delivered", "received"),
                ),
                (Step::Pull, at(10, 2, None, "received", "received")),
                (prom_status(0, DONE), at(10, 2, None, "received", "delivered")),
                (Step::Pull, at(10, 0, None, "delivered", "delivered")),
                (prom_status(0, CUSTOM), at(10, 0, None, "delivered", CUSTOM)),
                (Step::Pull, at(10, 0, None, CUSTOM, CUSTOM)),
                (prom_status(0, DONE), at(10, 0, None, CUSTOM, "delivered")),
                (Step::Pull, at(10, 0, None, "delivered", "delivered")),
                (
                    local_status(0, "received"),
                    at(10, 2, None, "received", "delivered"),
                ),
                (
                    local_status(0, DONE),
                    at(10, 0, None, "delivered", "delivered"),
                ),
                (
                    local_status(0, "archived"),
                    at(10, 0, None, "archived", "delivered"),
                ),
                (
                    local_status(0, DONE),
                    at(10, 0, None, "delivered", "delivered"),
                ),
                (Step::Restart, at(10, 0, None, "delivered", "delivered")),
                (Step::Pull, at(10, 0, None, "delivered", "delivered")),
                (Step::PushStock, at(10, 0, Some(10), "delivered", "delivered")),
            ],
        },
    )
    .await
}

// ---- `--since` -------------------------------------------------------------------------

#[tokio::test]
async fn since_after_a_first_pull_imports_older_orders_and_leaves_the_cursor() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    let days_ago = |d: i64| Utc::now() - Duration::days(d);
    let placed = |q: &str, d: i64| place(&[(0, q)]).created_days_ago(d).modified_days_ago(d);
    step(&mut w, placed("1", 5).step(), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        vec![Reserved(0, 1), Local(0, "pending")],
    )
    .await;
    let tracked = w.store().orders_tracked_since().unwrap().unwrap();
    let cursor = w.store().orders_cursor().unwrap().unwrap();
    // Changed while the daemon was down, after the cursor.
    step(&mut w, placed("3", 3).step(), vec![]).await;
    // Last changed before the cursor: no regular pull reads it.
    step(&mut w, placed("4", 20).step(), vec![]).await;

    // `--since` later than the cursor reads nothing older than it, and leaves the cursor
    // where it was...
    let r = w.pull_since(days_ago(1)).await;
    assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
    assert_eq!(r.considered, 0, "{r:?}");
    assert_eq!(w.store().orders_cursor().unwrap(), Some(cursor));
    expect(&w, "--since 1 day ago", vec![Local(1, "-"), Local(2, "-")]);
    // ...so the next regular pull still reads what changed in between.
    step(
        &mut w,
        Step::Pull,
        vec![Local(1, "pending"), Local(2, "-"), Reserved(0, 4)],
    )
    .await;
    let cursor = w.store().orders_cursor().unwrap().unwrap();
    assert!(cursor > days_ago(4) && cursor < days_ago(2), "{cursor}");

    // `--since` before the cursor imports the older order; the cursor stays.
    let r = w.pull_since(days_ago(30)).await;
    assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
    assert_eq!(w.store().orders_cursor().unwrap(), Some(cursor));
    expect(
        &w,
        "--since 30 days ago",
        vec![Local(2, "pending"), Reserved(0, 8), Stock(0, 10)],
    );
    step(&mut w, Step::Pull, vec![Reserved(0, 8)]).await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(2))]).await;
    // Tracking started with the first pull, whatever `--since` read.
    assert_eq!(w.store().orders_tracked_since().unwrap(), Some(tracked));
}

#[tokio::test]
async fn since_before_a_first_pull_is_refused_and_changes_nothing() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    step(
        &mut w,
        place(&[(0, "2")]).created_days_ago(3).step(),
        vec![],
    )
    .await;
    let r = w.pull_since(Utc::now() - Duration::days(30)).await;
    assert_eq!(r.outcome, Outcome::Failed, "{r:?}");
    let error = r.error.clone().unwrap_or_default();
    assert!(error.contains("first pull"), "{error}");
    assert_eq!(w.store().orders_cursor().unwrap(), None);
    assert_eq!(w.store().orders_tracking().unwrap(), None);
    assert_eq!(w.store().order_count(), 0);
    expect(&w, "the refused --since", at(10, 0, None, "-", "pending"));
    // The first pull then runs as if nothing happened.
    step(&mut w, Step::Pull, at(10, 2, None, "pending", "pending")).await;
    let tracked = w.store().orders_tracked_since().unwrap().unwrap();
    let first_window = Utc::now() - Duration::days(INITIAL_DAYS);
    assert!(
        (tracked - first_window).num_minutes().abs() < 2,
        "{tracked}"
    );
}

/// Nothing refuses a `--since` in the future: the CLI's parser takes any day or moment,
/// and the run reads nothing (Prom.ua has no order changed after it). It leaves the
/// cursor alone, so nothing is skipped: the next regular pull reads on from where the
/// last one stopped.
#[tokio::test]
async fn since_in_the_future_reads_nothing_and_skips_nothing() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    step(&mut w, Step::Pull, vec![]).await;
    let cursor = w.store().orders_cursor().unwrap();
    step(&mut w, place(&[(0, "3")]).step(), vec![]).await;
    let r = w.pull_since(Utc::now() + Duration::days(365)).await;
    assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
    assert_eq!(r.considered, 0, "{r:?}");
    assert_eq!(w.store().orders_cursor().unwrap(), cursor);
    expect(&w, "--since next year", at(10, 0, None, "-", "pending"));
    step(&mut w, Step::Pull, at(10, 3, None, "pending", "pending")).await;
}

// ---- settings changed between pulls ----------------------------------------------------

#[tokio::test]
async fn naming_a_custom_status_in_release_statuses_releases_stored_orders() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    step(&mut w, place(&[(0, "2")]).status(CUSTOM).step(), vec![]).await;
    step(&mut w, place(&[(0, "1")]).step(), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(10, 3, None, CUSTOM, CUSTOM).plus([Warned(PULL, "unknown_status", 0)]),
    )
    .await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(7))]).await;

    // As the `unknown_status` warning says: name it.
    w.config.sync.release_statuses = vec![CUSTOM.into()];
    step(
        &mut w,
        Step::Pull,
        at(10, 1, Some(7), CUSTOM, CUSTOM).plus([Says(
            PULL,
            "the order status settings changed: 1 stored order(s) now hold or ship under the new ones",
        )]),
    )
    .await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(9))]).await;
    // Settled once: the next pulls say nothing of it.
    step(&mut w, Step::Pull, vec![Reserved(0, 1)]).await;
    assert!(!format!("{:?}", w.last_run(PULL)).contains(RESETTLED));
    step(&mut w, Step::Restart, vec![]).await;
    step(&mut w, Step::Pull, vec![Reserved(0, 1)]).await;
    assert!(!format!("{:?}", w.last_run(PULL)).contains(RESETTLED));
    // A new order at that status holds nothing either, and is no warning.
    step(&mut w, place(&[(0, "4")]).status(CUSTOM).step(), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        vec![
            Reserved(0, 1),
            Local(2, CUSTOM),
            Unwarned(PULL, "unknown_status"),
        ],
    )
    .await;
}

#[tokio::test]
async fn naming_a_custom_status_in_reserve_statuses_makes_a_stored_order_hold() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    step(&mut w, place(&[(0, "2")]).step(), vec![]).await;
    step(&mut w, Step::Pull, at(10, 2, None, "pending", "pending")).await;
    step(&mut w, prom_status(0, "canceled"), vec![]).await;
    step(&mut w, Step::Pull, at(10, 0, None, "canceled", "canceled")).await;
    // Not holding before: a custom status keeps it so.
    step(&mut w, prom_status(0, CUSTOM), vec![]).await;
    step(&mut w, Step::Pull, at(10, 0, None, CUSTOM, CUSTOM)).await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(10))]).await;

    w.config.sync.reserve_statuses.push(CUSTOM.into());
    step(
        &mut w,
        Step::Pull,
        at(10, 2, Some(10), CUSTOM, CUSTOM).plus([Says(PULL, RESETTLED)]),
    )
    .await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(8))]).await;
    step(&mut w, Step::Pull, vec![Reserved(0, 2)]).await;
    assert!(!format!("{:?}", w.last_run(PULL)).contains(RESETTLED));
}

// ---- status map aliases ----------------------------------------------------------------

/// `done_status = "shipped"`, sent as Prom's `delivered`; `cancelled_by_buyer` sent as
/// `canceled`.
fn aliased(w: &mut World) {
    w.reconfigure(|t| {
        t.replace(r#"done_status = "delivered""#, r#"done_status = "shipped""#)
            .replace(
                r#"delivered = "delivered","#,
                r#"delivered = "delivered", shipped = "delivered", cancelled_by_buyer = { status = "canceled", reason = "buyers_request" },"#,
            )
    });
    assert_eq!(w.config.sync.done_status.as_deref(), Some("shipped"));
}

#[tokio::test]
async fn a_done_status_sent_as_delivered_stays_shipped_when_read_back() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    aliased(&mut w);
    step(&mut w, place(&[(0, "2")]).step(), vec![]).await;
    step(&mut w, Step::Pull, at(10, 2, None, "pending", "pending")).await;
    step(
        &mut w,
        local_status(0, "shipped"),
        at(8, 0, None, "shipped", "pending"),
    )
    .await;
    step(
        &mut w,
        Step::PushStatuses,
        at(8, 0, None, "shipped", "delivered"),
    )
    .await;
    // Prom.ua shows `delivered`: what `shipped` is sent as. The local word stays.
    step(
        &mut w,
        Step::Pull,
        at(8, 0, None, "shipped", "delivered").plus([Unwarned(PULL, "status_conflict")]),
    )
    .await;
    step(
        &mut w,
        Step::PushStock,
        at(8, 0, Some(8), "shipped", "delivered"),
    )
    .await;
    // Changed again on Prom.ua (its lines, the same): read again, still `shipped`.
    step(&mut w, Step::ChangeLines(0, lines(&[(0, "2")])), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(8, 0, Some(8), "shipped", "delivered").plus([Unwarned(PULL, "status_conflict")]),
    )
    .await;
    step(
        &mut w,
        Step::PushStatuses,
        at(8, 0, Some(8), "shipped", "delivered").plus([Quiet(STATUSES, 0)]),
    )
    .await;
    step(&mut w, Step::Restart, vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(8, 0, Some(8), "shipped", "delivered"),
    )
    .await;
}

/// `push_statuses` marks the order, Prom.ua applies `canceled`, and the process dies
/// before the confirmation is stored: the next pull reads its own push back.
#[tokio::test]
async fn an_own_aliased_push_read_back_unconfirmed_is_no_conflict() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    aliased(&mut w);
    step(&mut w, place(&[(0, "2")]).step(), vec![]).await;
    step(&mut w, Step::Pull, at(10, 2, None, "pending", "pending")).await;
    step(
        &mut w,
        local_status(0, "cancelled_by_buyer"),
        at(10, 0, None, "cancelled_by_buyer", "pending"),
    )
    .await;
    let id = w.order_id(0);
    let still = w
        .store()
        .mark_statuses_unconfirmed(&[(id, "cancelled_by_buyer".into(), "canceled".into())])
        .unwrap();
    assert_eq!(still, vec![id]);
    step(&mut w, prom_status(0, "canceled"), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(10, 0, None, "cancelled_by_buyer", "canceled").plus([Unwarned(PULL, "status_conflict")]),
    )
    .await;
    let o = w.store().order(id).unwrap().unwrap();
    assert!(!o.status_pending && !o.prom_status_unconfirmed, "{o:?}");
    assert_eq!(o.prom_status.as_deref(), Some("canceled"));
    // Nothing left to send.
    step(
        &mut w,
        Step::PushStatuses,
        at(10, 0, None, "cancelled_by_buyer", "canceled").plus([Quiet(STATUSES, 0)]),
    )
    .await;
    step(
        &mut w,
        Step::PushStock,
        at(10, 0, Some(10), "cancelled_by_buyer", "canceled"),
    )
    .await;
}

/// `done_status = "shipped"`, sent as `delivered`: an order the shop marks `delivered` in
/// Prom's cabinet (not through our push) ships too; leaving it puts the stock back.
#[tokio::test]
async fn a_prom_status_the_done_status_is_sent_as_ships() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    aliased(&mut w);
    step(&mut w, place(&[(0, "2")]).step(), vec![]).await;
    step(&mut w, Step::Pull, at(10, 2, None, "pending", "pending")).await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(8))]).await;
    step(&mut w, prom_status(0, DONE), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(8, 0, Some(8), "delivered", "delivered").plus([Unwarned(PULL, "unknown_status")]),
    )
    .await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(8))]).await;
    step(&mut w, prom_status(0, "canceled"), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(10, 0, Some(8), "canceled", "canceled"),
    )
    .await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(10))]).await;
}

/// A shop's own status after delivery named in `shipped_statuses`: what was shipped stays
/// shipped (naming it in `release_statuses` would put the stock back), with no warning.
#[tokio::test]
async fn naming_a_status_after_delivery_in_shipped_statuses_keeps_it_shipped() {
    let mut w = World::new(&WorldSpec::linked(&[10])).await;
    step(&mut w, place(&[(0, "2")]).step(), vec![]).await;
    step(&mut w, Step::Pull, vec![Reserved(0, 2)]).await;
    step(&mut w, prom_status(0, DONE), vec![]).await;
    step(&mut w, Step::Pull, at(8, 0, None, DONE, DONE)).await;
    step(&mut w, prom_status(0, CUSTOM), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        at(8, 0, None, CUSTOM, CUSTOM).plus([Warned(PULL, "unknown_status", 0)]),
    )
    .await;
    w.config.sync.shipped_statuses = vec![CUSTOM.into()];
    step(&mut w, Step::Pull, vec![Stock(0, 8), Reserved(0, 0)]).await;
    step(&mut w, Step::PushStock, vec![Pushed(0, Some(8))]).await;
    // A new order first seen there, created while tracked, ships like a delivered one.
    step(&mut w, place(&[(0, "3")]).status(CUSTOM).step(), vec![]).await;
    step(
        &mut w,
        Step::Pull,
        vec![
            Stock(0, 5),
            Reserved(0, 0),
            Local(1, CUSTOM),
            Unwarned(PULL, "unknown_status"),
        ],
    )
    .await;
}
