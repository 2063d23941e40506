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
use axum::routing::{get, patch, post};
use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::faults::{FaultRates, ScriptedFault};
use super::model::{self, OrderChange, ROOT_GROUP_ID, SandboxGroup, SandboxOrder, SandboxProduct};
use super::{Catalogue, DefaultListing, LastId, RecordedRequest, Sandbox};

const HTML_401: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>401 Not Authenticated</title>\n</head><body>\n<h1>Not Authenticated</h1>\n<p>This server could not verify that you\nare authorized to access the document\nrequested.</p>\n</body></html>\n";
const HTML_404: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n";

/// Fields the edit calls accept.
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
/// What `orders/set_status` accepts (live, only these were).
const SETTABLE_ORDER_STATUSES: [&str; 4] = ["received", "delivered", "paid", "canceled"];
const CANCELLATION_REASONS: [&str; 8] = [
    "not_available",
    "price_changed",
    "buyers_request",
    "not_enough_fields",
    "duplicate",
    "invalid_phone_number",
    "less_than_minimal_price",
    "another",
];
const REASONS_NEEDING_TEXT: [&str; 3] = ["price_changed", "not_enough_fields", "another"];

/// Marks a response whose connection the sandbox cuts, for the request log.
#[derive(Clone, Copy)]
pub(super) struct Dropped;

pub(super) fn router(sb: Sandbox) -> Router {
    let api = Router::new()
        .route("/products/list", get(list_products))
        .route("/products/edit", post(edit_products))
        .route(
            "/products/edit_by_external_id",
            post(edit_products_by_external_id),
        )
        .route(
            "/products/by_external_id/{id}",
            get(get_product_by_external_id),
        )
        .route("/products/{id}", get(get_product))
        .route("/groups/list", get(list_groups))
        .route("/orders/list", get(list_orders))
        .route("/orders/set_status", post(set_order_status))
        .route("/orders/{id}", get(get_order))
        .route("/order_status_options/list", get(order_status_options))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            sb.clone(),
            super::faults::inject,
        ))
        .layer(middleware::from_fn_with_state(sb.clone(), api_gate));
    let control = Router::new()
        .route(
            "/requests",
            get(control_requests).delete(control_clear_requests),
        )
        .route(
            "/products",
            get(control_products).post(control_upsert_products),
        )
        .route("/catalogue", post(control_load))
        .route("/orders", get(control_orders).post(control_place_order))
        .route("/orders/{id}", patch(control_change_order))
        .route(
            "/rejections",
            post(control_reject).delete(control_clear_rejections),
        )
        .route("/faults", get(control_faults).put(control_set_faults))
        .route("/faults/next", post(control_script_faults))
        .route("/token", post(control_token));
    Router::new()
        .nest("/api/v1", api)
        .nest("/__sandbox", control)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sb.clone(), record))
        .with_state(sb)
}

/// Records every request but the control API's, with the status it got.
async fn record(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/__sandbox") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let mut rec = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        // Only the sandbox's own token is kept: a real one sent here by mistake is not.
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                if v == format!("Bearer {}", sb.options.token) {
                    v.to_string()
                } else {
                    "(redacted)".to_string()
                }
            }),
        body: serde_json::from_slice(&bytes).ok(),
        status: 0,
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    rec.status = if resp.extensions().get::<Dropped>().is_some() {
        0
    } else {
        resp.status().as_u16()
    };
    sb.lock().requests.push(rec);
    resp
}

/// Latency, then the bearer check: a wrong, missing or revoked token gets Prom's HTML 401.
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
    let ok = !sb.lock().revoked
        && headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == expected);
    if !ok {
        return (StatusCode::UNAUTHORIZED, Html(HTML_401)).into_response();
    }
    next.run(req).await
}

pub(super) fn not_found_page() -> Response {
    (StatusCode::NOT_FOUND, Html(HTML_404)).into_response()
}

async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Html("<html><head><title>405 Method Not Allowed</title></head><body><h1>Method Not Allowed</h1></body></html>"),
    )
        .into_response()
}

async fn not_found() -> Response {
    not_found_page()
}

fn error(message: &str) -> Response {
    Json(json!({ "error": message })).into_response()
}

/// Query values arrive as text; a bad number is a logical error (HTTP 200 + `error`).
#[derive(Deserialize)]
#[serde(transparent)]
struct Params(BTreeMap<String, String>);

/// A query parameter that is not a number; answered as Prom does, HTTP 200 + `error`.
struct BadParam(&'static str);

impl IntoResponse for BadParam {
    fn into_response(self) -> Response {
        error(&format!("Invalid value of {}", self.0))
    }
}

impl Params {
    fn int(&self, key: &'static str) -> Result<Option<i64>, BadParam> {
        self.0
            .get(key)
            .map(|v| v.parse::<i64>().map_err(|_| BadParam(key)))
            .transpose()
    }

    fn limit(&self, sb: &Sandbox) -> Result<usize, BadParam> {
        Ok(self
            .int("limit")?
            .map_or(sb.options.default_limit, |l| l.clamp(1, 100) as usize))
    }

    /// Prom's date filters take exactly `YYYY-MM-DDTHH:MM:SS` (UTC). Anything else
    /// silently matches nothing, as Prom's sister platform did with milliseconds or `Z`.
    fn date(&self, key: &str) -> Result<Option<DateTime<Utc>>, ()> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) if v.len() == 19 => NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S")
                .map(|t| Some(t.and_utc()))
                .map_err(|_| ()),
            Some(_) => Err(()),
        }
    }
}

fn below(id: i64, last_id: Option<i64>, mode: LastId) -> bool {
    match (last_id, mode) {
        (None, _) => true,
        (Some(l), LastId::Exclusive) => id < l,
        (Some(l), LastId::Inclusive) => id <= l,
    }
}

async fn list_products(State(sb): State<Sandbox>, Query(q): Query<Params>) -> Response {
    let (limit, last_id, group_id) = match (q.limit(&sb), q.int("last_id"), q.int("group_id")) {
        (Ok(l), Ok(i), Ok(g)) => (l, i, g),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return e.into_response(),
    };
    let st = sb.lock();
    if let Some(g) = group_id {
        if g != ROOT_GROUP_ID && g != 0 && !st.groups.contains_key(&g) {
            return error("Group not found");
        }
    }
    let products: Vec<Value> = st
        .products
        .values()
        .rev()
        .filter(|p| match (group_id, sb.options.default_listing) {
            // `group_id=0` is read as the root, as one client used it.
            (Some(0), _) => p.group_id == ROOT_GROUP_ID,
            (Some(g), _) => p.group_id == g,
            (None, DefaultListing::RootOnly) => p.group_id == ROOT_GROUP_ID,
            (None, DefaultListing::All) => true,
        })
        .filter(|p| below(p.id, last_id, sb.options.last_id))
        .take(limit)
        .map(|p| model::product_json(p, &group_name(&st.groups, p.group_id)))
        .collect();
    Json(json!({"group_id": group_id.unwrap_or(ROOT_GROUP_ID), "products": products}))
        .into_response()
}

fn group_name(groups: &BTreeMap<i64, SandboxGroup>, id: i64) -> String {
    groups
        .get(&id)
        .map_or_else(|| "Коренева група".to_string(), |g| g.name.clone())
}

async fn get_product(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    let st = sb.lock();
    match id.parse::<i64>().ok().and_then(|id| st.products.get(&id)) {
        Some(p) => {
            Json(json!({"product": model::product_json(p, &group_name(&st.groups, p.group_id))}))
                .into_response()
        }
        None => not_found_page(),
    }
}

async fn get_product_by_external_id(
    State(sb): State<Sandbox>,
    Path(ext): Path<String>,
) -> Response {
    let st = sb.lock();
    match st
        .products
        .values()
        .find(|p| p.external_id.as_deref() == Some(ext.as_str()))
    {
        Some(p) => {
            Json(json!({"product": model::product_json(p, &group_name(&st.groups, p.group_id))}))
                .into_response()
        }
        None => not_found_page(),
    }
}

async fn edit_products(State(sb): State<Sandbox>, body: Bytes) -> Response {
    edit(&sb, &body, false)
}

async fn edit_products_by_external_id(State(sb): State<Sandbox>, body: Bytes) -> Response {
    edit(&sb, &body, true)
}

/// Both edit calls: a bare array only; items processed one by one; success only in
/// `processed_ids` (ints, or external-id strings), failures in `errors` keyed by id text.
fn edit(sb: &Sandbox, body: &[u8], by_external_id: bool) -> Response {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else {
        return error("Ожидается список товаров");
    };
    if items.len() > sb.options.max_batch {
        return error(&format!(
            "Не більше {} товарів за запит",
            sb.options.max_batch
        ));
    }
    let mut st = sb.lock();
    let mut processed = Vec::new();
    let mut errors: BTreeMap<String, Value> = BTreeMap::new();
    for item in items {
        let Some(obj) = item.as_object() else {
            errors.insert(item.to_string(), json!({"id": "Ожидается объект товара"}));
            continue;
        };
        let key = match obj.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => "null".into(),
        };
        let target = if by_external_id {
            obj.get("id")
                .and_then(Value::as_str)
                .and_then(|ext| {
                    st.products
                        .values()
                        .find(|p| p.external_id.as_deref() == Some(ext))
                })
                .map(|p| p.id)
        } else {
            obj.get("id")
                .and_then(Value::as_i64)
                .filter(|id| st.products.contains_key(id))
        };
        let Some(id) = target else {
            errors.insert(key, json!({"id": "Продукт не найден"}));
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
                "price" => !v.as_f64().is_some_and(|p| p >= 0.0),
                "name" => !v
                    .as_str()
                    .is_some_and(|s| !s.is_empty() && s.chars().count() <= 110),
                _ => false,
            };
            if bad {
                field_errors.insert(k.clone(), json!(format!("Недопустиме значення: {v}")));
            }
        }
        if let Some(msg) = st.rejections.get(&id) {
            field_errors.insert("quantity_in_stock".into(), json!(msg));
        }
        if !field_errors.is_empty() {
            errors.insert(key, Value::Object(field_errors));
            continue;
        }
        let p = st.products.get_mut(&id).expect("found above");
        if let Some(v) = obj.get("presence").and_then(Value::as_str) {
            p.presence = v.to_string();
        }
        if let Some(v) = obj.get("status").and_then(Value::as_str) {
            p.status = v.to_string();
        }
        if let Some(v) = obj.get("quantity_in_stock") {
            p.quantity_in_stock = v.as_i64();
        }
        if let Some(v) = obj
            .get("price")
            .and_then(|v| v.to_string().parse::<Decimal>().ok())
        {
            p.price = v;
        }
        if let Some(v) = obj.get("name").and_then(Value::as_str) {
            p.name = v.to_string();
        }
        processed.push(if by_external_id {
            json!(key)
        } else {
            json!(id)
        });
    }
    Json(json!({"processed_ids": processed, "errors": errors, "warnings": {}})).into_response()
}

async fn list_groups(State(sb): State<Sandbox>, Query(q): Query<Params>) -> Response {
    let (limit, last_id) = match (q.limit(&sb), q.int("last_id")) {
        (Ok(l), Ok(i)) => (l, i),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let st = sb.lock();
    let groups: Vec<Value> = st
        .groups
        .values()
        .rev()
        .filter(|g| below(g.id, last_id, sb.options.last_id))
        .take(limit)
        .map(model::group_json)
        .collect();
    Json(json!({ "groups": groups })).into_response()
}

async fn list_orders(State(sb): State<Sandbox>, Query(q): Query<Params>) -> Response {
    let (limit, last_id) = match (q.limit(&sb), q.int("last_id")) {
        (Ok(l), Ok(i)) => (l, i),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let dates = [
        "date_from",
        "date_to",
        "last_modified_from",
        "last_modified_to",
    ]
    .map(|k| q.date(k));
    if dates.iter().any(Result::is_err) {
        return Json(json!({"orders": []})).into_response();
    }
    let [date_from, date_to, modified_from, modified_to] = dates.map(|d| d.unwrap_or(None));
    let ascending = q.0.get("sort_dir").is_some_and(|d| d == "asc");
    let status = q.0.get("status").cloned();
    let st = sb.lock();
    let matches = |o: &&SandboxOrder| {
        status.as_ref().is_none_or(|s| &o.status == s)
            && date_from.is_none_or(|t| o.date_created >= t)
            && date_to.is_none_or(|t| o.date_created <= t)
            && modified_from.is_none_or(|t| o.date_modified >= t)
            && modified_to.is_none_or(|t| o.date_modified <= t)
    };
    let orders: Vec<Value> = if ascending {
        st.orders
            .values()
            .filter(matches)
            .filter(|o| {
                last_id.is_none_or(|l| {
                    if sb.options.last_id == LastId::Inclusive {
                        o.id >= l
                    } else {
                        o.id > l
                    }
                })
            })
            .take(limit)
            .map(model::order_json)
            .collect()
    } else {
        st.orders
            .values()
            .rev()
            .filter(matches)
            .filter(|o| below(o.id, last_id, sb.options.last_id))
            .take(limit)
            .map(model::order_json)
            .collect()
    };
    Json(json!({ "orders": orders })).into_response()
}

async fn get_order(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    let st = sb.lock();
    match id.parse::<i64>().ok().and_then(|id| st.orders.get(&id)) {
        Some(o) => Json(json!({"order": model::order_json(o)})).into_response(),
        None => not_found_page(),
    }
}

/// Accepts only what live Prom accepted; refused ids are left out of `processed_ids`,
/// still with HTTP 200.
async fn set_order_status(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return error("Invalid request body");
    };
    let status = req
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let reason = req.get("cancellation_reason").and_then(Value::as_str);
    let text = req
        .get("cancellation_text")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty());
    let ids: Vec<i64> = req
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let refusal = if !SETTABLE_ORDER_STATUSES.contains(&status.as_str()) {
        Some(format!("Статус {status} не може бути встановлено"))
    } else if status == "canceled" {
        match reason {
            None => Some("Не вказано причину скасування".to_string()),
            Some(r) if !CANCELLATION_REASONS.contains(&r) => Some(format!("Невідома причина {r}")),
            Some(r) if REASONS_NEEDING_TEXT.contains(&r) && text.is_none() => {
                Some("Потрібен текст причини скасування".to_string())
            }
            _ => None,
        }
    } else {
        None
    };
    if let Some(message) = refusal {
        return Json(json!({"processed_ids": [], "warning_message": message})).into_response();
    }
    let mut st = sb.lock();
    let now = Utc::now();
    let mut processed = Vec::new();
    for id in ids {
        if let Some(o) = st.orders.get_mut(&id) {
            o.status = status.clone();
            o.cancellation_reason = if status == "canceled" {
                reason.map(str::to_string)
            } else {
                None
            };
            o.date_modified = now;
            processed.push(id);
        }
    }
    Json(json!({ "processed_ids": processed })).into_response()
}

async fn order_status_options() -> Response {
    let options: Vec<Value> = [
        (0, "pending"),
        (1, "received"),
        (3, "delivered"),
        (4, "canceled"),
        (6, "paid"),
    ]
    .iter()
    .map(|(id, name)| json!({"id": id, "name": name, "title": model::status_title(name)}))
    .chain(std::iter::once(
        json!({"id": 1001, "name": "custom_1001", "title": "Чекає на передоплату"}),
    ))
    .collect();
    Json(json!({ "order_status_options": options })).into_response()
}

// ---- control API ----

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

async fn control_upsert_products(
    State(sb): State<Sandbox>,
    Json(products): Json<Vec<SandboxProduct>>,
) -> StatusCode {
    sb.upsert_products(products);
    StatusCode::NO_CONTENT
}

async fn control_load(State(sb): State<Sandbox>, Json(catalogue): Json<Catalogue>) -> StatusCode {
    sb.load(catalogue);
    StatusCode::NO_CONTENT
}

async fn control_orders(State(sb): State<Sandbox>) -> Json<Vec<SandboxOrder>> {
    Json(sb.orders())
}

async fn control_place_order(
    State(sb): State<Sandbox>,
    Json(order): Json<SandboxOrder>,
) -> Json<SandboxOrder> {
    Json(sb.place_order(order))
}

async fn control_change_order(
    State(sb): State<Sandbox>,
    Path(id): Path<i64>,
    Json(change): Json<OrderChange>,
) -> Response {
    match sb.change_order(id, change) {
        Some(o) => Json(o).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
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

async fn control_faults(State(sb): State<Sandbox>) -> Json<FaultRates> {
    Json(sb.lock().faults)
}

async fn control_set_faults(
    State(sb): State<Sandbox>,
    Json(rates): Json<FaultRates>,
) -> StatusCode {
    sb.set_faults(rates);
    StatusCode::NO_CONTENT
}

async fn control_script_faults(
    State(sb): State<Sandbox>,
    Json(faults): Json<Vec<ScriptedFault>>,
) -> StatusCode {
    sb.script_faults(faults);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenState {
    revoked: bool,
}

async fn control_token(State(sb): State<Sandbox>, Json(t): Json<TokenState>) -> StatusCode {
    sb.revoke_token(t.revoked);
    StatusCode::NO_CONTENT
}
