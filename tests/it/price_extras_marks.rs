//! What the store records of the tiers and discounts push_prices sends: a first send is
//! recorded (unconfirmed) before it goes out, so a discount cleared after an unconfirmed
//! send is still removed on Prom.ua; a change carrying no extras leaves their snapshot
//! alone.

use std::time::Duration;

use promua_sync::domain::{Discount, DiscountKind};
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{SandboxOptions, ScriptedFault};
use promua_sync::store::{DiscountState, ExtrasChange, Store};
use serde_json::{Value, json};

use crate::helpers::{Env, context};
use crate::price_drift::one_tiered_product_sent;
use crate::price_tiers::{d, priced, prices_config, run, sent_items, shown};

#[tokio::test]
async fn a_discount_sent_unconfirmed_then_cleared_is_removed_on_prom() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, "")).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    let p0 = env.prom_id_of(&store, ids[0]);
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: None,
                discount: Some(Some(Discount {
                    value: d("10"),
                    kind: DiscountKind::Percent,
                    from: None,
                    until: None,
                })),
            },
        )])
        .unwrap();
    // Prom.ua applies the edit but its answer confirms nothing.
    env.sandbox.script_faults([ScriptedFault::Unconfirmed]);
    let first = run(&config, &store, Mode::Apply).await;
    assert_eq!(first.record.confirmed, 0, "{:?}", first.record);
    assert_eq!(shown(&env, p0).await["discount"]["value"], json!(10));
    let sent = store.extras_rows().unwrap()[&ids[0]].sent.clone();
    let sent = sent.expect("a first send leaves a snapshot");
    assert!(sent.unconfirmed, "{sent:?}");
    assert!(
        matches!(&sent.discount, Some(DiscountState::Set(s)) if s.value == d("10")),
        "{sent:?}"
    );

    // The seller clears the discount: the next push removes it on Prom.ua.
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: None,
                discount: Some(None),
            },
        )])
        .unwrap();
    env.sandbox.clear_requests();
    let second = run(&config, &store, Mode::Apply).await;
    assert_eq!(second.record.outcome, Outcome::Ok, "{:?}", second.record);
    assert_eq!(sent_items(&env)[&p0]["discount"], Value::Null);
    assert!(
        sent_items(&env)[&p0]
            .as_object()
            .unwrap()
            .contains_key("discount")
    );
    let now = shown(&env, p0).await;
    assert!(now.get("discount").is_none_or(Value::is_null), "{now}");
    let sent = store.extras_rows().unwrap()[&ids[0]].sent.clone().unwrap();
    assert_eq!(sent.discount, Some(DiscountState::Removed));
    assert!(!sent.unconfirmed);
}

#[tokio::test]
async fn a_price_only_repair_leaves_the_extras_confirmed() {
    let (env, config, store, ids, p0) = one_tiered_product_sent().await;
    // The cabinet changes the price alone; verify repairs it.
    let mut raw = serde_json::Map::new();
    raw.insert("price".into(), json!(123));
    env.sandbox.set_raw_fields(p0, raw);
    env.sandbox.clear_requests();
    let heal = config.jobs.iter().find(|j| j.name == "heal").unwrap();
    let healed = run_job(heal, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    let fields: Vec<&str> = healed
        .record
        .drift
        .iter()
        .map(|i| i.field.as_str())
        .collect();
    assert_eq!(fields, ["price"], "{:?}", healed.record.drift);
    let repaired = sent_items(&env);
    assert_eq!(repaired[&p0]["price"], json!(110.0), "{}", repaired[&p0]);
    assert!(repaired[&p0].get("prices").is_none(), "{}", repaired[&p0]);
    let sent = store.extras_rows().unwrap()[&ids[0]].sent.clone().unwrap();
    assert!(!sent.unconfirmed, "{sent:?}");

    // Nothing left to send, nothing left to report.
    env.sandbox.clear_requests();
    let push = run(&config, &store, Mode::Apply).await;
    assert_eq!(push.record.sent, 0, "{:?}", push.record);
    assert!(env.sandbox.edit_requests().is_empty());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = run_job(heal, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    assert!(again.record.drift.is_empty(), "{:?}", again.record.drift);
}

#[tokio::test]
async fn a_refused_discount_does_not_hold_back_the_price() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, "")).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    let p0 = env.prom_id_of(&store, ids[0]);
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: None,
                discount: Some(Some(Discount {
                    value: d("10"),
                    kind: DiscountKind::Percent,
                    from: None,
                    until: None,
                })),
            },
        )])
        .unwrap();
    env.sandbox
        .reject_field(p0, "discount", "Знижки недоступні для цього товару");
    let r = run(&config, &store, Mode::Apply).await.record;
    assert_eq!(r.outcome, Outcome::Partial, "{r:?}");
    assert_eq!(r.failed.len(), 1, "{r:?}");
    // Two products sent; the one resent without its discount counts once.
    assert_eq!((r.planned, r.sent), (2, 2), "{r:?}");
    assert_eq!(r.failed[0].prom_id, p0);
    assert!(
        r.failed[0].reason.contains("refused the discount")
            && r.failed[0].reason.contains("Знижки недоступні"),
        "{:?}",
        r.failed[0]
    );
    // Sent with the discount, then once more without it.
    let bodies: Vec<Value> = env
        .sandbox
        .edit_requests()
        .iter()
        .flat_map(|r| r.body.as_ref().unwrap().as_array().unwrap().clone())
        .filter(|i| i["id"] == json!(p0))
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies[0].get("discount").is_some());
    assert_eq!(bodies[1], json!({"id": p0, "price": 110.0}));
    let now = shown(&env, p0).await;
    assert_eq!(now["price"], json!(110), "{now}");
    assert!(now.get("discount").is_none_or(Value::is_null), "{now}");
    // The price is confirmed; the discount stays to be sent.
    let prices = store.linked_prices().unwrap();
    let snap = prices
        .iter()
        .find(|p| p.product_id == ids[0])
        .and_then(|p| p.snapshot.clone())
        .unwrap();
    assert_eq!((snap.price, snap.unconfirmed), (d("110"), false));
    let sent = store.extras_rows().unwrap()[&ids[0]].sent.clone().unwrap();
    assert!(sent.unconfirmed, "{sent:?}");
}
