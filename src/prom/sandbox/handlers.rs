//! The sandbox's HTTP surface: Prom.ua's paths under `/api/v1` and the control API
//! under `/__sandbox`.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{LastId, RecordedRequest, Sandbox, SandboxProduct};

const HTML_401: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>401 Not Authenticated</title>\n</head><body>\n<h1>Not Authenticated</h1>\n<p>This server could not verify that you\nare authorized to access the document\nrequested.</p>\n</body></html>\n";
const HTML_404: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n";

/// Fields `products/edit` accepts.
const WRITABLE: [&str; 11] = [
    "id",
    "presence",
    "presence_sure",
    "price",
    "prices",
    "discount",
    "name",
    "keywords",
    "description",
    "status",
    "quantity_in_stock",
];
const PRESENCES: [&str; 4] = ["available", "not_available", "order", "waiting"];
const WRITABLE_STATUSES: [&str; 4] = ["on_display", "draft", "deleted", "not_on_display"];

pub(super) fn router(sb: Sandbox) -> Router {
    let api = Router::new()
        .route("/products/list", get(list_products))
        .route("/products/edit", post(edit_products))
        .route("/products/{id}", get(get_product))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sb.clone(), api_gate));
    let control = Router::new()
        .route(
            "/requests",
            get(control_requests).delete(control_clear_requests),
        )
        .route("/products", get(control_products).post(control_upsert))
        .route(
            "/rejections",
            post(control_reject).delete(control_clear_rejections),
        );
    Router::new()
        .nest("/api/v1", api)
        .nest("/__sandbox", control)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sb.clone(), record))
        .with_state(sb)
}

/// Records every request (the Prom API and unknown paths; not the control API).
async fn record(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/__sandbox") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    sb.lock().requests.push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_slice(&bytes).ok(),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Latency, then the bearer check: a wrong or missing token gets Prom's HTML 401.
async fn api_gate(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    if !sb.options.latency.is_zero() {
        tokio::time::sleep(sb.options.latency).await;
    }
    let expected = format!("Bearer {}", sb.options.token);
    let ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !ok {
        return (StatusCode::UNAUTHORIZED, Html(HTML_401)).into_response();
    }
    next.run(req).await
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(HTML_404)).into_response()
}

fn product_json(p: &SandboxProduct) -> Value {
    json!({
        "id": p.id,
        "external_id": p.external_id,
        "name": p.name,
        "name_multilang": {"uk": p.name, "ru": p.name},
        "sku": p.sku,
        "keywords": "",
        "description": "",
        "selling_type": "retail",
        "presence": p.presence,
        "presence_sure": true,
        "in_stock": p.quantity_in_stock.is_some_and(|q| q > 0),
        "quantity_in_stock": p.quantity_in_stock,
        "regions": [],
        "price": p.price,
        "minimum_order_quantity": null,
        "currency": p.currency,
        "discount": null,
        "prices": [],
        "group": {"id": 1, "name": "Root", "name_multilang": {"uk": "Root", "ru": "Root"}},
        "category": null,
        "main_image": null,
        "images": [],
        "status": p.status,
        "measure_unit": "шт.",
        "is_variation": false,
        "variation_base_id": null,
        "variation_group_id": null,
    })
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<String>,
    last_id: Option<String>,
}

async fn list_products(State(sb): State<Sandbox>, Query(q): Query<ListQuery>) -> Response {
    let parse = |v: &Option<String>| -> Result<Option<i64>, ()> {
        v.as_deref()
            .map(|s| s.parse::<i64>().map_err(|_| ()))
            .transpose()
    };
    let (Ok(limit), Ok(last_id)) = (parse(&q.limit), parse(&q.last_id)) else {
        return Json(json!({"error": "Invalid query parameters"})).into_response();
    };
    let limit = limit.map_or(sb.options.default_limit, |l| l.clamp(1, 100) as usize);
    let st = sb.lock();
    let products: Vec<Value> = st
        .products
        .values()
        .rev()
        .filter(|p| match (last_id, sb.options.last_id) {
            (None, _) => true,
            (Some(l), LastId::Exclusive) => p.id < l,
            (Some(l), LastId::Inclusive) => p.id <= l,
        })
        .take(limit)
        .map(product_json)
        .collect();
    Json(json!({"group_id": 1, "products": products})).into_response()
}

async fn get_product(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    let product = id
        .parse::<i64>()
        .ok()
        .and_then(|id| sb.lock().products.get(&id).cloned());
    match product {
        Some(p) => Json(json!({"product": product_json(&p)})).into_response(),
        None => not_found().await,
    }
}

async fn edit_products(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return Json(json!({"error": "Ожидается список товаров"})).into_response();
    };
    if items.len() > sb.options.max_batch {
        return Json(
            json!({"error": format!("Не более {} товаров за запрос", sb.options.max_batch)}),
        )
        .into_response();
    }
    let mut st = sb.lock();
    let mut processed = Vec::new();
    let mut errors: BTreeMap<String, Value> = BTreeMap::new();
    for item in items {
        let Some(obj) = item.as_object() else {
            continue;
        };
        let Some(id) = obj.get("id").and_then(Value::as_i64) else {
            let key = obj
                .get("id")
                .map_or_else(|| "null".to_string(), |v| v.to_string());
            errors.insert(key, json!({"id": "Обязательное поле"}));
            continue;
        };
        let mut field_errors = serde_json::Map::new();
        for (k, v) in obj {
            if !WRITABLE.contains(&k.as_str()) {
                field_errors.insert(k.clone(), json!(["Unknown field."]));
                continue;
            }
            let bad = match k.as_str() {
                "presence" => !v.as_str().is_some_and(|s| PRESENCES.contains(&s)),
                "status" => !v.as_str().is_some_and(|s| WRITABLE_STATUSES.contains(&s)),
                "quantity_in_stock" => !(v.is_null() || v.as_i64().is_some_and(|q| q >= 0)),
                "price" => !v.is_number(),
                _ => false,
            };
            if bad {
                field_errors.insert(k.clone(), json!(format!("Недопустимое значение: {v}")));
            }
        }
        if !st.products.contains_key(&id) {
            errors.insert(id.to_string(), json!({"id": "Продукт не найден"}));
            continue;
        }
        if let Some(msg) = st.rejections.get(&id) {
            field_errors.insert("quantity_in_stock".into(), json!(msg));
        }
        if !field_errors.is_empty() {
            errors.insert(id.to_string(), Value::Object(field_errors));
            continue;
        }
        let p = st.products.get_mut(&id).expect("checked above");
        if let Some(v) = obj.get("presence").and_then(Value::as_str) {
            p.presence = v.to_string();
        }
        if let Some(v) = obj.get("status").and_then(Value::as_str) {
            p.status = v.to_string();
        }
        if let Some(v) = obj.get("quantity_in_stock") {
            p.quantity_in_stock = v.as_i64();
        }
        if let Some(v) = obj.get("price").and_then(|v| v.to_string().parse().ok()) {
            p.price = v;
        }
        if let Some(v) = obj.get("name").and_then(Value::as_str) {
            p.name = v.to_string();
        }
        processed.push(id);
    }
    Json(json!({"processed_ids": processed, "errors": errors, "warnings": {}})).into_response()
}

async fn control_requests(State(sb): State<Sandbox>) -> Json<Vec<RecordedRequest>> {
    Json(sb.requests())
}

async fn control_clear_requests(State(sb): State<Sandbox>) -> StatusCode {
    sb.clear_requests();
    StatusCode::NO_CONTENT
}

async fn control_products(State(sb): State<Sandbox>) -> Json<Vec<SandboxProduct>> {
    Json(sb.products())
}

async fn control_upsert(
    State(sb): State<Sandbox>,
    Json(products): Json<Vec<SandboxProduct>>,
) -> StatusCode {
    sb.upsert_products(products);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Rejection {
    id: i64,
    message: String,
}

async fn control_reject(State(sb): State<Sandbox>, Json(r): Json<Vec<Rejection>>) -> StatusCode {
    for r in r {
        sb.reject(r.id, &r.message);
    }
    StatusCode::NO_CONTENT
}

async fn control_clear_rejections(State(sb): State<Sandbox>) -> StatusCode {
    sb.clear_rejections();
    StatusCode::NO_CONTENT
}
