//! The unit file passes `systemd-analyze verify` (where systemd-analyze exists).

use crate::helpers::*;

#[test]
fn systemd_analyze_verifies_the_unit() {
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze not installed: skipped");
        return;
    }
    let unit = std::fs::read_to_string(repo_file("systemd/promua-sync.service")).unwrap();
    assert!(unit.contains("Type=notify\n"));
    assert!(
        unit.contains(
            "ExecStart=/usr/local/bin/promua-sync run --config /etc/promua-sync/jobs.toml"
        )
    );
    // verify checks that ExecStart exists: point it at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let unit_path = dir.path().join("promua-sync.service");
    std::fs::write(
        &unit_path,
        unit.replace(
            "/usr/local/bin/promua-sync",
            env!("CARGO_BIN_EXE_promua-sync"),
        ),
    )
    .unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Unknown key"), "{stderr}");
    // The README's install steps name the same paths as the unit.
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    for path in [
        "/usr/local/bin/promua-sync",
        "/etc/promua-sync/jobs.toml",
        "/etc/promua-sync/prom-token",
        "systemd/promua-sync.service",
    ] {
        assert!(readme.contains(path), "README does not mention {path}");
    }
}
