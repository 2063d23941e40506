//! The Prom.ua client against the sandbox: one contract test per endpoint (the request
//! Prom received and what the client made of the answer), paging, faults and errors.

use std::net::{Ipv4Addr, SocketAddr};

use chrono::{DateTime, Utc};
use promua_sync::jobs::run_job;
use promua_sync::prom::dto::{
    CancellationReason, DeliveryProvider, OrderFilter, OrderStatus, ProductPatch, SetStatus,
    SortDir,
};
use promua_sync::prom::{PromClient, PromError};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{
    Catalogue, DefaultListing, FaultRates, LastId, OrderChange, RunningSandbox, Sandbox,
    SandboxOptions, ScriptedFault, generate_catalogue,
};
use promua_sync::store::Store;
use rust_decimal::Decimal;

use crate::helpers::*;

/// A sandbox loaded with `catalogue` and a client for it.
async fn sandbox_with(
    catalogue: Catalogue,
    options: SandboxOptions,
) -> (RunningSandbox, PromClient) {
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..options
    });
    sb.load(catalogue);
    let running = sb
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let cfg = promua_sync::config::PromConfig {
        base_url: running.base_url(),
        token: Some(TOKEN.to_string().into()),
        token_origin: "test".into(),
        connect_timeout: std::time::Duration::from_secs(5),
        request_timeout: std::time::Duration::from_secs(10),
        requests_per_second: 1000,
        max_concurrency: 2,
        max_retries: 10,
        retry_base_delay: std::time::Duration::from_millis(5),
        stock_route: Default::default(),
    };
    let client = PromClient::new(&cfg).unwrap().counted();
    (running, client)
}

fn last(sb: &Sandbox) -> promua_sync::sandbox::RecordedRequest {
    sb.requests().pop().expect("a request")
}

#[tokio::test]
async fn products_list_page() {
    let (sb, client) = sandbox_with(generate_catalogue(300, 0, 3), SandboxOptions::default()).await;
    let group = sb
        .products()
        .iter()
        .find(|p| p.group_id != 1)
        .unwrap()
        .group_id;
    let page = client
        .products_page(Some(group), Some(2_000_500), 50)
        .await
        .unwrap();
    let r = last(&sb);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/api/v1/products/list")
    );
    assert_eq!(
        r.query.as_deref(),
        Some(format!("limit=50&last_id=2000500&group_id={group}").as_str())
    );
    assert_eq!(
        r.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(page.group_id, Some(group));
    let want: Vec<i64> = sb
        .products()
        .iter()
        .rev()
        .filter(|p| p.group_id == group && p.id < 2_000_500)
        .map(|p| p.id)
        .take(50)
        .collect();
    assert_eq!(page.products.iter().map(|p| p.id).collect::<Vec<_>>(), want);
    let first = sb.product(want[0]).unwrap();
    assert_eq!(page.products[0].name.as_deref(), Some(first.name.as_str()));
    assert_eq!(page.products[0].price, Some(first.price));
    assert_eq!(page.products[0].group.as_ref().unwrap().id, Some(group));
}

#[tokio::test]
async fn product_by_id_and_by_external_id() {
    let mut cat = generate_catalogue(5, 0, 3);
    cat.products[2].external_id = Some("ERP/77 №1".into());
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    let p = client.product(cat.products[1].id).await.unwrap();
    assert_eq!(
        last(&sb).path,
        format!("/api/v1/products/{}", cat.products[1].id)
    );
    assert_eq!(p.id, cat.products[1].id);
    assert_eq!(p.quantity_in_stock, cat.products[1].quantity_in_stock);

    let p = client.product_by_external_id("ERP/77 №1").await.unwrap();
    assert_eq!(
        last(&sb).path,
        "/api/v1/products/by_external_id/ERP%2F77%20%E2%84%961"
    );
    assert_eq!(p.id, cat.products[2].id);

    let err = client.product(1).await.unwrap_err();
    assert!(matches!(err, PromError::NotFound { .. }), "{err:?}");
    assert_eq!(client.retries(), 0, "a 404 is not retried");
}

#[tokio::test]
async fn products_edit_bare_array_and_per_item_result() {
    let cat = generate_catalogue(3, 0, 3);
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    sb.reject(cat.products[1].id, "ні");
    let patches = vec![
        ProductPatch {
            quantity_in_stock: Some(9),
            presence: Some("available".into()),
            ..ProductPatch::new(cat.products[0].id)
        },
        ProductPatch {
            price: Some(Decimal::new(129_950, 2)),
            ..ProductPatch::new(cat.products[1].id)
        },
        ProductPatch {
            status: Some("draft".into()),
            ..ProductPatch::new(cat.products[2].id)
        },
        ProductPatch {
            quantity_in_stock: Some(1),
            ..ProductPatch::new(42)
        },
    ];
    let res = client.edit_products(&patches).await.unwrap();
    let r = last(&sb);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/v1/products/edit")
    );
    assert_eq!(
        r.body.unwrap(),
        serde_json::json!([
            // `presence_sure: true` goes with every `presence` (prom-api.md §10).
            {"id": cat.products[0].id, "quantity_in_stock": 9, "presence": "available", "presence_sure": true},
            {"id": cat.products[1].id, "price": 1299.5},
            {"id": cat.products[2].id, "status": "draft"},
            {"id": 42, "quantity_in_stock": 1},
        ])
    );
    assert_eq!(res.processed, vec![cat.products[0].id, cat.products[2].id]);
    assert_eq!(res.errors[&cat.products[1].id], "quantity_in_stock: ні");
    assert_eq!(res.errors[&42], "id: Продукт не найден");
    assert_eq!(
        sb.product(cat.products[0].id).unwrap().quantity_in_stock,
        Some(9)
    );
    assert_eq!(sb.product(cat.products[2].id).unwrap().status, "draft");
    assert_eq!(
        sb.product(cat.products[1].id).unwrap().price,
        cat.products[1].price,
        "a rejected item is unchanged"
    );

    let too_many: Vec<ProductPatch> = (0..101).map(ProductPatch::new).collect();
    assert!(matches!(
        client.edit_products(&too_many).await,
        Err(PromError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn products_edit_by_external_id() {
    let mut cat = generate_catalogue(2, 0, 3);
    cat.products[0].external_id = Some("A-1".into());
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    let res = client
        .edit_products_by_external_id(&[
            ProductPatch {
                quantity_in_stock: Some(4),
                ..ProductPatch::new("A-1".to_string())
            },
            ProductPatch {
                quantity_in_stock: Some(4),
                ..ProductPatch::new("B-2".to_string())
            },
        ])
        .await
        .unwrap();
    let r = last(&sb);
    assert_eq!(r.path, "/api/v1/products/edit_by_external_id");
    assert_eq!(
        r.body.unwrap(),
        serde_json::json!([{"id": "A-1", "quantity_in_stock": 4}, {"id": "B-2", "quantity_in_stock": 4}])
    );
    assert_eq!(res.processed, vec!["A-1".to_string()]);
    assert_eq!(res.errors["B-2"], "id: Продукт не найден");
    assert_eq!(
        sb.product(cat.products[0].id).unwrap().quantity_in_stock,
        Some(4)
    );
}

#[tokio::test]
async fn groups_list() {
    let cat = generate_catalogue(3000, 0, 3);
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    let page = client.groups_page(None, 5).await.unwrap();
    assert_eq!(last(&sb).query.as_deref(), Some("limit=5"));
    assert_eq!(page.groups.len(), 5);
    let all = client.all_groups().await.unwrap();
    let mut ids: Vec<i64> = all.iter().map(|g| g.id).collect();
    ids.sort();
    assert_eq!(ids, cat.groups.iter().map(|g| g.id).collect::<Vec<_>>());
    let nested = cat
        .groups
        .iter()
        .find(|g| g.parent_group_id.is_some())
        .unwrap();
    assert_eq!(
        all.iter()
            .find(|g| g.id == nested.id)
            .unwrap()
            .parent_group_id,
        nested.parent_group_id
    );
}

#[tokio::test]
async fn orders_list_sends_the_filters_prom_reads() {
    let cat = generate_catalogue(50, 40, 3);
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    let from: DateTime<Utc> = Utc::now() - chrono::Duration::days(10);
    let filter = OrderFilter {
        status: Some(OrderStatus::Pending),
        last_modified_from: Some(from),
        limit: Some(10),
        sort_dir: Some(SortDir::Asc),
        ..Default::default()
    };
    let page = client.orders_page(&filter).await.unwrap();
    let q = last(&sb).query.unwrap();
    let from_text = from.format("%Y-%m-%dT%H:%M:%S").to_string();
    assert_eq!(
        q,
        format!(
            "status=pending&last_modified_from={}&limit=10&sort_dir=asc",
            from_text.replace(':', "%3A")
        )
    );
    let want: Vec<i64> = cat
        .orders
        .iter()
        .filter(|o| {
            o.status == "pending"
                && o.date_modified >= from.with_timezone(&Utc) - chrono::Duration::seconds(1)
        })
        .map(|o| o.id)
        .take(10)
        .collect();
    assert_eq!(page.iter().map(|o| o.id).collect::<Vec<_>>(), want);
    assert!(page.iter().all(|o| o.status == Some(OrderStatus::Pending)));

    // Every order, newest first, each once, in pages of 7.
    let all = client
        .all_orders(&OrderFilter {
            limit: Some(7),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 40);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));
}

#[tokio::test]
async fn order_by_id_parses_money_lines_and_dates() {
    let cat = generate_catalogue(20, 5, 3);
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    let want = &cat.orders[2];
    let o = client.order(want.id).await.unwrap();
    assert_eq!(last(&sb).path, format!("/api/v1/orders/{}", want.id));
    assert_eq!(o.products.len(), want.lines.len());
    let total: Decimal = want.lines.iter().map(|l| l.price * l.quantity).sum();
    assert_eq!(o.price.as_ref().unwrap().amount, Some(total.round_dp(2)));
    assert_eq!(o.products[0].quantity, Some(want.lines[0].quantity));
    assert_eq!(o.products[0].id, want.lines[0].product_id);
    assert_eq!(
        o.date_created.unwrap().timestamp_micros(),
        want.date_created.timestamp_micros()
    );
    assert!(matches!(
        client.order(1).await,
        Err(PromError::NotFound { .. })
    ));
}

#[tokio::test]
async fn set_status_sends_the_body_and_trusts_only_processed_ids() {
    let cat = generate_catalogue(20, 3, 3);
    let (sb, client) = sandbox_with(cat.clone(), SandboxOptions::default()).await;
    let ids = vec![cat.orders[0].id, cat.orders[1].id, 5];
    let res = client
        .set_order_status(&SetStatus {
            status: OrderStatus::Canceled,
            ids: ids.clone(),
            cancellation_reason: Some(CancellationReason::Another),
            cancellation_text: Some("Покупець передумав".into()),
        })
        .await
        .unwrap();
    let r = last(&sb);
    assert_eq!(r.path, "/api/v1/orders/set_status");
    assert_eq!(
        r.body.unwrap(),
        serde_json::json!({"status": "canceled", "ids": ids, "cancellation_reason": "another", "cancellation_text": "Покупець передумав"})
    );
    assert_eq!(res.processed, vec![cat.orders[0].id, cat.orders[1].id]);
    assert_eq!(sb.order(cat.orders[0].id).unwrap().status, "canceled");

    // Refused by Prom: HTTP 200, nothing processed, the warning kept.
    let res = client
        .set_order_status(&SetStatus {
            status: OrderStatus::Draft,
            ids: vec![cat.orders[2].id],
            cancellation_reason: None,
            cancellation_text: None,
        })
        .await
        .unwrap();
    assert!(res.processed.is_empty());
    assert!(res.warning.is_some());
    assert_ne!(sb.order(cat.orders[2].id).unwrap().status, "draft");

    // Refused before sending: a cancellation without the text its reason needs.
    let before = sb.requests().len();
    let err = client
        .set_order_status(&SetStatus {
            status: OrderStatus::Canceled,
            ids: vec![cat.orders[2].id],
            cancellation_reason: Some(CancellationReason::PriceChanged),
            cancellation_text: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, PromError::InvalidRequest(_)), "{err:?}");
    assert_eq!(sb.requests().len(), before);
}

#[tokio::test]
async fn order_status_options_list() {
    let (sb, client) = sandbox_with(Catalogue::default(), SandboxOptions::default()).await;
    let options = client.order_status_options().await.unwrap();
    assert_eq!(last(&sb).path, "/api/v1/order_status_options/list");
    let names: Vec<&str> = options.iter().filter_map(|o| o.name.as_deref()).collect();
    assert!(
        names.starts_with(&["pending", "received", "delivered", "canceled", "paid"]),
        "{names:?}"
    );
    assert!(
        options
            .iter()
            .any(|o| o.title.as_deref() == Some("Чекає на передоплату"))
    );
}

#[test]
fn a_realistic_order_parses_without_loss() {
    #[derive(serde::Deserialize)]
    struct Page {
        orders: Vec<promua_sync::prom::dto::Order>,
    }
    let text = std::fs::read_to_string(repo_file("tests/fixtures/order.json")).unwrap();
    let o = &serde_json::from_str::<Page>(&text).unwrap().orders[0];
    assert_eq!(o.id, 104523789);
    assert_eq!(o.client_last_name.as_deref(), Some("Гнатюк-Їжакевич"));
    assert_eq!(o.client_second_name.as_deref(), Some("Олегівна"));
    assert_eq!(o.email.as_deref(), Some("yaroslava.h@example.com"));
    let price = o.price.as_ref().unwrap();
    assert_eq!(
        (price.amount, price.currency.as_deref()),
        (Some(Decimal::new(3990, 0)), Some("грн"))
    );
    assert_eq!(price.raw, "3\u{a0}990\u{a0}грн", "the raw text is kept");
    assert_eq!(
        o.full_price.as_ref().unwrap().amount,
        Some(Decimal::new(406050, 2)),
        "narrow no-break space"
    );
    assert_eq!(
        o.delivery_cost.as_ref().unwrap().amount,
        Some(Decimal::new(705, 1))
    );
    assert_eq!(o.status, Some(OrderStatus::Other("custom_7001".into())));
    assert_eq!(o.status_name.as_deref(), Some("Чекає на передоплату"));
    let delivery = o.delivery_provider_data.as_ref().unwrap();
    assert_eq!(
        delivery.provider,
        Some(DeliveryProvider::Other("rozetka_delivery".into()))
    );
    assert_eq!(
        delivery.recipient_warehouse_id.as_deref(),
        Some("1ec09d88-e1c2-11e3-8c4a-0050568002cf")
    );
    assert_eq!(
        o.date_created.unwrap().to_rfc3339(),
        "2026-03-14T09:21:40.176639+02:00"
    );
    assert_eq!(o.products.len(), 2);
    let cheese = &o.products[0];
    assert_eq!(cheese.quantity, Some(Decimal::new(125, 2)));
    assert_eq!(cheese.measure_unit.as_deref(), Some("кг"));
    assert_eq!(
        cheese.name.as_deref(),
        Some("Сир твердий «Карпатський» (ваговий)")
    );
    let knife = &o.products[1];
    assert_eq!(knife.sku, None);
    assert_eq!(knife.external_id.as_deref(), Some("ERP-77"));
    assert_eq!(
        knife.price.as_ref().unwrap().amount,
        Some(Decimal::new(173250, 2))
    );
    assert_eq!(
        knife.total_price.as_ref().unwrap().amount,
        Some(Decimal::new(3465, 0))
    );
    // What we keep serializes back to the same text.
    let again = serde_json::to_value(o).unwrap();
    assert_eq!(again["price"], "3\u{a0}990\u{a0}грн");
    assert_eq!(again["status"], "custom_7001");
}

#[tokio::test]
async fn ten_thousand_products_in_nested_groups_each_once_both_last_id_readings() {
    let cat = generate_catalogue(10_000, 0, 11);
    let mut want: Vec<i64> = cat.products.iter().map(|p| p.id).collect();
    want.sort();
    for (last_id, listing) in [
        (LastId::Exclusive, DefaultListing::RootOnly),
        (LastId::Inclusive, DefaultListing::RootOnly),
        (LastId::Exclusive, DefaultListing::All),
        (LastId::Inclusive, DefaultListing::All),
    ] {
        let (sb, client) = sandbox_with(
            cat.clone(),
            SandboxOptions {
                last_id,
                default_listing: listing,
                ..Default::default()
            },
        )
        .await;
        let products = client.all_products().await.unwrap();
        let mut ids: Vec<i64> = products.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 10_000, "{last_id:?} {listing:?}: no duplicates");
        ids.sort();
        assert_eq!(ids, want, "{last_id:?} {listing:?}");
        // Every page asked for at most 100.
        assert!(sb.requests().iter().all(|r| {
            r.query
                .as_deref()
                .is_some_and(|q| q.starts_with("limit=100"))
        }));
    }
}

#[tokio::test]
async fn a_push_of_1000_products_survives_500s_429s_and_dropped_connections() {
    let env = Env::new(1000, SandboxOptions::default(), |i| (i % 13) as i64).await;
    env.sandbox.set_faults(FaultRates {
        server_error: 0.20,
        rate_limited: 0.10,
        dropped: 0.05,
        retry_after_secs: 1,
        seed: 7,
        ..Default::default()
    });
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let run = run_job(
        &config.jobs[0],
        &context(&config, &store),
        promua_sync::jobs::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(run.record.outcome, Outcome::Ok, "{:?}", run.record);
    assert_eq!(run.record.confirmed, 1000);
    assert_eq!(store.stock_snapshots().unwrap().len(), 1000);
    for (i, p) in env.catalogue.iter().enumerate() {
        assert_eq!(
            env.sandbox.product(p.id).unwrap().quantity_in_stock,
            Some((i % 13) as i64)
        );
    }
    let reqs = env.sandbox.requests();
    let failed = reqs.iter().filter(|r| r.status != 200).count() as u64;
    assert!(failed >= 3, "faults were injected: {failed}");
    assert!(
        reqs.iter().any(|r| r.status == 429)
            && reqs.iter().any(|r| r.status == 500)
            && reqs.iter().any(|r| r.status == 0)
    );
    assert_eq!(run.record.retries, failed, "the report counts every retry");
    assert_eq!(run.record.requests, reqs.len() as u64);
    // 10 edits and 5 reads back (verify_sample's default), each retried when faulted.
    assert_eq!(run.record.requests, 10 + 5 + run.record.retries);
}

#[tokio::test]
async fn a_revoked_token_is_one_clear_error_not_a_retry_loop() {
    let (sb, client) = sandbox_with(generate_catalogue(5, 0, 3), SandboxOptions::default()).await;
    sb.revoke_token(true);
    let err = client.all_products().await.unwrap_err();
    assert!(matches!(err, PromError::Unauthorized));
    let text = err.to_string();
    assert!(
        text.contains("invalid or expired") && text.contains("Управління API-токенами"),
        "{text}"
    );
    assert_eq!((client.requests(), client.retries()), (1, 0));
    let r = last(&sb);
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn a_200_with_error_and_a_malformed_body_are_clear_and_change_nothing() {
    let env = Env::new(5, SandboxOptions::default(), |_| 7).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let before = env.sandbox.products();
    for (fault, expect) in [
        (ScriptedFault::ErrorKey, "Внутрішня помилка сервісу"),
        (ScriptedFault::Malformed, "cannot be read"),
    ] {
        env.sandbox.script_faults([fault]);
        let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
            .await
            .unwrap();
        assert_eq!(run.record.outcome, Outcome::Partial, "{fault:?}");
        assert_eq!(run.record.failed.len(), 5);
        assert!(
            run.record.failed.iter().all(|f| f.reason.contains(expect)),
            "{fault:?}: {:?}",
            run.record.failed
        );
        assert_eq!(run.record.retries, 0, "not retried: {fault:?}");
        assert!(
            store.stock_snapshots().unwrap().is_empty(),
            "no snapshot: {fault:?}"
        );
        assert_eq!(
            env.sandbox.products(),
            before,
            "the sandbox is unchanged: {fault:?}"
        );
    }
    // The excerpt of the malformed body is in the reason.
    env.sandbox.script_faults([ScriptedFault::Malformed]);
    let err = PromClient::new(&config.prom)
        .unwrap()
        .products_page(None, None, 5)
        .await
        .unwrap_err();
    assert!(matches!(err, PromError::Malformed { .. }));
    assert!(err.to_string().contains("Обірва"), "{err}");
    // Then it works.
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(run.record.outcome, Outcome::Ok);
}

#[tokio::test]
async fn buyers_change_orders_through_the_control_api() {
    let (sb, client) = sandbox_with(generate_catalogue(10, 2, 3), SandboxOptions::default()).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}/__sandbox", sb.addr);
    let placed: serde_json::Value = http
        .post(format!("{base}/orders"))
        .json(&serde_json::json!({
            "client_first_name": "Тарас", "client_last_name": "Мельник", "phone": "+380501112233",
            "lines": [{"product_id": 99000001, "name": "Невідомий товар", "sku": "X-1", "price": "150.00", "quantity": "2"}]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = placed["id"].as_i64().unwrap();
    let o = client.order(id).await.unwrap();
    assert_eq!(o.status, Some(OrderStatus::Pending));
    assert_eq!(o.price.unwrap().amount, Some(Decimal::new(300, 0)));

    let before = o.date_modified.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let resp = http
        .patch(format!("{base}/orders/{id}"))
        .json(&OrderChange {
            phone: Some("+380509999999".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let o = client.order(id).await.unwrap();
    assert_eq!(o.phone.as_deref(), Some("+380509999999"));
    assert!(o.date_modified.unwrap() > before);
    // Control calls are not in the request log.
    assert!(sb.requests().iter().all(|r| r.path.starts_with("/api/v1/")));
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried_then_reported() {
    let (sb, _) = sandbox_with(
        generate_catalogue(3, 0, 3),
        SandboxOptions {
            latency: std::time::Duration::from_millis(1500),
            ..Default::default()
        },
    )
    .await;
    let cfg = promua_sync::config::PromConfig {
        base_url: sb.base_url(),
        token: Some(TOKEN.to_string().into()),
        token_origin: "test".into(),
        connect_timeout: std::time::Duration::from_secs(1),
        request_timeout: std::time::Duration::from_secs(1),
        requests_per_second: 100,
        max_concurrency: 1,
        max_retries: 1,
        retry_base_delay: std::time::Duration::from_millis(5),
        stock_route: Default::default(),
    };
    let client = PromClient::new(&cfg).unwrap().counted();
    let err = client.product(2_000_001).await.unwrap_err();
    assert!(matches!(err, PromError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"));
    assert_eq!((client.requests(), client.retries()), (2, 1));
}

#[tokio::test]
async fn retry_after_is_honoured_and_403_and_404_are_not_retried() {
    let (sb, client) = sandbox_with(
        generate_catalogue(3, 0, 3),
        SandboxOptions {
            faults: FaultRates {
                retry_after_secs: 1,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    sb.script_faults([ScriptedFault::RateLimited]);
    let started = std::time::Instant::now();
    client.groups_page(None, 10).await.unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "waited for Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!((client.requests(), client.retries()), (2, 1));

    sb.script_faults([ScriptedFault::Forbidden]);
    let err = client.groups_page(None, 10).await.unwrap_err();
    assert!(matches!(err, PromError::Forbidden { .. }));
    assert!(err.to_string().contains("lacks a scope"), "{err}");
    sb.script_faults([ScriptedFault::NotFound]);
    assert!(matches!(
        client.groups_page(None, 10).await,
        Err(PromError::NotFound { .. })
    ));
    assert_eq!(client.retries(), 1, "neither was retried");
}
