//! The unit file: what it promises is checked from its text (and against the daemon and
//! the README) everywhere; `systemd-analyze verify` runs where systemd-analyze exists.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::helpers::*;

const BIN: &str = "/usr/local/bin/promua-sync";
const CONFIG: &str = "/etc/promua-sync/jobs.toml";

/// The unit's assignments, `(section, key, value)` in file order; a key may repeat.
fn parse_unit(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut entries = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        assert!(
            !line.ends_with('\\'),
            "continued lines are not expected: {line}"
        );
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not `key=value`: {line}"));
        assert!(!section.is_empty(), "{key} before any section");
        entries.push((
            section.clone(),
            key.trim().to_string(),
            value.trim().to_string(),
        ));
    }
    entries
}

struct Unit(Vec<(String, String, String)>);

impl Unit {
    fn load() -> Self {
        Self(parse_unit(&unit_text()))
    }

    /// Every value of `section`'s `key`, in order.
    fn all(&self, section: &str, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(s, k, _)| s == section && k == key)
            .map(|(_, _, v)| v.as_str())
            .collect()
    }

    /// The one value of `section`'s `key`.
    fn one(&self, section: &str, key: &str) -> &str {
        match self.all(section, key)[..] {
            [v] => v,
            ref vs => panic!("[{section}] {key}: one value wanted, found {vs:?}"),
        }
    }

    /// `[Service] Environment=NAME=value` for `name`.
    fn env(&self, name: &str) -> &str {
        let found: Vec<&str> = self
            .all("Service", "Environment")
            .into_iter()
            .filter_map(|v| v.strip_prefix(name)?.strip_prefix('='))
            .collect();
        assert_eq!(found.len(), 1, "Environment={name}=…: {found:?}");
        found[0]
    }
}

/// A `jobs.toml` with nothing but `[prom] base_url`, in `dir`, loaded with exactly `env`
/// as the environment (which must name the store: the file does not).
fn load_config(dir: &Path, env: &[(&str, &str)]) -> promua_sync::config::Config {
    let path = dir.join("jobs.toml");
    std::fs::write(&path, "[prom]\nbase_url = \"http://127.0.0.1:9/api/v1\"\n").unwrap();
    promua_sync::config::load_with_env(&path, env.iter().copied()).unwrap()
}

fn unit_path() -> PathBuf {
    repo_file("systemd/promua-sync.service")
}

fn unit_text() -> String {
    std::fs::read_to_string(unit_path()).unwrap()
}

#[test]
fn the_unit_runs_the_daemon_as_a_notify_service_with_a_watchdog() {
    let unit = Unit::load();
    assert_eq!(unit.one("Service", "Type"), "notify");
    assert_eq!(unit.one("Service", "NotifyAccess"), "main");
    assert_eq!(unit.one("Service", "WatchdogSec"), "120s");
    assert_eq!(
        unit.one("Service", "ExecStart"),
        format!("{BIN} run --config {CONFIG}")
    );
    // A bad file is refused before start and before a reload is signalled.
    let check = format!("{BIN} check-config --config {CONFIG}");
    assert_eq!(unit.one("Service", "ExecStartPre"), check);
    assert_eq!(
        unit.all("Service", "ExecReload"),
        [check.as_str(), "/bin/kill -HUP $MAINPID"]
    );
    assert_eq!(unit.one("Service", "Restart"), "on-failure");
    // systemd's stop timeout outlasts the daemon's default shutdown grace (20 s).
    assert_eq!(unit.one("Service", "TimeoutStopSec"), "45s");
    let dir = tempfile::tempdir().unwrap();
    let grace = load_config(dir.path(), &[("PROMUA_SYNC__STORE__PATH", "store")])
        .daemon
        .shutdown_grace;
    assert!(grace < std::time::Duration::from_secs(45), "{grace:?}");
    assert_eq!(unit.one("Unit", "Wants"), "network-online.target");
    assert_eq!(unit.one("Unit", "After"), "network-online.target");
    assert_eq!(unit.one("Install", "WantedBy"), "multi-user.target");
}

/// What `Type=notify`, `WatchdogSec` and `ExecReload` rely on, without systemd: the
/// daemon tells a notify socket it is ready, pings the watchdog, reports a reload (SIGHUP)
/// and its stop (SIGTERM).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_notifies_readiness_the_watchdog_reloads_and_its_stop() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let env = Env::new(1, promua_sync::sandbox::SandboxOptions::default(), |_| 1).await;
    let config = env.write_config_any_admin_port("0 0 1 1 *", "");
    let socket_path = env.dir.path().join("notify.sock");
    let socket = tokio::net::UnixDatagram::bind(&socket_path).unwrap();
    let mut child = bin()
        .args(["run", "--config"])
        .arg(&config)
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .env_remove("WATCHDOG_PID")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    // Reads messages until one has the line `want`.
    let until = async |want: &str| {
        let mut buf = vec![0u8; 4096];
        let mut seen = Vec::new();
        loop {
            let n = tokio::time::timeout(Duration::from_secs(20), socket.recv(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("no {want} in 20 s; got {seen:?}"))
                .unwrap();
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            if msg.lines().any(|l| l == want) {
                return;
            }
            seen.push(msg);
        }
    };
    until("READY=1").await;
    until("WATCHDOG=1").await;
    kill(pid, Signal::SIGHUP).unwrap();
    until("RELOADING=1").await;
    until("READY=1").await;
    // The old generation's loops are forgotten and the new ones beat: the pings go on.
    until("WATCHDOG=1").await;
    until("WATCHDOG=1").await;
    kill(pid, Signal::SIGTERM).unwrap();
    until("STOPPING=1").await;
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_unit_passes_the_token_as_a_credential_and_keeps_the_store_in_its_state_directory() {
    let unit = Unit::load();
    let (name, source) = unit
        .one("Service", "LoadCredential")
        .split_once(':')
        .unwrap();
    assert_eq!(
        (name, source),
        ("prom-token", "/etc/promua-sync/prom-token")
    );
    // %d is the credentials directory: the token file is the credential loaded above.
    assert_eq!(
        unit.env("PROMUA_SYNC__PROM__TOKEN_FILE"),
        format!("%d/{name}")
    );
    // %S is /var/lib: the store is inside the StateDirectory systemd creates and owns.
    let state = unit.one("Service", "StateDirectory");
    assert_eq!(state, "promua-sync");
    assert_eq!(unit.one("Service", "StateDirectoryMode"), "0700");
    assert_eq!(
        unit.env("PROMUA_SYNC__STORE__PATH"),
        format!("%S/{state}/store")
    );
    assert_eq!(unit.env("RUST_LOG"), "info");
    assert_eq!(unit.all("Service", "Environment").len(), 3);

    // The daemon reads those two variables: with %d and %S filled in, and neither a
    // token nor a store in the file, the configuration has the credential's token and
    // the store in the state directory.
    let dir = tempfile::tempdir().unwrap();
    let (creds, state_root) = (dir.path().join("creds"), dir.path().join("state"));
    std::fs::create_dir_all(&creds).unwrap();
    std::fs::write(creds.join(name), "unit-test-token\n").unwrap();
    let fill = |v: &str| {
        v.replace("%d", creds.to_str().unwrap())
            .replace("%S", state_root.to_str().unwrap())
    };
    let token_file = fill(unit.env("PROMUA_SYNC__PROM__TOKEN_FILE"));
    let store_path = fill(unit.env("PROMUA_SYNC__STORE__PATH"));
    let config = load_config(
        dir.path(),
        &[
            ("PROMUA_SYNC__PROM__TOKEN_FILE", &token_file),
            ("PROMUA_SYNC__STORE__PATH", &store_path),
        ],
    );
    assert_eq!(
        config
            .prom
            .token
            .as_ref()
            .map(|t| secrecy::ExposeSecret::expose_secret(t).to_string()),
        Some("unit-test-token".to_string())
    );
    assert_eq!(config.store.path, state_root.join(state).join("store"));
}

#[test]
fn the_unit_is_hardened() {
    let unit = Unit::load();
    // No fixed account: a dynamic user, and no way to gain privileges.
    assert!(unit.all("Service", "User").is_empty());
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("ProtectClock", "yes"),
        ("ProtectHostname", "yes"),
        ("ProtectProc", "invisible"),
        ("ProcSubset", "pid"),
        ("NoNewPrivileges", "yes"),
        ("RestrictNamespaces", "yes"),
        ("RestrictRealtime", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("RemoveIPC", "yes"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("SystemCallArchitectures", "native"),
        ("CapabilityBoundingSet", ""),
        ("AmbientCapabilities", ""),
        ("UMask", "0077"),
    ] {
        assert_eq!(unit.one("Service", key), value, "[Service] {key}");
    }
    assert_eq!(
        unit.all("Service", "SystemCallFilter"),
        ["@system-service", "~@privileged"]
    );
}

#[test]
fn the_readme_install_steps_name_the_units_paths() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    for path in [
        BIN,
        CONFIG,
        "/etc/promua-sync/prom-token",
        "systemd/promua-sync.service",
    ] {
        assert!(readme.contains(path), "README does not mention {path}");
    }
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "systemd-analyze not installed: `systemd-analyze verify` skipped (the unit's keys are checked by the other tests here)"
        );
        return;
    }
    // verify checks that the Exec* binaries exist: point them at the binary under test.
    let unit = unit_text();
    let execs = Unit::load()
        .0
        .iter()
        .filter(|(_, _, v)| v.starts_with(BIN))
        .count();
    assert_eq!(unit.matches(BIN).count(), execs);
    assert_eq!(execs, 3, "ExecStartPre, ExecStart, ExecReload");
    let dir = tempfile::tempdir().unwrap();
    let unit_path = dir.path().join("promua-sync.service");
    std::fs::write(
        &unit_path,
        unit.replace(BIN, env!("CARGO_BIN_EXE_promua-sync")),
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
}

/// The template unit for several shops (`promua-sync@NAME`).
fn template_text() -> String {
    std::fs::read_to_string(repo_file("systemd/promua-sync@.service")).unwrap()
}

#[test]
fn the_template_unit_is_the_single_unit_with_a_shops_own_paths() {
    // Every assignment of the single unit, with the shop's own file, token and state:
    // the same daemon, readiness, watchdog, reload and hardening, nothing left out.
    let per_shop = |v: &str| {
        v.replace(CONFIG, "/etc/promua-sync/%i.toml")
            .replace("/etc/promua-sync/prom-token", "/etc/promua-sync/%i.token")
            .replace("%S/promua-sync/store", "%S/promua-sync/%i/store")
            .replace(
                "promua-sync: back office",
                "promua-sync for shop %i: back office",
            )
    };
    let expected: Vec<(String, String, String)> = Unit::load()
        .0
        .into_iter()
        .map(|(s, k, v)| {
            let v = if k == "StateDirectory" {
                format!("{v}/%i")
            } else {
                per_shop(&v)
            };
            (s, k, v)
        })
        .collect();
    let template = parse_unit(&template_text());
    assert_eq!(template, expected);
    let t = Unit(template);
    assert_eq!(
        t.one("Service", "LoadCredential"),
        "prom-token:/etc/promua-sync/%i.token"
    );
    assert_eq!(t.one("Service", "StateDirectory"), "promua-sync/%i");
    assert!(
        t.all("Service", "Environment")
            .contains(&"PROMUA_SYNC__STORE__PATH=%S/promua-sync/%i/store")
    );
}

#[test]
fn systemd_analyze_verifies_an_instance_of_the_template() {
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze not installed: `systemd-analyze verify` skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // An instance is verified through a file named for it.
    let unit_path = dir.path().join("promua-sync@shop-a.service");
    std::fs::write(
        &unit_path,
        template_text().replace(BIN, env!("CARGO_BIN_EXE_promua-sync")),
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
}

#[test]
fn the_readme_sets_up_two_shops_as_the_template_expects() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let at = readme
        .find("### Several shops on one machine")
        .expect("a two-shop section");
    let section = &readme[at..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |e| e + 4)];
    for shop in ["shop-a", "shop-b"] {
        // What the template reads and writes for this instance, and how it is started.
        for path in template_paths(shop) {
            assert!(section.contains(&path), "the two-shop steps miss {path}");
        }
        assert!(section.contains(&format!("promua-sync@{shop}")));
    }
    assert!(section.contains("systemd/promua-sync@.service"));
    // Each shop its own admin port.
    assert!(section.contains("listen = \"127.0.0.1:8731\""));
    assert!(section.contains("listen = \"127.0.0.1:8732\""));
}

/// The files the template names for instance `shop`.
fn template_paths(shop: &str) -> Vec<String> {
    let unit = Unit(parse_unit(&template_text()));
    let config = unit
        .one("Service", "ExecStart")
        .rsplit(' ')
        .next()
        .unwrap()
        .replace("%i", shop);
    let token = unit
        .one("Service", "LoadCredential")
        .split_once(':')
        .unwrap()
        .1
        .replace("%i", shop);
    let store = unit
        .all("Service", "Environment")
        .into_iter()
        .find_map(|e| e.strip_prefix("PROMUA_SYNC__STORE__PATH="))
        .unwrap()
        .replace("%S", "/var/lib")
        .replace("%i", shop);
    vec![config, token, store]
}
