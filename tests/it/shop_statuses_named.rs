//! The shop's own statuses where a title and a name meet (issue 14 review): the first
//! pull searches for orders open at a reserve status named by its title under the name
//! Prom.ua shows; a local status set to a title agrees with Prom.ua showing its name; a
//! shop's status set locally that no `status_map` names is sent as itself; and the label
//! an order shows follows the status Prom.ua confirmed.

use chrono::{Duration, Utc};
use promua_sync::backoffice::{BackOffice, Ledger, OrderStatusSet};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::RunRecord;
use promua_sync::sandbox::{OrderChange, SandboxOptions, SandboxOrder, SandboxStatusOption};
use promua_sync::store::{Actor, Store};
use serde_json::{Value, json};

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

/// A sandbox listing `custom-1002` titled "Відправлено" beside its `custom-1001`
/// ("Чекає на передоплату"), and a config whose `[sync]` lists name both by title.
async fn shop(sync: &str) -> (Env, Config) {
    let env = Env::new(3, SandboxOptions::default(), |_| 10).await;
    let mut options = env.sandbox.status_options();
    options.push(SandboxStatusOption {
        id: 1002,
        name: "custom-1002".into(),
        title: "Відправлено".into(),
    });
    env.sandbox.set_status_options(options);
    let path = env.write_config("0 0 1 1 *", JOBS);
    patch_file(&path, "[sync]\n", &format!("[sync]\n{sync}"));
    let config = config::load(&path).unwrap();
    (env, config)
}

async fn run(config: &Config, store: &Store, name: &str, mode: Mode) -> RunRecord {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), mode)
        .await
        .unwrap()
        .record
}

fn office(config: &Config, store: &Store) -> BackOffice {
    BackOffice::new(store.clone(), Actor::Cli, vec![]).with_policy(config.sync.reservation_policy())
}

async fn set(office: &BackOffice, id: i64, status: &str) {
    let req = OrderStatusSet {
        status: status.into(),
        force: false,
    };
    office.set_order_status(id, &req).await.unwrap();
}

fn kinds(r: &RunRecord) -> Vec<&str> {
    r.warnings.iter().map(|w| w.kind.as_str()).collect()
}

fn stock(store: &Store, sku: &str) -> i64 {
    let p = store.product_by_sku(sku).unwrap().unwrap();
    store.stock_of(p.id).unwrap().iter().map(|(_, q)| q).sum()
}

#[tokio::test]
async fn the_first_pull_finds_orders_open_at_a_reserve_status_named_by_its_title() {
    let sync = "update_statuses = true\nreserve_statuses = [\"pending\", \"Чекає на передоплату\", \"Немає такого\"]\n";
    let (env, config) = shop(sync).await;
    let p = env.catalogue[0].clone();
    let sku = p.sku.clone().unwrap();
    let days_ago = |d: i64| Utc::now() - Duration::days(d);
    // Waiting for prepayment for three weeks: older than the first window (7 days).
    let waiting = env.sandbox.place_order(SandboxOrder {
        status: "custom-1001".into(),
        date_created: days_ago(30),
        date_modified: days_ago(20),
        ..buyer_order("pending", vec![(Some(p.id), &sku, 3)])
    });

    // A dry run reads the shop's list to search by name, and keeps nothing.
    let store = Store::open(&config.store.path).unwrap();
    env.sandbox.clear_requests();
    let dry = run(&config, &store, "orders", Mode::DryRun).await;
    assert!(store.shop_statuses().unwrap().is_none(), "a dry run writes");
    assert!(
        store.orders_tracking().unwrap().is_none(),
        "a dry run writes"
    );
    assert!(
        dry.notes
            .iter()
            .any(|n| n.contains(&waiting.id.to_string())),
        "{:?}",
        dry.notes
    );

    let first = run(&config, &store, "orders", Mode::Apply).await;
    let tracking = store.orders_tracking().unwrap().unwrap();
    assert_eq!(
        tracking.open_at_start,
        vec![waiting.id],
        "{:?}",
        first.notes
    );
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.contains("1 open order(s)") && n.contains(&waiting.id.to_string())),
        "{:?}",
        first.notes
    );
    // Searched by the name Prom.ua shows, never by the title; a title the shop lacks is
    // not searched for, and the run says so.
    let searched: Vec<String> = env
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path.contains("orders/list"))
        .filter_map(|r| r.query.clone())
        .filter(|q| q.contains("status="))
        .collect();
    assert!(
        searched.iter().any(|q| q.contains("status=custom-1001")),
        "{searched:?}"
    );
    assert!(
        !searched.iter().any(|q| q.contains("status=%D0")),
        "a title sent as a status: {searched:?}"
    );
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.starts_with("`Немає такого` in reserve_statuses")
                && n.contains("not searched for")),
        "{:?}",
        first.notes
    );
    assert!(
        !first.notes.iter().any(|n| n.contains("could not check")),
        "{:?}",
        first.notes
    );
    assert!(store.shop_statuses().unwrap().unwrap().read_at.is_some());

    // Delivered later: it was open when tracking started, so its stock ships, once.
    env.sandbox.change_order(
        waiting.id,
        OrderChange {
            status: Some("delivered".into()),
            ..Default::default()
        },
    );
    let r = run(&config, &store, "orders", Mode::Apply).await;
    assert!(!kinds(&r).contains(&"history"), "{:?}", r.warnings);
    assert_eq!(stock(&store, &sku), 7);
    let o = store.order(waiting.id).unwrap().unwrap();
    assert!(o.stock_moved && !o.adopted_done, "{o:?}");
    run(&config, &store, "orders", Mode::Apply).await;
    assert_eq!(stock(&store, &sku), 7, "once");
}

#[tokio::test]
async fn a_local_status_set_to_a_title_agrees_with_prom_showing_its_name() {
    let sync = "update_statuses = true\ndone_status = \"Відправлено\"\n";
    let (env, config) = shop(sync).await;
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let p = env.catalogue[0].clone();
    let sku = p.sku.clone().unwrap();
    let id = env
        .sandbox
        .place_order(buyer_order("pending", vec![(Some(p.id), &sku, 2)]))
        .id;
    run(&config, &store, "orders", Mode::Apply).await;
    // The seller marks it shipped here, by the shop's title, and in the cabinet.
    set(&office, id, "Відправлено").await;
    assert_eq!(stock(&store, &sku), 8);
    env.sandbox.change_order(
        id,
        OrderChange {
            status: Some("custom-1002".into()),
            ..Default::default()
        },
    );
    let r = run(&config, &store, "orders", Mode::Apply).await;
    assert!(!kinds(&r).contains(&"status_conflict"), "{:?}", r.warnings);
    let o = store.order(id).unwrap().unwrap();
    assert_eq!(
        (
            o.status.as_str(),
            o.prom_status.as_deref(),
            o.status_pending
        ),
        ("Відправлено", Some("custom-1002"), false)
    );
    assert_eq!(stock(&store, &sku), 8, "shipped once");
    env.sandbox.clear_requests();
    assert_eq!(run(&config, &store, "statuses", Mode::Apply).await.sent, 0);

    // Set here again when Prom.ua already shows it: nothing waits to be sent.
    let id2 = env
        .sandbox
        .place_order(buyer_order("custom-1002", vec![(Some(p.id), &sku, 1)]))
        .id;
    run(&config, &store, "orders", Mode::Apply).await;
    set(&office, id2, "Відправлено").await;
    assert!(!store.order(id2).unwrap().unwrap().status_pending);
}

#[tokio::test]
async fn a_shop_status_no_status_map_names_is_sent_as_itself_and_labelled() {
    let sync = "update_statuses = true\ndone_status = \"Відправлено\"\n";
    let (env, config) = shop(sync).await;
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let p = env.catalogue[1].clone();
    let sku = p.sku.clone().unwrap();
    let place = || {
        env.sandbox
            .place_order(buyer_order("pending", vec![(Some(p.id), &sku, 1)]))
            .id
    };
    let (a, b, c) = (place(), place(), place());
    run(&config, &store, "orders", Mode::Apply).await;
    assert_eq!(
        office
            .show_order(a)
            .await
            .unwrap()
            .details
            .status_name
            .as_deref(),
        Some("Новий")
    );
    set(&office, a, "custom-1001").await;
    // The done status by its title, which no status_map names either.
    set(&office, b, "Відправлено").await;
    // Anything else is still not sent.
    office
        .set_order_status(
            c,
            &OrderStatusSet {
                status: "lost".into(),
                force: true,
            },
        )
        .await
        .unwrap();

    let dry = run_job(
        config.jobs.iter().find(|j| j.name == "statuses").unwrap(),
        &context(&config, &store),
        Mode::DryRun,
    )
    .await
    .unwrap();
    let text = dry.plan.unwrap().to_string();
    assert!(
        text.contains("the shop's own status `Чекає на передоплату`"),
        "{text}"
    );

    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses", Mode::Apply).await;
    assert_eq!((r.confirmed, r.failed.len()), (2, 0), "{r:?}");
    let bodies: Vec<Value> = env
        .sandbox
        .set_status_requests()
        .into_iter()
        .map(|r| r.body.unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            json!({"status": "custom-1001", "ids": [a]}),
            json!({"status": "custom-1002", "ids": [b]}),
        ]
    );
    assert_eq!(env.sandbox.order(a).unwrap().status, "custom-1001");
    assert_eq!(env.sandbox.order(b).unwrap().status, "custom-1002");
    let w: Vec<_> = r
        .warnings
        .iter()
        .map(|w| (w.prom_id, w.kind.as_str()))
        .collect();
    assert_eq!(w, vec![(c, "unsendable_status")]);

    // What `orders show` labels them: the shop's title of the status Prom.ua took.
    let shown = office.show_order(a).await.unwrap();
    assert_eq!(
        (
            shown.prom_status.as_deref(),
            shown.details.status_name.as_deref()
        ),
        (Some("custom-1001"), Some("Чекає на передоплату"))
    );
    assert_eq!(
        office
            .show_order(b)
            .await
            .unwrap()
            .details
            .status_name
            .as_deref(),
        Some("Відправлено")
    );

    // The next pull agrees with both: no conflict, the local words kept.
    let r = run(&config, &store, "orders", Mode::Apply).await;
    assert!(!kinds(&r).contains(&"status_conflict"), "{:?}", r.warnings);
    for (id, status) in [(a, "custom-1001"), (b, "Відправлено")] {
        let o = store.order(id).unwrap().unwrap();
        assert_eq!((o.status.as_str(), o.status_pending), (status, false));
    }
}
