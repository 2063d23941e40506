//! The maintainer scripts: they create nothing, enable nothing, and call systemd as planned.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::*;

#[test]
fn the_maintainer_scripts_create_nothing_and_enable_nothing() {
    let scripts = repo_file("packaging/deb");
    for (script, args) in [
        ("postinst", &["configure", ""][..]),
        ("postinst", &["configure", "0.1.0-1"][..]),
        ("prerm", &["remove"][..]),
        ("postrm", &["remove"][..]),
        ("postrm", &["purge"][..]),
    ] {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc/promua-sync")).unwrap();
        let out = Command::new(scripts.join(script))
            .args(args)
            .env("DPKG_ROOT", root.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{script} {args:?}: {out:?}");
        let left: Vec<PathBuf> = walk(root.path());
        assert_eq!(
            left,
            [root.path().join("etc"), root.path().join("etc/promua-sync")],
            "{script} {args:?} created files"
        );
    }
    for script in ["postinst", "prerm", "postrm"] {
        let text = std::fs::read_to_string(scripts.join(script)).unwrap();
        let code: String = text
            .lines()
            // Comments and the hint to the administrator are not commands.
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim_start().starts_with("echo "))
            .collect::<Vec<_>>()
            .join("\n");
        for never in [
            "systemctl enable",
            "systemctl start",
            "deb-systemd-helper",
            "--now",
            "systemctl preset",
            "systemctl reenable",
        ] {
            assert!(!code.contains(never), "{script} runs `{never}`");
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        found.push(path.clone());
        if path.is_dir() {
            found.extend(walk(&path));
        }
    }
    found.sort();
    found
}

/// An administrator's `systemctl enable` leaves links in /etc/systemd/system: a purge removes
/// ours (a reinstall then starts nothing by itself), and only ours; a removal keeps them.
#[test]
fn a_purge_removes_the_enable_links_and_a_removal_keeps_them() {
    let scripts = repo_file("packaging/deb");
    for (action, ours_left) in [("remove", true), ("purge", false)] {
        let root = tempfile::tempdir().unwrap();
        let wants = root
            .path()
            .join("etc/systemd/system/multi-user.target.wants");
        std::fs::create_dir_all(&wants).unwrap();
        let ours = ["promua-sync.service", "promua-sync@shop1.service"];
        for name in ours.iter().chain(&["other.service"]) {
            std::os::unix::fs::symlink(format!("/usr/lib/systemd/system/{name}"), wants.join(name))
                .unwrap();
        }
        let out = Command::new(scripts.join("postrm"))
            .arg(action)
            .env("DPKG_ROOT", root.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "postrm {action}: {out:?}");
        for name in ours {
            assert_eq!(
                wants.join(name).is_symlink(),
                ours_left,
                "postrm {action}: {name}"
            );
        }
        assert!(
            wants.join("other.service").is_symlink(),
            "postrm {action} removed another unit's link"
        );
    }
}

/// The scripts on a machine where systemd runs, in a mount namespace where `/run/systemd/system`
/// exists and `systemctl` and `/usr/bin/promua-sync` are stand-ins: `systemctl` logs its
/// arguments and reports `promua-sync.service`, `promua-sync@shop1` and `@shop2` active;
/// the stand-in binary refuses `shop2.toml`. What the scripts ask of systemd is then exact.
/// `/etc/systemd/system` is an empty tmpfs there: a purge never touches this machine's links.
#[test]
fn the_maintainer_scripts_ask_systemd_for_exactly_what_each_action_needs() {
    let probe = Command::new("unshare").args(["-m", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        super::skip_without("no mount namespace (`unshare -m` as root)");
        return;
    }
    let scripts = repo_file("packaging/deb");
    let shims = tempfile::tempdir().unwrap();
    let log = shims.path().join("systemctl.log");
    let systemctl = r#"#!/bin/sh
echo "$*" >> "$SHIM_LOG"
case "$1" in
    list-units) printf 'promua-sync@shop1.service loaded active running x\npromua-sync@shop2.service loaded active running x\n' ;;
esac
exit 0
"#;
    let binary = r#"#!/bin/sh
case "$*" in *shop2.toml*) exit 2 ;; esac
exit 0
"#;
    let run = |script: &str, args: &[&str]| -> (Vec<String>, String) {
        let _ = std::fs::remove_file(&log);
        let work = tempfile::tempdir().unwrap();
        let (upper, scratch) = (work.path().join("upper"), work.path().join("work"));
        std::fs::create_dir_all(&upper).unwrap();
        std::fs::create_dir_all(&scratch).unwrap();
        for (name, text) in [("systemctl", systemctl), ("promua-sync", binary)] {
            let path = upper.join(name);
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
        let setup = format!(
            "mount -t tmpfs none /run && mkdir -p /run/systemd/system && \
             {{ [ ! -d /etc/systemd/system ] || mount -t tmpfs none /etc/systemd/system; }} && \
             mount -t overlay overlay -o lowerdir=/usr/bin,upperdir={},workdir={} /usr/bin && \
             exec \"$0\" \"$@\"",
            upper.display(),
            scratch.display()
        );
        let out = Command::new("unshare")
            .args(["-m", "sh", "-c", &setup])
            .arg(scripts.join(script))
            .args(args)
            .env("SHIM_LOG", &log)
            .env_remove("DPKG_ROOT")
            .output()
            .unwrap();
        assert!(out.status.success(), "{script} {args:?}: {out:?}");
        let calls = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        (calls, String::from_utf8_lossy(&out.stderr).into_owned())
    };

    let (calls, _) = run("postinst", &["configure", ""]);
    assert_eq!(calls, ["daemon-reload"], "first install");

    let (calls, stderr) = run("postinst", &["configure", "0.1.0"]);
    assert_eq!(
        calls,
        [
            "daemon-reload",
            "is-active --quiet promua-sync.service",
            "try-restart promua-sync.service",
            "list-units --state=active --plain --no-legend promua-sync@*.service",
            "try-restart promua-sync@shop1.service",
        ],
        "upgrade: shop2's configuration is refused by the new binary, so it is not restarted"
    );
    assert!(
        stderr.contains("promua-sync@shop2.service keeps running the previous version")
            && stderr.contains("/etc/promua-sync/shop2.toml"),
        "{stderr}"
    );

    let (calls, _) = run("prerm", &["remove"]);
    assert_eq!(calls, ["stop promua-sync.service promua-sync@*.service"]);
    for (script, args) in [
        ("prerm", &["upgrade", "0.2.0"][..]),
        ("prerm", &["failed-upgrade", "0.2.0"][..]),
        ("postinst", &["abort-upgrade", "0.2.0"][..]),
    ] {
        let (calls, _) = run(script, args);
        assert!(calls.is_empty(), "{script} {args:?} called {calls:?}");
    }
    for action in ["remove", "purge"] {
        let (calls, _) = run("postrm", &[action]);
        assert_eq!(calls, ["daemon-reload"], "postrm {action}");
    }
}
