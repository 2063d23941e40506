//! Security as tests (issue 17, item 5). What other modules already assert is named
//! here, not repeated:
//! - the Prom token in no CLI or daemon output at trace level, no error, no dry run, no
//!   store file: `secrets::the_token_never_leaks`;
//! - a 100 MB body (announced or chunked) to the running daemon's CSV routes: 413 and
//!   the daemon's peak memory grows by < 64 MiB:
//!   `limits::a_100_mb_body_gets_413_and_the_daemon_peak_memory_stays_small`;
//! - bodies over the limits of a few routes get 413 and apply nothing, an announced one
//!   before it is read: `admin::bodies_over_the_limits_get_413_in_the_error_shape_and_apply_nothing`,
//!   `admin::an_announced_body_over_the_limit_is_refused_before_it_is_read`;
//! - `check-config` refuses `[admin] listen = "0.0.0.0:…"` unless `allow_non_loopback =
//!   true`: `admin::a_non_loopback_admin_address_needs_the_explicit_setting`;
//! - a new admin token file is created 0600: `admin::token` unit tests in src; a store
//!   backup is written 0600: `store_care::a_backup_through_the_running_daemon_restores_the_same_store`.
//!
//! Added here: every route of the router (read from its source, so that a new route
//! without a row in the table fails) refuses a missing or wrong token; every route that
//! takes a body refuses one over its limit; `run` refuses a non-loopback listen (from
//! the file or the environment) before it opens the store (and `localhost`, a name, with
//! exit 2 naming `admin.listen`); the daemon replaces an empty token file left open
//! to others; a 100 MB CSV given to the CLI with no daemon is refused in
//! little memory; the Prom token (whole, its start or its end) is in no backup (through
//! the daemon and offline) nor `store backup`'s output, no `/metrics`, `/health`,
//! `/v1/runs`, `/v1/journal`, no `status`, no `job run [--json]` through the daemon, no
//! trace log of a daemon that used it, even when Prom echoes the Authorization header
//! in a 500 page or a 200's `error` (the sandbox's `echo_authorization` quirk).

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};

use promua_sync::admin::BodyLimits;
use promua_sync::backoffice::BackOffice;
use promua_sync::store::{Actor, Store};
use tokio_util::sync::CancellationToken;

use super::figure;
use crate::helpers::*;

mod limits;
mod secrets;

/// Every route the admin API serves: (method, route as written in src/admin, a path to
/// call it on). A route added to the router without a row here fails
/// [`the_route_table_is_the_routers`].
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/health", "/health"),
    ("GET", "/metrics", "/metrics"),
    ("POST", "/v1/import/{kind}", "/v1/import/stock"),
    ("POST", "/v1/links/apply", "/v1/links/apply"),
    ("GET", "/v1/products", "/v1/products"),
    ("POST", "/v1/products", "/v1/products"),
    ("GET", "/v1/products/{sku}", "/v1/products/A-1"),
    ("PATCH", "/v1/products/{sku}", "/v1/products/A-1"),
    ("DELETE", "/v1/products/{sku}", "/v1/products/A-1"),
    ("PUT", "/v1/stock/{sku}", "/v1/stock/A-1"),
    ("POST", "/v1/stock/{sku}/adjust", "/v1/stock/A-1/adjust"),
    ("PUT", "/v1/prices/{sku}", "/v1/prices/A-1"),
    (
        "PUT",
        "/v1/products/{sku}/presence",
        "/v1/products/A-1/presence",
    ),
    ("PUT", "/v1/prices/{sku}/tiers", "/v1/prices/A-1/tiers"),
    (
        "PUT",
        "/v1/prices/{sku}/discount",
        "/v1/prices/A-1/discount",
    ),
    ("GET", "/v1/links", "/v1/links"),
    ("PUT", "/v1/links/{sku}", "/v1/links/A-1"),
    ("DELETE", "/v1/links/{sku}", "/v1/links/A-1"),
    ("GET", "/v1/journal", "/v1/journal"),
    ("GET", "/v1/runs", "/v1/runs"),
    ("GET", "/v1/runs/{job}", "/v1/runs/stock"),
    ("GET", "/v1/export/{kind}", "/v1/export/stock"),
    ("GET", "/v1/staged", "/v1/staged"),
    ("GET", "/v1/links/suggestions", "/v1/links/suggestions"),
    ("POST", "/v1/links/accept", "/v1/links/accept"),
    ("GET", "/v1/links/unlinked.csv", "/v1/links/unlinked.csv"),
    ("GET", "/v1/orders", "/v1/orders"),
    ("GET", "/v1/orders/{id}", "/v1/orders/1"),
    ("PUT", "/v1/orders/{id}/status", "/v1/orders/1/status"),
    ("GET", "/v1/order-statuses", "/v1/order-statuses"),
    (
        "PUT",
        "/v1/orders/{id}/lines/{line}",
        "/v1/orders/1/lines/1",
    ),
    ("GET", "/v1/export/orders", "/v1/export/orders"),
    ("POST", "/v1/store/backup", "/v1/store/backup"),
    ("GET", "/v1/store/check", "/v1/store/check"),
    ("POST", "/v1/store/repair", "/v1/store/repair"),
    ("POST", "/v1/jobs/{name}/run", "/v1/jobs/stock/run"),
];

/// Calls that answer without the token: only `/health` (and `/metrics` when `[admin]
/// metrics_public = true`, off here). Paths no route serves answer 401 or 404.
const OPEN: &[&str] = &["/health"];

/// Every route of the seller's console (src/console, served at `/`): (method, route,
/// path, what a request without a session gets, from the console's own origin and with
/// the admin token as a bearer, which opens only the JSON API). Only the login page
/// itself answers 200.
const CONSOLE_ROUTES: &[(&str, &str, &str, u16)] = &[
    ("GET", "/", "/", 303),
    ("GET", "/login", "/login", 200),
    // The token in the form is wrong here: 401, and no session.
    ("POST", "/login", "/login", 401),
    ("POST", "/logout", "/logout", 403),
    ("POST", "/jobs/{name}/run", "/jobs/stock/run", 403),
    ("GET", "/products", "/products", 303),
    ("POST", "/products/stock", "/products/stock", 403),
    ("POST", "/products/price", "/products/price", 403),
    ("GET", "/orders", "/orders", 303),
    ("GET", "/orders/{id}", "/orders/1", 303),
    ("POST", "/orders/{id}/status", "/orders/1/status", 403),
    (
        "POST",
        "/orders/{id}/lines/{line}",
        "/orders/1/lines/1",
        403,
    ),
    ("GET", "/runs", "/runs", 303),
    (
        "GET",
        "/runs/{job}/{started}",
        "/runs/stock/2026-11-29T08:00:00.000000Z",
        303,
    ),
    ("GET", "/links", "/links", 303),
    ("POST", "/links/link", "/links/link", 403),
    ("POST", "/links/accept", "/links/accept", 403),
    ("GET", "/links/unlinked.csv", "/links/unlinked.csv", 303),
    ("POST", "/links/apply", "/links/apply", 403),
];

/// The Rust files under `dir`, subdirectories too, in order.
fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The (method, route) pairs the router's source declares: every `.route("…", …)` of
/// src/admin, with the methods chained in it.
fn declared_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    // Every file under src/admin (subdirectories too), so that a route in a new file is
    // seen; only `metrics.rs` serves outside `/v1`.
    // The console's routes (src/console) are merged at the root.
    let mut files = rust_files(&repo_file("src/admin"));
    let console = rust_files(&repo_file("src/console"));
    files.extend(console.iter().cloned());
    for path in files {
        let prefix = if path.ends_with("metrics.rs") || console.contains(&path) {
            ""
        } else {
            "/v1"
        };
        let text = std::fs::read_to_string(&path).unwrap();
        // A router or service mounted under a prefix would serve routes this reading
        // does not see: only the known `/v1` nest is allowed.
        for mount in [
            ".nest(",
            ".nest_service(",
            ".route_service(",
            ".fallback_service(",
        ] {
            for (at, _) in text.match_indices(mount) {
                let call: String = text[at..].chars().take(40).collect();
                let known = call.starts_with(".nest(\"/v1\", v1)")
                    || call.starts_with(".fallback_service(routes)");
                assert!(
                    known,
                    "{}: `{call}…` mounts routes this table does not read: add them to ROUTES and read them here",
                    path.display()
                );
            }
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            // The route's text may start on the next line.
            rest = rest[at + ".route(".len()..].trim_start();
            rest = rest.strip_prefix('"').expect("a route as a string literal");
            let end = rest.find('"').unwrap();
            let route = &rest[..end];
            // The route's call: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let call_end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let call = &rest[end..call_end];
            for m in ["get", "post", "put", "patch", "delete"] {
                let found = call.match_indices(&format!("{m}(")).any(|(i, _)| {
                    i == 0
                        || !call[..i]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if found {
                    out.insert((m.to_uppercase(), format!("{prefix}{route}")));
                }
            }
        }
    }
    out
}

#[test]
fn the_route_table_is_the_routers() {
    let declared = declared_routes();
    assert!(declared.len() > 20, "the source was read: {declared:?}");
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, r, _)| (m.to_string(), r.to_string()))
        .chain(
            CONSOLE_ROUTES
                .iter()
                .map(|(m, r, _, _)| (m.to_string(), r.to_string())),
        )
        .collect();
    let untested: Vec<_> = declared.difference(&table).collect();
    let gone: Vec<_> = table.difference(&declared).collect();
    assert!(
        untested.is_empty() && gone.is_empty(),
        "routes without a row in security::ROUTES: {untested:?}; rows of routes no longer served: {gone:?}"
    );
}

/// An admin API on a fresh store with `limits`; returns its base URL (no trailing
/// slash), token and the guard that stops it.
async fn serve(
    limits: BodyLimits,
) -> (
    tempfile::TempDir,
    String,
    String,
    tokio_util::sync::DropGuard,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let office = BackOffice::new(
        store,
        Actor::Api,
        vec![(
            "stock".into(),
            "push_stock".into(),
            "*/5 * * * *".into(),
            "UTC".into(),
        )],
    )
    .with_warehouses(["main"]);
    let token = promua_sync::admin::token::load_or_create(&dir.path().join("admin-token")).unwrap();
    let listener = promua_sync::admin::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office,
        token.clone(),
        limits,
        stop.clone(),
    ));
    (dir, base, token, stop.drop_guard())
}

#[tokio::test]
async fn every_route_refuses_a_missing_or_wrong_token() {
    let (_dir, base, token, _stop) = serve(BodyLimits::default()).await;
    let http = reqwest::Client::new();
    let mut checked = 0;
    for (method, route, path) in ROUTES {
        let url = format!("{base}{path}");
        let m: reqwest::Method = method.parse().unwrap();
        let near = format!("{token}x");
        let wrong: [(&str, Option<String>); 5] = [
            ("no token", None),
            ("a wrong token", Some("Bearer not-the-token".into())),
            (
                "the token and one more character",
                Some(format!("Bearer {near}")),
            ),
            (
                "the token's first half",
                Some(format!("Bearer {}", &token[..token.len() / 2])),
            ),
            (
                "the token under another scheme",
                Some(format!("Basic {token}")),
            ),
        ];
        for (what, auth) in wrong {
            let mut req = http.request(m.clone(), &url);
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            if OPEN.contains(route) {
                assert!(
                    status == 200 || status == 503,
                    "{method} {path} with {what}: {status}"
                );
                continue;
            }
            assert_eq!(status, 401, "{method} {path} with {what}");
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["kind"], "unauthorized", "{method} {path}: {body}");
            checked += 1;
        }
        // The right token passes the check (whatever the call then answers).
        let right = http
            .request(m, &url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_ne!(right.status(), 401, "{method} {path} with the token");
    }
    // Paths no route serves answer 401 or 404 without the token, never data.
    for path in [
        "/v1",
        "/v1/",
        "/v1/console",
        "/console",
        "/v2/products",
        "/metrics/x",
    ] {
        for m in [reqwest::Method::GET, reqwest::Method::POST] {
            let status = http
                .request(m.clone(), format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .status();
            assert!(
                status == 401 || status == 404 || status == 405,
                "{m} {path} without the token: {status}"
            );
        }
    }
    // The console: no page but the login's, no action, without a session (a bearer
    // token is no session), even from its own origin with a CSRF-looking field.
    for (method, _, path, want) in CONSOLE_ROUTES {
        let m: reqwest::Method = method.parse().unwrap();
        let resp = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .request(m, format!("{base}{path}"))
            .bearer_auth(&token)
            .header("origin", &base)
            .header("cookie", "promua_console=forged")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("csrf=forged&token=not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), *want, "{method} {path} without a session");
        if *want == 303 {
            assert_eq!(resp.headers()["location"], "/login");
        }
        assert!(
            resp.headers().get("set-cookie").is_none(),
            "{method} {path}"
        );
    }
    figure(
        "security",
        "admin routes refusing no or a wrong token",
        ROUTES.len() - OPEN.len(),
    );
    figure("security", "unauthorized calls refused", checked);
}

#[tokio::test]
async fn every_route_that_takes_a_body_refuses_one_over_its_limit() {
    let limits = BodyLimits {
        csv_body_mb: 1,
        json_body_kb: 1,
    };
    let (_dir, base, token, _stop) = serve(limits).await;
    let http = reqwest::Client::new();
    let mut refused = 0;
    for (method, _, path) in ROUTES
        .iter()
        .filter(|(m, _, _)| ["POST", "PUT", "PATCH"].contains(m))
    {
        let csv = path.starts_with("/v1/import/") || *path == "/v1/links/apply";
        let limit = if csv { 1 << 20 } else { 1 << 10 };
        // A valid JSON string one byte over the limit, or as many CSV bytes.
        let body = format!("\"{}\"", "x".repeat(limit - 1));
        let resp = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(&token)
            .header(
                "content-type",
                if csv { "text/csv" } else { "application/json" },
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{method} {path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["kind"], "too_large", "{method} {path}: {body}");
        let key = if csv {
            "max_csv_body_mb"
        } else {
            "max_json_body_kb"
        };
        assert!(
            body["error"].as_str().unwrap().contains(key),
            "{method} {path}: {body}"
        );
        refused += 1;
    }
    figure(
        "security",
        "routes refusing a body over the limit (413)",
        refused,
    );
}
