//! `check-config`: the example passes; a bad file reports every error with its place.

use crate::helpers::*;

#[test]
fn the_example_jobs_toml_is_valid() {
    let out = bin()
        .args(["check-config", "--config"])
        .arg(repo_file("jobs.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("configuration is valid"), "{stdout}");
    assert!(stdout.contains("job stock"), "{stdout}");
}

/// The rendering without miette's line wrapping.
fn flat(s: &str) -> String {
    s.split('\n')
        .map(|l| l.trim_start().trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

const BAD: &str = r#"# a configuration with three mistakes
[prom]
base_url = "https://my.prom.ua/api/v1"
token_fiel = "/etc/promua-sync/prom-token"

[store]
path = "store"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 */2 * * mon-fry"

[[job]]
name = "orders"
kind = "pull_ordrs"
schedule = "*/5 * * * *"
"#;

#[test]
fn a_bad_file_reports_all_errors_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), BAD).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["check-config", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("bad.toml:4:1: prom.token_fiel: unknown key"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:12:12: job[0].schedule"),
        "{stderr}"
    );
    assert!(
        stderr.contains("field 5 (day of week) `mon-fry`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:16:8: job[1].kind: unknown job kind `pull_ordrs`"),
        "{stderr}"
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn every_subcommand_refuses_a_bad_file_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), BAD).unwrap();
    for args in [&["run"][..], &["job", "run", "stock"], &["status"]] {
        let out = bin()
            .current_dir(dir.path())
            .args(args)
            .args(["--config", "bad.toml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("3 errors"),
            "{args:?}"
        );
    }
}

#[test]
fn env_overrides_apply_and_are_named_when_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[store]\npath = \"store\"\n").unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("PROMUA_SYNC__STORE__PATH", "/srv/elsewhere")
        .env("PROMUA_SYNC__PROM__MAX_CONCURRENCY", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = flat(&String::from_utf8_lossy(&out.stderr));
    assert!(
        stderr.contains("prom.max_concurrency: must be between 1 and 64 (set by environment variable PROMUA_SYNC__PROM__MAX_CONCURRENCY)"),
        "{stderr}"
    );
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("PROMUA_SYNC__STORE__PATH", "/srv/elsewhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("store:      /srv/elsewhere"));
}

#[test]
fn a_token_written_in_jobs_toml_is_refused_unless_insisted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[prom]\ntoken = \"abc\"\n[store]\npath = \"s\"\n").unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("2:1: prom.token: the Prom.ua token must not be written in jobs.toml")
    );
    std::fs::write(
        &path,
        "[prom]\ntoken = \"abc\"\nallow_token_in_config = true\n[store]\npath = \"s\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("token:      from jobs.toml"));
}

#[test]
fn a_missing_file_and_a_syntax_error_are_clear() {
    let out = bin()
        .args(["check-config", "--config", "/nonexistent/jobs.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the configuration"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[store]\npath = \"s\n").unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jobs.toml:2:") && stderr.contains("not valid TOML"),
        "{stderr}"
    );
}

#[test]
fn an_all_digit_token_is_read_as_text_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[store]\npath = \"s\"\n").unwrap();
    let digits = "98765432109876543210123";
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("PROMUA_SYNC__PROM__TOKEN", digits)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("token:      from environment variable PROMUA_SYNC__PROM__TOKEN"),
        "{all}"
    );
    assert!(!all.contains("9876543210"), "{all}");
    // Written in the file (insisted on), as a number: still no type error that prints it.
    std::fs::write(
        &path,
        format!("[prom]\ntoken = {digits}\nallow_token_in_config = true\n[store]\npath = \"s\"\n"),
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("9876543210"), "{all}");
}

#[test]
fn error_snippets_never_show_a_token_written_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "[prom]\ntoken = \"tok-IN-FILE-51f0\"\nbogus = 1\n[store]\npath = \"s\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("must not be written in jobs.toml") && stderr.contains("prom.bogus"),
        "{stderr}"
    );
    assert!(!stderr.contains("IN-FILE-51f0"), "{stderr}");
}
