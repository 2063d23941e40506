//! A distinctive token never shows in logs, errors, dry-run output or the store.

use std::time::Duration;

use promua_sync::sandbox::SandboxOptions;

use crate::helpers::*;

const SECRET: &str = "zz-SECRET-7c91e4b2d0a5";

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn run(path: &std::path::Path, args: &[&str], env_token: Option<&str>) -> String {
    let mut cmd = bin();
    cmd.args(args)
        .arg("--config")
        .arg(path)
        .env("RUST_LOG", "trace");
    if let Some(t) = env_token {
        cmd.env("PROMUA_SYNC__PROM__TOKEN", t);
    }
    let out = cmd.output().unwrap();
    format!(
        "{args:?}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The daemon at trace level until the sandbox has seen it call; returns its output.
async fn daemon(
    sandbox: &promua_sync::sandbox::Sandbox,
    path: &std::path::Path,
    env_token: Option<&str>,
) -> String {
    let before = sandbox.requests().len();
    let mut cmd = bin();
    cmd.args(["run", "--config"])
        .arg(path)
        .env("RUST_LOG", "trace");
    if let Some(t) = env_token {
        cmd.env("PROMUA_SYNC__PROM__TOKEN", t);
    }
    // To a file, not a pipe: nobody reads a pipe while we wait, and a full one blocks.
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = cmd
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    // Trace-level logging makes start-up slow: wait for the daemon's first call.
    wait_for(
        "the daemon's first request",
        Duration::from_secs(60),
        || sandbox.requests().len() > before,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let out = std::fs::read_to_string(log.path()).unwrap();
    assert_eq!(status.code(), Some(0), "{out}");
    out
}

fn assert_not_in_store(dir: &std::path::Path) {
    let files: Vec<_> = files_under(dir)
        .into_iter()
        .filter(|f| !f.ends_with("token"))
        .collect();
    assert!(
        files.iter().any(|f| f.starts_with(dir.join("store"))),
        "the store was scanned"
    );
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        // The whole token or its start (what an excerpt cut inside it would keep).
        for needle in [SECRET, &SECRET[..9]] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} is in {}",
                file.display()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_leaks() {
    let mut outputs = Vec::new();

    // 1. The secret is the wrong token (from the environment): every call gets a 401.
    let bad = Env::new(8, SandboxOptions::default(), |i| i as i64).await;
    let bad_path = bad.write_config_any_admin_port("* * * * * *", "");
    tokio::task::block_in_place(|| {
        for args in [
            &["check-config"][..],
            &["check-config", "--online"],
            &["job", "run", "stock", "--dry-run"],
            &["job", "run", "stock", "--dry-run", "--json"],
            &["job", "run", "stock"],
            &["job", "run", "stock", "--json"],
            &["status", "--json"],
        ] {
            outputs.push(run(&bad_path, args, Some(SECRET)));
        }
    });
    let log = daemon(&bad.sandbox, &bad_path, Some(SECRET)).await;
    assert!(
        log.contains("invalid or expired"),
        "the 401 is reported: {log}"
    );
    outputs.push(log);
    assert!(
        outputs
            .iter()
            .any(|o| o.contains("check-config\", \"--online") && o.contains("invalid or expired"))
    );

    // 2. The secret is the right token (from the token file): requests succeed and
    //    carry it, with an item rejected so that errors are printed too.
    let good = Env::with_token(SECRET, 8, SandboxOptions::default(), |i| i as i64).await;
    good.sandbox.reject(good.catalogue[2].id, "відхилено");
    let good_path = good.write_config_any_admin_port("* * * * * *", "");
    tokio::task::block_in_place(|| {
        outputs.push(run(&good_path, &["check-config", "--online"], None));
        outputs.push(run(&good_path, &["job", "run", "stock"], None));
        outputs.push(run(&good_path, &["job", "run", "stock", "--dry-run"], None));
    });
    outputs.push(daemon(&good.sandbox, &good_path, None).await);
    let sent = good.sandbox.edit_requests();
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {SECRET}")[..]))
    );
    assert!(
        outputs.iter().any(|o| o.contains("відхилено")),
        "errors were printed"
    );

    for out in &outputs {
        assert!(!out.contains(SECRET), "the token leaked:\n{out}");
        assert!(
            !out.contains("7c91e4b2d0a5") && !out.contains(&SECRET[..9]),
            "part of the token leaked:\n{out}"
        );
    }
    assert_not_in_store(bad.dir.path());
    assert_not_in_store(good.dir.path());
}
