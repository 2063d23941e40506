//! The Prom.ua client against the sandbox.

use promua_sync::prom::PromError;
use promua_sync::prom::dto::ProductPatch;
use promua_sync::prom::sandbox::{LastId, SandboxOptions};

use crate::helpers::*;

#[tokio::test]
async fn listing_returns_every_product_once_whether_last_id_is_inclusive_or_exclusive() {
    for mode in [LastId::Exclusive, LastId::Inclusive] {
        let env = Env::new(
            345,
            SandboxOptions {
                last_id: mode,
                ..Default::default()
            },
            |_| 0,
        )
        .await;
        let config = env.config("*/5 * * * *");
        let client = promua_sync::prom::PromClient::new(&config.prom).unwrap();
        let mut ids: Vec<i64> = client
            .all_products()
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        ids.sort();
        let mut want: Vec<i64> = env.catalogue.iter().map(|p| p.id).collect();
        want.sort();
        assert_eq!(ids, want, "{mode:?}");
        // Pages of 100, the cursor being the smallest id of the previous page.
        let lists: Vec<String> = env
            .sandbox
            .requests()
            .iter()
            .filter(|r| r.path == "/api/v1/products/list")
            .map(|r| r.query.clone().unwrap_or_default())
            .collect();
        assert_eq!(lists[0], "limit=100");
        assert!(lists[1].starts_with("limit=100&last_id="), "{lists:?}");
        assert!(lists.len() <= 6, "{mode:?}: {lists:?}");
    }
}

#[tokio::test]
async fn edit_sends_a_bare_array_with_the_bearer_token_and_reads_items() {
    let env = Env::new(3, SandboxOptions::default(), |_| 0).await;
    env.sandbox.reject(env.catalogue[1].id, "ні");
    let config = env.config("*/5 * * * *");
    let client = promua_sync::prom::PromClient::new(&config.prom)
        .unwrap()
        .counted();
    let patches: Vec<ProductPatch> = env
        .catalogue
        .iter()
        .map(|p| ProductPatch {
            quantity_in_stock: Some(9),
            presence: Some("available".into()),
            ..ProductPatch::new(p.id)
        })
        .chain(std::iter::once(ProductPatch {
            quantity_in_stock: Some(1),
            ..ProductPatch::new(42)
        }))
        .collect();
    let res = client.edit_products(&patches).await.unwrap();
    assert_eq!(
        res.processed,
        vec![env.catalogue[0].id, env.catalogue[2].id]
    );
    assert_eq!(res.errors[&env.catalogue[1].id], "quantity_in_stock: ні");
    assert_eq!(res.errors[&42], "id: Продукт не найден");
    assert_eq!(client.requests(), 1);
    let sent = &env.sandbox.edit_requests()[0];
    assert_eq!(
        sent.authorization.as_deref(),
        Some(&format!("Bearer {TOKEN}")[..])
    );
    assert_eq!(
        sent.body.as_ref().unwrap()[0],
        serde_json::json!({"id": env.catalogue[0].id, "quantity_in_stock": 9, "presence": "available"})
    );
    assert_eq!(
        sent.body.as_ref().unwrap()[3],
        serde_json::json!({"id": 42, "quantity_in_stock": 1})
    );
}

#[tokio::test]
async fn an_html_401_is_one_clear_error_without_retries() {
    let env = Env::new(1, SandboxOptions::default(), |_| 0).await;
    std::fs::write(env.dir.path().join("token"), "wrong").unwrap();
    let config = env.config("*/5 * * * *");
    let client = promua_sync::prom::PromClient::new(&config.prom)
        .unwrap()
        .counted();
    let err = client.products_page(None, None, 10).await.unwrap_err();
    assert!(matches!(err, PromError::Unauthorized), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("invalid or expired") && text.contains("Products and groups R/W"),
        "{text}"
    );
    assert_eq!((client.requests(), client.retries()), (1, 0));
}
