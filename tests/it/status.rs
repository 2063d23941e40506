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
    assert_eq!(v[0]["name"], "stock", "DESIGN section 6 names it `name`");
    assert!(v[0].get("job").is_none());
    assert!(v[0]["last_run"].is_null(), "{v}");
    assert!(
        !dir.path().join("not").exists(),
        "status created {}",
        dir.path().join("not").display()
    );
}

/// `status --json` gives the next run at the job's zone offset; `status` and
/// `check-config` show it in the zone and in UTC.
#[test]
fn next_runs_show_in_the_jobs_zone_and_in_utc() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jobs.toml");
    std::fs::write(
        &config,
        r#"[store]
path = "store"

[sync]
warehouses = ["main"]

[daemon]
timezone = "Europe/Kyiv"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "30 3 * * *"

[[job]]
name = "nightly"
kind = "verify"
schedule = "0 4 * * *"
timezone = "UTC"
"#,
    )
    .unwrap();
    let out = cli(&config, &["status", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["timezone"], "Europe/Kyiv");
    let next = v[0]["next_run"].as_str().unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(next).unwrap();
    assert!(t.to_rfc3339().contains("T03:30:00+0"), "{next}");
    assert!(
        [2 * 3600, 3 * 3600].contains(&t.offset().local_minus_utc()),
        "{next}"
    );
    let n = v[1]["next_run"].as_str().unwrap();
    assert!(n.ends_with("T04:00:00Z"), "{n}");

    let out = cli(&config, &["status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rfind(|l| l.starts_with("stock")).unwrap();
    assert!(
        line.contains(" 03:30:00 EE") && line.contains(":30:00 UTC)"),
        "{text}"
    );

    let out = cli(&config, &["check-config"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("job stock")).unwrap();
    assert!(
        line.contains("Europe/Kyiv, catch-up") && line.contains(" 03:30:00 EE"),
        "{text}"
    );
    let line = text.lines().find(|l| l.contains("job nightly")).unwrap();
    assert!(
        line.contains("`0 4 * * *` UTC next at") && line.ends_with("04:00:00 UTC"),
        "{text}"
    );
}

#[test]
fn an_unknown_zone_is_named_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jobs.toml");
    std::fs::write(
        &config,
        "[sync]\nwarehouses = [\"main\"]\n\n[daemon]\ntimezone = \"Europe/Warsw\"\n\n[[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"0 3 * * *\"\ntimezone = \"Mars/Base\"\ncatch_up = \"yes\"\n",
    )
    .unwrap();
    let out = cli(&config, &["check-config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("daemon.timezone") && err.contains("did you mean `Europe/Warsaw`"),
        "{err}"
    );
    assert!(err.contains("unknown time zone `Mars/Base`"), "{err}");
    assert!(
        err.contains("catch_up") && err.contains("expected true or false"),
        "{err}"
    );
}
