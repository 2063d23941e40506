//! Safe by default: the README's first import with the default configuration never
//! pushes a stock that was never recorded, and the default zero-share guard stops a push
//! that would empty the shop.

use std::process::Output;

use promua_sync::sandbox::{SandboxOptions, generate_products};
use promua_sync::store::Store;

use crate::helpers::*;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_import_pushes_no_unrecorded_stock_and_the_default_guard_stops_zeroing() {
    // A sandbox shop of 3,000 products and an empty back office.
    let env = Env::new(0, SandboxOptions::default(), |_| 0).await;
    env.sandbox
        .upsert_products(generate_products(3_000, 7_000_001, 9));
    let config = env.dir.path().join("jobs.toml");
    // The README's configuration: no guard options anywhere, update_balances on. Only
    // `job run` runs, which never binds the admin API: port 0 points at nobody.
    std::fs::write(
        &config,
        format!(
            r#"[prom]
base_url = "{}"
token_file = "token"
requests_per_second = 1000

[store]
path = "store"

[sync]
warehouses = ["main"]
update_balances = true

[admin]
listen = "127.0.0.1:0"

[[job]]
name = "download"
kind = "import_products"
mode = "create_missing"
schedule = "0 3 * * *"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/10 * * * *"
"#,
            env.sandbox.base_url(),
        ),
    )
    .unwrap();
    let before: Vec<_> = env.sandbox.products();

    let (conf, c2) = (config.clone(), config.clone());
    let import = tokio::task::spawn_blocking(move || cli(&conf, &["job", "run", "download"]))
        .await
        .unwrap();
    assert_eq!(import.status.code(), Some(0), "{}", text(&import));
    // The import says how many linked products have no stock and what to do.
    assert!(
        text(&import).contains("have no stock recorded yet in main"),
        "{}",
        text(&import)
    );
    let store = Store::open(&env.store_path()).unwrap();
    let linked = store.link_count();
    assert!(linked > 2_500, "only {linked} linked");
    assert!(store.stock_snapshots().unwrap().is_empty());
    drop(store);

    // The push sends nothing: every linked product's stock is unknown, not 0.
    env.sandbox.clear_requests();
    let push = tokio::task::spawn_blocking(move || cli(&c2, &["job", "run", "stock"]))
        .await
        .unwrap();
    assert_eq!(push.status.code(), Some(0), "{}", text(&push));
    assert!(
        text(&push).contains(&format!(
            "{linked} linked product(s) have no stock recorded yet in main: not pushed"
        )),
        "{}",
        text(&push)
    );
    assert!(env.sandbox.edit_requests().is_empty());
    assert_eq!(env.sandbox.products(), before, "the shop is untouched");

    // The seller records stock for every product, a third of them at 0: the default
    // zero-share guard (20 %) stops the push, exit 1, nothing sent, no snapshot written.
    let store = Store::open(&env.store_path()).unwrap();
    let mut csv = String::from("sku,quantity\n");
    for p in store.products().unwrap() {
        let q = if p.id % 3 == 0 { 0 } else { 5 };
        csv.push_str(&format!("{},{q}\n", p.sku));
    }
    drop(store);
    let file = env.dir.path().join("stock.csv");
    std::fs::write(&file, csv).unwrap();
    let (conf, f) = (config.clone(), file.clone());
    let out = tokio::task::spawn_blocking(move || {
        cli(
            &conf,
            &[
                "products",
                "import",
                f.to_str().unwrap(),
                "--kind",
                "stock",
                "--warehouse",
                "main",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let conf = config.clone();
    let push = tokio::task::spawn_blocking(move || cli(&conf, &["job", "run", "stock"]))
        .await
        .unwrap();
    assert_eq!(push.status.code(), Some(1), "{}", text(&push));
    assert!(
        text(&push).contains("more than max_zero_share_percent = 20"),
        "{}",
        text(&push)
    );
    assert!(env.sandbox.edit_requests().is_empty());
    assert_eq!(env.sandbox.products(), before, "the shop is untouched");
    let store = Store::open(&env.store_path()).unwrap();
    assert!(store.stock_snapshots().unwrap().is_empty());
}
