//! Requests axum's extractors refuse before a page runs (a query or form that does not
//! read, a form over the limit, a wrong method, a body of the wrong type): answered as
//! every console page is, never axum's plain text. Without a session a GET goes to the
//! login page and anything else is refused (403), so a malformed address says nothing
//! without a login; with one, the refusal is a page in words, its status kept.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::{Console, LangQuery, Visit, forbidden, layout, to_login};

/// The most of a refusal's own text shown (axum's are a line).
const DETAIL_LIMIT: usize = 1024;

pub(super) async fn in_words(State(console): State<Console>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let resp = next.run(req).await;
    if !(resp.status().is_client_error() || resp.status().is_server_error()) || is_html(&resp) {
        return resp;
    }
    let visit = Visit::of(&console, &headers, &LangQuery::default());
    if visit.session.is_none() {
        return if read { to_login() } else { forbidden(&visit) };
    }
    let status = resp.status();
    let detail = to_bytes(resp.into_body(), DETAIL_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let t = visit.lang.text();
    let why = match status {
        StatusCode::METHOD_NOT_ALLOWED => t.wrong_method,
        StatusCode::PAYLOAD_TOO_LARGE => t.too_large,
        s if s.is_server_error() => t.server_fault,
        _ => t.not_understood,
    };
    let body = html! {
        p.error { (why) }
        @if !detail.is_empty() { p { small { (detail) } } }
        p { a href="/" { (t.overview) } }
    };
    (status, layout::page(&visit, t.console, body)).into_response()
}

fn is_html(resp: &Response<Body>) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// A number field of a page's query, read by hand (so that a bad one is answered after
/// the session check, in words): blank is none; anything but a whole number of 0 or
/// more is `Invalid`, naming the field.
pub(super) fn number<N: std::str::FromStr>(
    visit: &Visit,
    field: &str,
    text: Option<&str>,
) -> Result<Option<N>, crate::backoffice::BackofficeError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            let start: String = v.chars().take(24).collect();
            crate::backoffice::BackofficeError::Invalid(format!(
                "{field}: `{start}` {}",
                visit.lang.text().bad_number
            ))
        }),
    }
}
