//! Discounts: set in the back office, sent by push_prices as Prom's `discount` (an amount
//! through the price rules, a percent as it is, dates `DD.MM.YYYY`), not resent when
//! unchanged, removed once (`discount: null`) when ended; the CLI refuses bad ones.
//! Fixed dates are in 2099: an end date already past is refused at input, so a date
//! near today would make the test fail once it passes.

use chrono::{Days, NaiveDate, Utc};
use promua_sync::domain::{Discount, DiscountKind};
use promua_sync::jobs::Mode;
use promua_sync::report::Outcome;
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{ExtrasChange, Store};
use serde_json::{Value, json};

use crate::helpers::{Env, cli, cli_ok};
use crate::price_tiers::{d, priced, prices_config, run, sent_items, shown};

fn discount(
    value: &str,
    kind: DiscountKind,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> ExtrasChange {
    ExtrasChange {
        tiers: None,
        discount: Some(Some(Discount {
            value: d(value),
            kind,
            from,
            until,
        })),
    }
}

#[tokio::test]
async fn discounts_reach_the_sandbox_in_proms_shape_and_end_once() {
    let env = Env::new(3, SandboxOptions::default(), |_| 5).await;
    let config = promua_sync::config::load(&prices_config(&env, "")).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    let (p0, p1, p2) = (
        env.prom_id_of(&store, ids[0]),
        env.prom_id_of(&store, ids[1]),
        env.prom_id_of(&store, ids[2]),
    );
    let today = Utc::now().date_naive();
    let soon = today.checked_add_days(Days::new(30)).unwrap();
    store
        .set_price_extras(&[
            (
                ids[0],
                discount("10", DiscountKind::Percent, Some(today), Some(soon)),
            ),
            // 15 off 100 leaves 85: 85 * 1.1 = 93.5 -> 94, so 110 - 94 = 16 off on Prom.
            (
                ids[1],
                discount("15", DiscountKind::Amount, None, Some(soon)),
            ),
        ])
        .unwrap();
    let first = run(&config, &store, Mode::Apply).await;
    assert_eq!(first.record.outcome, Outcome::Ok, "{:?}", first.record);
    let items = sent_items(&env);
    let day = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
    assert_eq!(
        items[&p0]["discount"],
        json!({"value": 10.0, "type": "percent", "date_start": day(today), "date_end": day(soon)})
    );
    assert_eq!(
        items[&p1]["discount"],
        json!({"value": 16.0, "type": "amount", "date_end": day(soon)})
    );
    assert!(items[&p2].get("discount").is_none(), "{}", items[&p2]);
    assert_eq!(shown(&env, p1).await["discount"]["value"], json!(16));

    // Unchanged: nothing sent.
    env.sandbox.clear_requests();
    assert_eq!(run(&config, &store, Mode::Apply).await.record.planned, 0);
    assert!(env.sandbox.edit_requests().is_empty());

    // Ended (its last day was yesterday): removed once, then left alone.
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap();
    let before = today.checked_sub_days(Days::new(10)).unwrap();
    store
        .set_price_extras(&[(
            ids[0],
            discount("10", DiscountKind::Percent, Some(before), Some(yesterday)),
        )])
        .unwrap();
    let dry = run(&config, &store, Mode::DryRun).await;
    let text = dry.plan.unwrap().to_string();
    assert!(text.contains("-> removed"), "{text}");
    assert!(text.contains(&format!("ended on {yesterday}")), "{text}");
    let ended = run(&config, &store, Mode::Apply).await;
    assert_eq!(ended.record.outcome, Outcome::Ok, "{:?}", ended.record);
    let items = sent_items(&env);
    assert_eq!(items.keys().copied().collect::<Vec<_>>(), vec![p0]);
    assert_eq!(items[&p0]["discount"], Value::Null);
    assert!(items[&p0].as_object().unwrap().contains_key("discount"));
    assert_eq!(shown(&env, p0).await["discount"], Value::Null);
    env.sandbox.clear_requests();
    assert_eq!(run(&config, &store, Mode::Apply).await.record.planned, 0);
    assert!(env.sandbox.edit_requests().is_empty());

    // Cleared in the back office: removed on Prom.ua too.
    store
        .set_price_extras(&[(
            ids[1],
            ExtrasChange {
                tiers: None,
                discount: Some(None),
            },
        )])
        .unwrap();
    run(&config, &store, Mode::Apply).await;
    assert_eq!(sent_items(&env)[&p1]["discount"], Value::Null);
}

#[tokio::test]
async fn send_discounts_false_sends_none() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let config =
        promua_sync::config::load(&prices_config(&env, "send_discounts = false\n")).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids = priced(&store);
    store
        .set_price_extras(&[(ids[0], discount("10", DiscountKind::Percent, None, None))])
        .unwrap();
    run(&config, &store, Mode::Apply).await;
    let items = sent_items(&env);
    assert_eq!(items.len(), 1);
    assert!(items.values().all(|i| i.get("discount").is_none()));
}

#[tokio::test]
async fn the_cli_sets_and_refuses_discounts() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = prices_config(&env, "");
    let sku = env.catalogue[0].sku.clone().unwrap();
    let ok = |args: &[&str]| cli_ok(&path, args);
    ok(&["prices", "set", &sku, "100"]);
    let text = ok(&[
        "prices",
        "discount",
        &sku,
        "10%",
        "--from",
        "2099-12-01",
        "--until",
        "2099-12-31",
    ]);
    assert!(
        text.contains("discount:   10% from 2099-12-01 until 2099-12-31"),
        "{text}"
    );
    for (args, why) in [
        (vec!["100%"], "below 100"),
        (vec!["0%"], "above 0"),
        (vec!["100"], "leaves less than 0.01"),
        (vec!["99.999"], "more than 2 decimal places"),
        (vec!["10.125%"], "more than 2 decimal places"),
        (vec!["5", "--until", "2020-01-31"], "already past"),
        (vec!["ten"], "not a number"),
        (vec!["5", "--until", "31.12.2099"], "YYYY-MM-DD"),
        (
            vec!["5", "--from", "2099-12-10", "--until", "2099-12-01"],
            "before it starts",
        ),
    ] {
        let mut all = vec!["prices", "discount", sku.as_str()];
        all.extend(args.iter().copied());
        let out = cli(&path, &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    // Nothing the refusals touched changed.
    let shown: Value = serde_json::from_str(&ok(&["products", "show", &sku, "--json"])).unwrap();
    assert_eq!(
        shown["discount"],
        json!({"value": "10", "kind": "percent", "from": "2099-12-01", "until": "2099-12-31"})
    );
    ok(&["prices", "discount", &sku, "--clear"]);
    let shown: Value = serde_json::from_str(&ok(&["products", "show", &sku, "--json"])).unwrap();
    assert!(shown.get("discount").is_none(), "{shown}");
}

/// With the daemon running the CLI goes through the admin API, and the on-change price
/// push sends the tiers and the discount.
#[tokio::test]
async fn with_the_daemon_running_the_cli_sets_them_and_the_on_change_push_sends_them() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = prices_config(&env, "");
    let daemon = env.start_daemon(&path).await;
    let sku = env.catalogue[0].sku.clone().unwrap();
    let prom_id = env.catalogue[0].id;
    for args in [
        vec!["prices", "set", sku.as_str(), "100"],
        vec!["prices", "tiers", sku.as_str(), "10=90"],
        vec![
            "prices",
            "discount",
            sku.as_str(),
            "5%",
            "--until",
            "2099-12-31",
        ],
    ] {
        let out = crate::helpers::cli_async(&path, &args).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The admin API refuses bad JSON and bad values with 422, naming why; nothing changes.
    let token = std::fs::read_to_string(env.dir.path().join("admin-token")).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/prices/{sku}/discount",
        env.admin_port()
    );
    let http = reqwest::Client::new();
    for (body, why) in [
        (json!({"discount": {"value": "ten", "kind": "percent"}}), ""),
        (json!({"discount": {"value": "10", "kind": "half"}}), ""),
        (
            json!({"discount": {"value": "100", "kind": "percent"}}),
            "below 100",
        ),
        (
            json!({"discount": {"value": "100", "kind": "amount"}}),
            "less than 0.01",
        ),
        (
            json!({"discount": {"value": "5", "kind": "amount", "until": "2020-01-31"}}),
            "already past",
        ),
    ] {
        let res = http
            .put(&url)
            .bearer_auth(token.trim())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let text = res.text().await.unwrap();
        assert!(text.contains(why), "{body}: {text}");
    }
    let refused = crate::helpers::cli_async(&path, &["prices", "tiers", &sku, "10=100"]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("below the base price"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let p = shown(&env, prom_id).await;
        if p["prices"] == json!([{"price": 99, "minimum_order_quantity": 10}])
            && p["discount"] == json!({"value": 5, "type": "percent", "date_end": "31.12.2099"})
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not sent: {p}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    crate::helpers::stop_daemon(daemon).await;
}
