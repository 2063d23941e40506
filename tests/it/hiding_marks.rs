//! Whose hide it is, in the cases the first version lost: a hide sent and never confirmed
//! (a crash, the presence-only route), an unlink and relink, a product we hid that the
//! seller drafted or deleted, a status still under moderation.

use promua_sync::domain::StockRoute;
use promua_sync::report::Outcome;
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{StockSending, Store};
use serde_json::json;

use crate::helpers::*;
use crate::hiding::status;
use crate::presence_rules::{config_with, edit_items, local_id, run};

const HIDING: &str =
    "hide_when_out = true\nmax_zero_share_percent = 100\nmax_hide_share_percent = 100\n";

fn set_status(env: &Env, i: usize, status: &str) {
    let mut p = env.sandbox.product(env.catalogue[i].id).unwrap();
    p.status = status.into();
    env.sandbox.upsert_products([p]);
}

/// The back office's stock of the sandbox's products `range` set to 0.
fn sell_out(store: &Store, env: &Env, range: std::ops::Range<usize>) {
    for i in range {
        store.set_stock(local_id(store, env, i), "main", 0).unwrap();
    }
}

#[tokio::test]
async fn a_hide_applied_and_never_confirmed_is_still_ours_after_a_read() {
    let env = Env::new(4, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    let (p0, id0) = (env.catalogue[0].id, local_id(&store, &env, 0));
    // What a crash between send and confirm leaves: the sending marks on disk (written
    // before the request), the hide applied on Prom, no confirmation.
    store.set_stock(id0, "main", 0).unwrap();
    store
        .mark_stock_sending(&[StockSending {
            product_id: id0,
            prom_id: p0,
            presence: "not_available".into(),
            hides: true,
        }])
        .unwrap();
    drop(ctx);
    store.flush_blocking().unwrap();
    drop(store);
    set_status(&env, 0, "not_on_display");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    // A verify reads the catalogue: the hide is ours (the first version took it for the
    // seller's and never showed the product again).
    run(&config, &ctx, 1).await;
    let m = &store.prom_shown().unwrap()[&p0];
    assert!(m.hidden_by_us && !m.hide_pending, "{m:?}");
    // The next push resends the unconfirmed values, without hiding again.
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": p0, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true})
        ]
    );
    assert!(store.stock_snapshot(id0).unwrap().unwrap().hidden);
    // Stock returns: shown.
    store.set_stock(id0, "main", 2).unwrap();
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert_eq!(edit_items(&env.sandbox)[0]["status"], json!("on_display"));
    assert_eq!(status(&env, 0), "on_display");
    assert!(!store.prom_shown().unwrap().contains_key(&p0));
}

#[tokio::test]
async fn a_hide_on_the_presence_only_route_is_shown_again() {
    let env = Env::new(4, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let mut ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    // Stock goes by external id and product 1 has none: presence (and status) only,
    // never confirmed.
    ctx.stock_route = StockRoute::EditByExternalId;
    let (p1, id1) = (env.catalogue[1].id, local_id(&store, &env, 1));
    store.set_stock(id1, "main", 0).unwrap();
    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    let items = edit_items(&env.sandbox);
    let item = items.iter().find(|i| i["id"] == json!(p1)).unwrap();
    assert_eq!(item.get("quantity_in_stock"), None, "{item}");
    assert_eq!(item["status"], json!("not_on_display"));
    assert!(
        r.record.failed.iter().any(|f| f.prom_id == p1),
        "{:?}",
        r.record
    );
    assert_eq!(status(&env, 1), "not_on_display");
    // A read, then stock back: ours, shown again.
    run(&config, &ctx, 1).await;
    store.set_stock(id1, "main", 3).unwrap();
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    let items = edit_items(&env.sandbox);
    let item = items.iter().find(|i| i["id"] == json!(p1)).unwrap();
    assert_eq!(item["status"], json!("on_display"), "{items:?}");
    assert_eq!(status(&env, 1), "on_display");
}

#[tokio::test]
async fn a_product_we_hid_is_shown_again_after_an_unlink_and_relink() {
    let env = Env::new(4, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    let (p2, id2) = (env.catalogue[2].id, local_id(&store, &env, 2));
    store.set_stock(id2, "main", 0).unwrap();
    run(&config, &ctx, 0).await;
    assert_eq!(status(&env, 2), "not_on_display");
    assert_eq!(store.unlink(id2).unwrap(), Some(p2));
    assert!(store.stock_snapshot(id2).unwrap().is_none());
    // The mark is kept by Prom id: a verify read does not take the hide for the seller's.
    run(&config, &ctx, 1).await;
    store.link(id2, p2).unwrap();
    run(&config, &ctx, 1).await;
    assert!(store.prom_shown().unwrap()[&p2].hidden_by_us);
    store.set_stock(id2, "main", 4).unwrap();
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": p2, "quantity_in_stock": 4, "presence": "available", "presence_sure": true, "status": "on_display"})
        ]
    );
    assert_eq!(status(&env, 2), "on_display");
}

#[tokio::test]
async fn a_product_we_hid_then_drafted_or_deleted_by_the_seller_costs_no_prom_write() {
    let env = Env::new(4, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    let ids: Vec<u64> = (0..3).map(|i| local_id(&store, &env, i)).collect();
    for id in &ids {
        store.set_stock(*id, "main", 0).unwrap();
    }
    run(&config, &ctx, 0).await;
    assert!((0..3).all(|i| status(&env, i) == "not_on_display"));
    set_status(&env, 0, "draft");
    set_status(&env, 1, "deleted");
    set_status(&env, 2, "approval_pending");
    run(&config, &ctx, 1).await;
    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    assert_eq!(r.record.outcome, Outcome::Ok, "{:?}", r.record);
    assert!(
        env.sandbox.edit_requests().is_empty(),
        "{:?}",
        edit_items(&env.sandbox)
    );
    assert!(
        r.record
            .notes
            .iter()
            .any(|n| n.contains("2 product(s) promua-sync hid")),
        "{:?}",
        r.record.notes
    );
    let shown = store.prom_shown().unwrap();
    for i in 0..2 {
        assert!(!shown[&env.catalogue[i].id].hidden_by_us, "{i}");
        assert!(
            !store.stock_snapshot(ids[i]).unwrap().unwrap().hidden,
            "{i}"
        );
    }
    // Under moderation: still ours.
    assert!(shown[&env.catalogue[2].id].hidden_by_us);
    // Stock back: the drafted one is left a draft, the moderated one left alone.
    for id in &ids {
        store.set_stock(*id, "main", 3).unwrap();
    }
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert!(
        edit_items(&env.sandbox)
            .iter()
            .all(|i| i.get("status").is_none())
    );
    assert_eq!(status(&env, 0), "draft");
    assert_eq!(status(&env, 2), "approval_pending");
    // Moderation over (Prom shows it hidden): ours to show.
    set_status(&env, 2, "not_on_display");
    run(&config, &ctx, 1).await;
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert_eq!(status(&env, 2), "on_display");
}

#[tokio::test]
async fn the_on_change_push_hides_guards_and_records_what_the_read_before_found() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let mut ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    store.take_dirty(promua_sync::store::DIRTY_STOCK).unwrap();
    let promua_sync::config::JobKind::PushStock(opts) = &config.jobs[0].kind else {
        panic!("jobs[0] is the push_stock job")
    };
    ctx.on_change_guard = opts.clone();
    // Product 0 runs out (ours to hide); product 1 too, hidden by hand meanwhile.
    set_status(&env, 1, "not_on_display");
    sell_out(&store, &env, 0..2);
    env.sandbox.clear_requests();
    let r = promua_sync::jobs::on_change::push_stock(&ctx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
    let items = edit_items(&env.sandbox);
    assert_eq!(
        items,
        vec![
            json!({"id": env.catalogue[0].id, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true, "status": "not_on_display"}),
            json!({"id": env.catalogue[1].id, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true}),
        ]
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("hidden on Prom.ua by the seller")),
        "{:?}",
        r.notes
    );
    assert!(store.prom_shown().unwrap()[&env.catalogue[0].id].hidden_by_us);
    // The hide guard: 3 of 10 is over 20%, judged against the whole catalogue.
    ctx.on_change_guard.max_hide_share_percent = Some(20.into());
    sell_out(&store, &env, 2..5);
    env.sandbox.clear_requests();
    let r = promua_sync::jobs::on_change::push_stock(&ctx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, Outcome::Guarded, "{r:?}");
    assert!(r.error.unwrap().contains("would hide 3 of 10"));
    assert!(env.sandbox.edit_requests().is_empty());
    assert!((2..5).all(|i| status(&env, i) == "on_display"));
}

#[tokio::test]
async fn a_hide_prom_confirmed_and_did_not_take_is_sent_again() {
    let env = Env::new(4, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    let (p3, id3) = (env.catalogue[3].id, local_id(&store, &env, 3));
    env.sandbox.set_quirks(promua_sync::sandbox::Quirks {
        edit_ignores_status: true,
        ..Default::default()
    });
    store.set_stock(id3, "main", 0).unwrap();
    let r = run(&config, &ctx, 0).await;
    assert_eq!(status(&env, 3), "on_display");
    let failed = &r.record.failed;
    assert!(
        failed
            .iter()
            .any(|f| f.prom_id == p3 && f.reason.contains("status sent not_on_display")),
        "{failed:?}"
    );
    let snap = store.stock_snapshot(id3).unwrap().unwrap();
    assert!(snap.unconfirmed && !snap.hidden, "{snap:?}");
    assert!(!store.prom_shown().unwrap().contains_key(&p3));
    // Prom takes it now: the next run hides it again.
    env.sandbox.set_quirks(Default::default());
    env.sandbox.clear_requests();
    run(&config, &ctx, 0).await;
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": p3, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true, "status": "not_on_display"})
        ]
    );
    assert_eq!(status(&env, 3), "not_on_display");
    assert!(store.prom_shown().unwrap()[&p3].hidden_by_us);
}

#[tokio::test]
async fn a_mass_sell_out_is_read_by_one_walk_of_the_listing_not_a_get_each() {
    let env = Env::new(300, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    // 60 run out (over 50, the threshold at 300 products); one of them hidden by hand.
    sell_out(&store, &env, 0..60);
    set_status(&env, 7, "not_on_display");
    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    assert_eq!(r.record.outcome, Outcome::Ok, "{:?}", r.record);
    // The reads before the first edit (after it: the read-back's sample).
    let gets: Vec<String> = env
        .sandbox
        .requests()
        .iter()
        .take_while(|q| q.method == "GET")
        .map(|q| q.path.clone())
        .collect();
    assert!(
        gets.iter()
            .all(|p| p == "/api/v1/products/list" || p == "/api/v1/groups/list"),
        "no per-product read: {gets:?}"
    );
    let pages = gets
        .iter()
        .filter(|p| *p == "/api/v1/products/list")
        .count();
    assert!((1..=5).contains(&pages), "{gets:?}");
    let hides = edit_items(&env.sandbox)
        .iter()
        .filter(|i| i["status"] == json!("not_on_display"))
        .count();
    assert_eq!(hides, 59, "the seller's own hide is left alone");
    assert!((0..60).all(|i| status(&env, i) == "not_on_display"));
    let shown = store.prom_shown().unwrap();
    assert!(!shown[&env.catalogue[7].id].hidden_by_us);
    assert!(shown[&env.catalogue[8].id].hidden_by_us);
}

#[tokio::test]
async fn a_verify_repair_hides_what_ran_out_but_not_what_the_seller_hid() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (path, _) = config_with(&env, HIDING);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("repair = true\n");
    std::fs::write(&path, text).unwrap();
    let config = promua_sync::config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    // Both run out with no push since, and their quantity was edited in the cabinet
    // (drift); the seller hid product 1 meanwhile.
    for i in 0..2 {
        store
            .set_stock(local_id(&store, &env, i), "main", 0)
            .unwrap();
        let mut p = env.sandbox.product(env.catalogue[i].id).unwrap();
        p.quantity_in_stock = Some(7);
        env.sandbox.upsert_products([p]);
    }
    set_status(&env, 1, "not_on_display");
    env.sandbox.clear_requests();
    let v = run(&config, &ctx, 1).await;
    assert_eq!(v.record.drift.len(), 2, "{:?}", v.record.drift);
    let mut items = edit_items(&env.sandbox);
    items.sort_by_key(|i| i["id"].as_i64());
    assert_eq!(
        items,
        vec![
            json!({"id": env.catalogue[0].id, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true, "status": "not_on_display"}),
            json!({"id": env.catalogue[1].id, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true}),
        ]
    );
    let shown = store.prom_shown().unwrap();
    assert!(shown[&env.catalogue[0].id].hidden_by_us);
    assert!(!shown[&env.catalogue[1].id].hidden_by_us);
    assert_eq!(status(&env, 0), "not_on_display");
}

#[tokio::test]
async fn hide_when_out_switched_off_shows_what_we_hid_and_only_that() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (_, on) = config_with(&env, HIDING);
    let store = Store::open(&on.store.path).unwrap();
    let ctx = context(&on, &store);
    run(&on, &ctx, 0).await;
    sell_out(&store, &env, 0..2);
    set_status(&env, 1, "not_on_display");
    run(&on, &ctx, 0).await;
    assert_eq!(status(&env, 0), "not_on_display");
    let (_, off) = config_with(&env, "max_zero_share_percent = 100\n");
    env.sandbox.clear_requests();
    run(&off, &ctx, 0).await;
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": env.catalogue[0].id, "quantity_in_stock": 0, "presence": "not_available", "presence_sure": true, "status": "on_display"})
        ]
    );
    assert_eq!(status(&env, 0), "on_display");
    assert_eq!(status(&env, 1), "not_on_display", "the seller's hide stays");
    assert!(!store.prom_shown().unwrap()[&env.catalogue[1].id].hidden_by_us);
    assert!(
        !store
            .prom_shown()
            .unwrap()
            .get(&env.catalogue[0].id)
            .is_some_and(|m| m.hidden_by_us)
    );
}

#[tokio::test]
async fn a_pending_hide_with_no_read_since_is_asked_for_and_sent_again() {
    let env = Env::new(4, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, HIDING);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    // Two hides sent and never confirmed: Prom applied product 0's, not product 1's.
    for i in 0..2 {
        let id = local_id(&store, &env, i);
        store.set_stock(id, "main", 0).unwrap();
        store
            .mark_stock_sending(&[StockSending {
                product_id: id,
                prom_id: env.catalogue[i].id,
                presence: "not_available".into(),
                hides: true,
            }])
            .unwrap();
    }
    set_status(&env, 0, "not_on_display");
    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    assert_eq!(r.record.outcome, Outcome::Ok, "{:?}", r.record);
    let reads: Vec<String> = env
        .sandbox
        .requests()
        .iter()
        .take_while(|q| q.method == "GET")
        .map(|q| q.path.clone())
        .collect();
    assert_eq!(reads.len(), 2, "asked before hiding: {reads:?}");
    let mut items = edit_items(&env.sandbox);
    items.sort_by_key(|i| i["id"].as_i64());
    assert!(
        items.iter().all(|i| i["status"] == json!("not_on_display")),
        "both hides are ours: {items:?}"
    );
    assert!((0..2).all(|i| status(&env, i) == "not_on_display"));
    let shown = store.prom_shown().unwrap();
    assert!((0..2).all(|i| {
        let m = &shown[&env.catalogue[i].id];
        m.hidden_by_us && !m.hide_pending
    }));
    assert!(
        !r.record.notes.iter().any(|n| n.contains("by the seller")),
        "{:?}",
        r.record.notes
    );
}
