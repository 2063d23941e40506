//! Products deleted on Prom.ua: found after the catalogue walk (asked for by id, 404),
//! reported, flagged, their staged rows dropped, skipped by the pushes; `links link`
//! refusing a Prom id never seen or deleted unless forced; unlinks made by hand that
//! automatic linking does not undo.

use std::path::{Path, PathBuf};

use promua_sync::config::{self, Config};
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::{SandboxOptions, SandboxProduct};
use promua_sync::store::{ProductUpdate, Store};

use crate::helpers::*;

/// Beside the push_stock job `stock`: an import job per mode that the tests use.
const IMPORTS: &str = "\
[[job]]
name = \"stage\"
kind = \"import_products\"
schedule = \"0 0 1 1 *\"
mode = \"stage\"

[[job]]
name = \"link\"
kind = \"import_products\"
schedule = \"0 0 1 1 *\"
mode = \"link_only\"

[[job]]
name = \"create\"
kind = \"import_products\"
schedule = \"0 0 1 1 *\"
mode = \"create_missing\"

[[job]]
name = \"prices\"
kind = \"push_prices\"
schedule = \"0 0 1 1 *\"
";

fn config_of(env: &Env) -> (PathBuf, Config) {
    let path = env.write_config_any_admin_port("0 0 1 1 *", IMPORTS);
    let mut config = config::load(&path).unwrap();
    // The in-process runs push prices too (the CLI's config is left as written).
    config.sync.update_prices = true;
    (path, config)
}

async fn run(config: &Config, store: &Store, name: &str) -> RunRecord {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    let r = run_job(job, &context(config, store), Mode::Apply)
        .await
        .unwrap()
        .record;
    assert_eq!(r.outcome, Outcome::Ok, "{r:#?}");
    r
}

/// The `GET /products/{id}` requests the sandbox received, by id.
fn asked_by_id(env: &Env) -> Vec<i64> {
    env.sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .filter_map(|r| r.path.strip_prefix("/api/v1/products/")?.parse().ok())
        .collect()
}

fn sku(p: &SandboxProduct) -> String {
    p.sku.clone().unwrap()
}

fn local_id(store: &Store, sku: &str) -> u64 {
    store.product_by_sku(sku).unwrap().unwrap().id
}

fn note<'a>(r: &'a RunRecord, start: &str) -> &'a str {
    r.notes
        .iter()
        .find(|n| n.starts_with(start))
        .unwrap_or_else(|| panic!("no note starting `{start}` in {:#?}", r.notes))
}

/// A CLI command's stderr, asserting its exit code.
fn cli_code(config: &Path, args: &[&str], code: i32) -> String {
    let out = cli(config, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {stderr}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_product_deleted_on_prom_is_reported_flagged_skipped_and_relinked() {
    let env = Env::new(6, SandboxOptions::default(), |_| 5).await;
    let (_, config) = config_of(&env);
    let store = Store::open(&env.store_path()).unwrap();
    run(&config, &store, "stock").await;
    run(&config, &store, "stage").await;
    assert_eq!(store.staged_count(), 6);

    // The seller deletes a linked product in the Prom.ua cabinet.
    let dead = env.catalogue[1].clone();
    let local = local_id(&store, &sku(&dead));
    env.sandbox.delete_product(dead.id).unwrap();
    env.sandbox.clear_requests();
    let r = run(&config, &store, "link").await;
    let gone = note(&r, &format!("Prom product {}: deleted on Prom.ua", dead.id));
    assert!(
        gone.contains(&format!("local {} stays linked to it", sku(&dead)))
            && gone.contains("staged row is dropped"),
        "{gone}"
    );
    assert_eq!(
        asked_by_id(&env),
        vec![dead.id],
        "only the unlisted id is asked"
    );
    assert!(store.gone_since(dead.id).unwrap().is_some(), "flagged");
    assert_eq!(
        store.link_of(local).unwrap(),
        Some(dead.id),
        "the link stays"
    );
    assert_eq!(store.staged_product(dead.id).unwrap(), None, "unstaged");
    assert_eq!(store.staged_count(), 5);

    // Every product's stock changes: the push sends the five others, nothing for the
    // deleted one, fails nothing, and says what it skipped.
    for p in &env.catalogue {
        store
            .set_stock(local_id(&store, &sku(p)), "main", 9)
            .unwrap();
    }
    env.sandbox.clear_requests();
    let r = run(&config, &store, "stock").await;
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!((r.considered, r.confirmed), (5, 5));
    let skipped = note(&r, "1 linked product(s) skipped");
    assert!(
        skipped.contains(&format!("{} (Prom id {})", sku(&dead), dead.id)),
        "{skipped}"
    );
    let mut sent: Vec<i64> = edited_ids(&env.sandbox).concat();
    sent.sort_unstable();
    let others: Vec<i64> = env
        .catalogue
        .iter()
        .map(|p| p.id)
        .filter(|id| *id != dead.id)
        .collect();
    assert_eq!(sent, others, "no edit for the deleted product");
    for id in &others {
        assert_eq!(env.sandbox.product(*id).unwrap().quantity_in_stock, Some(9));
    }
    // So does push_prices.
    let prices: Vec<(u64, ProductUpdate)> = env
        .catalogue
        .iter()
        .map(|p| {
            let price = Some(p.price + rust_decimal::Decimal::ONE);
            (
                local_id(&store, &sku(p)),
                ProductUpdate {
                    price,
                    ..Default::default()
                },
            )
        })
        .collect();
    store.update_products(&prices).unwrap();
    env.sandbox.clear_requests();
    let r = run(&config, &store, "prices").await;
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!((r.considered, r.confirmed), (5, 5));
    note(&r, "1 linked product(s) skipped");
    let mut sent: Vec<i64> = edited_ids(&env.sandbox).concat();
    sent.sort_unstable();
    assert_eq!(sent, others, "no price edit for the deleted product");

    // Known deleted: the next walk does not ask again.
    env.sandbox.clear_requests();
    let r = run(&config, &store, "link").await;
    assert_eq!(asked_by_id(&env), Vec::<i64>::new());
    assert_eq!(r.planned, 0);

    // The seller re-creates it on Prom.ua under the same SKU: the local product, whose
    // link is to a deleted product, is linked to the new one, and pushed there.
    let reborn = SandboxProduct {
        id: 5_900_000,
        quantity_in_stock: Some(0),
        ..dead.clone()
    };
    // Another is deleted and re-created between two runs: one run finds both.
    let (old2, new2) = (
        env.catalogue[2].clone(),
        SandboxProduct {
            id: 5_900_001,
            quantity_in_stock: Some(0),
            ..env.catalogue[2].clone()
        },
    );
    env.sandbox.delete_product(old2.id).unwrap();
    env.sandbox.upsert_products([reborn.clone(), new2.clone()]);
    let r = run(&config, &store, "link").await;
    assert_eq!(r.planned, 2, "{:#?}", r.notes);
    let replaced = note(&r, &format!("Prom product {}: deleted on Prom.ua", old2.id));
    assert!(
        replaced.contains(&format!(
            "local {} is linked to Prom product {} instead",
            sku(&old2),
            new2.id
        )) && replaced.ends_with("staged row is dropped"),
        "{replaced}"
    );
    assert_eq!(store.link_of(local).unwrap(), Some(reborn.id));
    let local2 = local_id(&store, &sku(&old2));
    assert_eq!(store.link_of(local2).unwrap(), Some(new2.id));
    for old in [dead.id, old2.id] {
        assert_eq!(store.linked_to_prom(old).unwrap(), None);
        assert!(store.gone_since(old).unwrap().is_some());
    }
    assert!(store.check_consistency().unwrap().is_empty());
    env.sandbox.clear_requests();
    let r = run(&config, &store, "stock").await;
    assert_eq!(r.confirmed, 2);
    assert!(
        !r.notes.iter().any(|n| n.contains("skipped")),
        "{:?}",
        r.notes
    );
    assert_eq!(edited_ids(&env.sandbox), vec![vec![reborn.id, new2.id]]);
    for id in [reborn.id, new2.id] {
        assert_eq!(env.sandbox.product(id).unwrap().quantity_in_stock, Some(9));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_link_refuses_a_prom_id_never_seen_or_deleted_unless_forced() {
    let env = Env::new(3, SandboxOptions::default(), |_| 5).await;
    let (path, config) = config_of(&env);
    let store = Store::open(&env.store_path()).unwrap();
    for s in ["NEW-1", "NEW-2"] {
        store.add_product(s, "Новий").unwrap();
    }
    // A Prom product no local SKU matches (seen, unlinked); two linked ones deleted.
    let extra = SandboxProduct {
        id: 5_800_000,
        sku: Some("ONLY-ON-PROM".into()),
        ..env.catalogue[0].clone()
    };
    env.sandbox.upsert_products([extra.clone()]);
    let (dead0, dead1) = (env.catalogue[0].clone(), env.catalogue[1].clone());
    env.sandbox.delete_product(dead0.id).unwrap();
    // The seller deletes the other through the sandbox's control API.
    let control = format!(
        "http://{}/__sandbox/products/{}",
        env.sandbox.addr, dead1.id
    );
    let http = reqwest::Client::new();
    assert_eq!(http.delete(&control).send().await.unwrap().status(), 204);
    assert_eq!(http.delete(&control).send().await.unwrap().status(), 404);
    assert!(env.sandbox.product(dead1.id).is_none());
    run(&config, &store, "link").await;
    store.flush_blocking().unwrap();
    drop(store);

    // `links list` shows the flag.
    let out = cli(&path, &["links", "list"]);
    let list = String::from_utf8_lossy(&out.stdout);
    let row = list.lines().find(|l| l.starts_with(&sku(&dead0))).unwrap();
    assert!(row.contains("deleted on Prom.ua (found "), "{list}");

    // Never seen: refused, then forced.
    let err = cli_code(&path, &["links", "link", "NEW-1", "99999"], 2);
    assert!(
        err.contains("Prom product 99999 was never seen") && err.contains("--force"),
        "{err}"
    );
    cli_code(&path, &["links", "link", "NEW-1", "99999", "--force"], 0);

    // Deleted: refused (once nothing else is linked to it), then forced, which clears
    // the flag.
    cli_code(&path, &["links", "unlink", &sku(&dead0)], 0);
    let id0 = dead0.id.to_string();
    let err = cli_code(&path, &["links", "link", "NEW-2", &id0], 2);
    assert!(
        err.contains(&format!("Prom product {id0} was deleted on Prom.ua")),
        "{err}"
    );
    cli_code(&path, &["links", "link", "NEW-2", &id0, "--force"], 0);

    // A local product linked to a deleted product takes another link without --force.
    cli_code(
        &path,
        &["links", "link", &sku(&dead1), &extra.id.to_string()],
        0,
    );

    let store = Store::open(&env.store_path()).unwrap();
    assert_eq!(
        store.link_of(local_id(&store, "NEW-1")).unwrap(),
        Some(99999)
    );
    assert_eq!(
        store.link_of(local_id(&store, "NEW-2")).unwrap(),
        Some(dead0.id)
    );
    assert_eq!(
        store.gone_since(dead0.id).unwrap(),
        None,
        "forced: not gone"
    );
    assert_eq!(
        store.link_of(local_id(&store, &sku(&dead1))).unwrap(),
        Some(extra.id)
    );
    assert!(store.gone_since(dead1.id).unwrap().is_some());

    // The deleted product is listed again: no longer taken for deleted.
    env.sandbox.upsert_products([dead1.clone()]);
    let r = run(&config, &store, "link").await;
    note(
        &r,
        &format!(
            "Prom product {}: listed again on Prom.ua: no longer taken for deleted",
            dead1.id
        ),
    );
    assert_eq!(store.gone_since(dead1.id).unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlink_by_hand_is_not_undone_by_automatic_linking() {
    let env = Env::new(3, SandboxOptions::default(), |_| 5).await;
    let (path, config) = config_of(&env);
    let (a, b) = (env.catalogue[0].clone(), env.catalogue[1].clone());
    cli_code(&path, &["links", "unlink", &sku(&a)], 0);
    cli_code(&path, &["links", "unlink", &sku(&b)], 0);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();

    // link_only: the same SKU on both sides, not linked again, and said why.
    let store = Store::open(&env.store_path()).unwrap();
    let r = run(&config, &store, "link").await;
    assert_eq!(r.planned, 0);
    let why = note(&r, &format!("Prom product {}: local {}", a.id, sku(&a)));
    assert!(
        why.contains(&format!(
            "unlinked by hand from Prom product {} on {today}",
            a.id
        )) && why.contains("`links link"),
        "{why}"
    );
    assert_eq!(store.link_of(local_id(&store, &sku(&a))).unwrap(), None);

    // Suggestions do not offer them again either, not even by their very SKU.
    let staged: Vec<_> = [&a, &b]
        .iter()
        .map(|p| promua_sync::store::StagedProduct {
            prom_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            other_names: Vec::new(),
            price: None,
            currency: None,
            quantity: None,
            staged_at: chrono::Utc::now(),
        })
        .collect();
    store.put_staged(&staged).unwrap();
    store.flush_blocking().unwrap();
    drop(store);
    let out = cli(&path, &["links", "suggest", "--min-score", "0", "--json"]);
    let offered: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(offered, serde_json::json!([]), "{offered}");
    let store = Store::open(&env.store_path()).unwrap();

    // create_missing: B's Prom product under a new SKU is not made a product of its own,
    // and another Prom product under B's SKU is not linked to B.
    let renamed = SandboxProduct {
        sku: Some("RENAMED-1".into()),
        ..b.clone()
    };
    let twin = SandboxProduct {
        id: 5_800_000,
        ..b.clone()
    };
    env.sandbox.upsert_products([renamed, twin.clone()]);
    let products = store.product_count();
    let r = run(&config, &store, "create").await;
    assert_eq!(r.planned, 0, "{:#?}", r.notes);
    assert_eq!(store.product_count(), products);
    for id in [a.id, b.id, twin.id] {
        assert!(
            note(&r, &format!("Prom product {id}: local ")).contains("unlinked by hand"),
            "{id}"
        );
        assert_eq!(store.linked_to_prom(id).unwrap(), None);
    }
    store.flush_blocking().unwrap();
    drop(store);

    // Linked by hand: forgotten. A is linked; B to the twin, so B's old Prom product is
    // free again and create_missing makes it a product.
    cli_code(&path, &["links", "link", &sku(&a), &a.id.to_string()], 0);
    cli_code(&path, &["links", "link", &sku(&b), &twin.id.to_string()], 0);
    let store = Store::open(&env.store_path()).unwrap();
    assert!(store.hand_unlinks().unwrap().is_empty());
    let r = run(&config, &store, "create").await;
    assert_eq!(r.planned, 1, "{:#?}", r.notes);
    let created = local_id(&store, "RENAMED-1");
    assert_eq!(store.link_of(created).unwrap(), Some(b.id));
    assert_eq!(
        store.link_of(local_id(&store, &sku(&a))).unwrap(),
        Some(a.id)
    );
}
