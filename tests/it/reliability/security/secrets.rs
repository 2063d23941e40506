//! The Prom token in no backup, metrics, status, run record or log.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use promua_sync::sandbox::{EchoAuthorization, Quirks, SandboxOptions};

use super::super::figure;
use crate::helpers::*;

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
