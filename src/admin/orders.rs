//! Admin API routes of the Orders section: list, show, change the local status, link a
//! line by hand, and the shop's order statuses.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;

use super::routes::{ApiResult, App, office};
use crate::backoffice::Ledger;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/orders", get(list_orders))
        .route("/orders/{id}", get(show_order))
        .route("/orders/{id}/status", put(set_order_status))
        .route("/order-statuses", get(order_statuses))
        .route("/orders/{id}/lines/{line}", put(link_order_line))
}

#[derive(Deserialize)]
struct OrdersQuery {
    #[serde(default)]
    unlinked: bool,
}

async fn list_orders(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<OrdersQuery>,
) -> ApiResult<Vec<crate::backoffice::OrderView>> {
    Ok(Json(office(&app, &headers).list_orders(q.unlinked).await?))
}

async fn show_order(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<crate::backoffice::OrderView> {
    Ok(Json(office(&app, &headers).show_order(id).await?))
}

async fn set_order_status(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<crate::backoffice::OrderStatusSet>,
) -> ApiResult<crate::backoffice::OrderView> {
    let view = office(&app, &headers).set_order_status(id, &req).await?;
    // Logged here, in the daemon: the CLI prints its own line.
    for w in &view.warnings {
        tracing::warn!("order {id} set to `{}`: {w}", view.status);
    }
    Ok(Json(view))
}

async fn order_statuses(
    State(app): State<App>,
    headers: HeaderMap,
) -> ApiResult<crate::backoffice::OrderStatusesView> {
    Ok(Json(office(&app, &headers).order_statuses().await?))
}

async fn link_order_line(
    State(app): State<App>,
    headers: HeaderMap,
    Path((id, line)): Path<(i64, usize)>,
    Json(req): Json<crate::backoffice::OrderLineLink>,
) -> ApiResult<crate::backoffice::OrderLineLinked> {
    let done = office(&app, &headers)
        .link_order_line(id, line, &req)
        .await?;
    for w in &done.order.warnings {
        tracing::warn!("order {id} line {line} linked to {}: {w}", req.sku);
    }
    Ok(Json(done))
}
