//! The control API under `/__sandbox/...` (a prefix Prom.ua does not use): tests and a
//! person rehearsing a configuration read the request log, seed data, play a buyer
//! changing orders, refuse edits, inject faults, set the shop's order statuses and revoke the
//! token. No token needed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::faults::{FaultRates, Quirks, ScriptedFault};
use super::model::{OrderChange, SandboxOrder, SandboxProduct};
use super::{Catalogue, RecordedRequest, Sandbox, SandboxStatusOption};

/// Where the control API is mounted; its requests are not recorded.
pub(super) const CONTROL_PREFIX: &str = "/__sandbox";

/// The control routes, to be nested under [`CONTROL_PREFIX`].
pub(super) fn router() -> Router<Sandbox> {
    Router::new()
        .route("/requests", get(requests).delete(clear_requests))
        .route("/products", get(products).post(upsert_products))
        .route("/products/{id}", delete(delete_product))
        .route("/products/{id}/raw", post(raw_fields))
        .route("/catalogue", post(load))
        .route("/orders", get(orders).post(place_order))
        .route("/orders/{id}", patch(change_order))
        .route("/orders/{id}/raw", post(order_raw_fields))
        .route("/rejections", post(reject).delete(clear_rejections))
        .route("/faults", get(faults).put(set_faults))
        .route("/faults/next", post(script_faults))
        .route("/quirks", get(quirks).put(set_quirks))
        .route(
            "/order_status_options",
            get(status_options).put(set_status_options),
        )
        .route("/token", post(token))
}

async fn requests(State(sb): State<Sandbox>) -> Json<Vec<RecordedRequest>> {
    Json(sb.requests())
}

async fn clear_requests(State(sb): State<Sandbox>) -> StatusCode {
    sb.clear_requests();
    StatusCode::NO_CONTENT
}

async fn products(State(sb): State<Sandbox>) -> Json<Vec<SandboxProduct>> {
    Json(sb.products())
}

async fn upsert_products(
    State(sb): State<Sandbox>,
    Json(products): Json<Vec<SandboxProduct>>,
) -> StatusCode {
    sb.upsert_products(products);
    StatusCode::NO_CONTENT
}

async fn delete_product(State(sb): State<Sandbox>, Path(id): Path<i64>) -> StatusCode {
    match sb.delete_product(id) {
        Some(_) => StatusCode::NO_CONTENT,
        None => StatusCode::NOT_FOUND,
    }
}

async fn raw_fields(
    State(sb): State<Sandbox>,
    Path(id): Path<i64>,
    Json(fields): Json<serde_json::Map<String, serde_json::Value>>,
) -> StatusCode {
    sb.set_raw_fields(id, fields);
    StatusCode::NO_CONTENT
}

async fn load(State(sb): State<Sandbox>, Json(catalogue): Json<Catalogue>) -> StatusCode {
    sb.load(catalogue);
    StatusCode::NO_CONTENT
}

async fn orders(State(sb): State<Sandbox>) -> Json<Vec<SandboxOrder>> {
    Json(sb.orders())
}

async fn place_order(
    State(sb): State<Sandbox>,
    Json(order): Json<SandboxOrder>,
) -> Json<SandboxOrder> {
    Json(sb.place_order(order))
}

async fn change_order(
    State(sb): State<Sandbox>,
    Path(id): Path<i64>,
    Json(change): Json<OrderChange>,
) -> Response {
    match sb.change_order(id, change) {
        Some(o) => Json(o).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn order_raw_fields(
    State(sb): State<Sandbox>,
    Path(id): Path<i64>,
    Json(fields): Json<serde_json::Map<String, serde_json::Value>>,
) -> Response {
    match sb.set_order_raw_fields(id, fields) {
        Some(o) => Json(o).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct Rejection {
    id: i64,
    message: String,
}

async fn reject(State(sb): State<Sandbox>, Json(r): Json<Vec<Rejection>>) -> StatusCode {
    for r in r {
        sb.reject(r.id, &r.message);
    }
    StatusCode::NO_CONTENT
}

async fn clear_rejections(State(sb): State<Sandbox>) -> StatusCode {
    sb.clear_rejections();
    StatusCode::NO_CONTENT
}

async fn faults(State(sb): State<Sandbox>) -> Json<FaultRates> {
    Json(sb.lock().faults)
}

async fn set_faults(State(sb): State<Sandbox>, Json(rates): Json<FaultRates>) -> StatusCode {
    sb.set_faults(rates);
    StatusCode::NO_CONTENT
}

async fn script_faults(
    State(sb): State<Sandbox>,
    Json(faults): Json<Vec<ScriptedFault>>,
) -> StatusCode {
    sb.script_faults(faults);
    StatusCode::NO_CONTENT
}

async fn quirks(State(sb): State<Sandbox>) -> Json<Quirks> {
    Json(sb.quirks())
}

async fn set_quirks(State(sb): State<Sandbox>, Json(quirks): Json<Quirks>) -> StatusCode {
    sb.set_quirks(quirks);
    StatusCode::NO_CONTENT
}

async fn status_options(State(sb): State<Sandbox>) -> Json<Vec<SandboxStatusOption>> {
    Json(sb.status_options())
}

async fn set_status_options(
    State(sb): State<Sandbox>,
    Json(options): Json<Vec<SandboxStatusOption>>,
) -> StatusCode {
    sb.set_status_options(options);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenState {
    revoked: bool,
}

async fn token(State(sb): State<Sandbox>, Json(t): Json<TokenState>) -> StatusCode {
    sb.revoke_token(t.revoked);
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, SubsecRound, Utc};

    use super::*;
    use crate::sandbox::SandboxOptions;

    const BODY: &str = r#"{"client_first_name": "Олена", "client_last_name": "Коваленко",
        "phone": "+380671112233", "lines": [{"product_id": 7, "name": "Товар",
        "price": "399", "quantity": "2"}]"#;

    async fn place(sb: &Sandbox, dates: &str) -> SandboxOrder {
        let order: SandboxOrder = serde_json::from_str(&format!("{BODY}{dates}}}")).unwrap();
        place_order(State(sb.clone()), Json(order)).await.0
    }

    #[tokio::test]
    async fn a_placed_order_keeps_a_given_creation_date_and_is_never_modified_before_it() {
        let sb = Sandbox::new(SandboxOptions::default());
        let before = Utc::now();
        let month_ago = (before - Duration::days(30)).trunc_subsecs(6);
        let date = |d: chrono::DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();

        // No dates: created and modified now, as before.
        let now = place(&sb, "").await;
        assert!(now.date_created >= before && now.date_modified >= now.date_created);
        assert_eq!(sb.order(now.id).unwrap(), now);

        // Created 30 days ago, modified not given: modified now.
        let old = place(&sb, &format!(r#", "date_created": "{}""#, date(month_ago))).await;
        assert_eq!(old.date_created, month_ago);
        assert!(old.date_modified >= before, "{old:?}");
        assert_eq!(old.id, now.id + 1);

        // Both given: kept.
        let modified = month_ago + Duration::days(2);
        let both = place(
            &sb,
            &format!(
                r#", "date_created": "{}", "date_modified": "{}""#,
                date(month_ago),
                date(modified)
            ),
        )
        .await;
        assert_eq!(
            (both.date_created, both.date_modified),
            (month_ago, modified)
        );

        // Modified before created: moved up to the creation.
        let early = place(
            &sb,
            &format!(
                r#", "date_created": "{}", "date_modified": "{}""#,
                date(month_ago),
                date(month_ago - Duration::days(1))
            ),
        )
        .await;
        assert_eq!(early.date_modified, month_ago);
        assert_eq!(sb.order(early.id).unwrap(), early);
    }
}
