//! Admin API routes of a product's wholesale tiers and discount:
//! `PUT /v1/prices/{sku}/tiers` (`{"tiers": [{"min_quantity": 10, "price": "95.50"}]}`,
//! an empty list clears) and `PUT /v1/prices/{sku}/discount` (`{"discount": {"value":
//! "10", "kind": "percent", "from": "2026-12-01", "until": "2026-12-31"}}`, null clears).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::put;
use axum::{Json, Router};

use super::routes::{ApiResult, App, office};
use crate::backoffice::{DiscountSet, Ledger, ProductView, TiersSet};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/prices/{sku}/tiers", put(set_tiers))
        .route("/prices/{sku}/discount", put(set_discount))
}

async fn set_tiers(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<TiersSet>,
) -> ApiResult<ProductView> {
    Ok(Json(office(&app, &headers).set_tiers(&sku, &req).await?))
}

async fn set_discount(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<DiscountSet>,
) -> ApiResult<ProductView> {
    Ok(Json(office(&app, &headers).set_discount(&sku, &req).await?))
}
