//! verify compares the tiers and discounts Prom.ua shows with what push_prices would send,
//! and its repair sends them back through the same planner.

use std::time::Duration;

use promua_sync::config::Config;
use promua_sync::domain::{Discount, DiscountKind, Tier};
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::{DriftCause, Outcome};
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{ExtrasChange, Store};
use serde_json::{Value, json};

use crate::helpers::{Env, context};
use crate::price_tiers::{d, priced, prices_config, run, sent_items, shown};

/// A verify job that repairs.
pub const HEAL: &str = "[[job]]\nname = \"heal\"\nkind = \"verify\"\nschedule = \"0 3 * * *\"\nrepair = true\noverlap_minutes = 0\n";

/// One linked product with a tier (10 at 90) that push_prices sent and Prom.ua confirmed,
/// its stock pushed too, then a second gone by, so that a cabinet edit made next is seen by
/// verify as modified since. Returns the product ids and the first one's Prom id.
pub async fn one_tiered_product_sent() -> (Env, Config, Store, Vec<u64>, i64) {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, HEAL)).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    let p0 = env.prom_id_of(&store, ids[0]);
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: Some(vec![Tier {
                    min_quantity: 10,
                    price: d("90"),
                }]),
                discount: None,
            },
        )])
        .unwrap();
    assert_eq!(
        run(&config, &store, Mode::Apply).await.record.outcome,
        Outcome::Ok
    );
    let stock = config.jobs.iter().find(|j| j.name == "stock").unwrap();
    run_job(stock, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    (env, config, store, ids, p0)
}

#[tokio::test]
async fn cabinet_edits_of_tiers_and_discounts_are_drift_and_repaired() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, HEAL)).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    let (p0, p1) = (
        env.prom_id_of(&store, ids[0]),
        env.prom_id_of(&store, ids[1]),
    );
    store
        .set_price_extras(&[
            (
                ids[0],
                ExtrasChange {
                    tiers: Some(vec![Tier {
                        min_quantity: 10,
                        price: d("90"),
                    }]),
                    discount: None,
                },
            ),
            (
                ids[1],
                ExtrasChange {
                    tiers: None,
                    discount: Some(Some(Discount {
                        value: d("10"),
                        kind: DiscountKind::Percent,
                        from: None,
                        until: None,
                    })),
                },
            ),
        ])
        .unwrap();
    assert_eq!(
        run(&config, &store, Mode::Apply).await.record.outcome,
        Outcome::Ok
    );
    // Stock too, so that only what this test changes on Prom.ua drifts.
    let stock = config.jobs.iter().find(|j| j.name == "stock").unwrap();
    run_job(stock, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let heal = config.jobs.iter().find(|j| j.name == "heal").unwrap();
    // Nothing changed on Prom.ua: no drift.
    let quiet = run_job(heal, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    assert!(quiet.record.drift.is_empty(), "{:?}", quiet.record.drift);

    // The cabinet changes the tier and drops the discount.
    let mut raw = serde_json::Map::new();
    raw.insert(
        "prices".into(),
        json!([{"price": 50, "minimum_order_quantity": 5}]),
    );
    env.sandbox.set_raw_fields(p0, raw);
    let mut raw = serde_json::Map::new();
    raw.insert("discount".into(), Value::Null);
    env.sandbox.set_raw_fields(p1, raw);
    env.sandbox.clear_requests();
    let healed = run_job(heal, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    let drift: Vec<(i64, &str, DriftCause)> = healed
        .record
        .drift
        .iter()
        .map(|i| (i.prom_id, i.field.as_str(), i.cause))
        .collect();
    assert!(
        drift.contains(&(p0, "prices", DriftCause::ChangedOnProm)),
        "{drift:?}"
    );
    assert!(
        drift.contains(&(p1, "discount", DriftCause::ChangedOnProm)),
        "{drift:?}"
    );
    assert_eq!(drift.len(), 2, "{drift:?}");
    let items = sent_items(&env);
    assert_eq!(
        items[&p0]["prices"],
        json!([{"price": 99.0, "minimum_order_quantity": 10}])
    );
    assert_eq!(
        items[&p1]["discount"],
        json!({"value": 10.0, "type": "percent"})
    );
    assert_eq!(
        shown(&env, p0).await["prices"],
        json!([{"price": 99, "minimum_order_quantity": 10}])
    );
    assert_eq!(shown(&env, p1).await["discount"]["value"], json!(10));

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = run_job(heal, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    assert!(again.record.drift.is_empty(), "{:?}", again.record.drift);
}

/// A discount set in Prom's cabinet on a product whose tiers (only) the back office holds
/// survives verify's repair of those tiers.
#[tokio::test]
async fn a_tiers_repair_leaves_a_cabinet_discount_alone() {
    let (env, config, store, ids, p0) = one_tiered_product_sent().await;
    // The cabinet adds a discount and changes the tier.
    let mut raw = serde_json::Map::new();
    raw.insert(
        "prices".into(),
        json!([{"price": 50, "minimum_order_quantity": 5}]),
    );
    raw.insert("discount".into(), json!({"value": 7, "type": "percent"}));
    env.sandbox.set_raw_fields(p0, raw);
    env.sandbox.clear_requests();
    let heal = config.jobs.iter().find(|j| j.name == "heal").unwrap();
    let healed = run_job(heal, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    let drift: Vec<&str> = healed
        .record
        .drift
        .iter()
        .map(|i| i.field.as_str())
        .collect();
    assert_eq!(drift, ["prices"], "{:?}", healed.record.drift);
    let items = sent_items(&env);
    assert_eq!(
        items[&p0]["prices"],
        json!([{"price": 99.0, "minimum_order_quantity": 10}])
    );
    assert!(items[&p0].get("discount").is_none(), "{}", items[&p0]);
    let now = shown(&env, p0).await;
    assert_eq!(now["discount"]["value"], json!(7), "{now}");
    assert_eq!(
        now["prices"],
        json!([{"price": 99, "minimum_order_quantity": 10}])
    );
    // The store still claims no discount of ours.
    let sent = store.extras_rows().unwrap()[&ids[0]].sent.clone().unwrap();
    assert_eq!(sent.discount, None, "{sent:?}");
}
