//! The admin API, endpoint by endpoint, through the same client the CLI uses.

use std::net::{Ipv4Addr, SocketAddr};

use promua_sync::admin::BodyLimits;
use promua_sync::backoffice::{
    AdminClient, BackOffice, BackofficeError, CsvKind, CsvOptions, Ledger, LinkRequest, PriceSet,
    ProductQuery, StockAdjust, StockSet,
};
use promua_sync::store::{Actor, NewProduct, ProductUpdate, Store};
use rust_decimal::Decimal;
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

struct Api {
    _dir: tempfile::TempDir,
    store: Store,
    base: String,
    token: String,
    client: AdminClient,
    _stop: tokio_util::sync::DropGuard,
}

async fn api() -> Api {
    api_with(BodyLimits::default()).await
}

/// An admin API on a fresh store, warehouses `main` and `shop` declared.
async fn api_with(limits: BodyLimits) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let office = BackOffice::new(
        store.clone(),
        Actor::Api,
        vec![("stock".into(), "push_stock".into(), "*/5 * * * *".into())],
    )
    .with_warehouses(["main", "shop"]);
    let token = promua_sync::admin::token::load_or_create(&dir.path().join("admin-token")).unwrap();
    let listener = promua_sync::admin::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office,
        token.clone(),
        limits,
        stop.clone(),
    ));
    let client = AdminClient::new(&base, token.clone(), "cli").unwrap();
    Api {
        _dir: dir,
        store,
        base,
        token,
        client,
        _stop: stop.drop_guard(),
    }
}

fn new(sku: &str, name: &str) -> NewProduct {
    NewProduct {
        sku: sku.into(),
        name: name.into(),
        price: None,
        currency: None,
    }
}

#[tokio::test]
async fn every_call_but_health_needs_the_token() {
    let api = api().await;
    let http = reqwest::Client::new();
    let health: serde_json::Value = http
        .get(format!("{}health", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    for (method, path) in [
        ("GET", "v1/products"),
        ("POST", "v1/products"),
        ("GET", "v1/products/A"),
        ("PATCH", "v1/products/A"),
        ("PUT", "v1/stock/A"),
        ("POST", "v1/stock/A/adjust"),
        ("PUT", "v1/prices/A"),
        ("GET", "v1/links"),
        ("PUT", "v1/links/A"),
        ("DELETE", "v1/links/A"),
        ("GET", "v1/journal"),
        ("GET", "v1/runs"),
        ("GET", "v1/runs/stock"),
        ("POST", "v1/import/stock"),
        ("GET", "v1/export/stock"),
        ("GET", "v1/orders"),
        ("GET", "v1/orders/1"),
        ("PUT", "v1/orders/1/status"),
        ("GET", "v1/staged"),
        ("GET", "v1/links/suggestions"),
        ("POST", "v1/links/accept"),
        ("GET", "v1/links/unlinked.csv"),
        ("POST", "v1/links/apply"),
    ] {
        let url = format!("{}{path}", api.base);
        let m: reqwest::Method = method.parse().unwrap();
        let missing = http.request(m.clone(), &url).send().await.unwrap();
        assert_eq!(missing.status(), 401, "{method} {path} without a token");
        let wrong = http
            .request(m.clone(), &url)
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{method} {path} with a wrong token");
        let body: serde_json::Value = wrong.json().await.unwrap();
        assert_eq!(body["kind"], "unauthorized");
        let right = http
            .request(m, &url)
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_ne!(right.status(), 401, "{method} {path} with the token");
    }
}

#[tokio::test]
async fn products_create_list_show_update() {
    let api = api().await;
    let c = &api.client;
    let created = c
        .add_product(&NewProduct {
            price: Some(Decimal::new(19950, 2)),
            currency: Some("uah".into()),
            ..new(" KET-1 ", "Чайник")
        })
        .await
        .unwrap();
    assert_eq!(created.product.sku, "KET-1");
    assert_eq!(created.product.currency.as_deref(), Some("UAH"));
    for i in 0..5 {
        c.add_product(&new(&format!("BAG-{i}"), &format!("Рюкзак {i}")))
            .await
            .unwrap();
    }
    let dup = c.add_product(&new("KET-1", "x")).await.unwrap_err();
    assert!(
        matches!(dup, BackofficeError::Invalid(ref m) if m.contains("already exists")),
        "{dup:?}"
    );
    let blank = c.add_product(&new("  ", "x")).await.unwrap_err();
    assert!(matches!(blank, BackofficeError::Invalid(_)));

    let page = c
        .list_products(&ProductQuery {
            sku: Some("BAG-".into()),
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.products
            .iter()
            .map(|v| v.product.sku.as_str())
            .collect::<Vec<_>>(),
        ["BAG-0", "BAG-1"]
    );
    let next = c
        .list_products(&ProductQuery {
            sku: Some("BAG-".into()),
            limit: Some(10),
            after: page.next_after,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(next.products.len(), 3);
    assert_eq!(next.next_after, None);
    let by_name = c
        .list_products(&ProductQuery {
            name: Some("чайн".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_name.products.len(), 1);

    let shown = c.show_product("KET-1").await.unwrap();
    assert_eq!(shown.product.price, Some(Decimal::new(19950, 2)));
    let updated = c
        .update_product(
            "KET-1",
            &ProductUpdate {
                name: Some("Чайник сталевий".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.product.name, "Чайник сталевий");
    assert_eq!(
        api.store.product_by_sku("KET-1").unwrap().unwrap().name,
        "Чайник сталевий"
    );
    assert!(matches!(
        c.show_product("NOPE").await,
        Err(BackofficeError::NotFound(_))
    ));
}

#[tokio::test]
async fn stock_set_and_adjust_per_warehouse_are_journalled() {
    let api = api().await;
    let c = &api.client;
    c.add_product(&new("A/1 б", "Товар зі слешем"))
        .await
        .unwrap();
    let e = c
        .set_stock(
            "A/1 б",
            &StockSet {
                warehouse: "main".into(),
                quantity: 10,
                reason: Some("інвентаризація".into()),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e.before, e.after, e.delta), (0, 10, 10));
    let e = c
        .adjust_stock(
            "A/1 б",
            &StockAdjust {
                warehouse: "main".into(),
                delta: -3,
                reason: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!((e.before, e.after), (10, 7));
    c.set_stock(
        "A/1 б",
        &StockSet {
            warehouse: "shop".into(),
            quantity: 2,
            reason: None,
        },
    )
    .await
    .unwrap();
    assert!(
        c.set_stock(
            "A/1 б",
            &StockSet {
                warehouse: "shop".into(),
                quantity: 2,
                reason: None
            }
        )
        .await
        .unwrap()
        .is_none(),
        "no move, no entry"
    );
    let v = c.show_product("A/1 б").await.unwrap();
    assert_eq!((v.stock["main"], v.stock["shop"], v.total_stock), (7, 2, 9));
    let journal = c.journal(Some("A/1 б"), 10).await.unwrap();
    assert_eq!(journal.len(), 3);
    assert!(
        journal.iter().all(|e| e.actor == Actor::Cli),
        "the CLI through the API is journalled as the CLI"
    );
    assert_eq!(journal[2].reason.as_deref(), Some("інвентаризація"));
    let blank = c
        .set_stock(
            "A/1 б",
            &StockSet {
                warehouse: " ".into(),
                quantity: 1,
                reason: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(blank, BackofficeError::Invalid(_)));
    assert!(matches!(
        c.adjust_stock(
            "X",
            &StockAdjust {
                warehouse: "main".into(),
                delta: 1,
                reason: None
            }
        )
        .await,
        Err(BackofficeError::NotFound(_))
    ));
}

#[tokio::test]
async fn prices_links_runs_import_export() {
    let api = api().await;
    let c = &api.client;
    c.add_product(&new("P-1", "Перший")).await.unwrap();
    c.add_product(&new("P-2", "Другий")).await.unwrap();

    let v = c
        .set_price(
            "P-1",
            &PriceSet {
                price: Decimal::new(129_900, 2),
                currency: Some("UAH".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.product.price, Some(Decimal::new(129_900, 2)));

    let l = c
        .link(
            "P-1",
            &LinkRequest {
                prom_id: 555,
                force: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(l.prom_id, Some(555));
    let taken = c
        .link(
            "P-2",
            &LinkRequest {
                prom_id: 555,
                force: false,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(taken, BackofficeError::Conflict(_)), "{taken:?}");
    let relink = c
        .link(
            "P-1",
            &LinkRequest {
                prom_id: 556,
                force: false,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(relink, BackofficeError::Conflict(ref m) if m.contains("already linked")));
    assert_eq!(
        c.link(
            "P-1",
            &LinkRequest {
                prom_id: 556,
                force: true
            }
        )
        .await
        .unwrap()
        .prom_id,
        Some(556)
    );
    let unlinked = c.links(true).await.unwrap();
    assert_eq!(
        unlinked.iter().map(|l| l.sku.as_str()).collect::<Vec<_>>(),
        ["P-2"]
    );
    assert_eq!(c.links(false).await.unwrap().len(), 2);
    assert_eq!(c.unlink("P-1").await.unwrap().prom_id, None);
    assert!(matches!(
        c.unlink("P-1").await,
        Err(BackofficeError::NotFound(_))
    ));

    let runs = c.last_runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].job.as_str(), runs[0].last_run.is_none()),
        ("stock", true)
    );
    assert!(c.job_runs("stock", 5).await.unwrap().is_empty());

    let report = c
        .import_csv(
            CsvKind::Stock,
            "Артикул;Склад;Кількість\nP-1;main;4\nP-2;main;6\n".as_bytes(),
            &CsvOptions {
                columns: [
                    ("sku", "Артикул"),
                    ("warehouse", "Склад"),
                    ("quantity", "Кількість"),
                ]
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((report.rows, report.moves), (2, 2));
    assert!(
        api.store
            .journal(None, 10)
            .unwrap()
            .iter()
            .take(2)
            .all(|e| e.actor == Actor::Csv)
    );
    let bad = c
        .import_csv(
            CsvKind::Stock,
            b"sku,warehouse,quantity\nP-1,main,x\n",
            &CsvOptions::default(),
        )
        .await
        .unwrap_err();
    match bad {
        BackofficeError::Rows(rows) => {
            assert_eq!((rows[0].row, rows[0].field.as_str()), (2, "quantity"))
        }
        other => panic!("{other:?}"),
    }
    let csv = c.export_csv(CsvKind::Stock).await.unwrap();
    assert_eq!(csv, "sku,warehouse,quantity\nP-1,main,4\nP-2,main,6\n");
    let prices = c.export_csv(CsvKind::Prices).await.unwrap();
    assert_eq!(prices, "sku,price,currency\nP-1,1299.00,UAH\n");
}

#[test]
fn a_non_loopback_admin_address_needs_the_explicit_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "[store]\npath = \"s\"\n[admin]\nlisten = \"0.0.0.0:8731\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("admin.listen: the admin API would listen on 0.0.0.0:8731"),
        "{stderr}"
    );
    assert!(stderr.contains("allow_non_loopback = true"), "{stderr}");
    std::fs::write(
        &path,
        "[store]\npath = \"s\"\n[admin]\nlisten = \"0.0.0.0:8731\"\nallow_non_loopback = true\n",
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_malformed_request_gets_the_api_error_shape() {
    let api = api().await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}v1/products", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"sku\": 5")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["kind"], "invalid", "{body}");
    let resp = http
        .get(format!("{}v1/orders/not-a-number", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // Through the client the CLI uses: a usage error, not a remote one.
    let err = api.client.show_order(1).await.unwrap_err();
    assert!(matches!(err, BackofficeError::NotFound(_)), "{err:?}");
}
