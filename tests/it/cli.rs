//! The binary's job commands against the sandbox.

use promua_sync::sandbox::SandboxOptions;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_run_prints_its_report_and_status_shows_it() {
    let env = Env::new(5, SandboxOptions::default(), |i| i as i64).await;
    let path = env.write_config("*/5 * * * *", "");
    let out = tokio::task::spawn_blocking({
        let path = path.clone();
        move || {
            bin()
                .args(["job", "run", "stock", "--config"])
                .arg(&path)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("outcome:    ok") && stdout.contains("confirmed:  5"),
        "{stdout}"
    );
    assert_eq!(env.sandbox.edit_requests().len(), 1);

    let out = bin()
        .args(["status", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("stock") && l.contains(" ok ")),
        "{stdout}"
    );
    let out = bin()
        .args(["status", "--json", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["last_run"]["confirmed"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_run_with_failed_items_exits_1_and_unknown_job_exits_2() {
    let env = Env::new(4, SandboxOptions::default(), |_| 2).await;
    env.sandbox.reject(env.catalogue[1].id, "заблоковано");
    let path = env.write_config("*/5 * * * *", "");
    let out = tokio::task::spawn_blocking({
        let path = path.clone();
        move || {
            bin()
                .args(["job", "run", "stock", "--config"])
                .arg(&path)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("failed:     1") && stdout.contains("заблоковано"),
        "{stdout}"
    );

    let out = bin()
        .args(["job", "run", "nope", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no job named `nope`"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_plan_without_a_token_and_sends_nothing() {
    let env = Env::new(3, SandboxOptions::default(), |i| i as i64 - 1).await;
    let path = env.write_config("*/5 * * * *", "");
    patch_file(&path, "token_file = \"token\"\n", "");
    let generation = || std::fs::read_to_string(env.store_path().join("promua-sync.generation"));
    let before = generation().unwrap();
    let out = bin()
        .args(["job", "run", "stock", "--dry-run", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    // A dry run (like any command that only reads) flushes nothing.
    assert_eq!(generation().unwrap(), before);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    insta::assert_snapshot!(stdout, @r"
    push_stock plan: 3 linked products, 3 to send in 1 request(s)
    GUARDED: would set 2 of 3 linked products to zero stock (66.7%), more than max_zero_share_percent = 20; a real run would send nothing
    SKU              PROM ID  BEFORE                  AFTER                   WHY
    PRM-000001       5000001  -                       0 not_available         never confirmed by Prom.ua; stock 0 -> not_available (out_of_stock_presence)
    PRM-000002       5000003  -                       0 not_available         never confirmed by Prom.ua; stock 0 -> not_available (out_of_stock_presence)
    PRM-000003       5000006  -                       1 available             never confirmed by Prom.ua; stock 1 -> available
    ");
    assert!(env.sandbox.requests().is_empty());

    let out = bin()
        .args(["job", "run", "stock", "--dry-run", "--json", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["plan"]["changes"].as_array().unwrap().len(), 3);
    assert_eq!(v["record"]["outcome"], "dry_run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_gets_a_clear_message_while_the_store_is_held() {
    let env = Env::new(2, SandboxOptions::default(), |_| 1).await;
    let path = env.write_config("*/5 * * * *", "");
    let _held = promua_sync::store::Store::open(&env.store_path()).unwrap();
    let out = bin()
        .args(["status", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use by another process"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `--products` sizes the shop: 120 plain products and the 4 hard cases linked go out
/// in two edit batches of at most 100, then the read-back of 5 (the whole story is
/// `demo.rs`'s).
#[test]
fn demo_products_sizes_the_shop() {
    let out = bin().args(["demo", "--products", "120"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("124 linked products pushed: 124 sent in 7 request(s), 124 confirmed"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_command_serves_seeded_data_and_stops_on_sigterm() {
    use std::io::BufRead;
    let mut child = bin()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--products",
            "250",
            "--orders",
            "12",
            "--token",
            "rehearsal",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .trim()
        .strip_prefix("Prom.ua sandbox: base_url = \"")
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    let http = reqwest::Client::new();
    let page: serde_json::Value = http
        .get(format!("{base}/orders/list?limit=100"))
        .bearer_auth("rehearsal")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["orders"].as_array().unwrap().len(), 12);
    let denied = http
        .get(format!("{base}/groups/list"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    assert!(
        denied
            .text()
            .await
            .unwrap()
            .contains("401 Not Authenticated")
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn sandbox_help_documents_seeding_and_faults() {
    let out = bin().args(["sandbox", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Seeding:",
        "--products",
        "--orders",
        "--seed-file",
        "Faults:",
        "--server-errors",
        "--rate-limited",
        "--dropped",
        "--dropped-after-apply",
        "--revoked",
        "--latency-ms",
        "/__sandbox/faults/next",
    ] {
        assert!(help.contains(needle), "missing {needle}:\n{help}");
    }
}

#[test]
fn sandbox_fault_shares_adding_up_to_more_than_all_calls_are_refused() {
    let out = bin()
        .args(["sandbox", "--listen", "127.0.0.1:0", "--dropped", "0.6"])
        .args(["--dropped-after-apply", "0.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("add up to at most 1.0"), "{stderr}");
}
