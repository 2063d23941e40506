//! Admin API routes of store care while the daemon holds the store: a backup (the whole
//! file in the answer, for the CLI to write), the consistency check, and its repair.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::routes::{ApiError, ApiResult, App, office};
use crate::backoffice::Ledger;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/store/backup", post(backup))
        .route("/store/check", get(check))
        .route("/store/repair", post(repair))
}

async fn backup(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let bytes = office(&app, &headers).backup_store().await?;
    tracing::info!(
        "store backup taken through the admin API ({} bytes)",
        bytes.len()
    );
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

async fn check(State(app): State<App>, headers: HeaderMap) -> ApiResult<Vec<String>> {
    Ok(Json(office(&app, &headers).check_store().await?))
}

async fn repair(State(app): State<App>, headers: HeaderMap) -> ApiResult<Vec<String>> {
    let findings = office(&app, &headers).repair_store().await?;
    tracing::info!("the order search built again through the admin API");
    Ok(Json(findings))
}
