//! A seller's hour in the console, in Chromium: log in, look at every page (each one
//! photographed for the README), change a stock and send it with "run now", take an
//! order in, link its unknown line, change its status and send it to Prom.

use super::Browser;
use crate::helpers::{Env, buyer_order, cli_async, patch_file, stop_daemon};

/// Jobs beside `stock`, all yearly: they run when the seller says so.
const JOBS: &str = r#"
[[job]]
name = "download"
kind = "import_products"
mode = "stage"
schedule = "0 0 1 1 *"

[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "0 0 1 1 *"
status_map = { received = "received", delivered = "delivered" }
"#;

/// A Prom product no local product is linked to.
const UNKNOWN: i64 = 99_000_123;

/// A kettle on Prom under another SKU than the back office's `TEA-1`: only its name
/// says what it is.
const KETTLE: i64 = 7_000_001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seller_works_through_the_console_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let env = Env::new(3, promua_sync::sandbox::SandboxOptions::default(), |i| {
        i as i64 + 1
    })
    .await;
    let config = env.write_config("0 0 1 1 *", JOBS);
    patch_file(
        &config,
        "[sync]\n",
        "[sync]\nupdate_statuses = true\nreserve_statuses = [\"pending\", \"received\"]\ndone_status = \"delivered\"\n",
    );
    // The kettle: on Prom and in the back office (5 in stock), not linked.
    let mut kettle = promua_sync::sandbox::generate_products(1, KETTLE, 7).remove(0);
    kettle.name = "Чайник електричний Bosch 1,7 л".into();
    kettle.sku = Some("KT-17".into());
    kettle.quantity_in_stock = Some(0);
    env.sandbox.upsert_products(vec![kettle]);
    {
        let store = promua_sync::store::Store::open(&env.store_path()).unwrap();
        let kettle = store
            .add_product("TEA-1", "Чайник електричний Bosch")
            .unwrap();
        store.set_stock(kettle.id, "main", 5).unwrap();
        store.flush_blocking().unwrap();
    }
    let skus: Vec<String> = env
        .catalogue
        .iter()
        .map(|p| p.sku.clone().unwrap())
        .collect();
    // A buyer's order: line 1 a product the back office does not know, line 2 a linked one.
    let order = env.sandbox.place_order(buyer_order(
        "pending",
        vec![
            (Some(UNKNOWN), "OLD-1", 2),
            (Some(env.catalogue[1].id), &skus[1], 1),
        ],
    ));
    let daemon = env.start_daemon(&config).await;
    let site = format!("http://127.0.0.1:{}", env.admin_port());
    let token = std::fs::read_to_string(env.dir.path().join("admin-token")).unwrap();

    // Nothing without the token: the overview sends a stranger to the login page.
    browser.goto(&format!("{site}/")).await;
    assert!(
        browser.client.current_url().await.unwrap().path() == "/login",
        "{}",
        browser.text().await
    );
    browser.shot("login").await;
    browser.fill("input[name=token]", "not-the-token").await;
    browser.click("form[action='/login'] button").await;
    assert_eq!(browser.client.current_url().await.unwrap().path(), "/login");
    browser.fill("input[name=token]", token.trim()).await;
    browser.click("form[action='/login'] button").await;
    assert_eq!(browser.client.current_url().await.unwrap().path(), "/");
    let overview = browser.text().await;
    assert!(overview.contains("stock"), "{overview}");
    browser.shot("overview").await;

    // Products: the first product's stock set to 7 in `main`, then sent by "run now".
    let first = &env.catalogue[0];
    let sku = first.sku.clone().unwrap();
    browser.goto(&format!("{site}/products")).await;
    browser.shot("products").await;
    browser.fill("input[name=q]", &sku).await;
    browser.click("form[action='/products'] button").await;
    assert!(browser.text().await.contains(&sku));
    browser
        .fill("form[action='/products/stock'] input[name=quantity]", "7")
        .await;
    browser.click("form[action='/products/stock'] button").await;
    browser.goto(&format!("{site}/")).await;
    browser.click("form[action='/jobs/stock/run'] button").await;
    let sent = env.sandbox.product(first.id).unwrap();
    assert_eq!(sent.quantity_in_stock, Some(7), "{}", browser.text().await);

    // Runs: the run just made, and its page.
    browser.goto(&format!("{site}/runs")).await;
    browser.shot("runs").await;
    browser.click("a[href^='/runs/stock/']").await;
    let run = browser.text().await;
    assert!(run.contains("push_stock"), "{run}");
    browser.shot("run").await;

    // Linking: the catalogue staged by "run now", the kettle linked from its suggestion
    // with the gear, and the next push sends its stock.
    browser.goto(&format!("{site}/")).await;
    browser
        .click("form[action='/jobs/download/run'] button")
        .await;
    // The suggestions are computed in the background: reload until they are there.
    for _ in 0..200 {
        browser.goto(&format!("{site}/links")).await;
        if browser
            .client
            .find(fantoccini::Locator::Css("#refreshing"))
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let row = browser
        .find(&format!("#row-{KETTLE}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(row.contains("TEA-1"), "the kettle's suggestion: {row}");
    browser.shot("links").await;
    browser.click(&format!("#gear-{KETTLE}")).await;
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css(&format!("#row-{KETTLE}")))
            .await
            .is_err(),
        "a linked row leaves the page: {}",
        browser.text().await
    );
    assert_eq!(
        env.sandbox.product(KETTLE).unwrap().quantity_in_stock,
        Some(0)
    );
    browser.goto(&format!("{site}/")).await;
    browser.click("form[action='/jobs/stock/run'] button").await;
    assert_eq!(
        env.sandbox.product(KETTLE).unwrap().quantity_in_stock,
        Some(5)
    );

    // Orders: taken in by "run now", the unknown line linked to the first product, the
    // status changed to `received` and sent by "run now".
    browser.goto(&format!("{site}/")).await;
    browser
        .click("form[action='/jobs/orders/run'] button")
        .await;
    browser.goto(&format!("{site}/orders")).await;
    assert!(
        browser.text().await.contains("Коваленко"),
        "{}",
        browser.text().await
    );
    browser.shot("orders").await;
    browser
        .click(&format!("a[href='/orders/{}']", order.id))
        .await;
    browser.fill("#link-line-1-sku", &skus[0]).await;
    browser.click("#link-line-1-submit").await;
    browser.shot("order").await;
    let shown = show_order(&config, order.id).await;
    assert_eq!(shown["lines"][0]["local_sku"], skus[0].as_str(), "{shown}");
    assert_eq!(shown["lines"][0]["hand_linked"], true, "{shown}");
    browser
        .find("#status-select")
        .await
        .select_by_value("received")
        .await
        .unwrap();
    browser.click("#status-submit").await;
    assert_eq!(show_order(&config, order.id).await["status"], "received");
    browser.goto(&format!("{site}/")).await;
    browser
        .click("form[action='/jobs/statuses/run'] button")
        .await;
    assert_eq!(env.sandbox.order(order.id).unwrap().status, "received");

    browser.close().await;
    stop_daemon(daemon).await;
}

/// `orders show ID --json`, through the running daemon's admin API.
async fn show_order(config: &std::path::Path, id: i64) -> serde_json::Value {
    let out = cli_async(config, &["orders", "show", &id.to_string(), "--json"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
