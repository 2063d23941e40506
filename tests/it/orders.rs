//! Orders in, statuses and prices out: pull_orders, reservations, push_statuses,
//! push_prices, guards and every job's dry run.

use std::time::Duration;

use promua_sync::backoffice::{BackOffice, Ledger, LinkRequest, OrderStatusSet};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{JobRun, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{OrderChange, SandboxOptions, SandboxOrder};
use promua_sync::store::{Actor, NewProduct, Store};
use rust_decimal::Decimal;

use crate::helpers::*;

const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "* * * * * *"

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "0 0 1 1 *"
status_map = { received = "received", delivered = "delivered", cancelled_by_buyer = { status = "canceled", reason = "buyers_request" } }

[[job]]
name = "prices"
kind = "push_prices"
schedule = "0 0 1 1 *"
markup_percent = 10
round_step = 1
ending = 0.99
"#;

fn configure(env: &Env, schedule: &str) -> Config {
    let path = env.write_config(schedule, JOBS);
    patch_file(
        &path,
        "[sync]\n",
        "[sync]\nupdate_statuses = true\nupdate_prices = true\nreserve_statuses = [\"pending\", \"received\"]\ndone_status = \"delivered\"\n",
    );
    config::load(&path).unwrap()
}

async fn run(config: &Config, store: &Store, name: &str) -> JobRun {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), promua_sync::jobs::Mode::Apply)
        .await
        .unwrap()
}

async fn dry(config: &Config, store: &Store, name: &str) -> JobRun {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(
        job,
        &context(config, store),
        promua_sync::jobs::Mode::DryRun,
    )
    .await
    .unwrap()
}

/// The seller sets an order's local status (as `orders set-status` does).
async fn set_status(office: &BackOffice, id: i64, status: &str) {
    office
        .set_order_status(
            id,
            &OrderStatusSet {
                status: status.into(),
                force: false,
            },
        )
        .await
        .unwrap();
}

/// The seller sets a product's price (as `prices set` does).
async fn set_price(office: &BackOffice, sku: &str, price: &str) {
    office
        .set_price(
            sku,
            &promua_sync::backoffice::PriceSet {
                price: price.parse().unwrap(),
                currency: None,
            },
        )
        .await
        .unwrap();
}

fn office(config: &Config, store: &Store) -> BackOffice {
    BackOffice::new(store.clone(), Actor::Cli, vec![]).with_policy(config.sync.reservation_policy())
}

fn unlinked_only() -> promua_sync::backoffice::OrderQuery {
    promua_sync::backoffice::OrderQuery {
        unlinked: true,
        ..Default::default()
    }
}

fn order(lines: Vec<(Option<i64>, &str, i64)>) -> SandboxOrder {
    buyer_order("pending", lines)
}

#[tokio::test]
async fn an_order_is_imported_once_and_a_changed_one_updated() {
    let env = Env::new(5, SandboxOptions::default(), |_| 10).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let p = &env.catalogue[0];
    let placed = env
        .sandbox
        .place_order(order(vec![(Some(p.id), p.sku.as_deref().unwrap(), 2)]));

    for i in 0..3 {
        let r = run(&config, &store, "orders").await.record;
        assert_eq!(r.outcome, Outcome::Ok);
        assert_eq!(r.planned, usize::from(i == 0), "run {i}: {r:?}");
        assert_eq!(store.order_count(), 1);
    }
    // The filter Prom received: a 19-character UTC date.
    let q = env
        .sandbox
        .requests()
        .last()
        .unwrap()
        .query
        .clone()
        .unwrap();
    let from = q
        .split('&')
        .find_map(|kv| kv.strip_prefix("last_modified_from="))
        .unwrap()
        .replace("%3A", ":");
    assert_eq!(from.len(), 19, "{q}");

    env.sandbox.change_order(
        placed.id,
        OrderChange {
            status: Some("received".into()),
            ..Default::default()
        },
    );
    let r = run(&config, &store, "orders").await.record;
    assert_eq!(r.planned, 1);
    let stored = store.order(placed.id).unwrap().unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.prom_status.as_deref()),
        ("received", Some("received"))
    );
    assert_eq!(store.order_count(), 1);
}

#[tokio::test]
async fn an_order_holds_stock_cancelling_releases_it_and_completing_moves_it() {
    let env = Env::new(3, SandboxOptions::default(), |_| 10).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let p = env.catalogue[0].clone();
    let sku = p.sku.clone().unwrap();
    run(&config, &store, "stock").await;
    assert_eq!(
        env.sandbox.product(p.id).unwrap().quantity_in_stock,
        Some(10)
    );

    let a = env.sandbox.place_order(order(vec![(Some(p.id), &sku, 3)]));
    run(&config, &store, "orders").await;
    run(&config, &store, "stock").await;
    assert_eq!(
        env.sandbox.product(p.id).unwrap().quantity_in_stock,
        Some(7),
        "3 reserved"
    );

    set_status(&office, a.id, "canceled").await;
    run(&config, &store, "stock").await;
    assert_eq!(
        env.sandbox.product(p.id).unwrap().quantity_in_stock,
        Some(10),
        "released"
    );

    let b = env.sandbox.place_order(order(vec![(Some(p.id), &sku, 4)]));
    run(&config, &store, "orders").await;
    run(&config, &store, "stock").await;
    assert_eq!(
        env.sandbox.product(p.id).unwrap().quantity_in_stock,
        Some(6)
    );
    set_status(&office, b.id, "delivered").await;
    let local = store.product_by_sku(&sku).unwrap().unwrap();
    assert_eq!(
        store.stock_of(local.id).unwrap(),
        vec![("main".to_string(), 6)],
        "a stock move"
    );
    assert_eq!(store.reserved_of(local.id).unwrap(), 0);
    let moved = &store.journal(Some(local.id), 1).unwrap()[0];
    assert_eq!((moved.actor, moved.delta), (Actor::Order, -4));
    run(&config, &store, "stock").await;
    assert_eq!(
        env.sandbox.product(p.id).unwrap().quantity_in_stock,
        Some(6)
    );
    // Reading the order again does not move the stock twice.
    env.sandbox.change_order(
        b.id,
        OrderChange {
            phone: Some("+380500000000".into()),
            ..Default::default()
        },
    );
    run(&config, &store, "orders").await;
    assert_eq!(
        store.stock_of(local.id).unwrap(),
        vec![("main".to_string(), 6)]
    );
}

#[tokio::test]
async fn an_unknown_line_is_kept_and_flagged_and_linking_it_links_future_orders() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let known = env.catalogue[0].clone();
    let first = env.sandbox.place_order(order(vec![
        (Some(known.id), known.sku.as_deref().unwrap(), 1),
        (Some(99_000_123), "EXT-1", 2),
    ]));
    let r = run(&config, &store, "orders").await.record;
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(&first.id.to_string()) && n.contains("1 line(s)")),
        "{:?}",
        r.notes
    );
    let unlinked = office.list_orders(&unlinked_only()).await.unwrap();
    assert_eq!(
        unlinked.iter().map(|o| o.prom_id).collect::<Vec<_>>(),
        vec![first.id]
    );
    let stored = &unlinked[0];
    assert_eq!(stored.lines.len(), 2, "the unknown line is kept");
    assert!(stored.lines[1].product_id.is_none());

    // The seller picks the local product for it.
    office
        .add_product(&NewProduct {
            sku: "LOCAL-X".into(),
            name: "Місцевий товар".into(),
            price: None,
            currency: None,
        })
        .await
        .unwrap();
    office
        .link(
            "LOCAL-X",
            &LinkRequest {
                prom_id: 99_000_123,
                force: false,
            },
        )
        .await
        .unwrap();
    assert!(
        office
            .list_orders(&unlinked_only())
            .await
            .unwrap()
            .is_empty(),
        "the stored order's line is linked now"
    );
    let local = store.product_by_sku("LOCAL-X").unwrap().unwrap();
    assert_eq!(store.reserved_of(local.id).unwrap(), 2);

    let second = env
        .sandbox
        .place_order(order(vec![(Some(99_000_123), "EXT-1", 1)]));
    run(&config, &store, "orders").await;
    let o = store.order(second.id).unwrap().unwrap();
    assert_eq!(
        o.lines[0].product_id,
        Some(local.id),
        "future orders link by themselves"
    );

    // A line whose SKU is identical to an unlinked local product's links it, but only
    // to a Prom product a catalogue read has shown: else every push would fail on it.
    office
        .add_product(&NewProduct {
            sku: "SAME-7".into(),
            name: "x".into(),
            price: None,
            currency: None,
        })
        .await
        .unwrap();
    let third = env
        .sandbox
        .place_order(order(vec![(Some(77_777), " SAME-7 ", 1)]));
    let pulled = run(&config, &store, "orders").await.record;
    let same = store.product_by_sku("SAME-7").unwrap().unwrap();
    assert_eq!(
        store.order(third.id).unwrap().unwrap().lines[0].product_id,
        None
    );
    assert_eq!(store.link_of(same.id).unwrap(), None);
    let w = pulled
        .warnings
        .iter()
        .find(|w| w.kind == "unlinked_line")
        .expect("the unlinked line is reported");
    assert_eq!(w.prom_id, third.id);
    assert!(
        w.message.contains("SAME-7") && w.message.contains("77777"),
        "{}",
        w.message
    );
    // Once a catalogue read shows the product, the next order links it, and the stored
    // order's line with it.
    store.record_walk(&[77_777]).unwrap();
    let fourth = env
        .sandbox
        .place_order(order(vec![(Some(77_777), "SAME-7", 1)]));
    run(&config, &store, "orders").await;
    assert_eq!(store.link_of(same.id).unwrap(), Some(77_777));
    for id in [third.id, fourth.id] {
        assert_eq!(
            store.order(id).unwrap().unwrap().lines[0].product_id,
            Some(same.id)
        );
    }
    assert_eq!(store.reserved_of(same.id).unwrap(), 2);
}

#[tokio::test]
async fn local_statuses_reach_prom_with_reasons_and_unmapped_ones_are_reported() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let sku = env.catalogue[0].sku.clone().unwrap();
    let ids: Vec<i64> = (0..3)
        .map(|_| {
            env.sandbox
                .place_order(order(vec![(Some(env.catalogue[0].id), &sku, 1)]))
                .id
        })
        .collect();
    run(&config, &store, "orders").await;

    set_status(&office, ids[0], "received").await;
    set_status(&office, ids[1], "cancelled_by_buyer").await;
    // A status the configuration does not know is set only with --force.
    let forced = OrderStatusSet {
        status: "on_hold".into(),
        force: true,
    };
    office.set_order_status(ids[2], &forced).await.unwrap();
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await.record;
    assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
    assert_eq!((r.planned, r.confirmed), (2, 2));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("`on_hold` is not in status_map: 1 order(s)")),
        "{:?}",
        r.notes
    );

    assert_eq!(env.sandbox.order(ids[0]).unwrap().status, "received");
    let cancelled = env.sandbox.order(ids[1]).unwrap();
    assert_eq!(
        (
            cancelled.status.as_str(),
            cancelled.cancellation_reason.as_deref()
        ),
        ("canceled", Some("buyers_request"))
    );
    assert_eq!(
        env.sandbox.order(ids[2]).unwrap().status,
        "pending",
        "unmapped: not sent"
    );
    let bodies: Vec<serde_json::Value> = env
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/orders/set_status"))
        .map(|r| r.body.clone().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2, "one call per target status");
    assert!(bodies.contains(&serde_json::json!({"status": "canceled", "ids": [ids[1]], "cancellation_reason": "buyers_request"})));
    assert!(bodies.iter().all(|b| {
        !b["ids"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(ids[2]))
    }));
    assert!(!store.order(ids[0]).unwrap().unwrap().status_pending);
    assert!(
        store.order(ids[2]).unwrap().unwrap().status_pending,
        "still waiting for a mapping"
    );

    // Nothing pending: nothing sent.
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await.record;
    assert_eq!(r.sent, 0);
    assert!(env.sandbox.requests().is_empty());
}

#[tokio::test]
async fn prices_follow_the_rules_and_only_changes_are_sent() {
    let env = Env::new(3, SandboxOptions::default(), |_| 5).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    for (p, price) in env.catalogue.iter().zip(["100", "250.40", "9.99"]) {
        set_price(&office, p.sku.as_deref().unwrap(), price).await;
    }
    env.sandbox.clear_requests();
    let r = run(&config, &store, "prices").await.record;
    assert_eq!((r.outcome, r.confirmed), (Outcome::Ok, 3));
    let body = env.sandbox.edit_requests()[0].body.clone().unwrap();
    assert_eq!(
        body[0],
        serde_json::json!({"id": env.catalogue[0].id, "price": 109.99})
    );
    assert_eq!(
        env.sandbox.product(env.catalogue[1].id).unwrap().price,
        "274.99".parse::<Decimal>().unwrap()
    );
    env.sandbox.clear_requests();
    assert_eq!(run(&config, &store, "prices").await.record.sent, 0);
    assert!(env.sandbox.requests().is_empty());
}

#[tokio::test]
async fn a_push_that_would_zero_30_percent_with_a_20_percent_guard_writes_nothing() {
    let env = Env::new(10, SandboxOptions::default(), |_| 4).await;
    let path = env.write_config("0 0 1 1 *", "");
    patch_file(
        &path,
        "schedule = \"0 0 1 1 *\"\n",
        "schedule = \"0 0 1 1 *\"\nmax_zero_share_percent = 20\n",
    );
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    assert_eq!(run(&config, &store, "stock").await.record.confirmed, 10);
    for p in &env.catalogue[..3] {
        let local = store
            .product_by_sku(p.sku.as_deref().unwrap())
            .unwrap()
            .unwrap();
        store.set_stock(local.id, "main", 0).unwrap();
    }
    let snaps_before = store.stock_snapshots().unwrap();
    env.sandbox.clear_requests();
    let r = run(&config, &store, "stock").await.record;
    assert_eq!(r.outcome, Outcome::Guarded);
    let why = r.error.clone().unwrap();
    assert!(
        why.contains("3 of 10")
            && why.contains("30")
            && why.contains("max_zero_share_percent = 20"),
        "{why}"
    );
    assert!(env.sandbox.requests().is_empty(), "nothing sent");
    assert_eq!(
        store.stock_snapshots().unwrap(),
        snaps_before,
        "nothing written but the run record"
    );
    assert_eq!(
        store.last_run("stock").unwrap().unwrap().outcome,
        Outcome::Guarded
    );
    drop(store);
    // From the command line: exit 1 and the reason.
    let out = tokio::task::spawn_blocking(move || {
        bin()
            .args(["job", "run", "stock", "--config"])
            .arg(&path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("max_zero_share_percent = 20"));
}

#[tokio::test]
async fn every_jobs_dry_run_prints_its_plan() {
    let env = Env::new(3, SandboxOptions::default(), |i| i as i64 * 2).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let p = env.catalogue[1].clone();
    let placed = env
        .sandbox
        .place_order(order(vec![(Some(p.id), p.sku.as_deref().unwrap(), 1)]));
    let plan = dry(&config, &store, "orders")
        .await
        .plan
        .unwrap()
        .to_string();
    // The tracking start is the window's start: now less `initial_days`.
    let plan: Vec<&str> = plan
        .lines()
        .map(|l| match l.split_once(" (an order") {
            Some((_, rest)) if l.starts_with("order tracking since ") => {
                assert!(rest.ends_with(')'), "{l}");
                "order tracking since [now - 7 days]"
            }
            _ => l,
        })
        .collect();
    insta::assert_snapshot!("dry_run_pull_orders", plan.join("\n"));
    run(&config, &store, "orders").await;
    set_status(&office, placed.id, "cancelled_by_buyer").await;
    insta::assert_snapshot!(
        "dry_run_push_statuses",
        dry(&config, &store, "statuses")
            .await
            .plan
            .unwrap()
            .to_string()
    );
    for (p, price) in env.catalogue.iter().zip(["100", "250.40", "9.99"]) {
        set_price(&office, p.sku.as_deref().unwrap(), price).await;
    }
    insta::assert_snapshot!(
        "dry_run_push_prices",
        dry(&config, &store, "prices")
            .await
            .plan
            .unwrap()
            .to_string()
    );
    insta::assert_snapshot!(
        "dry_run_push_stock",
        dry(&config, &store, "stock")
            .await
            .plan
            .unwrap()
            .to_string()
    );
    let json = serde_json::to_value(dry(&config, &store, "prices").await).unwrap();
    assert_eq!(json["plan"]["kind"], "push_prices");
    assert_eq!(json["plan"]["changes"][0]["after"], "109.99");
    assert!(
        env.sandbox.edit_requests().is_empty(),
        "dry runs send nothing"
    );
}

/// kill -9 in the middle of imports, new orders meanwhile, a restart: every order once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_mid_import_leaves_no_duplicate_and_misses_no_order() {
    let opts = SandboxOptions {
        latency: Duration::from_millis(150),
        default_limit: 20,
        ..Default::default()
    };
    let env = Env::new(4, opts, |_| 50).await;
    let _ = configure(&env, "* * * * * *");
    let path = env.dir.path().join("jobs.toml");
    let sku = env.catalogue[0].sku.clone().unwrap();
    for _ in 0..250 {
        env.sandbox.place_order(order(vec![
            (Some(env.catalogue[0].id), &sku, 1),
            (Some(99_000_001), "EXT", 1),
        ]));
    }
    for round in 0..3 {
        // Nobody calls these daemons' admin API: port 0, the kernel picks a free one.
        let mut child = bin()
            .args(["run", "--config"])
            .arg(&path)
            .env("PROMUA_SYNC__ADMIN__LISTEN", "127.0.0.1:0")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let before = env.sandbox.requests().len();
        wait_for("an import under way", Duration::from_secs(30), || {
            env.sandbox
                .requests()
                .iter()
                .skip(before)
                .filter(|r| r.path.ends_with("/orders/list"))
                .count()
                >= 2 + round
        })
        .await;
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        for _ in 0..7 {
            env.sandbox.place_order(order(vec![(
                Some(env.catalogue[1].id),
                env.catalogue[1].sku.as_deref().unwrap(),
                1,
            )]));
        }
    }
    // A last, undisturbed run.
    let want: Vec<i64> = env.sandbox.orders().iter().map(|o| o.id).collect();
    let child = env.start_daemon(&path).await;
    let store_path = env.store_path();
    tokio::time::sleep(Duration::from_secs(4)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let mut c = child;
        c.wait().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
    let store = Store::open(&store_path).unwrap();
    let mut got: Vec<i64> = store.orders().unwrap().iter().map(|o| o.prom_id).collect();
    got.sort();
    assert_eq!(got.len(), want.len(), "no missed and no duplicated order");
    assert_eq!(got, want);
    // Reservations add up exactly: one unit per order of each product.
    let p0 = store.product_by_sku(&sku).unwrap().unwrap();
    assert_eq!(store.reserved_of(p0.id).unwrap(), 250);
    let p1 = store
        .product_by_sku(env.catalogue[1].sku.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(store.reserved_of(p1.id).unwrap(), 21);
}

#[tokio::test]
async fn leaving_the_done_status_puts_the_stock_back_and_history_is_not_shipped_twice() {
    let env = Env::new(2, SandboxOptions::default(), |_| 10).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let p = env.catalogue[0].clone();
    let sku = p.sku.clone().unwrap();
    let local = store.product_by_sku(&sku).unwrap().unwrap();
    // An order delivered before order tracking started (created before the first pull's
    // window): its stock left long ago.
    let old = env.sandbox.place_order(SandboxOrder {
        status: "delivered".into(),
        date_created: chrono::Utc::now() - chrono::Duration::days(30),
        ..order(vec![(Some(p.id), &sku, 2)])
    });
    // Changed since (e.g. a review): the first pull reads it.
    env.sandbox.change_order(old.id, OrderChange::default());
    let live = env.sandbox.place_order(order(vec![(Some(p.id), &sku, 3)]));
    run(&config, &store, "orders").await;
    assert_eq!(
        store.stock_of(local.id).unwrap(),
        vec![("main".to_string(), 10)],
        "history is not shipped again"
    );
    assert_eq!(store.reserved_of(local.id).unwrap(), 3);

    set_status(&office, live.id, "delivered").await;
    assert_eq!(
        store.stock_of(local.id).unwrap(),
        vec![("main".to_string(), 7)]
    );
    assert_eq!(store.reserved_of(local.id).unwrap(), 0);
    // A mistake, undone: the stock comes back and the order holds it again.
    set_status(&office, live.id, "received").await;
    assert_eq!(
        store.stock_of(local.id).unwrap(),
        vec![("main".to_string(), 10)]
    );
    assert_eq!(store.reserved_of(local.id).unwrap(), 3);
    // A local change made while Prom confirmed an older one stays pending.
    set_status(&office, live.id, "delivered").await;
    store
        .confirm_order_statuses(&[(live.id, "received".into(), "received".into())])
        .unwrap();
    let o = store.order(live.id).unwrap().unwrap();
    assert!(o.status_pending && o.status == "delivered", "{o:?}");
    assert!(!store.order(old.id).unwrap().unwrap().status_pending);
}

#[tokio::test]
async fn the_cli_uses_the_configured_reservation_warehouse() {
    let env = Env::new(2, SandboxOptions::default(), |_| 0).await;
    let path = env.write_config("0 0 1 1 *", JOBS);
    patch_file(
        &path,
        "warehouses = [\"main\"]\n",
        "warehouses = [\"kyiv\", \"main\"]\n",
    );
    let config = config::load(&path).unwrap();
    let sku = env.catalogue[0].sku.clone().unwrap();
    {
        let store = Store::open(&config.store.path).unwrap();
        let local = store.product_by_sku(&sku).unwrap().unwrap();
        store.set_stock(local.id, "kyiv", 8).unwrap();
        let o = env
            .sandbox
            .place_order(order(vec![(Some(env.catalogue[0].id), &sku, 5)]));
        run(&config, &store, "orders").await;
        store.flush().await.unwrap();
        drop(store);
        let out = tokio::task::spawn_blocking({
            let path = path.clone();
            move || {
                bin()
                    .args([
                        "orders",
                        "set-status",
                        &o.id.to_string(),
                        "delivered",
                        "--config",
                    ])
                    .arg(&path)
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = Store::open(&config.store.path).unwrap();
    let local = store.product_by_sku(&sku).unwrap().unwrap();
    let stock: std::collections::BTreeMap<String, i64> =
        store.stock_of(local.id).unwrap().into_iter().collect();
    assert_eq!(
        stock["kyiv"], 3,
        "shipped from the first warehouse: {stock:?}"
    );
    assert_eq!(stock.get("main").copied().unwrap_or(0), 0, "{stock:?}");
}

#[tokio::test]
async fn the_on_change_push_honours_the_guards() {
    let env = Env::new(10, SandboxOptions::default(), |_| 4).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    run(&config, &store, "stock").await;
    store.take_dirty(promua_sync::store::DIRTY_STOCK).unwrap();
    for p in &env.catalogue[..3] {
        let local = store
            .product_by_sku(p.sku.as_deref().unwrap())
            .unwrap()
            .unwrap();
        store.set_stock(local.id, "main", 0).unwrap();
    }
    env.sandbox.clear_requests();
    let mut ctx = context(&config, &store);
    ctx.on_change_guard.max_zero_share_percent = Some(Decimal::from(20));
    let r = promua_sync::jobs::on_change::push_stock(&ctx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, Outcome::Guarded);
    assert!(env.sandbox.requests().is_empty());
    assert_eq!(
        store.dirty_count(),
        3,
        "still marked for when the guard is lifted"
    );
    ctx.on_change_guard.max_zero_share_percent = None;
    let r = promua_sync::jobs::on_change::push_stock(&ctx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.outcome, r.confirmed), (Outcome::Ok, 3));
    assert_eq!(store.dirty_count(), 0);
}

#[tokio::test]
async fn a_price_change_is_pushed_on_change_through_the_rules() {
    let env = Env::new(3, SandboxOptions::default(), |_| 1).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let opts = match &config
        .jobs
        .iter()
        .find(|j| j.name == "prices")
        .unwrap()
        .kind
    {
        promua_sync::config::JobKind::PushPrices(o) => o.clone(),
        _ => unreachable!(),
    };
    let sku = env.catalogue[2].sku.clone().unwrap();
    set_price(&office, &sku, "200").await;
    let ctx = context(&config, &store);
    let r = promua_sync::jobs::on_change::push_prices(&ctx, &opts)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.outcome, r.confirmed), (Outcome::Ok, 1));
    assert_eq!(
        env.sandbox.product(env.catalogue[2].id).unwrap().price,
        "219.99".parse::<Decimal>().unwrap()
    );
    assert_eq!(
        env.sandbox.edit_requests().len(),
        1,
        "only the changed product"
    );
    assert!(
        promua_sync::jobs::on_change::push_prices(&ctx, &opts)
            .await
            .unwrap()
            .is_none(),
        "nothing left"
    );
}

/// A status push interrupted after Prom.ua applied it (the process died before the
/// confirmation was stored): the order's Prom status is unknown, so setting the local
/// status back to the old Prom status still sends it.
#[tokio::test]
async fn an_interrupted_status_push_leaves_prom_status_unknown_and_a_later_change_is_sent() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let sku = env.catalogue[0].sku.clone().unwrap();
    let id = env
        .sandbox
        .place_order(order(vec![(Some(env.catalogue[0].id), &sku, 1)]))
        .id;
    run(&config, &store, "orders").await;
    set_status(&office, id, "received").await;
    run(&config, &store, "statuses").await;
    assert_eq!(env.sandbox.order(id).unwrap().status, "received");

    // `delivered` goes out: the push marks the order before sending, Prom.ua applies it,
    // and the process dies before Prom's confirmation is stored.
    set_status(&office, id, "delivered").await;
    store
        .mark_statuses_unconfirmed(&[(id, "delivered".into(), "delivered".into())])
        .unwrap();
    env.sandbox.change_order(
        id,
        OrderChange {
            status: Some("delivered".into()),
            phone: None,
            lines: None,
            ..Default::default()
        },
    );
    // The seller changes their mind: back to `received`, which the store last saw on Prom.
    set_status(&office, id, "received").await;
    let o = store.order(id).unwrap().unwrap();
    assert!(
        o.status_pending,
        "Prom's status is unknown: the status must go out"
    );
    let r = run(&config, &store, "statuses").await.record;
    assert_eq!((r.sent, r.confirmed), (1, 1), "{r:?}");
    assert_eq!(env.sandbox.order(id).unwrap().status, "received");
    let o = store.order(id).unwrap().unwrap();
    assert!(!o.status_pending && !o.prom_status_unconfirmed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_pull_reports_older_open_orders_and_since_imports_them() {
    let env = Env::new(2, SandboxOptions::default(), |_| 10).await;
    let config = configure(&env, "0 0 1 1 *");
    let p = env.catalogue[0].clone();
    let sku = p.sku.clone().unwrap();
    let days_ago = |d: i64| chrono::Utc::now() - chrono::Duration::days(d);
    // Open for a month, untouched for 20 days: older than the first window (7 days).
    let old_open = env.sandbox.place_order(SandboxOrder {
        status: "received".into(),
        date_created: days_ago(30),
        date_modified: days_ago(20),
        ..order(vec![(Some(p.id), &sku, 3)])
    });
    // Delivered long ago: history, neither reported nor moved.
    env.sandbox.place_order(SandboxOrder {
        status: "delivered".into(),
        date_created: days_ago(40),
        date_modified: days_ago(25),
        ..order(vec![(Some(p.id), &sku, 4)])
    });
    let out = cli_async(&config.path, &["job", "run", "orders", "--json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = run["record"]["notes"].to_string();
    assert!(
        notes.contains("1 open order(s)")
            && notes.contains(&old_open.id.to_string())
            && notes.contains("job run orders --since ")
            && notes.contains(&days_ago(20).format("%Y-%m-%d").to_string()),
        "{notes}"
    );
    let store = Store::open(&config.store.path).unwrap();
    assert_eq!(store.order_count(), 0, "reported, not imported");
    drop(store);

    // A bad date, a future one and a job of another kind are usage errors.
    for (args, says) in [
        (["orders", "20.10.2026"], "YYYY-MM-DD"),
        (["orders", "2999-01-01"], "in the future"),
        (["prices", "2026-01-01"], "applies to pull_orders jobs"),
    ] {
        let out = cli_async(&config.path, &["job", "run", args[0], "--since", args[1]]).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}: {out:?}"
        );
    }
    assert_eq!(
        Store::open(&config.store.path).unwrap().order_count(),
        0,
        "a refused command stores nothing"
    );

    let since = days_ago(21).format("%Y-%m-%d").to_string();
    let out = cli_async(&config.path, &["job", "run", "orders", "--since", &since]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open(&config.store.path).unwrap();
    let o = store
        .order(old_open.id)
        .unwrap()
        .expect("imported by --since");
    assert_eq!(o.holds, Some(true));
    let local = store.product_by_sku(&sku).unwrap().unwrap();
    assert_eq!(store.reserved_of(local.id).unwrap(), 3);
    assert_eq!(
        store.order_count(),
        1,
        "the delivered one is older than --since"
    );
    // The cursor did not move back: the first pull, which read nothing, left it at its
    // window's start, and the next run reads from there again.
    let cursor = store.orders_cursor().unwrap().unwrap();
    assert!(cursor > days_ago(8) && cursor < days_ago(6), "{cursor}");
    // Tracking started with the first pull, not at --since: history stays history.
    let tracked = store.orders_tracked_since().unwrap().unwrap();
    assert!(tracked > days_ago(8) && tracked < days_ago(6), "{tracked}");
}

#[tokio::test]
async fn an_order_holding_or_shipping_more_than_there_is_is_a_warning() {
    let env = Env::new(2, SandboxOptions::default(), |_| 2).await;
    let config = configure(&env, "0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    let p = env.catalogue[0].clone();
    let sku = p.sku.clone().unwrap();
    let placed = env.sandbox.place_order(order(vec![(Some(p.id), &sku, 3)]));
    // Prom.ua sold 3 of the 2 there are: the pull says so.
    let pulled = run(&config, &store, "orders").await.record;
    let short: Vec<_> = pulled
        .warnings
        .iter()
        .filter(|w| w.kind == "shortfall")
        .collect();
    assert_eq!(short.len(), 1, "{:?}", pulled.warnings);
    assert_eq!(short[0].subject, sku);
    assert!(
        short[0].message.contains("stock 2") && short[0].message.contains("reserved 3"),
        "{}",
        short[0].message
    );
    // Shipping it takes the stock below zero: the status change says so too.
    let view = office
        .set_order_status(
            placed.id,
            &OrderStatusSet {
                status: "delivered".into(),
                force: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(view.warnings.len(), 1, "{view:?}");
    assert_eq!((view.warnings[0].stock, view.warnings[0].reserved), (-1, 0));
    let local = store.product_by_sku(&sku).unwrap().unwrap();
    assert_eq!(
        store.stock_of(local.id).unwrap(),
        vec![("main".to_string(), -1)]
    );
}
