//! The request log: every request but the control API's, with the status it got, for
//! tests (and `GET /__sandbox/requests`) to assert on.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::Sandbox;
use super::control::CONTROL_PREFIX;

/// A request the sandbox received, for tests to assert on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The `Authorization` header as received.
    pub authorization: Option<String>,
    /// The body, if it was JSON.
    pub body: Option<serde_json::Value>,
    /// The status the sandbox answered (0 for a dropped connection).
    pub status: u16,
    /// The fault the sandbox gave the call, if any (a call processed and then spoiled
    /// answers like any other: only this tells it was applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<super::ScriptedFault>,
}

/// Marks a response with the fault it got, for the request log.
#[derive(Clone, Copy)]
pub(super) struct Faulted(pub super::ScriptedFault);

/// Marks a response whose connection the sandbox cuts, for the request log.
#[derive(Clone, Copy)]
pub(super) struct Dropped;

/// Records every request but the control API's, with the status it got.
pub(super) async fn record(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with(CONTROL_PREFIX) {
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
        fault: None,
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    rec.fault = resp.extensions().get::<Faulted>().map(|f| f.0);
    rec.status = if resp.extensions().get::<Dropped>().is_some() {
        0
    } else {
        resp.status().as_u16()
    };
    sb.lock().requests.push(rec);
    resp
}
