//! The `verify` job against the sandbox: cabinet edits and deleted products found, named
//! with their cause, repaired through the push engine when asked; what the sandbox holds
//! afterwards; the exit codes; the cost of an incremental read.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use promua_sync::config::{self, Config};
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::{DriftCause, Outcome, RunRecord};
use promua_sync::sandbox::{SandboxOptions, SandboxProduct};
use promua_sync::store::Store;
use serde_json::Value;

use crate::helpers::*;

/// Beside the push_stock job `stock`: a verify that reports and one that repairs.
const VERIFY_JOBS: &str = "\
[[job]]
name = \"check\"
kind = \"verify\"
schedule = \"0 3 * * *\"
overlap_minutes = 0

[[job]]
name = \"heal\"
kind = \"verify\"
schedule = \"0 3 * * *\"
repair = true
overlap_minutes = 0
";

/// `n` linked products with stock 1..=7, pushed once so Prom.ua confirmed every value.
/// Then a second passes: what the sandbox changed before is older than any verify's read.
async fn pushed_env(n: usize) -> (Env, PathBuf, Config) {
    let env = Env::new(n, SandboxOptions::default(), |i| (i % 7) as i64 + 1).await;
    let path = env.write_config_any_admin_port("0 0 1 1 *", VERIFY_JOBS);
    let config = config::load(&path).unwrap();
    {
        let store = Store::open(&config.store.path).unwrap();
        let r = run(&config, &store, "stock").await;
        assert_eq!(r.confirmed, n);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    env.sandbox.clear_requests();
    (env, path, config)
}

async fn run(config: &Config, store: &Store, name: &str) -> RunRecord {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), Mode::Apply)
        .await
        .unwrap()
        .record
}

/// The seller edits products in the Prom.ua cabinet: quantity + 100, or (`zero`) out of
/// stock.
fn cabinet_edit(env: &Env, ids: &[i64], zero: Option<i64>) {
    let edited: Vec<SandboxProduct> = ids
        .iter()
        .map(|id| {
            let mut p = env.sandbox.product(*id).unwrap();
            if zero == Some(*id) {
                p.quantity_in_stock = Some(0);
                p.presence = "not_available".into();
            } else {
                p.quantity_in_stock = p.quantity_in_stock.map(|q| q + 100);
            }
            p
        })
        .collect();
    env.sandbox.upsert_products(edited);
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn skus(items: &Value) -> BTreeSet<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap().to_string())
        .collect()
}

/// Local stock of product `i` as pushed, and what the sandbox holds.
fn assert_sandbox_matches_back_office(env: &Env) {
    for (i, p) in env.catalogue.iter().enumerate() {
        let want = (i % 7) as i64 + 1;
        let got = env.sandbox.product(p.id).unwrap();
        assert_eq!(got.quantity_in_stock, Some(want), "product {}", p.id);
        assert_eq!(got.presence, "available", "product {}", p.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cabinet_edits_are_reported_repaired_and_then_quiet() {
    let (env, path, _config) = pushed_env(30).await;
    let edited: Vec<i64> = [2, 7, 11, 19, 28]
        .iter()
        .map(|&i| env.catalogue[i].id)
        .collect();
    cabinet_edit(&env, &edited, Some(edited[4]));
    let edited_skus: BTreeSet<String> = [2, 7, 11, 19, 28]
        .iter()
        .map(|&i| env.catalogue[i].sku.clone().unwrap())
        .collect();

    // Report only: exactly those 5, changed on Prom, exit 1.
    let out = cli(&path, &["job", "run", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let run = json_of(&out);
    let drift = &run["record"]["drift"];
    assert_eq!(skus(drift), edited_skus);
    for item in drift.as_array().unwrap() {
        assert_eq!(item["cause"], "changed_on_prom", "{item}");
        for key in [
            "sku", "prom_id", "field", "local", "prom", "snapshot", "cause",
        ] {
            assert!(item.get(key).is_some(), "{key} missing from {item}");
        }
        if item["field"] == "quantity_in_stock" && item["prom_id"] != edited[4] {
            let local = item["local"].as_i64().unwrap();
            assert_eq!(item["snapshot"].as_i64(), Some(local));
            assert_eq!(item["prom"].as_i64(), Some(local + 100));
        }
    }
    // The product taken out of stock drifted in both fields.
    let zeroed: Vec<&str> = drift
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["prom_id"] == edited[4])
        .map(|i| i["field"].as_str().unwrap())
        .collect();
    assert_eq!(zeroed, vec!["presence", "quantity_in_stock"]);
    assert_eq!(run["record"]["failed"].as_array().unwrap().len(), 6);
    assert!(
        env.sandbox.edit_requests().is_empty(),
        "a report sends nothing"
    );

    // A dry run of the repair plans it and sends nothing.
    let out = cli(&path, &["job", "run", "heal", "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let plan = json_of(&out)["plan"].clone();
    assert_eq!(plan["kind"], "verify");
    assert_eq!(plan["walk"], "full");
    assert_eq!(skus(&plan["items"]), edited_skus);
    assert_eq!(plan["stock_repairs"], 5);
    assert!(env.sandbox.edit_requests().is_empty());

    // The repair: every drifted product sent back, the sandbox holds the back office's values.
    let out = cli(&path, &["job", "run", "heal", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let run = json_of(&out);
    assert_eq!(skus(&run["record"]["drift"]), edited_skus);
    assert!(
        run["record"]["drift"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["repaired"] == true)
    );
    assert_eq!(run["record"]["confirmed"], 5);
    assert_eq!(edited_ids(&env.sandbox).concat().len(), 5);
    assert_sandbox_matches_back_office(&env);

    // Nothing drifted any more: both jobs report nothing and exit 0. `check` walks the
    // whole catalogue again: its last run left drift, so it kept no read mark to start an
    // incremental read from; `heal` because a full walk is asked for.
    for args in [
        &["job", "run", "check", "--json"][..],
        &["job", "run", "heal", "--json", "--full"],
    ] {
        let job = args[2];
        let out = cli(&path, args);
        assert_eq!(out.status.code(), Some(0), "{job}: {out:?}");
        let run = json_of(&out);
        assert!(run["record"].get("drift").is_none(), "{job}: {run}");
        assert_eq!(run["record"]["outcome"], "ok");
        let walk = run["record"]["notes"][0].as_str().unwrap();
        assert!(walk.starts_with("full walk"), "{walk}");
    }
    // --full is for verify jobs.
    assert_eq!(
        cli(&path, &["job", "run", "stock", "--full"]).status.code(),
        Some(2)
    );
}

#[tokio::test]
async fn a_product_deleted_on_prom_is_gone_and_the_rest_is_still_repaired() {
    let (env, _path, config) = pushed_env(20).await;
    let store = Store::open(&config.store.path).unwrap();
    let deleted = &env.catalogue[4];
    env.sandbox.delete_product(deleted.id).unwrap();
    let edited = [env.catalogue[1].id, env.catalogue[9].id];
    cabinet_edit(&env, &edited, None);

    let r = run(&config, &store, "heal").await;
    assert_eq!(r.outcome, Outcome::Partial, "{r:#?}");
    let gone: Vec<_> = r
        .drift
        .iter()
        .filter(|d| d.cause == DriftCause::Gone)
        .collect();
    assert_eq!(gone.len(), 1, "{r:#?}");
    assert_eq!(
        (
            gone[0].sku.as_str(),
            gone[0].prom_id,
            gone[0].field.as_str()
        ),
        (deleted.sku.as_deref().unwrap(), deleted.id, "product")
    );
    assert!(!gone[0].repaired);
    let repaired: BTreeSet<i64> = r
        .drift
        .iter()
        .filter(|d| d.repaired)
        .map(|d| d.prom_id)
        .collect();
    assert_eq!(repaired, edited.into_iter().collect());
    // The one failed item is the gone product, with what to do about it.
    assert_eq!(r.failed.len(), 1);
    assert!(
        r.failed[0].reason.contains("links link"),
        "{}",
        r.failed[0].reason
    );
    // The link is kept and flagged; nothing was deleted locally.
    let local = store
        .product_by_sku(deleted.sku.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(store.link_of(local.id).unwrap(), Some(deleted.id));
    assert_eq!(store.gone_links().unwrap().len(), 1);
    for (i, p) in env.catalogue.iter().enumerate() {
        if p.id != deleted.id {
            let got = env.sandbox.product(p.id).unwrap();
            assert_eq!(got.quantity_in_stock, Some((i % 7) as i64 + 1), "{}", p.id);
        }
    }

    // The next run reports it again (drift left: exit 1), and nothing else.
    let again = run(&config, &store, "heal").await;
    assert_eq!(again.outcome, Outcome::Partial);
    assert_eq!(again.drift.len(), 1);
    assert_eq!(again.drift[0].cause, DriftCause::Gone);
}

#[tokio::test]
async fn an_incremental_verify_reads_only_what_changed() {
    let (env, _path, config) = pushed_env(250).await;
    let store = Store::open(&config.store.path).unwrap();
    let full = run(&config, &store, "check").await;
    assert_eq!(full.outcome, Outcome::Ok, "{full:#?}");
    assert!(full.notes[0].starts_with("full walk"), "{:?}", full.notes);
    assert!(full.requests >= 3, "250 products take 3 pages at least");

    env.sandbox.clear_requests();
    let quiet = run(&config, &store, "check").await;
    assert_eq!(quiet.outcome, Outcome::Ok, "{quiet:#?}");
    assert!(
        quiet.notes[0].starts_with("products of the default listing modified since"),
        "{:?}",
        quiet.notes
    );
    assert!(quiet.requests <= 2, "{} requests", quiet.requests);
    let listed = env.sandbox.requests();
    assert!(
        listed.iter().all(|r| r.path.ends_with("/products/list")
            && r.query
                .as_deref()
                .is_some_and(|q| q.contains("last_modified_from="))),
        "{listed:?}"
    );

    // A cabinet edit after it is found by the next incremental read, and only it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let one = env.catalogue[100].id;
    cabinet_edit(&env, &[one], None);
    let found = run(&config, &store, "check").await;
    assert_eq!(found.outcome, Outcome::Partial);
    assert_eq!(found.drift.len(), 1);
    assert_eq!(
        (found.drift[0].prom_id, found.drift[0].cause),
        (one, DriftCause::ChangedOnProm)
    );
    assert!(found.requests <= 2, "{} requests", found.requests);
}

#[test]
fn bad_verify_options_are_named_and_the_price_rules_come_from_push_prices() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    let head = "[store]\npath = \"store\"\n[sync]\nwarehouses = [\"main\"]\n";
    std::fs::write(
        &path,
        format!(
            "{head}[[job]]\nname = \"v\"\nkind = \"verify\"\nschedule = \"0 3 * * *\"\nfull_walk_hours = 9000\nmax_changes = 0\nrepairs = true\n"
        ),
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in ["full_walk_hours", "max_changes = 0", "repairs"] {
        assert!(stderr.contains(want), "{want} not in {stderr}");
    }

    std::fs::write(
        &path,
        format!(
            "{head}[[job]]\nname = \"v\"\nkind = \"verify\"\nschedule = \"0 3 * * *\"\n[[job]]\nname = \"p\"\nkind = \"push_prices\"\nschedule = \"0 3 * * *\"\nmarkup_percent = 10\n"
        ),
    )
    .unwrap();
    let config = config::load(&path).unwrap();
    let promua_sync::config::JobKind::Verify(o) = &config.jobs[0].kind else {
        panic!("{:?}", config.jobs[0].kind)
    };
    assert!(!o.repair);
    assert_eq!(o.full_walk_hours, 24);
    assert_eq!(
        o.price_rules.as_ref().unwrap().markup_percent,
        rust_decimal::Decimal::from(10)
    );
}

/// A report-only verify finds drift; the next (incremental) one still finds it, and a
/// repair after that heals it: drift not repaired is never forgotten.
#[tokio::test]
async fn drift_left_unrepaired_is_found_again_by_the_next_incremental_verify() {
    let (env, _path, config) = pushed_env(4).await;
    let store = Store::open(&config.store.path).unwrap();
    // A first verify walks everything and sets the marks; nothing drifted yet.
    assert!(run(&config, &store, "check").await.drift.is_empty());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let edited = env.catalogue[2].id;
    cabinet_edit(&env, &[edited], None);
    for pass in 0..2 {
        let r = run(&config, &store, "check").await;
        let ids: Vec<i64> = r.drift.iter().map(|d| d.prom_id).collect();
        assert_eq!(ids, vec![edited], "pass {pass}: {:?}", r.drift);
        assert_eq!(r.outcome, Outcome::Partial, "pass {pass}");
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let healed = run(&config, &store, "heal").await;
    assert!(
        healed.drift.iter().all(|d| d.repaired),
        "{:?}",
        healed.drift
    );
    let after = run(&config, &store, "check").await;
    assert!(after.drift.is_empty(), "{:?}", after.drift);
    assert_eq!(after.outcome, Outcome::Ok);
}
