//! `status` only reads: it creates neither the store nor its directories.

use crate::helpers::*;

#[test]
fn status_without_a_store_lists_the_jobs_as_never_run_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jobs.toml");
    std::fs::write(
        &config,
        r#"[store]
path = "not/yet/store"

[sync]
warehouses = ["main"]

[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/5 * * * *"
"#,
    )
    .unwrap();
    let out = cli(&config, &["status"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("stock") && l.contains("never")),
        "{stdout}"
    );
    let out = cli(&config, &["status", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["job"], "stock");
    assert!(v[0]["last_run"].is_null(), "{v}");
    assert!(
        !dir.path().join("not").exists(),
        "status created {}",
        dir.path().join("not").display()
    );
}
