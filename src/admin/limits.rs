//! Request body limits of the admin API: a generous one for CSV files, a small one for
//! JSON, each answered with 413 in the API's error shape.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::backoffice::BackofficeError;

/// The largest request bodies the admin API reads (`[admin] max_csv_body_mb`,
/// `max_json_body_kb`). A body announced larger is refused before it is read; one that
/// turns out larger is refused once the limit is reached. Either way: 413, `too_large`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// CSV bodies: `POST /v1/import/{kind}`, `POST /v1/links/apply`.
    pub csv_body_mb: u64,
    /// Every other call.
    pub json_body_kb: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            csv_body_mb: 32,
            json_body_kb: 1024,
        }
    }
}

impl BodyLimits {
    pub fn of(admin: &crate::config::AdminConfig) -> Self {
        Self {
            csv_body_mb: admin.max_csv_body_mb,
            json_body_kb: admin.max_json_body_kb,
        }
    }
}

/// The body limit of a group of routes, and the key that sets it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limit {
    pub(super) bytes: u64,
    amount: u64,
    unit: &'static str,
    key: &'static str,
}

impl Limit {
    pub(super) fn csv(limits: &BodyLimits) -> Self {
        Self {
            bytes: limits.csv_body_mb << 20,
            amount: limits.csv_body_mb,
            unit: "MB",
            key: "max_csv_body_mb",
        }
    }

    pub(super) fn json(limits: &BodyLimits) -> Self {
        Self {
            bytes: limits.json_body_kb << 10,
            amount: limits.json_body_kb,
            unit: "KB",
            key: "max_json_body_kb",
        }
    }

    /// 413 in the API's error shape; the connection closes (the rest of the body is not
    /// read).
    fn refuse(&self, announced: Option<u64>) -> Response {
        let size = match announced {
            Some(n) if self.unit == "MB" => format!("of {:.1} MB ", n as f64 / (1u64 << 20) as f64),
            Some(n) => format!("of {:.1} KB ", n as f64 / 1024.0),
            None => String::new(),
        };
        let message = format!(
            "the request body {size}is too large: the limit is {} {} ([admin] {}){}",
            self.amount,
            self.unit,
            self.key,
            if self.key == "max_csv_body_mb" {
                "; split the file, or raise the limit and restart the daemon"
            } else {
                ""
            }
        );
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONNECTION, "close")],
            Json(BackofficeError::TooLarge(message).body()),
        )
            .into_response()
    }
}

/// Refuses a body announced (Content-Length) over the limit before reading any of it;
/// one that grows over it (chunked) is cut by `DefaultBodyLimit` and answered here.
pub(super) async fn body_limit(State(limit): State<Limit>, req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = announced.filter(|n| *n > limit.bytes) {
        return limit.refuse(Some(n));
    }
    let resp = next.run(req).await;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&resp) {
        return limit.refuse(None);
    }
    resp
}

pub(super) fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// A console page (src/console), which answers its refusals in HTML itself.
pub(super) fn is_html(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}
