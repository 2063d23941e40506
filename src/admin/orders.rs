//! Admin API routes of the Orders section: list and export (with the same filters),
//! show, change the local status, link a line by hand, and the shop's order statuses.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};

use super::routes::{ApiError, ApiResult, App, office};
use crate::backoffice::{Ledger, OrderQuery};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/orders", get(list_orders))
        .route("/orders/{id}", get(show_order))
        .route("/orders/{id}/status", put(set_order_status))
        .route("/order-statuses", get(order_statuses))
        .route("/orders/{id}/lines/{line}", put(link_order_line))
        // Beside `/export/{kind}` (products, stock, prices): the static path wins.
        .route("/export/orders", get(export_orders))
}

/// `?unlinked=true&status=pending,received&since=2025-03-01&search=067…&limit=50`.
async fn list_orders(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<OrderQuery>,
) -> ApiResult<Vec<crate::backoffice::OrderView>> {
    Ok(Json(office(&app, &headers).list_orders(&q).await?))
}

/// The orders a list with the same query gives, as CSV.
async fn export_orders(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<OrderQuery>,
) -> Result<Response, ApiError> {
    let text = office(&app, &headers).export_orders(&q).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
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
