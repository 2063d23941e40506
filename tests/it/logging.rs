//! Log lines on a stderr that is not a terminal (a pipe, a file, a CI log) are plain text.

use crate::helpers::*;

#[test]
fn log_lines_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jobs.toml");
    // No token: `run` logs the configuration's warnings, then refuses to start.
    std::fs::write(
        &config,
        r#"[prom]
base_url = "http://127.0.0.1:9/api/v1"

[store]
path = "store"

[sync]
warehouses = ["main"]
update_balances = false

[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/5 * * * *"
"#,
    )
    .unwrap();
    // `output()` captures stderr through a pipe; NO_COLOR is removed so that only the
    // terminal check can keep the colours out.
    let out = bin()
        .env_remove("NO_COLOR")
        .args(["run", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            " WARN job `stock` (push_stock) will skip its runs: [sync] update_balances = false"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("\x1b["),
        "colour codes on a pipe: {stderr:?}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\x1b["));
}
