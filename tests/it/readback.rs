//! Read-back after a push (`verify_sample`) and the stock route (`[prom] stock_route`),
//! against a sandbox whose `products/edit` confirms `quantity_in_stock` and ignores it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use promua_sync::jobs::{Mode, on_change, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{Quirks, RecordedRequest, SandboxOptions};
use promua_sync::store::{DIRTY_STOCK, Store};
use serde_json::Value;

use crate::helpers::*;

/// Local stock of the i-th product: far from the sandbox's own (0..50), always available.
fn stock(i: usize) -> i64 {
    100 + i as i64
}

/// A catalogue walk job (link_only: it links nothing new here, and reads external ids).
const WALK: &str = r#"
[[job]]
name = "walk"
kind = "import_products"
schedule = "0 0 1 1 *"
mode = "link_only"
"#;

/// 10 linked products; the first 7 carry an external id on the sandbox (`EXT-i`).
async fn shop() -> Env {
    let env = Env::new(10, SandboxOptions::default(), stock).await;
    let with_ids: Vec<_> = env
        .catalogue
        .iter()
        .take(7)
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            p.external_id = Some(format!("EXT-{i}"));
            p
        })
        .collect();
    env.sandbox.upsert_products(with_ids);
    env
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json_run(config: &Path, job: &str) -> (Option<i32>, Value) {
    let out = cli(config, &["job", "run", job, "--json"]);
    let run: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.code(), run["record"].clone())
}

fn posts(env: &Env, path: &str) -> Vec<RecordedRequest> {
    env.sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == format!("/api/v1{path}"))
        .collect()
}

fn reads(env: &Env) -> Vec<RecordedRequest> {
    env.sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/v1/products/"))
        .collect()
}

/// Every item of the bodies of these requests, by its `id` as text.
fn items(requests: &[RecordedRequest]) -> BTreeMap<String, Value> {
    requests
        .iter()
        .flat_map(|r| r.body.as_ref().unwrap().as_array().unwrap().clone())
        .map(|item| {
            let id = match &item["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (id, item)
        })
        .collect()
}

fn failures(record: &Value) -> Vec<(String, i64, String)> {
    record["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["sku"].as_str().unwrap().to_string(),
                f["prom_id"].as_i64().unwrap(),
                f["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_ignores_quantity_fails_the_push_then_stock_goes_by_external_id() {
    let env = shop().await;
    let config: PathBuf = env.write_config("0 0 1 1 *", WALK);
    // The walk keeps each product's external id.
    let (code, _) = json_run(&config, "walk");
    assert_eq!(code, Some(0));
    env.sandbox.set_quirks(Quirks {
        edit_ignores_quantity: true,
        ..Quirks::default()
    });
    env.sandbox.clear_requests();

    // 1. All 10 go through products/edit, confirmed; the read-back shows the quantities
    // did not take: exit 1, naming product, field, sent and shown values.
    let (code, r) = json_run(&config, "stock");
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(r["outcome"], "partial");
    assert_eq!(items(&posts(&env, "/products/edit")).len(), 10);
    assert_eq!(reads(&env).len(), 5, "verify_sample's default");
    let failed = failures(&r);
    assert_eq!(failed.len(), 5, "{r}");
    assert_eq!(r["confirmed"], 5);
    for (sku, prom_id, reason) in &failed {
        let i = env.catalogue.iter().position(|p| p.id == *prom_id).unwrap();
        assert_eq!(Some(sku.as_str()), env.catalogue[i].sku.as_deref());
        let shown = env
            .sandbox
            .product(*prom_id)
            .unwrap()
            .quantity_in_stock
            .unwrap();
        let want = format!("quantity_in_stock sent {}, Prom.ua shows {shown}", stock(i));
        assert!(reason.contains(&want), "{reason} / {want}");
        assert_ne!(shown, stock(i));
    }
    assert_eq!(r["warnings"][0]["kind"], "stock_route", "{r}");
    assert!(
        r["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("products/edit_by_external_id from now on"),
        "{r}"
    );

    // The choice is on disk, and no stock snapshot claims what Prom.ua ignored.
    {
        let store = Store::open(&env.store_path()).unwrap();
        let mark = store.stock_route_mark().unwrap().expect("route learnt");
        assert!(mark.evidence.contains("quantity_in_stock sent"), "{mark:?}");
        assert!(
            store
                .stock_snapshots()
                .unwrap()
                .iter()
                .all(|(_, s)| s.unconfirmed)
        );
        assert_eq!(store.external_ids().unwrap().len(), 7);
    }

    // 2. The next run (a new process on the reopened store): the 7 with an external id go
    // through edit_by_external_id, quantity and all; the 3 without send presence only
    // and fail with what to do.
    env.sandbox.clear_requests();
    let (code, r) = json_run(&config, "stock");
    assert_eq!(code, Some(1), "{r}");
    let by_external = items(&posts(&env, "/products/edit_by_external_id"));
    let by_id = items(&posts(&env, "/products/edit"));
    assert_eq!(by_external.len(), 7);
    assert_eq!(by_id.len(), 3);
    for (i, p) in env.catalogue.iter().enumerate() {
        let held = env.sandbox.product(p.id).unwrap();
        if i < 7 {
            let sent = &by_external[&format!("EXT-{i}")];
            assert_eq!(sent["quantity_in_stock"], stock(i), "{sent}");
            assert_eq!(sent["presence"], "available");
            assert_eq!(
                held.quantity_in_stock,
                Some(stock(i)),
                "the sandbox holds it"
            );
        } else {
            let sent = &by_id[&p.id.to_string()];
            assert!(sent.get("quantity_in_stock").is_none(), "{sent}");
            assert_eq!(sent["presence"], "available");
            assert_eq!(held.presence, "available");
        }
    }
    let failed = failures(&r);
    assert_eq!(failed.len(), 3, "{r}");
    for (_, prom_id, reason) in &failed {
        let i = env.catalogue.iter().position(|p| p.id == *prom_id).unwrap();
        assert!(i >= 7);
        assert!(reason.contains("no external id is known"), "{reason}");
        assert!(reason.contains("run an import_products job"), "{reason}");
    }
    assert_eq!(r["confirmed"], 7);
    assert!(
        r["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("each shows what Prom.ua confirmed")),
        "{r}"
    );
    assert!(r["warnings"].as_array().unwrap().is_empty(), "logged once");

    // 3. Again: the 7 are confirmed and settled; only the 3 are sent (and fail) again.
    env.sandbox.clear_requests();
    let (code, r) = json_run(&config, "stock");
    assert_eq!(code, Some(1));
    assert!(posts(&env, "/products/edit_by_external_id").is_empty());
    assert_eq!(items(&posts(&env, "/products/edit")).len(), 3);
    assert_eq!(failures(&r).len(), 3);
}

#[tokio::test]
async fn verify_sample_0_reads_nothing_back() {
    let env = shop().await;
    let path = env.write_config("0 0 1 1 *", "");
    std::fs::write(
        &path,
        std::fs::read_to_string(&path).unwrap() + "verify_sample = 0\n",
    )
    .unwrap();
    let config = promua_sync::config::load(&path).unwrap();
    env.sandbox.set_quirks(Quirks {
        edit_ignores_quantity: true,
        ..Quirks::default()
    });
    let store = Store::open(&config.store.path).unwrap();
    let run = run_job(&config.jobs[0], &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    assert_eq!(
        (run.record.outcome, run.record.confirmed),
        (Outcome::Ok, 10)
    );
    assert!(reads(&env).is_empty(), "{:?}", env.sandbox.requests());
    assert_eq!(run.record.requests, 1);
    assert!(store.stock_route_mark().unwrap().is_none());
}

#[tokio::test]
async fn a_price_that_does_not_take_fails_the_run_and_stays_unconfirmed() {
    let env = Env::new(4, SandboxOptions::default(), stock).await;
    let path = env.write_config(
        "0 0 1 1 *",
        "[[job]]\nname = \"prices\"\nkind = \"push_prices\"\nschedule = \"0 0 1 1 *\"\n",
    );
    patch_file(
        &path,
        "warehouses = [\"main\"]\n",
        "warehouses = [\"main\"]\nupdate_prices = true\n",
    );
    let config = promua_sync::config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids: Vec<u64> = store.products().unwrap().iter().map(|p| p.id).collect();
    let updates: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                *id,
                promua_sync::store::ProductUpdate {
                    price: Some(rust_decimal::Decimal::new(12345, 2)),
                    ..Default::default()
                },
            )
        })
        .collect();
    store.update_products(&updates).unwrap();
    env.sandbox.set_quirks(Quirks {
        edit_ignores_price: true,
        ..Quirks::default()
    });
    let prices = config.jobs.iter().find(|j| j.name == "prices").unwrap();
    let ctx = context(&config, &store);
    let run = run_job(prices, &ctx, Mode::Apply).await.unwrap();
    assert_eq!(run.record.outcome, Outcome::Partial, "{:?}", run.record);
    assert_eq!((run.record.sent, run.record.confirmed), (4, 0));
    assert_eq!(run.record.failed.len(), 4);
    for f in &run.record.failed {
        let shown = env.sandbox.product(f.prom_id).unwrap().price;
        assert!(
            f.reason.contains(&format!(
                "price sent 123.45, Prom.ua shows {}",
                shown.normalize()
            )),
            "{}",
            f.reason
        );
    }
    for id in &ids {
        assert!(store.price_snapshot(*id).unwrap().unwrap().unconfirmed);
    }
    // The next run sends them again.
    env.sandbox.set_quirks(Quirks::default());
    env.sandbox.clear_requests();
    let run = run_job(prices, &ctx, Mode::Apply).await.unwrap();
    assert_eq!((run.record.outcome, run.record.confirmed), (Outcome::Ok, 4));
    for p in &env.catalogue {
        assert_eq!(
            env.sandbox.product(p.id).unwrap().price,
            rust_decimal::Decimal::new(12345, 2)
        );
    }
}

#[tokio::test]
async fn a_forced_route_is_used_from_the_first_run_and_never_learnt() {
    let env = shop().await;
    let path = env.write_config("0 0 1 1 *", "");
    patch_file(
        &path,
        "retry_base_delay_ms = 10\n",
        "retry_base_delay_ms = 10\nstock_route = \"edit_by_external_id\"\n",
    );
    let config = promua_sync::config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    // What a catalogue walk would have kept.
    let known: Vec<(i64, Option<&str>)> = vec![
        (env.catalogue[0].id, Some("EXT-0")),
        (env.catalogue[1].id, Some("EXT-1")),
    ];
    store.record_external_ids(&known).unwrap();
    let mut ctx = context(&config, &store);
    let run = run_job(&config.jobs[0], &ctx, Mode::Apply).await.unwrap();
    let sent = items(&posts(&env, "/products/edit_by_external_id"));
    assert_eq!(
        sent.keys().cloned().collect::<Vec<_>>(),
        vec!["EXT-0", "EXT-1"]
    );
    assert_eq!(
        items(&posts(&env, "/products/edit")).len(),
        8,
        "presence only"
    );
    assert_eq!((run.record.confirmed, run.record.failed.len()), (2, 8));
    assert_eq!(
        env.sandbox
            .product(env.catalogue[1].id)
            .unwrap()
            .quantity_in_stock,
        Some(stock(1))
    );
    assert!(
        store.stock_route_mark().unwrap().is_none(),
        "forced, not learnt"
    );

    // `edit` forced: a read-back mismatch fails, and the route stays.
    env.sandbox.set_quirks(Quirks {
        edit_ignores_quantity: true,
        ..Quirks::default()
    });
    ctx.stock_route = promua_sync::domain::StockRoute::Edit;
    env.sandbox.clear_requests();
    let run = run_job(&config.jobs[0], &ctx, Mode::Apply).await.unwrap();
    assert_eq!(run.record.outcome, Outcome::Partial);
    assert!(posts(&env, "/products/edit_by_external_id").is_empty());
    assert!(
        run.record
            .notes
            .iter()
            .any(|n| n.contains("[prom] stock_route = \"edit\" keeps it")),
        "{:?}",
        run.record.notes
    );
    assert!(store.stock_route_mark().unwrap().is_none());
}

#[tokio::test]
async fn the_on_change_push_reads_back_and_learns_the_route_too() {
    let env = shop().await;
    let config = env.config("0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let ids: Vec<u64> = store.products().unwrap().iter().map(|p| p.id).collect();
    store.mark_dirty_ids(&ids, DIRTY_STOCK).unwrap();
    env.sandbox.set_quirks(Quirks {
        edit_ignores_quantity: true,
        ..Quirks::default()
    });
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    assert_eq!(r.outcome, Outcome::Partial);
    assert_eq!((r.confirmed, r.failed.len()), (5, 5));
    assert_eq!(reads(&env).len(), 5);
    assert!(store.stock_route_mark().unwrap().is_some());
    // Learning the route marks every product whose stock Prom confirmed dirty again
    // (what `/edit` confirmed may never have reached the shop): the next on-change push
    // resends all of them by the new route, not only the five the read-back failed.
    assert_eq!(store.dirty_count(), 10);
    env.sandbox.clear_requests();
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    // By external id where the store knows one (only read-backs taught it here: no
    // catalogue walk ran), presence only for the rest: all ten again.
    let by_external = items(&posts(&env, "/products/edit_by_external_id")).len();
    let presence_only = items(&posts(&env, "/products/edit")).len();
    assert!(by_external >= 1, "{by_external}");
    assert_eq!(by_external + presence_only, 10);
    assert_eq!(r.failed.len(), presence_only);
}

#[test]
fn verify_sample_and_stock_route_are_checked_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        r#"[prom]
base_url = "http://127.0.0.1:9/api/v1"
stock_route = "by_sku"

[store]
path = "store"

[sync]
warehouses = ["main"]

[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/5 * * * *"
verify_sample = 101

[[job]]
name = "prices"
kind = "push_prices"
schedule = "*/5 * * * *"
verify_sample = -1
"#,
    )
    .unwrap();
    let err = promua_sync::config::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("prom.stock_route: `by_sku` is not one of the choices"),
        "{err}"
    );
    assert!(
        err.contains("one of: auto, edit, edit_by_external_id"),
        "{err}"
    );
    for job in ["job[0]", "job[1]"] {
        assert!(err.contains(&format!("{job}.verify_sample")), "{err}");
    }
    assert_eq!(err.matches("must be between 0 and 100").count(), 2, "{err}");
}

/// A verify repair sends stock by the same call as the pushes: by external id once that is
/// the route.
#[tokio::test]
async fn a_verify_repair_sends_stock_by_the_route() {
    let env = shop().await;
    let path = env.write_config(
        "0 0 1 1 *",
        "\n[[job]]\nname = \"verify\"\nkind = \"verify\"\nschedule = \"0 0 1 1 *\"\nrepair = true\n",
    );
    patch_file(
        &path,
        "retry_base_delay_ms = 10\n",
        "retry_base_delay_ms = 10\nstock_route = \"edit_by_external_id\"\n",
    );
    let config = promua_sync::config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ids: Vec<(i64, Option<&str>)> = vec![(env.catalogue[1].id, Some("EXT-1"))];
    store.record_external_ids(&ids).unwrap();
    let ctx = context(&config, &store);
    let stock_job = config.jobs.iter().find(|j| j.name == "stock").unwrap();
    run_job(stock_job, &ctx, Mode::Apply).await.unwrap();
    assert_eq!(
        env.sandbox
            .product(env.catalogue[1].id)
            .unwrap()
            .quantity_in_stock,
        Some(stock(1))
    );
    // A cabinet edit of the product with an external id.
    let mut edited = env.sandbox.product(env.catalogue[1].id).unwrap();
    edited.quantity_in_stock = Some(3);
    env.sandbox.upsert_products(vec![edited]);
    env.sandbox.clear_requests();
    let verify = config.jobs.iter().find(|j| j.name == "verify").unwrap();
    let run = run_job(verify, &ctx, Mode::Apply).await.unwrap();
    let drift = serde_json::to_value(&run.record).unwrap()["drift"].clone();
    assert!(
        drift
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["prom_id"] == env.catalogue[1].id && d["cause"] == "changed_on_prom"),
        "{drift}"
    );
    let sent = items(&posts(&env, "/products/edit_by_external_id"));
    assert!(sent.contains_key("EXT-1"), "{sent:?}");
    assert!(
        !items(&posts(&env, "/products/edit")).contains_key(&env.catalogue[1].id.to_string()),
        "not by Prom id"
    );
    assert_eq!(
        env.sandbox
            .product(env.catalogue[1].id)
            .unwrap()
            .quantity_in_stock,
        Some(stock(1))
    );
}

/// A verify repair is read back as a push is: through a call that ignores quantities it
/// is not taken as repaired, and the route is learnt from it.
#[tokio::test]
async fn a_verify_repair_is_read_back_and_teaches_the_route() {
    let env = shop().await;
    env.sandbox.set_quirks(Quirks {
        edit_ignores_quantity: true,
        ..Quirks::default()
    });
    let path = env.write_config(
        "0 0 1 1 *",
        "\n[[job]]\nname = \"verify\"\nkind = \"verify\"\nschedule = \"0 0 1 1 *\"\nrepair = true\n",
    );
    let config = promua_sync::config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let verify = config.jobs.iter().find(|j| j.name == "verify").unwrap();
    let run = run_job(verify, &ctx, Mode::Apply).await.unwrap().record;
    assert_eq!(run.outcome, Outcome::Partial, "{run:?}");
    let not_repaired = run
        .drift
        .iter()
        .filter(|d| d.field == "quantity_in_stock" && !d.repaired)
        .count();
    assert!(not_repaired >= 2, "{:?}", run.drift);
    assert!(
        run.warnings.iter().any(|w| w.kind == "stock_route"),
        "{:?}",
        run.warnings
    );
    assert!(store.stock_route_mark().unwrap().is_some());
}
