//! The admin API's request bodies, over loopback against the real router: every route
//! that reads a body gets arbitrary bytes, arbitrary JSON and mutations of a valid body.
//! Promises: no panic (a panicking handler would drop the connection), never a 5xx; a
//! refusal is a 4xx in the API's error shape (`kind` and a non-empty `error`) and leaves
//! the store as it was; after a call served, the store's exports import back unchanged.

use std::cell::Cell;

use promua_sync::backoffice::{BackOffice, CsvKind, Ledger};
use promua_sync::domain::ReservationPolicy;
use promua_sync::store::{
    Actor, LocalLine, LocalOrder, NewProduct, PullMark, StagedProduct, Store, Tracking,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Mutation, bytes, fuzz, json_value, mutate, mutations, store_cases};

const KEYS: &[&str] = &[
    "sku",
    "name",
    "price",
    "currency",
    "warehouse",
    "quantity",
    "delta",
    "reason",
    "prom_id",
    "force",
    "status",
    "min_score",
    "prom_ids",
];

/// The routes that read a body, each with a valid body (JSON, or CSV text).
fn routes() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "POST",
            "v1/products",
            json!({"sku": "N-1", "name": "Нова", "price": "10.50", "currency": "UAH"}),
        ),
        (
            "PATCH",
            "v1/products/A-1",
            json!({"name": "Інша", "price": "12.00", "currency": "UAH"}),
        ),
        (
            "PUT",
            "v1/stock/A-1",
            json!({"warehouse": "main", "quantity": 7, "reason": "count"}),
        ),
        (
            "POST",
            "v1/stock/A-1/adjust",
            json!({"warehouse": "main", "delta": -1, "reason": "sold"}),
        ),
        (
            "PUT",
            "v1/prices/A-1",
            json!({"price": "99.90", "currency": "UAH"}),
        ),
        (
            "PUT",
            "v1/links/A-2",
            json!({"prom_id": 2002, "force": false}),
        ),
        (
            "POST",
            "v1/links/accept",
            json!({"min_score": 0.5, "prom_ids": [2003]}),
        ),
        (
            "PUT",
            "v1/orders/81234/status",
            json!({"status": "received", "force": false}),
        ),
        ("PUT", "v1/orders/81234/lines/1", json!({"sku": "A-3"})),
        (
            "POST",
            "v1/import/stock",
            json!("sku,warehouse,quantity\nA-1,main,4\nA-2,shop,2\n"),
        ),
        ("POST", "v1/links/apply", Value::Null),
    ]
}

/// Products A-1..A-4 with stock and prices, A-1 linked, Prom products staged that look
/// like the others, and an open order with a line linked to nothing.
fn seed(store: &Store) {
    let new: Vec<NewProduct> = (1..=4)
        .map(|i| NewProduct {
            sku: format!("A-{i}"),
            name: format!("Чайник скляний {i}"),
            price: Some(Decimal::new(49_900, 2)),
            currency: Some("UAH".into()),
        })
        .collect();
    for (i, p) in store.add_products(&new).unwrap().iter().enumerate() {
        store.set_stock(p.id, "main", 5 + i as i64).unwrap();
        if i == 0 {
            store.link(p.id, 1001).unwrap();
        }
    }
    let staged: Vec<StagedProduct> = (2..=4)
        .map(|i| StagedProduct {
            prom_id: 2000 + i,
            sku: Some(format!("A-{i}")),
            name: format!("Чайник скляний {i}"),
            other_names: Vec::new(),
            price: None,
            currency: None,
            quantity: None,
            staged_at: chrono::Utc::now(),
        })
        .collect();
    store.put_staged(&staged).unwrap();
    let order = LocalOrder {
        prom_id: 81_234,
        status: "pending".into(),
        prom_status: Some("pending".into()),
        lines: vec![LocalLine {
            prom_product_id: None,
            name: "Чайник".into(),
            quantity: Decimal::from(2),
            ..Default::default()
        }],
        imported_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        ..LocalOrder::default()
    };
    let policy = ReservationPolicy {
        reserve_statuses: vec!["pending".into()],
        done_status: Some("delivered".into()),
        release_statuses: Vec::new(),
        shipped_statuses: Vec::new(),
        aliases: Vec::new(),
        warehouse: "main".into(),
    };
    let pull = PullMark {
        cursor: None,
        tracking: Tracking {
            since: chrono::Utc::now() - chrono::Duration::days(1),
            open_at_start: Vec::new(),
        },
    };
    store.upsert_orders(&[order], &policy, &pull).unwrap();
}

/// What a call could change: products, stock, prices, links, journal, staging, the order.
async fn fingerprint(office: &BackOffice, store: &Store) -> String {
    let mut s = String::new();
    for kind in [CsvKind::Products, CsvKind::Stock, CsvKind::Prices] {
        s += &office.export_csv(kind).await.unwrap();
    }
    s += &format!("{:?}", office.links(false).await.unwrap());
    s += &format!("{:?}", store.journal(None, 100_000).unwrap().len());
    s += &format!("{:?}", store.staged().unwrap().len());
    s += &format!("{:?}", store.order(81_234).unwrap());
    s
}

#[derive(Debug, Clone)]
enum Case {
    Bytes(Vec<u8>),
    Json(Value),
    Mutated(Vec<Mutation>),
    /// For the CSV routes: the valid file's cells and rows changed.
    Csv(Vec<super::csv::Edit>),
}

#[test]
fn any_body_to_any_route_is_served_or_refused_with_a_4xx_and_nothing_changed() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let api = rt.block_on(crate::admin::api());
    seed(&api.store);
    // The API's warehouses, so that the stock export imports back.
    let office = BackOffice::new(api.store.clone(), Actor::Api, Vec::new())
        .with_warehouses(["main", "shop"]);
    let http = reqwest::Client::new();
    for (method, path, valid) in routes() {
        let csv = path.starts_with("v1/import/") || path == "v1/links/apply";
        // The CSV routes: the mapping as exported, as text to mutate like JSON.
        let valid = match (&valid, path) {
            (Value::Null, _) => Value::String(rt.block_on(office.export_unlinked()).unwrap()),
            _ => valid,
        };
        // The valid body is served: the mutations start from one that works.
        let sent = rt.block_on(async {
            let body = match &valid {
                Value::String(text) if csv => text.clone().into_bytes(),
                v => serde_json::to_vec(v).unwrap(),
            };
            let resp = http
                .request(method.parse().unwrap(), format!("{}{path}", api.base))
                .bearer_auth(&api.token)
                .header(
                    "content-type",
                    if csv { "text/csv" } else { "application/json" },
                )
                .body(body)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        });
        assert!(
            sent.0.is_success(),
            "{method} /{path} with {valid}: {sent:?}"
        );
        let refused = Cell::new(0u64);
        let case = prop_oneof![
            1 => bytes().prop_map(Case::Bytes),
            1 => json_value(KEYS).prop_map(Case::Json),
            3 => mutations(KEYS).prop_map(Case::Mutated),
            // Only for the CSV routes (the JSON mutations of a CSV body only replace it).
            if csv { 6 } else { 0 } => prop::collection::vec(super::csv::edit(), 1..4).prop_map(Case::Csv),
        ];
        fuzz(
            &format!("admin {method} /{path}"),
            store_cases(25),
            case,
            |case| {
                let body = match case {
                    Case::Bytes(b) => b,
                    Case::Json(v) => serde_json::to_vec(&v).unwrap(),
                    Case::Csv(edits) => {
                        super::csv::apply(valid.as_str().unwrap_or_default(), &edits)
                    }
                    Case::Mutated(ms) => {
                        let mut doc = valid.clone();
                        for m in &ms {
                            mutate(&mut doc, m, |_| true);
                        }
                        match (csv, doc) {
                            (true, Value::String(text)) => text.into_bytes(),
                            (_, doc) => serde_json::to_vec(&doc).unwrap(),
                        }
                    }
                };
                rt.block_on(async {
                    if path == "v1/products" {
                        // The product an earlier case made goes, so that a valid body
                        // can make it again rather than meet a duplicate.
                        let _ = http
                            .delete(format!("{}v1/products/N-1?force=true", api.base))
                            .bearer_auth(&api.token)
                            .send()
                            .await;
                    }
                    let before = fingerprint(&office, &api.store).await;
                    let resp = http
                        .request(method.parse().unwrap(), format!("{}{path}", api.base))
                        .bearer_auth(&api.token)
                        .header(
                            "content-type",
                            if csv { "text/csv" } else { "application/json" },
                        )
                        .body(body.clone())
                        .send()
                        .await
                        .map_err(|e| format!("no answer (a panic?): {e}"))?;
                    let status = resp.status();
                    let text = resp.text().await.map_err(|e| e.to_string())?;
                    let shown = || {
                        String::from_utf8_lossy(&body)
                            .chars()
                            .take(300)
                            .collect::<String>()
                    };
                    if status.is_success() {
                        return super::csv::exports_import_back(&office, &api.store)
                            .await
                            .map_err(|e| format!("{e}\nbody: {}", shown()));
                    }
                    if !status.is_client_error() {
                        return Err(format!("HTTP {status}: {text}\nbody: {}", shown()));
                    }
                    refused.set(refused.get() + 1);
                    let answer: Value = serde_json::from_str(&text)
                        .map_err(|_| format!("HTTP {status} not in the error shape: {text}"))?;
                    let error = answer["error"].as_str().unwrap_or_default();
                    if answer["kind"].as_str().is_none() || error.trim().is_empty() {
                        return Err(format!("HTTP {status} without kind and error: {text}"));
                    }
                    // A caller is told of JSON shapes, not of our Rust types.
                    if error.contains("struct ") {
                        return Err(format!("HTTP {status} names a Rust type: {error}"));
                    }
                    if fingerprint(&office, &api.store).await != before {
                        return Err(format!(
                            "HTTP {status} ({error}) but the store changed; body: {}",
                            shown()
                        ));
                    }
                    Ok(())
                })
            },
        );
        super::super::figure(
            "fuzz",
            &format!("admin {method} /{path} refused"),
            refused.get(),
        );
    }
}

/// Found by this fuzzing: a product made through the admin API with a 4,819-byte name,
/// which `links apply` then refused in the unlinked products' own export (a CSV field
/// holds at most 4 KiB). Texts typed in are now held to the same limit.
#[tokio::test]
async fn a_text_longer_than_a_csv_field_is_refused_so_that_exports_import_back() {
    let api = crate::admin::api().await;
    let http = reqwest::Client::new();
    let long = "x".repeat(4_819);
    for (method, path, body) in [
        ("POST", "v1/products", json!({"sku": "L-1", "name": long})),
        (
            "POST",
            "v1/products",
            json!({"sku": long, "name": "Довгий"}),
        ),
        (
            "POST",
            "v1/products",
            json!({"sku": "L-1", "name": "Довгий", "currency": long}),
        ),
    ] {
        let resp = http
            .request(method.parse().unwrap(), format!("{}{path}", api.base))
            .bearer_auth(&api.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422);
        let answer: Value = resp.json().await.unwrap();
        assert!(
            answer["error"]
                .as_str()
                .unwrap()
                .contains("4,819 bytes (4,819 characters) long")
                || answer["error"]
                    .as_str()
                    .unwrap()
                    .contains("not a currency code"),
            "{answer}"
        );
    }
    assert!(api.store.products().unwrap().is_empty(), "nothing made");
    let made = http
        .post(format!("{}v1/products", api.base))
        .bearer_auth(&api.token)
        .json(&json!({"sku": "L-1", "name": "x".repeat(4_096)}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201, "4 KiB is still fine");
    let resp = http
        .patch(format!("{}v1/products/L-1", api.base))
        .bearer_auth(&api.token)
        .json(&json!({"name": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    // The export of the unlinked products applies back as it is.
    let office = BackOffice::new(api.store.clone(), Actor::Api, Vec::new());
    let export = office.export_unlinked().await.unwrap();
    office.apply_links(export.as_bytes()).await.unwrap();
}
