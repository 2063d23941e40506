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
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use promua_sync::admin::BodyLimits;
use promua_sync::backoffice::BackOffice;
use promua_sync::sandbox::{EchoAuthorization, Quirks, SandboxOptions};
use promua_sync::store::{Actor, Store};
use tokio_util::sync::CancellationToken;

use super::{figure, full};
use crate::helpers::*;

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

/// A config whose `[admin] listen` is `listen`; Prom.ua is never called.
fn listen_config(dir: &std::path::Path, listen: &str) -> std::path::PathBuf {
    let path = dir.join("jobs.toml");
    std::fs::write(
        &path,
        format!(
            "[prom]\nbase_url = \"http://127.0.0.1:9/api/v1\"\n[store]\npath = \"store\"\n[admin]\nlisten = \"{listen}\"\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn run_refuses_a_non_loopback_listen_without_its_switch_before_opening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut refused = 0;
    for (listen, env) in [
        ("0.0.0.0:{port}", None),
        ("[::]:{port}", None),
        ("192.168.1.10:{port}", None),
        // From the environment over a file that says loopback.
        ("127.0.0.1:{port}", Some("0.0.0.0:{port}")),
    ] {
        let port = free_port();
        let config = listen_config(dir.path(), &listen.replace("{port}", &port.to_string()));
        let mut cmd = bin();
        cmd.args(["run", "--config"])
            .arg(&config)
            .env("PROMUA_SYNC__PROM__TOKEN", "unused-never-called");
        if let Some(e) = env {
            cmd.env(
                "PROMUA_SYNC__ADMIN__LISTEN",
                e.replace("{port}", &port.to_string()),
            );
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{listen} {env:?}: {stderr}");
        assert!(
            stderr.contains("admin.listen") && stderr.contains("allow_non_loopback = true"),
            "{listen} {env:?}: {stderr}"
        );
        assert!(
            !dir.path().join("store").exists(),
            "the store was not even opened"
        );
        refused += 1;
    }
    // Loopback in any writing needs no switch.
    for listen in ["127.0.0.2:8731", "[::1]:8731", "localhost:8731"] {
        let config = listen_config(dir.path(), listen);
        let out = bin()
            .args(["check-config", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if listen.starts_with("localhost") {
            // A name is not an address: refused for that (exit 2, naming the key and
            // the form wanted), never resolved nor taken for loopback.
            assert_eq!(out.status.code(), Some(2), "{listen}: {stderr}");
            assert!(
                stderr.contains("admin.listen")
                    && stderr.contains("`localhost:8731` is not an address such as 127.0.0.1:8731"),
                "{listen}: {stderr}"
            );
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{listen}: {stderr}");
    }
    figure("security", "non-loopback listens refused by run", refused);
}

/// The peak resident memory of a finished child, from `wait4` (KiB on Linux).
fn wait_peak(child: std::process::Child) -> (i32, u64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into locals.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss as u64 * 1024)
}

/// Writes `bytes` of stock rows to `path` (a header, then one row repeated). In the
/// short run the file is sparse (the header, then a hole up to the size): it is refused
/// on its size, unread, and the disk is spared 100 MB per CI run.
fn big_csv(path: &std::path::Path, bytes: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(b"sku,warehouse,quantity\n").unwrap();
    if !full() {
        f.into_inner().unwrap().set_len(bytes as u64).unwrap();
        return;
    }
    let row = b"SKU-000001,main,12\n";
    let mut written = 23;
    while written < bytes {
        f.write_all(row).unwrap();
        written += row.len();
    }
    f.flush().unwrap();
}

#[test]
fn a_100_mb_csv_given_to_the_cli_is_refused_in_little_memory() {
    let dir = tempfile::tempdir().unwrap();
    let config = listen_config(dir.path(), "127.0.0.1:1");
    let file = dir.path().join("big.csv");
    big_csv(&file, 100 << 20);
    let small = dir.path().join("small.csv");
    std::fs::write(&small, "sku,warehouse,quantity\nSKU-000001,main,12\n").unwrap();
    let run = |config: &std::path::Path, file: &std::path::Path| {
        let mut child = bin()
            .args(["products", "import"])
            .arg(file)
            .args(["--kind", "stock", "--config"])
            .arg(config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read while it runs: a full pipe would block it.
        let mut err = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut err, &mut s).unwrap();
            s
        });
        let (code, peak) = wait_peak(child);
        (code, peak, reader.join().unwrap())
    };
    // The same command on a one-row file: what the process costs anyway.
    let (_, base, stderr) = run(&config, &small);
    assert!(
        stderr.contains("SKU-000001"),
        "the small file was read: {stderr}"
    );
    let (code, peak, stderr) = run(&config, &file);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("max_csv_body_mb") && stderr.contains("100.0 MB"),
        "{stderr}"
    );
    figure(
        "security",
        "CLI import of a one-row CSV: peak RSS MiB",
        base >> 20,
    );
    figure(
        "security",
        "CLI import of a 100 MB CSV: peak RSS MiB (refused)",
        peak >> 20,
    );
    // Refused on the file's size: none of it is read.
    assert!(
        peak < base + (8 << 20),
        "the refusal took {} MiB, a one-row import {} MiB",
        peak >> 20,
        base >> 20
    );
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert!(
        store.journal(None, 1).unwrap().is_empty(),
        "nothing applied"
    );
    drop(store);
    if full() {
        // With the limit raised the file is read whole: the figure says how much memory
        // that costs (its rows are all one SKU: refused once read, nothing applied).
        let raised = dir.path().join("raised.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &raised,
            text.replace("[admin]\n", "[admin]\nmax_csv_body_mb = 128\n"),
        )
        .unwrap();
        let started = Instant::now();
        let (code, peak, stderr) = run(&raised, &file);
        assert_ne!(code, 0, "{stderr}");
        figure(
            "security",
            "CLI import of a 100 MB CSV, limit raised: peak RSS MiB",
            peak >> 20,
        );
        // Not streamed: the file is held whole and its rows beside it (a few times the
        // file), which the default limit of 32 MB bounds. Beyond a GiB is a regression.
        assert!(peak < 1 << 30, "{} MiB", peak >> 20);
        figure(
            "security",
            "CLI import of a 100 MB CSV, limit raised: seconds",
            started.elapsed().as_secs(),
        );
    }
    std::fs::remove_file(&file).unwrap();
}

const SECRET: &str = "zz-PROM-SECRET-3b8e61f0c4d2";

/// The Prom token, used by a daemon at trace level that runs a job every second, shows
/// (whole, its first 8 or last 12 characters) in none of: `job run stock [--json]`
/// through the daemon while Prom echoes the Authorization header (a 500 page, a 200's
/// `error`), a backup through the daemon and one taken offline and their commands'
/// output, `/metrics`, `/health`, `/v1/runs`, `/v1/journal`, `status --json`, the
/// daemon's own log. The daemon also replaces an empty admin token file left open to
/// others with a 0600 one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prom_token_is_in_no_backup_metrics_status_or_log() {
    let env = Env::with_token(SECRET, 4, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = env.write_config("* * * * * *", "");
    // One retry: the echoing answers below fail a run quickly.
    patch_file(&config, "max_retries = 10", "max_retries = 1");
    let admin_token = env.dir.path().join("admin-token");
    std::fs::write(&admin_token, "").unwrap();
    std::fs::set_permissions(&admin_token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (child, port) = start_daemon_with(env.dir.path(), &config, |cmd| {
        cmd.env("RUST_LOG", "trace");
    })
    .await;
    let mode = std::fs::metadata(&admin_token)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the daemon's admin token file");
    let token = promua_sync::admin::token::read(&admin_token).unwrap();
    wait_for(
        "a push that used the token",
        Duration::from_secs(60),
        || !env.sandbox.edit_requests().is_empty(),
    )
    .await;
    assert!(
        env.sandbox.edit_requests()[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.ends_with(SECRET)),
        "the daemon did use the secret"
    );
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    // Prom (or a proxy before it) echoes the Authorization header in a 500 page and in
    // a 200's `error`: the runs fail with those texts, the token replaced.
    for form in [EchoAuthorization::ServerError, EchoAuthorization::ErrorKey] {
        env.sandbox.set_quirks(Quirks {
            echo_authorization: Some(form),
            ..Quirks::default()
        });
        for args in [
            &["job", "run", "stock", "--json"][..],
            &["job", "run", "stock"][..],
        ] {
            // A stock move, so that the run has something to push.
            let sku = env.catalogue[0].sku.clone().unwrap();
            let moved = cli_async(&config, &["stock", "adjust", &sku, "1"]).await;
            assert!(moved.status.success(), "{moved:?}");
            let out = cli_async(&config, args).await;
            let text = [out.stdout, out.stderr].concat();
            assert_ne!(out.status.code(), Some(0), "{form:?} {args:?}");
            assert!(
                String::from_utf8_lossy(&text).contains("[token]"),
                "{form:?} {args:?}: the echo reached the run's error: {}",
                String::from_utf8_lossy(&text)
            );
            outputs.push((format!("{args:?} through the daemon, {form:?}"), text));
        }
    }
    env.sandbox.set_quirks(Quirks::default());
    for path in [
        "/metrics",
        "/health",
        "/v1/runs",
        "/v1/runs/stock",
        "/v1/journal",
    ] {
        let resp = http
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success() || resp.status() == 503, "{path}");
        outputs.push((path.into(), resp.bytes().await.unwrap().to_vec()));
    }
    let status = cli_async(&config, &["status", "--json"]).await;
    outputs.push((
        "status --json".into(),
        [status.stdout, status.stderr].concat(),
    ));
    let online = env.dir.path().join("online.backup");
    let out = cli_async(&config, &["store", "backup", online.to_str().unwrap()]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.push((
        "backup through the daemon".into(),
        std::fs::read(&online).unwrap(),
    ));
    outputs.push((
        "store backup's output through the daemon".into(),
        [out.stdout, out.stderr].concat(),
    ));

    crate::helpers::stop_daemon(child).await;
    let log = std::fs::read(env.dir.path().join("daemon.log")).unwrap();
    assert!(
        String::from_utf8_lossy(&log).contains("TRACE"),
        "the log is at trace level"
    );
    outputs.push(("the daemon's trace log".into(), log));
    let offline = env.dir.path().join("offline.backup");
    let out = cli_async(&config, &["store", "backup", offline.to_str().unwrap()]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    outputs.push(("backup offline".into(), std::fs::read(&offline).unwrap()));
    outputs.push((
        "store backup's output offline".into(),
        [out.stdout, out.stderr].concat(),
    ));

    // The backups hold the store (its SKUs), only not the token.
    let sku = env.catalogue[0].sku.clone().unwrap();
    for (what, bytes) in &outputs {
        if what.starts_with("backup") {
            assert!(
                bytes.windows(sku.len()).any(|w| w == sku.as_bytes()),
                "{what} holds the store"
            );
        }
        // The whole token, its end, and its start (an excerpt cut inside it).
        for needle in [SECRET, &SECRET[SECRET.len() - 12..], &SECRET[..8]] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "the Prom token is in {what}"
            );
        }
    }
    figure(
        "security",
        "outputs without the Prom token (backups, job runs, metrics, status, journal, trace log)",
        outputs.len(),
    );
}
