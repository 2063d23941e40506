//! `hide_when_out`: products that run out are hidden and shown again when stock returns,
//! only those the daemon hid itself; the mark survives a restart; a guard stops a mass hide.

use promua_sync::report::Outcome;
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::Store;
use serde_json::json;

use crate::helpers::*;
use crate::presence_rules::{config_with, edit_items, local_id, run};

/// The status the sandbox shows for its `i`-th product.
pub fn status(env: &Env, i: usize) -> String {
    env.sandbox.product(env.catalogue[i].id).unwrap().status
}

#[tokio::test]
async fn a_product_that_runs_out_is_hidden_and_shown_again_and_the_mark_survives_a_restart() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, "hide_when_out = true\nmax_zero_share_percent = 100\n");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    assert!(
        edit_items(&env.sandbox)
            .iter()
            .all(|i| i.get("status").is_none()),
        "nothing to hide or show"
    );
    let p0 = env.catalogue[0].id;
    let id0 = local_id(&store, &env, 0);
    store.set_stock(id0, "main", 0).unwrap();
    env.sandbox.clear_requests();
    let dry = promua_sync::jobs::run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::DryRun)
        .await
        .unwrap();
    let text = dry.plan.unwrap().to_string();
    assert!(
        text.contains("out of stock: hidden (hide_when_out)"),
        "{text}"
    );
    let r = run(&config, &ctx, 0).await;
    assert_eq!(r.record.outcome, Outcome::Ok, "{:?}", r.record);
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": p0, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true, "status": "not_on_display"})
        ]
    );
    assert_eq!(status(&env, 0), "not_on_display");
    assert!(store.stock_snapshot(id0).unwrap().unwrap().hidden);

    // The daemon restarts: the store is closed and opened again; the mark is on disk.
    drop(ctx);
    drop(store);
    let store = Store::open(&config.store.path).unwrap();
    assert!(store.stock_snapshot(id0).unwrap().unwrap().hidden);
    let ctx = context(&config, &store);
    env.sandbox.clear_requests();
    assert_eq!(
        run(&config, &ctx, 0).await.record.planned,
        0,
        "hidden stays, unsent"
    );
    assert!(env.sandbox.edit_requests().is_empty());

    // Stock returns: shown again, the mark cleared.
    store.set_stock(id0, "main", 3).unwrap();
    let dry = promua_sync::jobs::run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::DryRun)
        .await
        .unwrap();
    let text = dry.plan.unwrap().to_string();
    assert!(
        text.contains("shown again (hidden by promua-sync)"),
        "{text}"
    );
    run(&config, &ctx, 0).await;
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": p0, "quantity_in_stock": 3, "presence": "available", "presence_sure": true, "status": "on_display"})
        ]
    );
    assert_eq!(status(&env, 0), "on_display");
    assert!(!store.stock_snapshot(id0).unwrap().unwrap().hidden);
}

#[tokio::test]
async fn a_product_the_seller_hid_by_hand_is_never_shown() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, "hide_when_out = true\nmax_zero_share_percent = 100\n");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    // The seller hides product 1 in the cabinet (through the sandbox's control API).
    let mut hidden = env.sandbox.product(env.catalogue[1].id).unwrap();
    hidden.status = "not_on_display".into();
    let control = format!("http://{}/__sandbox/products", env.sandbox.addr);
    let answer = reqwest::Client::new()
        .post(&control)
        .json(&json!([hidden]))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    assert_eq!(status(&env, 1), "not_on_display");
    // A verify reads the catalogue (not drift: status is the seller's).
    let v = run(&config, &ctx, 1).await;
    assert!(v.record.drift.is_empty(), "{:?}", v.record.drift);

    let id1 = local_id(&store, &env, 1);
    for stock in [0, 4] {
        store.set_stock(id1, "main", stock).unwrap();
        env.sandbox.clear_requests();
        let r = run(&config, &ctx, 0).await;
        assert_eq!(r.record.outcome, Outcome::Ok, "{:?}", r.record);
        let items = edit_items(&env.sandbox);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["id"], json!(env.catalogue[1].id));
        assert_eq!(items[0].get("status"), None, "stock {stock}: {items:?}");
        assert_eq!(status(&env, 1), "not_on_display", "stock {stock}");
        assert!(!store.stock_snapshot(id1).unwrap().unwrap().hidden);
    }
}

#[tokio::test]
async fn a_guard_stops_a_mass_hide_before_anything_is_sent() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (path, config) = config_with(&env, "hide_when_out = true\nmax_zero_share_percent = 100\n");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    for i in 0..3 {
        store
            .set_stock(local_id(&store, &env, i), "main", 0)
            .unwrap();
    }
    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    assert_eq!(r.record.outcome, Outcome::Guarded, "{:?}", r.record);
    let why = r.record.error.clone().unwrap_or_default();
    assert!(
        why.contains("would hide 3 of 10 linked products (30")
            && why.contains("max_hide_share_percent = 20"),
        "{:?}",
        r.record
    );
    assert!(env.sandbox.edit_requests().is_empty());
    for i in 0..3 {
        let p = env.sandbox.product(env.catalogue[i].id).unwrap();
        assert_eq!(
            (p.status.as_str(), p.quantity_in_stock),
            ("on_display", Some(5))
        );
    }
    // The CLI's run: exit 1, "a guard stopped it", with the reason.
    drop(ctx);
    store.flush_blocking().unwrap();
    drop(store);
    let out = cli(&path, &["job", "run", "stock"]);
    assert_eq!(out.status.code(), Some(1));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("max_hide_share_percent"), "{said}");
    assert!(env.sandbox.edit_requests().is_empty());
}

#[tokio::test]
async fn a_product_hidden_by_hand_since_the_last_read_is_not_taken_for_ours() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, "hide_when_out = true\nmax_zero_share_percent = 100\n");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    // Hidden by hand, and no read of the catalogue since.
    let mut hidden = env.sandbox.product(env.catalogue[2].id).unwrap();
    hidden.status = "not_on_display".into();
    env.sandbox.upsert_products([hidden]);
    let id2 = local_id(&store, &env, 2);
    store.set_stock(id2, "main", 0).unwrap();
    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    // Asked before hiding: the seller's; only quantity and presence go.
    let reads: Vec<String> = env
        .sandbox
        .requests()
        .iter()
        .filter(|q| q.method == "GET")
        .map(|q| q.path.clone())
        .collect();
    assert!(
        reads.contains(&format!("/api/v1/products/{}", env.catalogue[2].id)),
        "{reads:?}"
    );
    let items = edit_items(&env.sandbox);
    assert_eq!(
        items,
        vec![
            json!({"id": env.catalogue[2].id, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true})
        ]
    );
    assert!(
        r.record
            .notes
            .iter()
            .any(|n| n.contains("hidden on Prom.ua by the seller")),
        "{:?}",
        r.record.notes
    );
    assert!(!store.stock_snapshot(id2).unwrap().unwrap().hidden);
    store.set_stock(id2, "main", 2).unwrap();
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert_eq!(edit_items(&env.sandbox)[0].get("status"), None);
    assert_eq!(status(&env, 2), "not_on_display");
}
