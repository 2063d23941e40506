//! What every console request is checked against: the session cookie, the CSRF token of
//! a form, and (on POST) that the request comes from the console's own pages.

use axum::http::{HeaderMap, header};

pub const SESSION_COOKIE: &str = "promua_console";
pub const LANG_COOKIE: &str = "lang";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether a POST comes from a page of this console: its `Origin` (or, without one, its
/// `Referer`) names the host the request was sent to. A POST with neither is refused:
/// browsers send `Origin` with every form POST, so only a non-browser client lacks it,
/// and that client has the JSON API.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ours = |url: &str| {
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"));
        rest.is_some_and(|r| {
            let authority = r.split(['/', '?', '#']).next().unwrap_or("");
            authority.eq_ignore_ascii_case(host)
        })
    };
    let get = |h| headers.get(h).and_then(|v| v.to_str().ok());
    match (get(header::ORIGIN), get(header::REFERER)) {
        (Some(origin), _) if origin != "null" => ours(origin),
        (_, Some(referer)) => ours(referer),
        _ => false,
    }
}

/// `Set-Cookie` for a new session: never readable by scripts, never sent cross-site.
pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        super::session::SESSION_TTL.as_secs()
    )
}

/// `Set-Cookie` that ends the session in the browser too.
pub fn cleared_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn only_the_consoles_own_origin_passes() {
        let host = ("host", "127.0.0.1:8731");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:8731")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "http://127.0.0.1:8731/")
        ])));
        for bad in [
            ("origin", "http://evil.example"),
            ("origin", "http://127.0.0.1:8731.evil.example"),
            ("origin", "null"),
            ("referer", "http://evil.example/http://127.0.0.1:8731/"),
        ] {
            assert!(!same_origin(&headers(&[host, bad])), "{bad:?}");
        }
        assert!(!same_origin(&headers(&[host])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://127.0.0.1:8731"
        )])));
    }

    #[test]
    fn cookies_are_read_by_name() {
        let h = headers(&[("cookie", "a=1; promua_console=abc; lang=en")]);
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
