//! The admin API's bearer token check: every call but `/health` needs the token of
//! `[admin] token_file`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The scheme is case-insensitive (RFC 9110); spaces around the token are tolerated.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether `given` is `token`, in a time that tells nothing of the token but its length:
/// every byte of the token is compared whatever `given` holds (no early exit on a
/// difference, no length check first: a length that differs is one more difference), and
/// the differences are gathered through `black_box` so that the compiler cannot turn the
/// loop back into one that stops at the first. (`subtle`'s `ct_eq` would do the same; it
/// is in the dependency tree only through rustls, and no hash crate is a dependency of
/// our own to compare digests with.)
pub(crate) fn is_token(given: &[u8], token: &[u8]) -> bool {
    let mut diff = std::hint::black_box(given.len() ^ token.len());
    for (i, t) in token.iter().enumerate() {
        // A `given` shorter than the token has already differed in length.
        let g = given.get(i).copied().unwrap_or(0);
        diff |= usize::from(std::hint::black_box(g ^ t));
    }
    std::hint::black_box(diff) == 0
}

pub(super) async fn auth(State(token): State<Arc<String>>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    if !given.is_some_and(|g| is_token(g.as_bytes(), token.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"kind": "unauthorized", "error": "missing or wrong bearer token (see [admin] token_file)"})),
        )
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_itself_passes() {
        let token = b"0123456789abcdef";
        assert!(is_token(token, token));
        for other in [
            &b""[..],
            b"0123456789abcde",
            b"0123456789abcdef0",
            b"1123456789abcdef",
            b"0123456789abcdee",
            b"0123456789abcdef\0",
        ] {
            assert!(!is_token(other, token), "{other:?}");
        }
    }

    #[test]
    fn the_scheme_is_bearer_in_any_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("  bEaReR \t abc  "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
