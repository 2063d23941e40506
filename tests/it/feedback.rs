//! One owner per figure: `import_products` in mode `update_balances` and `push_stock`
//! never feed each other (two pushed warehouses, a safety buffer, an open order), a
//! change made on Prom.ua is taken once, a local count is never undone; Prom values that
//! are not stock are hard cases; a failed dry run says why; check-config warns.

use std::path::PathBuf;

use promua_sync::backoffice::{BackOffice, Ledger, StockSet};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{JobRun, Mode, Plan, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{SandboxOptions, SandboxOrder, SandboxOrderLine, ScriptedFault};
use promua_sync::store::{Actor, Store};
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::*;

/// Jobs beside the `stock` push of [`Env::write_config`].
const JOBS: &str = r#"
[[job]]
name = "import"
kind = "import_products"
schedule = "0 0 1 1 *"
mode = "update_balances"

[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"
"#;

/// Pushed warehouses `main` and `shop2`, a safety buffer of 2.
fn configure(env: &Env) -> (PathBuf, Config) {
    let path = env.write_config_any_admin_port("0 0 1 1 *", JOBS);
    patch_file(
        &path,
        "warehouses = [\"main\"]\n",
        "warehouses = [\"main\", \"shop2\"]\nsafety_buffer = 2\n",
    );
    // A product at 0 is part of the picture: the zero-share guard would stop the push.
    patch_file(
        &path,
        "kind = \"push_stock\"\n",
        "kind = \"push_stock\"\nmax_zero_share_percent = 100\n",
    );
    let config = config::load(&path).unwrap();
    (path, config)
}

async fn run(config: &Config, store: &Store, name: &str, mode: Mode) -> JobRun {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    let run = run_job(job, &context(config, store), mode).await.unwrap();
    assert!(
        matches!(run.record.outcome, Outcome::Ok | Outcome::DryRun),
        "{name}: {:?}",
        run.record
    );
    run
}

fn import_plan(run: &JobRun) -> &promua_sync::jobs::import_products::ImportPlan {
    match run.plan.as_ref().expect("a dry run's plan") {
        Plan::ImportProducts(p) => p,
        other => panic!("{other:?}"),
    }
}

/// Per product: local stock by warehouse, and Prom's quantity.
type Picture = Vec<(Vec<(String, i64)>, Option<i64>)>;

fn picture(env: &Env, store: &Store, ids: &[(u64, i64)]) -> Picture {
    ids.iter()
        .map(|&(local, prom)| {
            let mut stock = store.stock_of(local).unwrap();
            stock.sort();
            (stock, env.sandbox.product(prom).unwrap().quantity_in_stock)
        })
        .collect()
}

fn order_of(prom_id: i64, quantity: i64) -> SandboxOrder {
    SandboxOrder {
        id: 0,
        date_created: chrono::Utc::now(),
        date_modified: chrono::Utc::now(),
        client_first_name: "Ірина".into(),
        client_last_name: "Мельник".into(),
        client_second_name: None,
        phone: "+380501112233".into(),
        email: None,
        status: "pending".into(),
        delivery_provider: None,
        delivery_cost: Decimal::ZERO,
        cancellation_reason: None,
        details: Default::default(),
        lines: vec![SandboxOrderLine {
            product_id: Some(prom_id),
            external_id: None,
            name: "Товар".into(),
            sku: None,
            price: Decimal::from(100),
            quantity: Decimal::from(quantity),
        }],
    }
}

/// Sets Prom.ua's quantity of a product, as the seller would in Prom's cabinet.
fn set_on_prom(env: &Env, prom_id: i64, quantity: i64) {
    let mut p = env.sandbox.product(prom_id).unwrap();
    p.quantity_in_stock = Some(quantity);
    env.sandbox.upsert_products([p]);
}

#[tokio::test]
async fn ten_rounds_of_push_and_update_balances_move_nothing() {
    let env = Env::new(3, SandboxOptions::default(), |i| [5, 5, 0][i]).await;
    let (_, config) = configure(&env);
    let store = Store::open(&config.store.path).unwrap();
    let ids: Vec<(u64, i64)> = store.link_pairs().unwrap();
    // Each product also holds stock in shop2; the first has an open order for 3.
    for (&(local, _), shop2) in ids.iter().zip([3, 3, 1]) {
        store.set_stock(local, "shop2", shop2).unwrap();
    }
    let placed = env.sandbox.place_order(order_of(ids[0].1, 3));
    run(&config, &store, "orders", Mode::Apply).await;
    assert_eq!(store.reserved_of(ids[0].0).unwrap(), 3);

    let mut first: Option<Picture> = None;
    for round in 1..=10 {
        let pushed = run(&config, &store, "stock", Mode::Apply).await.record;
        let imported = run(&config, &store, "import", Mode::Apply).await.record;
        assert_eq!(imported.planned, 0, "round {round}: {imported:?}");
        let now = picture(&env, &store, &ids);
        match &first {
            None => {
                assert_eq!(pushed.confirmed, 3);
                // 5 + 3 − 3 reserved − 2 buffer; 5 + 3 − 2; 0 + 1 − 2 → 0.
                let prom: Vec<Option<i64>> = now.iter().map(|(_, q)| *q).collect();
                assert_eq!(prom, [Some(3), Some(6), Some(0)]);
                let local: Vec<Vec<(String, i64)>> = now.iter().map(|(s, _)| s.clone()).collect();
                let w = |m: i64, s: i64| vec![("main".to_string(), m), ("shop2".to_string(), s)];
                assert_eq!(local, [w(5, 3), w(5, 3), w(0, 1)], "local stock untouched");
                first = Some(now);
                env.sandbox.clear_requests();
            }
            Some(first) => {
                assert_eq!(&now, first, "round {round} moved something");
                assert_eq!(pushed.planned, 0, "round {round}: {pushed:?}");
            }
        }
    }
    assert!(
        env.sandbox.edit_requests().is_empty(),
        "nothing was sent after the first round"
    );
    assert_eq!(
        store.order(placed.id).unwrap().unwrap().lines[0].product_id,
        Some(ids[0].0)
    );
    assert_eq!(store.reserved_of(ids[0].0).unwrap(), 3, "still held");
}

#[tokio::test]
async fn a_change_on_prom_is_taken_once_and_a_local_count_is_never_undone() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let (_, config) = configure(&env);
    let store = Store::open(&config.store.path).unwrap();
    let ids = store.link_pairs().unwrap();
    let (local, prom) = ids[0];
    store.set_stock(local, "shop2", 3).unwrap();
    env.sandbox.place_order(order_of(prom, 1));
    run(&config, &store, "orders", Mode::Apply).await;
    run(&config, &store, "stock", Mode::Apply).await;
    // 5 + 3 − 1 reserved − 2 buffer.
    assert_eq!(
        env.sandbox.product(prom).unwrap().quantity_in_stock,
        Some(5)
    );

    // The seller sets 20 on Prom.ua: the plan says why, the run takes it.
    set_on_prom(&env, prom, 20);
    let dry = run(&config, &store, "import", Mode::DryRun).await;
    let plan = import_plan(&dry);
    assert_eq!(plan.items.len(), 1, "{plan}");
    let item = &plan.items[0];
    assert_eq!(
        (item.prom_id, item.before, item.after),
        (prom, Some(5), Some(20))
    );
    assert_eq!(
        item.why.as_deref(),
        Some(
            "Prom shows 20, we last pushed 5: changed on Prom; main = 20 + 1 reserved + 2 buffer − 3 in the other pushed warehouses = 20"
        )
    );
    let text = dry.plan.as_ref().unwrap().to_string();
    assert!(
        text.contains("why: Prom shows 20, we last pushed 5: changed on Prom")
            && text.contains("1 linked product(s) show on Prom.ua what we last pushed"),
        "{text}"
    );
    run(&config, &store, "import", Mode::Apply).await;
    let stock = |w: &str| {
        store
            .stock_of(local)
            .unwrap()
            .into_iter()
            .find(|(x, _)| x == w)
            .unwrap()
            .1
    };
    assert_eq!((stock("main"), stock("shop2")), (20, 3));
    // The push sends Prom's figure back unchanged (its snapshot was 5), then is quiet.
    env.sandbox.clear_requests();
    run(&config, &store, "stock", Mode::Apply).await;
    assert_eq!(edited_ids(&env.sandbox), [vec![prom]]);
    let body = env.sandbox.edit_requests()[0].body.clone().unwrap();
    assert_eq!(body[0]["quantity_in_stock"], json!(20));
    assert_eq!(
        env.sandbox.product(prom).unwrap().quantity_in_stock,
        Some(20)
    );
    assert_eq!(
        run(&config, &store, "import", Mode::Apply)
            .await
            .record
            .planned,
        0
    );
    assert_eq!(
        run(&config, &store, "stock", Mode::Apply)
            .await
            .record
            .planned,
        0
    );

    // A count the seller sets locally after the push is not undone by the next import.
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![]);
    let sku = store.product(local).unwrap().unwrap().sku;
    office
        .set_stock(
            &sku,
            &StockSet {
                warehouse: "main".into(),
                quantity: 30,
                reason: None,
            },
        )
        .await
        .unwrap();
    let imported = run(&config, &store, "import", Mode::Apply).await.record;
    assert_eq!(imported.planned, 0, "{imported:?}");
    assert_eq!(stock("main"), 30);
    run(&config, &store, "stock", Mode::Apply).await;
    // 30 + 3 − 1 − 2.
    assert_eq!(
        env.sandbox.product(prom).unwrap().quantity_in_stock,
        Some(30)
    );
    assert_eq!(
        run(&config, &store, "import", Mode::Apply)
            .await
            .record
            .planned,
        0
    );
    assert_eq!(stock("main"), 30);

    // Changed on both sides since the last push: reported, the local count kept, and
    // the push then sends it.
    set_on_prom(&env, prom, 12);
    store.set_stock(local, "main", 40).unwrap();
    let r = run(&config, &store, "import", Mode::Apply).await.record;
    assert_eq!(r.planned, 0);
    assert!(
        r.notes.iter().any(|n| n.contains(
            "Prom shows 12, we last pushed 30, and the local stock now gives 40: changed on both sides"
        )),
        "{:?}",
        r.notes
    );
    assert_eq!(stock("main"), 40);
    run(&config, &store, "stock", Mode::Apply).await;
    assert_eq!(
        env.sandbox.product(prom).unwrap().quantity_in_stock,
        Some(40)
    );

    // Prom shows less than shop2 alone gives: no stock in main can make the push send it.
    store.set_stock(local, "main", 0).unwrap();
    store.set_stock(local, "shop2", 9).unwrap();
    run(&config, &store, "stock", Mode::Apply).await;
    // 0 + 9 − 1 − 2.
    assert_eq!(
        env.sandbox.product(prom).unwrap().quantity_in_stock,
        Some(6)
    );
    set_on_prom(&env, prom, 2);
    let r = run(&config, &store, "import", Mode::Apply).await.record;
    assert!(
        r.notes.iter().any(|n| n
            .contains("main = 2 + 1 reserved + 2 buffer − 9 in the other pushed warehouses = -4")),
        "{:?}",
        r.notes
    );
    assert_eq!((stock("main"), stock("shop2")), (0, 9), "nothing stored");
}

#[tokio::test]
async fn quantities_that_are_not_stock_and_unreadable_prices_are_hard_cases() {
    let env = Env::new(7, SandboxOptions::default(), |_| 7).await;
    let path = env.write_config_any_admin_port("0 0 1 1 *", JOBS);
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = store.link_pairs().unwrap();
    let raw = |i: usize, field: &str, v: serde_json::Value| {
        let mut m = serde_json::Map::new();
        m.insert(field.into(), v);
        env.sandbox.set_raw_fields(ids[i].1, m);
    };
    raw(0, "quantity_in_stock", json!(-3));
    raw(1, "quantity_in_stock", json!(2.7));
    raw(2, "quantity_in_stock", json!(1e20));
    raw(3, "price", json!(1e30));
    raw(3, "quantity_in_stock", json!(4));
    set_on_prom(&env, ids[4].1, 9);
    // Made to order: no count on Prom.ua, whether its quantity is null or 0.
    for (i, q) in [(5, None), (6, Some(0))] {
        let mut to_order = env.sandbox.product(ids[i].1).unwrap();
        (to_order.presence, to_order.quantity_in_stock) = ("order".into(), q);
        env.sandbox.upsert_products([to_order]);
    }

    let dry = run(&config, &store, "import", Mode::DryRun).await;
    let plan = import_plan(&dry);
    let kinds: Vec<(i64, String)> = plan
        .hard_cases
        .iter()
        .map(|h| {
            (
                h.prom_id,
                serde_json::to_value(h.kind)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (ids[0].1, "bad_quantity".to_string()),
            (ids[1].1, "bad_quantity".to_string()),
            (ids[2].1, "bad_quantity".to_string()),
            (ids[3].1, "unreadable_field".to_string()),
        ]
    );
    assert_eq!(plan.no_count, 2, "{plan}");
    let details: Vec<&str> = plan.hard_cases.iter().map(|h| h.detail.as_str()).collect();
    assert!(
        details[0].contains("quantity -3 is not a stock"),
        "{details:?}"
    );
    assert!(
        details[1].contains("quantity 2.7 (not a whole number)"),
        "{details:?}"
    );
    assert!(
        details[2].contains("quantity 1e+20 (a number beyond any count)"),
        "{details:?}"
    );
    assert!(details[3].contains("price 1e+30"), "{details:?}");
    let moves = store.journal_len();
    let r = run(&config, &store, "import", Mode::Apply).await.record;
    assert_eq!(
        r.outcome,
        Outcome::Ok,
        "one bad product does not fail the import"
    );
    assert_eq!(r.planned, 1, "{r:?}");
    let main = |i: usize| store.stock_of(ids[i].0).unwrap();
    for i in [0, 1, 2, 3, 5, 6] {
        assert_eq!(
            main(i),
            [("main".to_string(), 7)],
            "product {i}: nothing stored"
        );
    }
    assert_eq!(main(4), [("main".to_string(), 9)], "the rest is imported");
    assert_eq!(
        store.journal_len(),
        moves + 1,
        "no stock move for the hard cases"
    );
    assert_eq!(store.journal(None, 1).unwrap()[0].product_id, ids[4].0);
}

#[tokio::test]
async fn create_missing_gives_made_to_order_and_odd_products_no_stock() {
    let env = Env::new(4, SandboxOptions::default(), |_| 1).await;
    let path = env.write_config_any_admin_port(
        "0 0 1 1 *",
        "[[job]]\nname = \"create\"\nkind = \"import_products\"\nschedule = \"0 0 1 1 *\"\nmode = \"create_missing\"\n",
    );
    let config = config::load(&path).unwrap();
    // The Prom products are new to a fresh store.
    std::fs::remove_dir_all(&config.store.path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let prom: Vec<i64> = env.catalogue.iter().map(|p| p.id).collect();
    let mut order_null = env.sandbox.product(prom[0]).unwrap();
    (order_null.presence, order_null.quantity_in_stock) = ("order".into(), None);
    let mut order_zero = env.sandbox.product(prom[1]).unwrap();
    (order_zero.presence, order_zero.quantity_in_stock) = ("order".into(), Some(0));
    env.sandbox.upsert_products([order_null, order_zero]);
    let mut m = serde_json::Map::new();
    m.insert("price".into(), json!(1e30));
    env.sandbox.set_raw_fields(prom[2], m);
    let mut m = serde_json::Map::new();
    m.insert("quantity_in_stock".into(), json!(2.7));
    env.sandbox.set_raw_fields(prom[3], m);

    let r = run(&config, &store, "create", Mode::Apply).await.record;
    assert_eq!(r.outcome, Outcome::Ok);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(&format!("Prom product {}: unreadable price 1e+30", prom[2]))),
        "{:?}",
        r.notes
    );
    assert_eq!(
        store.linked_to_prom(prom[2]).unwrap(),
        None,
        "the unreadable one is left alone"
    );
    for &id in [prom[0], prom[1], prom[3]].iter() {
        let local = store
            .linked_to_prom(id)
            .unwrap()
            .expect("created and linked");
        assert_eq!(
            store.stock_of(local).unwrap(),
            vec![],
            "no stock row: unknown is not 0"
        );
    }
    assert_eq!(store.product_count(), 3);
    // push_stock sends none of them (their stock is not known).
    env.sandbox.clear_requests();
    let pushed = run(&config, &store, "stock", Mode::Apply).await.record;
    assert_eq!(pushed.planned, 0);
    assert!(env.sandbox.edit_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_whose_catalogue_read_fails_says_why() {
    let env = Env::new(2, SandboxOptions::default(), |_| 1).await;
    let (path, _) = configure(&env);
    // A body that is not JSON is not retried: the read fails at once.
    let mut codes = Vec::new();
    for args in [
        &["job", "run", "import", "--dry-run"][..],
        &["job", "run", "import", "--dry-run", "--json"],
        &["job", "run", "import"],
    ] {
        env.sandbox.script_faults([ScriptedFault::Malformed]);
        let out = cli(&path, args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if args.contains(&"--json") {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["record"]["outcome"], "failed", "{stdout}");
            assert!(
                v["record"]["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{stdout}"
            );
        } else {
            assert!(stdout.contains("outcome:    failed"), "{args:?}: {stdout}");
            assert!(stdout.contains("error:      "), "{args:?}: {stdout}");
        }
        codes.push(out.status.code());
    }
    assert_eq!(codes, [Some(3), Some(3), Some(3)], "a failed run's code");
    // Nothing was written by the dry runs; the real run left its record.
    let store = Store::open(&env.store_path()).unwrap();
    let runs = store.runs_of("import", 10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, Outcome::Failed);
}

#[test]
fn check_config_warns_when_update_balances_and_push_stock_share_a_warehouse() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    let text = format!(
        "[store]\npath = \"store\"\n[sync]\nwarehouses = [\"main\", \"shop2\"]\nlocal_warehouses = [\"returns\"]\n\
         [[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"*/5 * * * *\"\n{JOBS}"
    );
    std::fs::write(&path, &text).unwrap();
    let out = cli(&path, &["check-config"]);
    assert_eq!(out.status.code(), Some(0), "a warning, not an error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: jobs `import` (import_products, mode = \"update_balances\") and `stock` (push_stock) share the stock of warehouse `main`"
        ) && stderr.contains("takes only quantities changed on Prom.ua since our last confirmed push"),
        "{stderr}"
    );
    // Into a warehouse push_stock does not send: nothing shared, no warning.
    std::fs::write(
        &path,
        patch(
            &text,
            "mode = \"update_balances\"\n",
            "mode = \"update_balances\"\nwarehouse = \"returns\"\n",
        ),
    )
    .unwrap();
    let out = cli(&path, &["check-config"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("share the stock"));
}

/// A product Prom.ua deleted and that comes back (re-created under its SKU, or listed again
/// under its id) is balanced like any other: the other pushed warehouse and the buffer
/// count, so the push sends Prom's figure back unchanged.
#[tokio::test]
async fn a_product_deleted_and_back_on_prom_is_balanced_with_the_other_warehouses() {
    for recreated in [true, false] {
        let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
        let (_path, config) = configure(&env);
        let store = Store::open(&config.store.path).unwrap();
        let original = env.catalogue[0].clone();
        let local = store
            .product_by_sku(original.sku.as_deref().unwrap())
            .unwrap()
            .unwrap()
            .id;
        store.set_stock(local, "shop2", 3).unwrap();
        run(&config, &store, "stock", Mode::Apply).await;
        assert_eq!(
            env.sandbox.product(original.id).unwrap().quantity_in_stock,
            Some(6)
        );

        env.sandbox.delete_product(original.id);
        run(&config, &store, "import", Mode::Apply).await;
        assert!(store.gone_since(original.id).unwrap().is_some());
        // Back on Prom.ua with 7: main = 7 + 2 buffer − 3 in shop2 = 6.
        let back = promua_sync::sandbox::SandboxProduct {
            id: if recreated { 5_900_000 } else { original.id },
            quantity_in_stock: Some(7),
            ..original.clone()
        };
        env.sandbox.upsert_products([back.clone()]);
        run(&config, &store, "import", Mode::Apply).await;
        assert_eq!(
            store.link_of(local).unwrap(),
            Some(back.id),
            "recreated: {recreated}"
        );
        let stock: std::collections::BTreeMap<String, i64> =
            store.stock_of(local).unwrap().into_iter().collect();
        assert_eq!(
            (stock["main"], stock["shop2"]),
            (6, 3),
            "recreated: {recreated}"
        );
        run(&config, &store, "stock", Mode::Apply).await;
        assert_eq!(
            env.sandbox.product(back.id).unwrap().quantity_in_stock,
            Some(7),
            "recreated: {recreated}"
        );
    }
}
