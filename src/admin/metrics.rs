//! Monitoring routes: `GET /health` (no token: 200 or 503 with the reasons) and `GET
//! /metrics` (Prometheus text; the token unless `[admin] metrics_public = true`).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::auth::auth;
use super::routes::{ApiError, App};

pub(super) fn routes(app: &App) -> Router<App> {
    let metrics = Router::new().route("/metrics", get(metrics));
    let metrics = if app.metrics_public {
        metrics
    } else {
        metrics.layer(middleware::from_fn_with_state(app.token.clone(), auth))
    };
    Router::new().route("/health", get(health)).merge(metrics)
}

async fn health(State(app): State<App>) -> Result<Response, ApiError> {
    let report = app.office.health_report().await?;
    let status = if report.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((status, axum::Json(report)).into_response())
}

async fn metrics(State(app): State<App>) -> Result<Response, ApiError> {
    let snap = app.office.snapshot().await?;
    let text = app.office.metrics().render(&snap);
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response())
}
