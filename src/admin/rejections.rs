//! The admin API's refusals in its own error shape, axum's included.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::limits::{is_html, is_json};
use crate::backoffice::BackofficeError;

/// axum's own refusals (a body that is not the JSON expected, a path id that is not a
/// number, a method the path does not take) come as plain text or nothing: answer them
/// in the API's error shape. A wrong method stays 405 (with `Allow`), naming the methods
/// the path takes; the others become `invalid` (422).
pub(super) async fn json_rejections(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    // The console's pages answer in HTML, refusals too; the API never does.
    let html = is_html(&resp) && !path.starts_with("/v1");
    if !status.is_client_error() || is_json(&resp) || html || status == StatusCode::UNAUTHORIZED {
        return resp;
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = resp.headers().get(header::ALLOW).cloned();
        let methods: Vec<String> = allow
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        let csv = path.starts_with("/v1/import/") || path == "/v1/links/apply";
        let error = if methods.is_empty() {
            format!("{method} is not allowed on {path}")
        } else {
            format!(
                "{method} is not allowed on {path}: use {}{}",
                methods.join(" or "),
                if csv {
                    ", with the CSV file as the body"
                } else {
                    ""
                }
            )
        };
        let mut out = (
            StatusCode::METHOD_NOT_ALLOWED,
            Json(json!({"kind": "method_not_allowed", "error": error})),
        )
            .into_response();
        if let Some(a) = allow {
            out.headers_mut().insert(header::ALLOW, a);
        }
        return out;
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let body = BackofficeError::TooLarge("the request body is too large".into()).body();
        return (status, Json(body)).into_response();
    }
    let text = axum::body::to_bytes(resp.into_body(), 64 << 10)
        .await
        .unwrap_or_default();
    let mut message = without_type_names(&String::from_utf8_lossy(&text).trim().replace(
        "Failed to deserialize the JSON body into the target type: ",
        "the JSON body: ",
    ));
    if message.is_empty() {
        message = format!("{method} {path}: the request was refused (HTTP {status})");
    }
    let body = BackofficeError::Invalid(message).body();
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// serde's message without our Rust type names, which mean nothing to a caller (found by
/// the admin API's fuzz): `expected struct NewProduct` is `expected a JSON object`.
fn without_type_names(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("expected struct ") {
        out.push_str(&rest[..at]);
        out.push_str("expected a JSON object");
        let after = &rest[at + "expected struct ".len()..];
        let name_end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        rest = &after[name_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_name_no_rust_type() {
        assert_eq!(
            super::without_type_names(
                "the JSON body: invalid type: integer `5`, expected struct NewProduct at line 1 column 1"
            ),
            "the JSON body: invalid type: integer `5`, expected a JSON object at line 1 column 1"
        );
        assert_eq!(
            super::without_type_names("expected struct X"),
            "expected a JSON object"
        );
        assert_eq!(
            super::without_type_names("missing field `sku`"),
            "missing field `sku`"
        );
    }
}
