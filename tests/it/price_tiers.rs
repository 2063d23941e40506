//! Wholesale tiers: set in the back office, sent by push_prices as Prom's `prices` through
//! the price rules, never at or above the sent base price, kept by the sandbox, not resent
//! when unchanged; the CLI refuses bad tiers (exit 2, nothing changed).

use promua_sync::config::Config;
use promua_sync::domain::Tier;
use promua_sync::jobs::{Mode, Plan, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{ExtrasChange, ProductUpdate, Store};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{Env, TOKEN, cli, cli_ok, context, patch_file};

/// A push_prices job `prices` with a 10 % markup rounded to whole units, besides `extra`.
pub fn prices_config(env: &Env, extra: &str) -> std::path::PathBuf {
    let path = env.write_config(
        "0 0 1 1 *",
        &format!(
            "[[job]]\nname = \"prices\"\nkind = \"push_prices\"\nschedule = \"0 0 1 1 *\"\nmarkup_percent = 10\nround_step = 1\n{extra}"
        ),
    );
    patch_file(
        &path,
        "warehouses = [\"main\"]\n",
        "warehouses = [\"main\"]\nupdate_prices = true\n",
    );
    path
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn tiers(items: &[(u32, &str)]) -> Vec<Tier> {
    items
        .iter()
        .map(|(q, p)| Tier {
            min_quantity: *q,
            price: d(p),
        })
        .collect()
}

/// Sets every product's price to 100; returns their ids in the catalogue's order.
pub fn priced(store: &Store) -> Vec<u64> {
    let ids: Vec<u64> = store.products().unwrap().iter().map(|p| p.id).collect();
    let updates: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                *id,
                ProductUpdate {
                    price: Some(d("100")),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.update_products(&updates).unwrap();
    ids
}

/// Every item the sandbox received in edit requests, by Prom id (the last one wins).
pub fn sent_items(env: &Env) -> std::collections::BTreeMap<i64, Value> {
    env.sandbox
        .edit_requests()
        .iter()
        .flat_map(|r| r.body.as_ref().unwrap().as_array().unwrap().clone())
        .map(|i| (i["id"].as_i64().unwrap(), i))
        .collect()
}

/// The product as the sandbox's API shows it.
pub async fn shown(env: &Env, prom_id: i64) -> Value {
    let url = format!("{}/products/{prom_id}", env.sandbox.base_url());
    let v: Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["product"].clone()
}

pub async fn run(config: &Config, store: &Store, mode: Mode) -> promua_sync::jobs::JobRun {
    let job = config.jobs.iter().find(|j| j.name == "prices").unwrap();
    run_job(job, &context(config, store), mode).await.unwrap()
}

#[tokio::test]
async fn tiers_go_through_the_rules_never_above_the_base_and_are_not_resent() {
    let env = Env::new(3, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, "")).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    let prom: Vec<i64> = env.catalogue.iter().map(|p| p.id).collect();
    let [p0, p1, p2] = [0, 1, 2].map(|i| env.prom_id_of(&store, ids[i]));
    assert!(prom.contains(&p0));
    store
        .set_price_extras(&[
            (
                ids[0],
                ExtrasChange {
                    tiers: Some(tiers(&[(50, "85"), (10, "90")])),
                    discount: None,
                },
            ),
            (
                ids[1],
                // 99.6 * 1.1 = 109.56, rounded 110: the base price itself, so dropped.
                ExtrasChange {
                    tiers: Some(tiers(&[(10, "99.6")])),
                    discount: None,
                },
            ),
        ])
        .unwrap();

    // The plan shows the tiers and the one dropped.
    let dry = run(&config, &store, Mode::DryRun).await;
    let Some(Plan::PushPrices(plan)) = &dry.plan else {
        panic!("a price plan: {dry:?}")
    };
    let text = plan.to_string();
    assert!(text.contains("tiers - -> 10=99;50=94"), "{text}");
    assert!(text.contains("tier 10=99.6 dropped"), "{text}");
    let json = serde_json::to_value(plan).unwrap();
    let c0 = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["prom_id"] == json!(p0))
        .unwrap();
    assert_eq!(c0["tiers"]["after"][1]["price"], json!("94"));
    assert!(env.sandbox.edit_requests().is_empty());

    let first = run(&config, &store, Mode::Apply).await;
    assert_eq!(first.record.outcome, Outcome::Ok, "{:?}", first.record);
    let items = sent_items(&env);
    // 100 * 1.1 = 110; 90 -> 99; 85 -> 93.5 -> 94 (half away from zero).
    assert_eq!(items[&p0]["price"], json!(110.0));
    assert_eq!(
        items[&p0]["prices"],
        json!([{"price": 99.0, "minimum_order_quantity": 10}, {"price": 94.0, "minimum_order_quantity": 50}])
    );
    assert_eq!(items[&p1]["prices"], json!([]));
    assert!(items[&p2].get("prices").is_none(), "{}", items[&p2]);
    for item in items.values() {
        for t in item["prices"].as_array().into_iter().flatten() {
            assert!(t["price"].as_f64() < item["price"].as_f64(), "{item}");
        }
    }
    let kept = shown(&env, p0).await;
    assert_eq!(
        kept["prices"],
        json!([{"price": 99, "minimum_order_quantity": 10}, {"price": 94, "minimum_order_quantity": 50}])
    );

    // Unchanged: nothing is sent.
    env.sandbox.clear_requests();
    let second = run(&config, &store, Mode::Apply).await;
    assert_eq!(second.record.planned, 0, "{:?}", second.record);
    assert!(env.sandbox.edit_requests().is_empty());

    // Only a tier changes: that product alone is sent, with its tiers.
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: Some(tiers(&[(10, "91"), (50, "85")])),
                discount: None,
            },
        )])
        .unwrap();
    let third = run(&config, &store, Mode::Apply).await;
    assert_eq!(third.record.outcome, Outcome::Ok, "{:?}", third.record);
    let items = sent_items(&env);
    assert_eq!(items.keys().copied().collect::<Vec<_>>(), vec![p0]);
    assert_eq!(
        items[&p0]["prices"][0],
        json!({"price": 100.0, "minimum_order_quantity": 10})
    );

    // Cleared: sent once as an empty list, then never again.
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: Some(Vec::new()),
                discount: None,
            },
        )])
        .unwrap();
    env.sandbox.clear_requests();
    run(&config, &store, Mode::Apply).await;
    assert_eq!(sent_items(&env)[&p0]["prices"], json!([]));
    assert_eq!(shown(&env, p0).await["prices"], json!([]));
    env.sandbox.clear_requests();
    run(&config, &store, Mode::Apply).await;
    assert!(env.sandbox.edit_requests().is_empty());
}

#[tokio::test]
async fn send_tiers_false_leaves_them_alone() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, "send_tiers = false\n")).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    store
        .set_price_extras(&[(
            ids[0],
            ExtrasChange {
                tiers: Some(tiers(&[(10, "90")])),
                discount: None,
            },
        )])
        .unwrap();
    run(&config, &store, Mode::Apply).await;
    let items = sent_items(&env);
    assert_eq!(items.len(), 1);
    assert!(items.values().all(|i| i.get("prices").is_none()));
}

#[tokio::test]
async fn the_cli_sets_shows_and_refuses_tiers() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = prices_config(&env, "");
    let sku = env.catalogue[0].sku.clone().unwrap();
    let ok = |args: &[&str]| cli_ok(&path, args);
    // No price yet: tiers are refused.
    let out = cli(&path, &["prices", "tiers", &sku, "10=90"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set its price first"));
    ok(&["prices", "set", &sku, "100"]);
    let text = ok(&["prices", "tiers", &sku, "10=95.50", " 50 = 90 "]);
    assert!(text.contains("tiers:      10=95.5;50=90"), "{text}");
    for (bad, why) in [
        ("1=90", "at least 2"),
        ("x=90", "not a whole number"),
        ("10=abc", "not a number"),
        ("10=100", "below the base price"),
        ("10=-5", "above 0"),
        ("10=90;10=80", "two tiers"),
    ] {
        let out = cli(&path, &["prices", "tiers", &sku, bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{bad}: {err}");
    }
    let shown: Value = serde_json::from_str(&ok(&["products", "show", &sku, "--json"])).unwrap();
    assert_eq!(
        shown["tiers"],
        json!([{"min_quantity": 10, "price": "95.5"}, {"min_quantity": 50, "price": "90"}])
    );
    ok(&["prices", "tiers", &sku, "--clear"]);
    let shown: Value = serde_json::from_str(&ok(&["products", "show", &sku, "--json"])).unwrap();
    assert!(shown.get("tiers").is_none(), "{shown}");
}

#[tokio::test]
async fn the_sandbox_refuses_bad_shapes_per_item() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let (a, b) = (env.catalogue[0].id, env.catalogue[1].id);
    let body = json!([
        {"id": a, "prices": [{"price": 90, "minimum_order_quantity": 10}],
         "discount": {"value": 10, "type": "percent", "date_start": "01.12.2026", "date_end": "31.12.2026"}},
        {"id": b, "prices": [{"price": "oops", "minimum_order_quantity": 10}]},
    ]);
    let reply: Value = reqwest::Client::new()
        .post(format!("{}/products/edit", env.sandbox.base_url()))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["processed_ids"], json!([a]));
    assert!(
        reply["errors"][b.to_string()]["prices"].is_string(),
        "{reply}"
    );
    let shown_a = shown(&env, a).await;
    assert_eq!(shown_a["discount"]["type"], json!("percent"));
    assert_eq!(shown_a["discount"]["date_end"], json!("31.12.2026"));
    // Refused: its tiers stay as they were (none).
    assert_eq!(shown(&env, b).await["prices"], json!([]));
    for bad in [
        json!({"value": 10, "type": "gift"}),
        json!({"value": -1, "type": "amount"}),
        json!({"value": 5, "type": "amount", "date_start": "2026-12-01"}),
        json!("10%"),
    ] {
        let reply: Value = reqwest::Client::new()
            .post(format!("{}/products/edit", env.sandbox.base_url()))
            .bearer_auth(TOKEN)
            .json(&json!([{"id": b, "discount": bad}]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(reply["processed_ids"], json!([]), "{bad}");
        assert!(
            reply["errors"][b.to_string()]["discount"].is_string(),
            "{bad}: {reply}"
        );
    }
    // `discount: null` removes it.
    let body = json!([{"id": a, "discount": null}]);
    reqwest::Client::new()
        .post(format!("{}/products/edit", env.sandbox.base_url()))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(shown(&env, a).await["discount"], Value::Null);
}
