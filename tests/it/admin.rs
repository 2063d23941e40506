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

/// An admin API served for a test (other modules' tests use it too).
pub(crate) struct Api {
    _dir: tempfile::TempDir,
    pub(crate) store: Store,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) client: AdminClient,
    _stop: tokio_util::sync::DropGuard,
}

pub(crate) async fn api() -> Api {
    api_with(BodyLimits::default()).await
}

/// An admin API on a fresh store, warehouses `main` and `shop` declared.
async fn api_with(limits: BodyLimits) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let office = BackOffice::new(
        store.clone(),
        Actor::Api,
        vec![(
            "stock".into(),
            "push_stock".into(),
            "*/5 * * * *".into(),
            "UTC".into(),
        )],
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
        ("PUT", "v1/orders/1/lines/1"),
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
        .unwrap()
        .moved;
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
        .unwrap()
        .moved;
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
        journal.iter().all(|e| e.actor == "cli"),
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

    let never_seen = c
        .link(
            "P-1",
            &LinkRequest {
                prom_id: 555,
                force: false,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(never_seen, BackofficeError::Conflict(ref m) if m.contains("never seen")),
        "{never_seen:?}"
    );
    let l = c
        .link(
            "P-1",
            &LinkRequest {
                prom_id: 555,
                force: true,
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
        (runs[0].name.as_str(), runs[0].last_run.is_none()),
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

/// Small limits, so that the tests need no big bodies: 1 MB of CSV, 1 KB of JSON.
const SMALL: BodyLimits = BodyLimits {
    csv_body_mb: 1,
    json_body_kb: 1,
};

/// A stock CSV of about `bytes` bytes, every row setting P-1 in main.
fn stock_csv(bytes: usize) -> Vec<u8> {
    let mut s = String::from("sku,warehouse,quantity\n");
    while s.len() < bytes {
        s.push_str("P-1,main,5\n");
    }
    s.into_bytes()
}

fn assert_too_large(status: reqwest::StatusCode, body: &serde_json::Value, limit: &str) {
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["kind"], "too_large", "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains(limit), "{error}");
}

#[tokio::test]
async fn bodies_over_the_limits_get_413_in_the_error_shape_and_apply_nothing() {
    let api = api_with(SMALL).await;
    api.client.add_product(&new("P-1", "Перший")).await.unwrap();
    let http = reqwest::Client::new();
    let csv_limit = "the limit is 1 MB ([admin] max_csv_body_mb)";

    // Announced with Content-Length.
    for path in ["v1/import/stock", "v1/links/apply"] {
        let resp = http
            .post(format!("{}{path}", api.base))
            .bearer_auth(&api.token)
            .body(stock_csv(2 << 20))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_too_large(status, &body, csv_limit);
        assert!(
            body["error"].as_str().unwrap().contains("of 2.0 MB"),
            "{body}"
        );
    }
    // Chunked: no length announced; cut at the limit.
    let addr = api.base.trim_start_matches("http://").trim_end_matches('/');
    let answer = crate::limits::post_streamed(
        addr,
        "/v1/import/stock",
        &api.token,
        // Far more than loopback socket buffers hold, so "cut before the end" is not
        // at the mercy of how much the kernel buffered before the reset.
        64 << 20,
        true,
        &stock_csv(64 << 10),
    )
    .await;
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_too_large(
        reqwest::StatusCode::from_u16(answer.status).unwrap(),
        &body,
        csv_limit,
    );
    assert!(
        answer.sent < 64 << 20,
        "refused before the end: {}",
        answer.sent
    );

    // Any other call: the JSON limit.
    let big_reason = "x".repeat(2048);
    let resp = http
        .put(format!("{}v1/stock/P-1", api.base))
        .bearer_auth(&api.token)
        .json(&serde_json::json!({"warehouse": "main", "quantity": 3, "reason": big_reason}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_too_large(
        status,
        &body,
        "the limit is 1 KB ([admin] max_json_body_kb)",
    );

    // Through the client the CLI uses: a usage error with the same message.
    let err = api
        .client
        .import_csv(CsvKind::Stock, &stock_csv(2 << 20), &CsvOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, BackofficeError::TooLarge(ref m) if m.contains(csv_limit)),
        "{err:?}"
    );

    // Nothing was applied.
    let v = api.client.show_product("P-1").await.unwrap();
    assert!(v.stock.is_empty(), "{v:?}");
    assert!(api.store.journal(None, 10).unwrap().is_empty());
    // Under the limit, the same kind of body applies.
    let report = api
        .client
        .import_csv(CsvKind::Stock, &stock_csv(100), &CsvOptions::default())
        .await;
    assert!(
        matches!(report, Err(BackofficeError::Rows(_))),
        "P-1 in main on many rows: {report:?}"
    );
    let report = api
        .client
        .import_csv(
            CsvKind::Stock,
            b"sku,warehouse,quantity\nP-1,main,5\n",
            &CsvOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.moves, 1);
}

/// A request announcing a body over the limit is answered before a byte of it is sent.
#[tokio::test]
async fn an_announced_body_over_the_limit_is_refused_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let api = api_with(SMALL).await;
    let addr = api.base.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(
        format!(
            "POST /v1/import/stock HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\ncontent-type: text/csv\r\ncontent-length: {}\r\n\r\n",
            api.token,
            100u64 << 20
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    // No body sent at all: the answer comes anyway.
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        conn.read_to_end(&mut answer),
    )
    .await
    .expect("answered without waiting for the body")
    .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"kind\":\"too_large\""), "{text}");
    assert!(
        text.contains("of 100.0 MB is too large: the limit is 1 MB ([admin] max_csv_body_mb)"),
        "{text}"
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_spaces_are_tolerated() {
    let api = api().await;
    let http = reqwest::Client::new();
    let url = format!("{}v1/products", api.base);
    for value in [
        format!("Bearer {}", api.token),
        format!("bearer {}", api.token),
        format!("BEARER {}", api.token),
        format!("  Bearer    {}  ", api.token),
        format!("bEaReR\t{}", api.token),
    ] {
        let resp = http
            .get(&url)
            .header("authorization", &value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{value:?}");
    }
    for value in [
        format!("Basic {}", api.token),
        format!("Bearer{}", api.token),
        "Bearer ".to_string(),
        format!("bearer {}x", api.token),
    ] {
        let resp = http
            .get(&url)
            .header("authorization", &value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{value:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["kind"], "unauthorized");
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_naming_the_allowed_one() {
    let api = api().await;
    let http = reqwest::Client::new();
    for (method, path, allowed) in [
        ("GET", "v1/import/stock", "POST"),
        ("GET", "v1/links/apply", "POST"),
        ("DELETE", "v1/products", "GET or POST"),
        ("POST", "v1/runs", "GET"),
    ] {
        let resp = http
            .request(method.parse().unwrap(), format!("{}{path}", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert!(resp.headers().contains_key("allow"), "{method} {path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["kind"], "method_not_allowed", "{body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.contains(&format!(
                "{method} is not allowed on /{path}: use {allowed}"
            )),
            "{error}"
        );
        if path.contains("import") || path.contains("apply") {
            assert!(error.contains("the CSV file as the body"), "{error}");
        }
    }
}

#[tokio::test]
async fn runs_of_an_unknown_job_are_404_naming_the_configured_jobs() {
    let api = api().await;
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}v1/runs/nope", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["kind"], "not_found");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("no job named `nope`") && error.contains("configured: `stock`"),
        "{error}"
    );
    // Configured but never run, and the on-change push: 200 and no runs.
    for job in ["stock", "on_change_stock", "on_change_prices"] {
        let resp = http
            .get(format!("{}v1/runs/{job}", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{job}");
        assert_eq!(resp.text().await.unwrap(), "[]", "{job}");
    }
    let err = api.client.job_runs("nope", 5).await.unwrap_err();
    assert!(matches!(err, BackofficeError::NotFound(_)), "{err:?}");
}

/// PUT or POST raw JSON, for what the typed client cannot send.
async fn raw_json(
    api: &Api,
    method: &str,
    path: &str,
    body: &str,
) -> (reqwest::StatusCode, serde_json::Value) {
    let resp = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn quantities_deltas_and_warehouses_are_checked_and_nothing_moves() {
    let api = api().await;
    let c = &api.client;
    c.add_product(&new("Q-1", "Кількість")).await.unwrap();
    c.set_stock(
        "Q-1",
        &StockSet {
            warehouse: "main".into(),
            quantity: 7,
            reason: None,
        },
    )
    .await
    .unwrap();
    let cases: [(&str, &str, &str, &[&str]); 11] = [
        (
            "PUT",
            "v1/stock/Q-1",
            r#"{"warehouse": "main", "quantity": -5}"#,
            &["quantity", "`-5` is negative", "must not be negative"],
        ),
        (
            "PUT",
            "v1/stock/Q-1",
            r#"{"warehouse": "main", "quantity": 123456789012345678901}"#,
            &["quantity", "is too large", "at most 1,000,000,000"],
        ),
        (
            "PUT",
            "v1/stock/Q-1",
            r#"{"warehouse": "main", "quantity": 1000000001}"#,
            &["quantity", "`1000000001` is too large"],
        ),
        (
            "PUT",
            "v1/stock/Q-1",
            r#"{"warehouse": "main", "quantity": 1.5}"#,
            &["quantity", "`1.5` is not a whole number"],
        ),
        (
            "PUT",
            "v1/stock/Q-1",
            r#"{"warehouse": "nowhere", "quantity": 1}"#,
            &[
                "unknown warehouse `nowhere`",
                "`main`, `shop`",
                "[sync] warehouses or [sync] local_warehouses",
            ],
        ),
        (
            "POST",
            "v1/stock/Q-1/adjust",
            r#"{"warehouse": "main", "delta": -8}"#,
            &["delta", "below 0", "7 - 8 = -1"],
        ),
        (
            "POST",
            "v1/stock/Q-1/adjust",
            r#"{"warehouse": "main", "delta": 999999999}"#,
            &["delta", "above the largest quantity, 1,000,000,000"],
        ),
        (
            "POST",
            "v1/stock/Q-1/adjust",
            r#"{"warehouse": "main", "delta": -123456789012345678901}"#,
            &["delta", "is too large"],
        ),
        (
            "POST",
            "v1/stock/Q-1/adjust",
            r#"{"warehouse": "main", "delta": 1000000001}"#,
            &[
                "delta",
                "`1000000001` is too large: a delta is at most 1,000,000,000 either way",
            ],
        ),
        (
            "POST",
            "v1/stock/Q-1/adjust",
            r#"{"warehouse": "attic", "delta": 1}"#,
            &["unknown warehouse `attic`"],
        ),
        (
            "POST",
            "v1/import/stock?warehouse=attic",
            "",
            &[
                "unknown warehouse `attic`",
                "the warehouse of the file's rows",
            ],
        ),
    ];
    for (method, path, body, needles) in cases {
        let (status, answer) = if path.contains("import") {
            raw_json(&api, method, path, "sku,quantity\nQ-1,3\n").await
        } else {
            raw_json(&api, method, path, body).await
        };
        assert_eq!(status, 422, "{method} {path} {body}: {answer}");
        assert_eq!(answer["kind"], "invalid", "{answer}");
        let error = answer["error"].as_str().unwrap();
        for n in needles {
            assert!(error.contains(n), "{body}: `{n}` not in: {error}");
        }
        assert!(
            !(body.contains("12345678901234567890") && error.contains("not a whole number")),
            "{error}"
        );
    }
    // Nothing moved.
    let v = c.show_product("Q-1").await.unwrap();
    assert_eq!(v.stock, [("main".to_string(), 7)].into());
    assert_eq!(c.journal(Some("Q-1"), 10).await.unwrap().len(), 1);
    // Up to the cap is fine, and the total does not overflow.
    c.adjust_stock(
        "Q-1",
        &StockAdjust {
            warehouse: "main".into(),
            delta: 999_999_993,
            reason: None,
        },
    )
    .await
    .unwrap();
    c.set_stock(
        "Q-1",
        &StockSet {
            warehouse: "shop".into(),
            quantity: 1_000_000_000,
            reason: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        c.show_product("Q-1").await.unwrap().total_stock,
        2_000_000_000
    );
}

#[tokio::test]
async fn prom_ids_must_be_positive() {
    let api = api().await;
    api.client
        .add_product(&new("L-1", "Зв'язок"))
        .await
        .unwrap();
    for id in ["-5", "0"] {
        let (status, answer) = raw_json(
            &api,
            "PUT",
            "v1/links/L-1",
            &format!(r#"{{"prom_id": {id}}}"#),
        )
        .await;
        assert_eq!(status, 422, "{answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(
            error.contains(&format!("prom_id: `{id}` is not a Prom product id"))
                && error.contains("positive"),
            "{error}"
        );
    }
    let (status, answer) =
        raw_json(&api, "POST", "v1/links/accept", r#"{"prom_ids": [7, -5]}"#).await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("prom_ids: `-5` is not a Prom product id"),
        "{answer}"
    );
    assert_eq!(api.client.links(false).await.unwrap()[0].prom_id, None);
    assert_eq!(api.store.link_count(), 0);
}

#[tokio::test]
async fn a_csv_with_thousands_of_bad_rows_lists_twenty_and_counts_the_rest() {
    let api = api().await;
    let c = &api.client;
    c.add_product(&new("C-1", "Перший")).await.unwrap();
    // Row 2 good; rows 3.. each wrong in one way.
    let mut csv = String::from("sku,warehouse,quantity\nC-1,main,4\n");
    csv.push_str("C-1,nowhere,1\n");
    csv.push_str("C-1,shop,-3\n");
    csv.push_str("C-1,shop,123456789012345678901\n");
    csv.push_str(&format!("C-1,shop,{}\n", "9".repeat(5000)));
    for i in 0..4996 {
        csv.push_str(&format!("NO-{i},main,1\n"));
    }
    let resp = reqwest::Client::new()
        .post(format!("{}v1/import/stock", api.base))
        .bearer_auth(&api.token)
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["kind"], "rows");
    // The over-long field stops the file at parsing: that one is named first and alone.
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[0]["row"], 6);
    assert_eq!(rows[0]["field"], "quantity");
    assert!(
        rows[0]["message"]
            .as_str()
            .unwrap()
            .contains("is 5,000 bytes long; a field holds at most 4,096 bytes"),
        "{body}"
    );

    let csv = patch(&csv, &"9".repeat(5000), "5");
    let err = c
        .import_csv(CsvKind::Stock, csv.as_bytes(), &CsvOptions::default())
        .await
        .unwrap_err();
    let BackofficeError::Rows(rows) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(rows.len(), 20);
    assert_eq!(rows.rows_with_errors(), 4999);
    assert_eq!(rows.more_rows(), 4979);
    let found: Vec<(u64, &str)> = rows
        .iter()
        .take(3)
        .map(|r| (r.row, r.field.as_str()))
        .collect();
    assert_eq!(found, [(3, "warehouse"), (4, "quantity"), (5, "quantity")]);
    assert!(
        rows[0].message.contains("unknown warehouse `nowhere`"),
        "{rows:?}"
    );
    assert!(rows[1].message.contains("`-3` is negative"), "{rows:?}");
    assert!(rows[2].message.contains("is too large"), "{rows:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("4,999 row(s) of the file are wrong; nothing was applied:"),
        "{text}"
    );
    assert!(
        text.ends_with("… and 4,979 more rows with errors"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 22, "{text}");
    // Nothing applied, not even the good row.
    assert!(c.show_product("C-1").await.unwrap().stock.is_empty());
    assert!(api.store.journal(None, 10).unwrap().is_empty());
}
