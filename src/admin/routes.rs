//! Admin API routes: JSON in and out, errors as `{kind, error, rows?}` with a fitting status.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::json;

use super::auth::auth;
use super::limits::{Limit, body_limit};
use crate::backoffice::{
    BackOffice, BackofficeError, CsvKind, CsvOptions, Ledger, LinkRequest, PriceSet, ProductQuery,
    Shortfall, StockAdjust, StockMoved, StockSet,
};
use crate::store::{Actor, NewProduct, ProductUpdate};

/// The header a client sets to be journalled as itself (`cli`, `csv`) rather than `api`.
pub use crate::backoffice::ACTOR_HEADER;

#[derive(Clone)]
pub(super) struct App {
    pub(super) office: BackOffice,
    pub(super) token: std::sync::Arc<String>,
    /// `[admin] metrics_public`: `/metrics` without the token.
    pub(super) metrics_public: bool,
}

pub(super) struct ApiError(BackofficeError);

impl From<BackofficeError> for ApiError {
    fn from(e: BackofficeError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!("admin API: {}", self.0);
        }
        (status, Json(self.0.body())).into_response()
    }
}

pub(super) type ApiResult<T> = Result<Json<T>, ApiError>;

pub(super) fn router(office: BackOffice, token: String, serving: super::Serving) -> Router {
    let limits = serving.limits;
    let app = App {
        office,
        token: std::sync::Arc::new(token),
        metrics_public: serving.metrics_public,
    };
    let (csv_limit, json_limit) = (Limit::csv(&limits), Limit::json(&limits));
    // CSV files of many thousand rows come in one body: their own, larger limit.
    let csv = Router::new()
        .route("/import/{kind}", post(import))
        .route("/links/apply", post(apply_links))
        .layer(axum::extract::DefaultBodyLimit::max(
            csv_limit.bytes as usize,
        ))
        .layer(middleware::from_fn_with_state(csv_limit, body_limit));
    let json = Router::new()
        .route("/products", get(list_products).post(add_product))
        .route(
            "/products/{sku}",
            get(show_product)
                .patch(update_product)
                .delete(remove_product),
        )
        .route("/stock/{sku}", put(set_stock))
        .route("/stock/{sku}/adjust", post(adjust_stock))
        .route("/prices/{sku}", put(set_price))
        .route("/products/{sku}/presence", put(set_presence))
        .route("/links", get(links))
        .route("/links/{sku}", put(link).delete(unlink))
        .route("/journal", get(journal))
        .route("/runs", get(last_runs))
        .route("/runs/{job}", get(job_runs))
        .route("/export/{kind}", get(export))
        .route("/staged", get(staged))
        .route("/links/suggestions", get(suggest_links))
        .route("/links/accept", post(accept_links))
        .route("/links/unlinked.csv", get(export_unlinked))
        .merge(super::orders::routes())
        .merge(super::price_extras::routes())
        .merge(super::store::routes())
        .merge(super::jobs::routes())
        .layer(axum::extract::DefaultBodyLimit::max(
            json_limit.bytes as usize,
        ))
        .layer(middleware::from_fn_with_state(json_limit, body_limit));
    let v1 = csv
        .merge(json)
        .layer(middleware::from_fn_with_state(app.token.clone(), auth));
    let routes = Router::new()
        .merge(super::metrics::routes(&app))
        // The seller's console (src/console): pages behind a session of its own.
        .merge(crate::console::routes(
            app.office.clone(),
            app.token.clone(),
            csv_limit.bytes as usize,
        ))
        .nest("/v1", v1)
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"kind": "not_found", "error": "no such endpoint"})),
            )
        })
        .with_state(app);
    // Around the whole router, so that it sees axum's answers whole (a 405 gets its
    // `Allow` header only on the way out of the route).
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(super::rejections::json_rejections))
}

/// The ledger acting for whoever the caller says it is (an authenticated local client).
pub(super) fn office(app: &App, headers: &HeaderMap) -> BackOffice {
    let actor = match headers.get(ACTOR_HEADER).and_then(|v| v.to_str().ok()) {
        Some("cli") => Actor::Cli,
        Some("csv") => Actor::Csv,
        _ => Actor::Api,
    };
    app.office.acting_as(actor)
}

async fn list_products(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<ProductQuery>,
) -> ApiResult<crate::backoffice::ProductsPage> {
    Ok(Json(office(&app, &headers).list_products(&q).await?))
}

async fn add_product(
    State(app): State<App>,
    headers: HeaderMap,
    Json(p): Json<NewProduct>,
) -> Result<Response, ApiError> {
    let v = office(&app, &headers).add_product(&p).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn show_product(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
) -> ApiResult<crate::backoffice::ProductView> {
    Ok(Json(office(&app, &headers).show_product(&sku).await?))
}

async fn update_product(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(u): Json<ProductUpdate>,
) -> ApiResult<crate::backoffice::ProductView> {
    Ok(Json(office(&app, &headers).update_product(&sku, &u).await?))
}

#[derive(Deserialize)]
struct RemoveQuery {
    #[serde(default)]
    force: bool,
}

/// `DELETE /v1/products/{sku}[?force=true]`: 409 with the reason when refused.
async fn remove_product(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Query(q): Query<RemoveQuery>,
) -> ApiResult<crate::backoffice::ProductRemoved> {
    Ok(Json(
        office(&app, &headers).remove_product(&sku, q.force).await?,
    ))
}

/// Logs what a stock write left short, in the daemon's log (the caller gets it in the
/// answer's `warnings`).
fn log_shortfalls(warnings: &[Shortfall]) {
    for w in warnings {
        tracing::warn!("stock below reservations: {w}");
    }
}

async fn set_stock(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<StockSet>,
) -> ApiResult<Option<StockMoved>> {
    let moved = office(&app, &headers).set_stock(&sku, &req).await?;
    log_shortfalls(moved.as_ref().map_or(&[], |m| &m.warnings));
    Ok(Json(moved))
}

async fn adjust_stock(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<StockAdjust>,
) -> ApiResult<Option<StockMoved>> {
    let moved = office(&app, &headers).adjust_stock(&sku, &req).await?;
    log_shortfalls(moved.as_ref().map_or(&[], |m| &m.warnings));
    Ok(Json(moved))
}

async fn set_price(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<PriceSet>,
) -> ApiResult<crate::backoffice::ProductView> {
    Ok(Json(office(&app, &headers).set_price(&sku, &req).await?))
}

async fn set_presence(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<crate::backoffice::PresenceSet>,
) -> ApiResult<crate::backoffice::ProductView> {
    Ok(Json(office(&app, &headers).set_presence(&sku, &req).await?))
}

#[derive(Deserialize)]
struct LinksQuery {
    #[serde(default)]
    unlinked: bool,
}

async fn links(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<LinksQuery>,
) -> ApiResult<Vec<crate::backoffice::LinkView>> {
    Ok(Json(office(&app, &headers).links(q.unlinked).await?))
}

async fn link(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(req): Json<LinkRequest>,
) -> ApiResult<crate::backoffice::LinkView> {
    Ok(Json(office(&app, &headers).link(&sku, &req).await?))
}

async fn unlink(
    State(app): State<App>,
    headers: HeaderMap,
    Path(sku): Path<String>,
) -> ApiResult<crate::backoffice::LinkView> {
    Ok(Json(office(&app, &headers).unlink(&sku).await?))
}

#[derive(Deserialize)]
struct JournalQuery {
    sku: Option<String>,
    limit: Option<usize>,
}

async fn journal(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<JournalQuery>,
) -> ApiResult<Vec<crate::backoffice::StockMove>> {
    Ok(Json(
        office(&app, &headers)
            .journal(q.sku.as_deref(), q.limit.unwrap_or(100))
            .await?,
    ))
}

async fn last_runs(
    State(app): State<App>,
    headers: HeaderMap,
) -> ApiResult<Vec<crate::backoffice::JobStatus>> {
    Ok(Json(office(&app, &headers).last_runs().await?))
}

#[derive(Deserialize)]
struct RunsQuery {
    limit: Option<usize>,
}

async fn job_runs(
    State(app): State<App>,
    headers: HeaderMap,
    Path(job): Path<String>,
    Query(q): Query<RunsQuery>,
) -> ApiResult<Vec<crate::report::RunRecord>> {
    Ok(Json(
        office(&app, &headers)
            .job_runs(&job, q.limit.unwrap_or(20))
            .await?,
    ))
}

fn kind(text: &str) -> Result<CsvKind, ApiError> {
    match text {
        "products" => Ok(CsvKind::Products),
        "stock" => Ok(CsvKind::Stock),
        "prices" => Ok(CsvKind::Prices),
        other => Err(ApiError(BackofficeError::NotFound(format!(
            "no CSV kind `{other}` (products, stock, prices)"
        )))),
    }
}

/// Options in the query: `delimiter`, `warehouse`, `source`, and `column.FIELD=HEADER`.
async fn import(
    State(app): State<App>,
    headers: HeaderMap,
    Path(k): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> ApiResult<crate::backoffice::ImportReport> {
    let kind = kind(&k)?;
    let opts = CsvOptions {
        delimiter: q.get("delimiter").and_then(|d| d.chars().next()),
        columns: q
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("column.")?.to_string(), v.clone())))
            .collect(),
        warehouse: q.get("warehouse").cloned(),
        source: q.get("source").cloned(),
    };
    let report = office(&app, &headers)
        .acting_as(Actor::Csv)
        .import_csv(kind, &body, &opts)
        .await?;
    log_shortfalls(&report.warnings);
    Ok(Json(report))
}

async fn export(
    State(app): State<App>,
    headers: HeaderMap,
    Path(k): Path<String>,
) -> Result<Response, ApiError> {
    let text = office(&app, &headers).export_csv(kind(&k)?).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

#[derive(Deserialize)]
struct StagedQuery {
    #[serde(default)]
    unlinked: bool,
}

async fn staged(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<StagedQuery>,
) -> ApiResult<Vec<crate::backoffice::StagedView>> {
    Ok(Json(office(&app, &headers).staged(q.unlinked).await?))
}

#[derive(Deserialize)]
struct SuggestQuery {
    min_score: Option<f64>,
}

async fn suggest_links(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<SuggestQuery>,
) -> ApiResult<Vec<crate::backoffice::Suggestion>> {
    Ok(Json(
        office(&app, &headers)
            .suggest_links(q.min_score.unwrap_or(0.5))
            .await?,
    ))
}

async fn accept_links(
    State(app): State<App>,
    headers: HeaderMap,
    Json(req): Json<crate::backoffice::AcceptLinks>,
) -> ApiResult<Vec<crate::backoffice::LinkView>> {
    Ok(Json(office(&app, &headers).accept_links(&req).await?))
}

async fn export_unlinked(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let text = office(&app, &headers).export_unlinked().await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

async fn apply_links(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<crate::backoffice::ImportReport> {
    Ok(Json(office(&app, &headers).apply_links(&body).await?))
}
