//! Bugs the soak found, each replayed on its own with scripted faults.

use std::time::Duration;

use promua_sync::backoffice::{BackOffice, Ledger, OrderStatusSet};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{JobRun, Mode, run_job};
use promua_sync::sandbox::{FaultRates, SandboxOptions, ScriptedFault};
use promua_sync::store::{Actor, Store};

use crate::helpers::*;

const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "0 0 1 1 *"
status_map = { received = "received", delivered = "delivered" }
"#;

async fn run(config: &Config, store: &Store, name: &str) -> JobRun {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), Mode::Apply)
        .await
        .unwrap()
}

async fn set_status(office: &BackOffice, id: i64, status: &str) {
    let req = OrderStatusSet {
        status: status.into(),
        force: false,
    };
    office.set_order_status(id, &req).await.unwrap();
}

/// A status push applied on Prom.ua whose answer never came back (retries exhausted; in
/// the soak, a SIGKILL between Prom's apply and the confirmation) is our own change
/// echoed, not Prom's: a pull that reads it must not take it for a later change on
/// Prom.ua and throw away the seller's newer local status, set while the push was in
/// flight. Found by the soak: an acknowledged `delivered` came back as `received`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_sent_but_unconfirmed_read_back_is_our_echo_not_a_later_change_on_prom() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = env.write_config("0 0 1 1 *", JOBS);
    patch_file(&path, "max_retries = 10", "max_retries = 2");
    patch_file(
        &path,
        "[sync]\n",
        "[sync]\nupdate_statuses = true\nreserve_statuses = [\"pending\", \"received\"]\ndone_status = \"delivered\"\n",
    );
    let config = config::load(&path).unwrap();
    let p = &env.catalogue[0];
    let order = env.sandbox.place_order(buyer_order(
        "pending",
        vec![(Some(p.id), p.sku.as_deref().unwrap(), 1)],
    ));
    let store = Store::open(&config.store.path).unwrap();
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![])
        .with_policy(config.sync.reservation_policy());
    run(&config, &store, "orders").await;
    set_status(&office, order.id, "received").await;

    // The push waits a second on a 429, is applied, and its answer is lost for good
    // (two retries, both spent).
    env.sandbox.set_faults(FaultRates {
        retry_after_secs: 1,
        ..FaultRates::default()
    });
    env.sandbox.script_faults([
        ScriptedFault::RateLimited,
        ScriptedFault::DroppedAfterApply,
        ScriptedFault::ServerError,
    ]);
    let push = tokio::spawn({
        let (config, store) = (config.clone(), store.clone());
        async move { run(&config, &store, "statuses").await }
    });
    // Meanwhile (the push waiting a second on its 429) the seller delivers the order.
    wait_for("the first set_status call", Duration::from_secs(10), || {
        !env.sandbox.set_status_requests().is_empty()
    })
    .await;
    set_status(&office, order.id, "delivered").await;
    let pushed = push.await.unwrap();
    assert_eq!(pushed.record.confirmed, 0, "{:?}", pushed.record);
    assert_eq!(env.sandbox.order(order.id).unwrap().status, "received");

    // The pull reads `received`: what we sent, not a change on Prom.ua.
    run(&config, &store, "orders").await;
    let local = store.order(order.id).unwrap().unwrap();
    assert_eq!(
        (local.status.as_str(), local.status_pending),
        ("delivered", true),
        "the seller's later `delivered` was thrown away: {local:?}"
    );
    run(&config, &store, "statuses").await;
    assert_eq!(env.sandbox.order(order.id).unwrap().status, "delivered");
    let changes: Vec<(String, String)> = env
        .sandbox
        .status_changes()
        .into_iter()
        .map(|c| (c.from, c.to))
        .collect();
    assert_eq!(
        changes,
        [
            ("pending".to_string(), "received".to_string()),
            ("received".to_string(), "delivered".to_string())
        ]
    );
    // Delivered once: one shipment of the one unit.
    let moves: Vec<i64> = store
        .journal(None, usize::MAX)
        .unwrap()
        .iter()
        .filter(|e| e.actor == Actor::Order)
        .map(|e| e.delta)
        .collect();
    assert_eq!(moves, [-1]);
}
