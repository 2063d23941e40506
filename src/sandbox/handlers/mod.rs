//! Prom.ua's paths under `/api/v1`: the router, the gate every call passes (latency, then
//! the bearer token), Prom's error pages and the query parameters the handlers share.
//! The handlers are in `products` (products and groups) and `orders`.

mod orders;
mod price_fields;
mod products;

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{LastId, Sandbox};

/// Where Prom.ua's API is mounted.
pub(super) const API_PREFIX: &str = "/api/v1";

/// The most items one page holds (prom-api.md section 2): a larger `limit` is clamped.
const MAX_LIMIT: i64 = 100;

const HTML_401: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>401 Not Authenticated</title>\n</head><body>\n<h1>Not Authenticated</h1>\n<p>This server could not verify that you\nare authorized to access the document\nrequested.</p>\n</body></html>\n";
const HTML_404: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n";

/// Prom.ua's routes, to be nested under [`API_PREFIX`], with the fault injection and the gate.
pub(super) fn router(sb: Sandbox) -> Router<Sandbox> {
    Router::new()
        .route("/products/list", get(products::list))
        .route("/products/edit", post(products::edit_by_id))
        .route(
            "/products/edit_by_external_id",
            post(products::edit_by_external_id),
        )
        .route(
            "/products/by_external_id/{id}",
            get(products::get_by_external_id),
        )
        .route("/products/{id}", get(products::get))
        .route("/groups/list", get(products::list_groups))
        .route("/orders/list", get(orders::list))
        .route("/orders/set_status", post(orders::set_status))
        .route("/orders/{id}", get(orders::get))
        .route("/order_status_options/list", get(orders::status_options))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            sb.clone(),
            super::faults::inject,
        ))
        .layer(middleware::from_fn_with_state(sb, api_gate))
}

/// The rate limit, latency, then the bearer check: a call above the rate gets 429 with
/// `Retry-After: 1`; a wrong, missing or revoked token gets Prom's HTML 401.
async fn api_gate(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    if sb.limiter.as_ref().is_some_and(|l| l.check().is_err()) {
        return super::faults::respond(super::ScriptedFault::RateLimited, 1);
    }
    let _counted = sb.in_flight.enter();
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

pub(super) async fn not_found() -> Response {
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
            .map_or(sb.options.default_limit, |l| l.clamp(1, MAX_LIMIT) as usize))
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

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};

    use crate::sandbox::{Sandbox, SandboxOptions};

    #[tokio::test]
    async fn calls_above_the_rate_limit_get_429_with_retry_after_and_pass_again_later() {
        let sb = Sandbox::new(SandboxOptions {
            token: "t".into(),
            rate_limit: 3,
            ..SandboxOptions::default()
        });
        let running = sb
            .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/products/list", running.base_url());
        let call = async || {
            let r = http.get(&url).bearer_auth("t").send().await.unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (r.status().as_u16(), retry)
        };
        let mut answers = Vec::new();
        for _ in 0..6 {
            answers.push(call().await);
        }
        // A burst of the limit passes; the rest are refused, as Prom.ua would.
        let ok = (200, None);
        let limited = (429, Some("1".to_string()));
        assert_eq!(answers[..3], [ok.clone(), ok.clone(), ok.clone()]);
        assert_eq!(answers[3..], [limited.clone(), limited.clone(), limited]);
        let logged: Vec<u16> = sb.requests().iter().map(|r| r.status).collect();
        assert_eq!(logged, [200, 200, 200, 429, 429, 429]);
        // The bucket refills at the rate: a call a second later passes.
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        assert_eq!(call().await, ok);
    }
}
