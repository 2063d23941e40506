//! A seller's hour in the console, in Chromium: log in, look at every page (each one
//! photographed for the README), change a stock and send it with "run now".

use super::Browser;
use crate::helpers::{Env, stop_daemon};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seller_works_through_the_console_in_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let env = Env::new(3, promua_sync::sandbox::SandboxOptions::default(), |i| {
        i as i64 + 1
    })
    .await;
    // Yearly: jobs run only when the seller says so.
    let config = env.write_config("0 0 1 1 *", "");
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

    browser.close().await;
    stop_daemon(daemon).await;
}
