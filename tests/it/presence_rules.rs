//! push_stock's presence rules against the sandbox: a presence Prom shows kept at stock 0,
//! `out_of_stock_presence`, a product's own setting over both, `presence_sure` with every
//! presence, the reasons in the plan, and verify agreeing with all of it.

use std::path::PathBuf;

use promua_sync::config::{self, Config};
use promua_sync::jobs::{JobContext, JobRun, Mode, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{Sandbox, SandboxOptions};
use promua_sync::store::Store;
use serde_json::{Value, json};

use crate::helpers::*;

/// The env's config with `job_lines` added to its push_stock job (`jobs[0]`) and a
/// verify job (`jobs[1]`).
pub fn config_with(env: &Env, job_lines: &str) -> (PathBuf, Config) {
    let path = env.write_config_any_admin_port("0 0 1 1 *", "");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(job_lines);
    text.push_str("\n[[job]]\nname = \"verify\"\nkind = \"verify\"\nschedule = \"0 0 1 1 *\"\n");
    std::fs::write(&path, &text).unwrap();
    let config = config::load(&path).unwrap();
    (path, config)
}

pub async fn run(config: &Config, ctx: &JobContext, job: usize) -> JobRun {
    run_job(&config.jobs[job], ctx, Mode::Apply).await.unwrap()
}

/// Every item of every edit request, in order.
pub fn edit_items(sandbox: &Sandbox) -> Vec<Value> {
    sandbox
        .edit_requests()
        .iter()
        .flat_map(|r| r.body.as_ref().unwrap().as_array().unwrap().clone())
        .collect()
}

pub fn sku(env: &Env, i: usize) -> String {
    env.catalogue[i].sku.clone().unwrap()
}

pub fn local_id(store: &Store, env: &Env, i: usize) -> u64 {
    store.product_by_sku(&sku(env, i)).unwrap().unwrap().id
}

#[tokio::test]
async fn a_product_prom_shows_at_order_keeps_order_at_stock_0_and_is_not_resent() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_with(&env, "max_zero_share_percent = 100\n");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    assert_eq!(run(&config, &ctx, 0).await.record.confirmed, 10);
    let p0 = env.catalogue[0].clone();
    // The seller marks it "під замовлення" in the cabinet; the local stock runs out.
    let mut shown = env.sandbox.product(p0.id).unwrap();
    shown.presence = "order".into();
    env.sandbox.upsert_products([shown]);
    store
        .set_stock(local_id(&store, &env, 0), "main", 0)
        .unwrap();

    // A verify reads it: order at stock 0 is what the rules want, not drift.
    let v = run(&config, &ctx, 1).await;
    assert_eq!(v.record.outcome, Outcome::Ok, "{:?}", v.record);
    assert!(v.record.drift.is_empty(), "{:?}", v.record.drift);

    // The dry run says why.
    let dry = run_job(&config.jobs[0], &ctx, Mode::DryRun).await.unwrap();
    let text = dry.plan.unwrap().to_string();
    assert!(text.contains("kept order (Prom shows order)"), "{text}");

    env.sandbox.clear_requests();
    let r = run(&config, &ctx, 0).await;
    assert_eq!((r.record.sent, r.record.confirmed), (1, 1));
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": p0.id, "quantity_in_stock": 0, "presence": "order", "presence_sure": true})
        ]
    );
    let on_prom = env.sandbox.product(p0.id).unwrap();
    assert_eq!(
        (on_prom.quantity_in_stock, on_prom.presence.as_str()),
        (Some(0), "order")
    );

    // The next run sends nothing: the snapshot holds the kept presence.
    env.sandbox.clear_requests();
    let again = run(&config, &ctx, 0).await;
    assert_eq!(again.record.planned, 0);
    assert!(env.sandbox.edit_requests().is_empty());
    // Nor is it drift now.
    let v = run(&config, &ctx, 1).await;
    assert!(v.record.drift.is_empty(), "{:?}", v.record.drift);

    // Stock back: available (read back and verified: our own echo, not the seller's
    // change); out again: the seller's `order` still stands, twice over.
    let id = local_id(&store, &env, 0);
    for round in 0..2 {
        store.set_stock(id, "main", 2).unwrap();
        run(&config, &ctx, 0).await;
        assert_eq!(env.sandbox.product(p0.id).unwrap().presence, "available");
        let v = run(&config, &ctx, 1).await;
        assert!(v.record.drift.is_empty(), "{:?}", v.record.drift);
        assert_eq!(
            store.prom_shown().unwrap()[&p0.id].presence.as_deref(),
            Some("order"),
            "round {round}: the seller's mark outlives our `available`"
        );
        store.set_stock(id, "main", 0).unwrap();
        env.sandbox.clear_requests();
        run(&config, &ctx, 0).await;
        assert_eq!(
            edit_items(&env.sandbox),
            vec![
                json!({"id": p0.id, "quantity_in_stock": 0, "presence": "order", "presence_sure": true})
            ],
            "round {round}"
        );
        assert_eq!(env.sandbox.product(p0.id).unwrap().presence, "order");
    }
    // The seller hands it back by a product setting (`auto` then forgets it) or by setting
    // another presence in the cabinet: a read of `not_available` that is not ours.
    let mut shown = env.sandbox.product(p0.id).unwrap();
    shown.presence = "not_available".into();
    env.sandbox.upsert_products([shown]);
    run(&config, &ctx, 1).await;
    assert!(!store.prom_shown().unwrap().contains_key(&p0.id));
}

#[tokio::test]
async fn out_of_stock_presence_is_honoured_and_a_product_setting_beats_it() {
    let env = Env::new(3, SandboxOptions::default(), |i| if i == 2 { 4 } else { 0 }).await;
    let (path, config) = config_with(
        &env,
        "out_of_stock_presence = \"waiting\"\nmax_zero_share_percent = 100\n",
    );
    // Product 1 is sold to order: its own setting, by the CLI (no daemon: the store).
    let out = cli(&path, &["products", "set-presence", &sku(&env, 1), "order"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("at stock 0: order (product setting)"),
        "{stdout}"
    );
    let bad = cli(
        &path,
        &["products", "set-presence", &sku(&env, 1), "service"],
    );
    assert_eq!(bad.status.code(), Some(2));
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(
        said.contains("service")
            && ["order", "waiting", "not_available", "auto"]
                .iter()
                .all(|w| said.contains(w)),
        "{said}"
    );

    // The plan, text and JSON, says why each presence was chosen.
    let dry = cli(&path, &["job", "run", "stock", "--dry-run"]);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("stock 0 -> waiting (out_of_stock_presence)"),
        "{text}"
    );
    assert!(
        text.contains("stock 0 -> order (product setting)"),
        "{text}"
    );
    assert!(text.contains("stock 4 -> available"), "{text}");
    let dry = cli(&path, &["job", "run", "stock", "--dry-run", "--json"]);
    let plan: Value = serde_json::from_slice(&dry.stdout).unwrap();
    let reasons: Vec<&str> = plan
        .pointer("/plan/changes")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{plan}"))
        .iter()
        .map(|c| c["presence_reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"stock 0 -> order (product setting)"),
        "{reasons:?}"
    );
    assert!(env.sandbox.edit_requests().is_empty());

    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let r = run(&config, &ctx, 0).await;
    assert_eq!(r.record.confirmed, 3);
    let items = edit_items(&env.sandbox);
    let by_id = |i: usize| {
        items
            .iter()
            .find(|it| it["id"] == json!(env.catalogue[i].id))
            .unwrap()
            .clone()
    };
    assert_eq!(by_id(0)["presence"], "waiting");
    assert_eq!(by_id(1)["presence"], "order");
    assert_eq!(by_id(2)["presence"], "available");
    for it in &items {
        assert_eq!(it["presence_sure"], json!(true), "{it}");
    }
    let shown = |i: usize| env.sandbox.product(env.catalogue[i].id).unwrap().presence;
    assert_eq!(
        (shown(0), shown(1), shown(2)),
        ("waiting".into(), "order".into(), "available".into())
    );

    // `auto` gives the product back to the rules: the next run sends waiting.
    drop(ctx);
    store.flush_blocking().unwrap();
    drop(store);
    let out = cli(&path, &["products", "set-presence", &sku(&env, 1), "auto"]);
    assert_eq!(out.status.code(), Some(0));
    env.sandbox.clear_requests();
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run(&config, &ctx, 0).await;
    assert_eq!(
        edit_items(&env.sandbox),
        vec![
            json!({"id": env.catalogue[1].id, "quantity_in_stock": 0, "presence": "waiting", "presence_sure": true})
        ]
    );
}

#[tokio::test]
async fn the_product_setting_beats_a_presence_prom_shows() {
    let env = Env::new(2, SandboxOptions::default(), |_| 0).await;
    let (_, config) = config_with(&env, "max_zero_share_percent = 100\n");
    let p0 = env.catalogue[0].clone();
    let mut shown = env.sandbox.product(p0.id).unwrap();
    shown.presence = "waiting".into();
    env.sandbox.upsert_products([shown]);
    let store = Store::open(&config.store.path).unwrap();
    store
        .set_presence_setting(local_id(&store, &env, 0), Some("not_available"))
        .unwrap();
    let ctx = context(&config, &store);
    // The verify reads `waiting`: the setting says not_available, so it is drift.
    let v = run(&config, &ctx, 1).await;
    assert!(
        v.record
            .drift
            .iter()
            .any(|d| d.prom_id == p0.id && d.field == "presence"),
        "{:?}",
        v.record.drift
    );
    run(&config, &ctx, 0).await;
    assert_eq!(
        env.sandbox.product(p0.id).unwrap().presence,
        "not_available"
    );
}

#[tokio::test]
async fn the_sandbox_refuses_what_prom_would_per_item() {
    let env = Env::new(4, SandboxOptions::default(), |_| 1).await;
    let ids: Vec<i64> = env.catalogue.iter().map(|p| p.id).collect();
    let http = reqwest::Client::new();
    let reply: Value = http
        .post(format!("{}/products/edit", env.sandbox.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!([
            {"id": ids[0], "status": "approval_pending"},
            {"id": ids[1], "presence": "service"},
            {"id": ids[2], "presence": "order", "presence_sure": "yes"},
            {"id": ids[3], "status": "not_on_display", "presence": "waiting", "presence_sure": true},
        ]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["processed_ids"], json!([ids[3]]), "{reply}");
    let errors = &reply["errors"];
    assert!(errors[ids[0].to_string()]["status"].is_string(), "{reply}");
    assert!(
        errors[ids[1].to_string()]["presence"].is_string(),
        "{reply}"
    );
    assert!(
        errors[ids[2].to_string()]["presence_sure"].is_string(),
        "{reply}"
    );
    // Nothing half-applied to a refused item.
    assert_eq!(env.sandbox.product(ids[0]).unwrap().status, "on_display");
    assert_eq!(env.sandbox.product(ids[2]).unwrap().presence, "available");
    // The status is kept and shown by products/{id} and products/list.
    let one: Value = http
        .get(format!("{}/products/{}", env.sandbox.base_url(), ids[3]))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["product"]["status"], "not_on_display");
    assert_eq!(one["product"]["presence"], "waiting");
    let list: Value = http
        .get(format!(
            "{}/products/list?limit=100",
            env.sandbox.base_url()
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<(i64, String)> = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap(),
                p["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&(ids[3], "not_on_display".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&(ids[0], "on_display".into())),
        "{statuses:?}"
    );
}

/// The example documents the options commented out at their defaults; uncommented, they
/// are read; a presence the rules cannot give is refused with its place (exit 2).
#[test]
fn the_presence_options_are_documented_read_and_checked() {
    let example = std::fs::read_to_string(repo_file("jobs.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    let text = patch(
        &example,
        "# out_of_stock_presence = \"not_available\"",
        "out_of_stock_presence = \"order\"",
    );
    let text = patch(&text, "# hide_when_out = false", "hide_when_out = true");
    let text = patch(
        &text,
        "# keep_presence = [\"order\", \"waiting\"]",
        "keep_presence = [\"waiting\"]",
    );
    let text = patch(
        &text,
        "# max_hide_share_percent = 20",
        "max_hide_share_percent = 5",
    );
    std::fs::write(&path, &text).unwrap();
    let loaded = config::load(&path).unwrap();
    let promua_sync::config::JobKind::PushStock(o) = &loaded.jobs[0].kind else {
        panic!("the first job is push_stock")
    };
    assert_eq!(o.out_of_stock_presence, "order");
    assert_eq!(o.keep_presence, vec!["waiting".to_string()]);
    assert!(o.hide_when_out);
    assert_eq!(o.max_hide_share_percent, Some(5.into()));
    let defaults = promua_sync::config::PushStockOptions::default();
    assert_eq!(defaults.out_of_stock_presence, "not_available");
    assert_eq!(
        defaults.keep_presence,
        vec!["order".to_string(), "waiting".to_string()]
    );
    assert!(!defaults.hide_when_out);

    let bad = patch(
        &text,
        "out_of_stock_presence = \"order\"",
        "out_of_stock_presence = \"service\"",
    );
    let bad = patch(
        &bad,
        "keep_presence = [\"waiting\"]",
        "keep_presence = [\"available\"]",
    );
    std::fs::write(&path, &bad).unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("out_of_stock_presence") && said.contains("`service`"),
        "{said}"
    );
    assert!(
        said.contains("keep_presence") && said.contains("`available`"),
        "{said}"
    );
}

/// With the daemon holding the store, `set-presence` goes through the admin API: the same
/// answer, the setting in the store, and an unknown word refused with nothing changed.
#[tokio::test]
async fn a_product_setting_through_the_admin_api() {
    use promua_sync::backoffice::{BackofficeError, Ledger, PresenceSet};
    let api = crate::admin::api().await;
    let p = api.store.add_product("MADE-1", "Made to order").unwrap();
    let set = |w: &str| PresenceSet { presence: w.into() };
    let v = api
        .client
        .set_presence("MADE-1", &set("waiting"))
        .await
        .unwrap();
    assert_eq!(v.presence_when_out.as_deref(), Some("waiting"));
    assert_eq!(
        api.store.presence_setting(p.id).unwrap().as_deref(),
        Some("waiting")
    );
    let shown = api.client.show_product("MADE-1").await.unwrap();
    assert_eq!(shown.presence_when_out.as_deref(), Some("waiting"));
    let err = api
        .client
        .set_presence("MADE-1", &set("service"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackofficeError::Invalid(_)), "{err:?}");
    assert_eq!(
        api.store.presence_setting(p.id).unwrap().as_deref(),
        Some("waiting")
    );
    let err = api
        .client
        .set_presence("NOPE", &set("order"))
        .await
        .unwrap_err();
    assert!(matches!(err, BackofficeError::NotFound(_)), "{err:?}");
    let v = api
        .client
        .set_presence("MADE-1", &set("auto"))
        .await
        .unwrap();
    assert_eq!(v.presence_when_out, None);
    assert_eq!(api.store.presence_setting(p.id).unwrap(), None);
}
