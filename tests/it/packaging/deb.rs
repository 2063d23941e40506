//! Cargo.toml's `[package.metadata.deb]`: every asset exists or is generated, and the
//! packaged units are `systemd/`'s with the installed paths.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::*;

/// `[package.metadata.deb]` of Cargo.toml.
fn deb_metadata() -> toml::Table {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo_file("Cargo.toml")).unwrap()).unwrap();
    manifest["package"]["metadata"]["deb"]
        .as_table()
        .expect("[package.metadata.deb]")
        .clone()
}

/// The assets, `(source, dest)`.
fn deb_assets() -> Vec<(String, String)> {
    deb_metadata()["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let a = a.as_array().expect("an asset is [source, dest, mode]");
            assert_eq!(a.len(), 3, "{a:?}");
            (
                a[0].as_str().unwrap().to_string(),
                a[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Where the package installs `source` (an absolute path; `dest` ending in `/` is a directory).
fn installed_path(source: &str, dest: &str) -> String {
    match dest.strip_suffix('/') {
        Some(dir) => format!(
            "/{dir}/{}",
            Path::new(source).file_name().unwrap().to_str().unwrap()
        ),
        None => format!("/{dest}"),
    }
}

/// Runs `packaging/generate-assets` with the test binary into a temporary directory, which
/// stands for `target/deb-assets`.
fn generated_assets() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(repo_file("packaging/generate-assets"))
        .arg(env!("CARGO_BIN_EXE_promua-sync"))
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "packaging/generate-assets: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

/// The files `source` (a path, or a glob in its last component) names; `generated` stands
/// for `target/deb-assets`.
fn asset_files(source: &str, generated: &Path) -> Vec<PathBuf> {
    let path = match source.strip_prefix("target/deb-assets/") {
        Some(rest) => generated.join(rest),
        None => repo_file(source),
    };
    let name = path.file_name().unwrap().to_str().unwrap().to_string();
    let Some((head, tail)) = name.split_once('*') else {
        return if path.is_file() { vec![path] } else { vec![] };
    };
    std::fs::read_dir(path.parent().unwrap())
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    let n = p.file_name().unwrap().to_str().unwrap();
                    n.starts_with(head) && n.ends_with(tail) && p.is_file()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_deb_asset_is_in_the_repo_or_made_by_the_generation_script() {
    // cargo-deb's own systemd handling would enable and start the units by default.
    assert!(
        !deb_metadata().contains_key("systemd-units"),
        "the package must enable and start nothing: no `systemd-units`"
    );
    assert!(
        deb_metadata().contains_key("copyright"),
        "without `copyright` cargo-deb writes \"Copyright information missing\""
    );
    let generated = generated_assets();
    let assets = deb_assets();
    for (source, dest) in &assets {
        if let Some(binary) = source.strip_prefix("target/release/") {
            assert_eq!(binary, "promua-sync", "cargo builds only this binary");
            continue;
        }
        assert!(
            !asset_files(source, generated.path()).is_empty(),
            "the asset {source} (-> {dest}) is neither in the repository nor generated"
        );
    }
    let installed: BTreeSet<String> = assets.iter().map(|(s, d)| installed_path(s, d)).collect();
    for path in [
        "/usr/bin/promua-sync",
        "/usr/lib/systemd/system/promua-sync.service",
        "/usr/lib/systemd/system/promua-sync@.service",
        "/etc/promua-sync/jobs.toml",
        "/usr/share/man/man1/*.1",
        "/usr/share/bash-completion/completions/promua-sync",
        "/usr/share/zsh/vendor-completions/_promua-sync",
        "/usr/share/fish/vendor_completions.d/promua-sync.fish",
        "/usr/share/doc/promua-sync/README.md",
        // The MIT text: Debian policy wants the licence beside the copyright file.
        "/usr/share/doc/promua-sync/LICENSE-MIT",
    ] {
        assert!(
            installed.contains(path),
            "no asset installs {path}: {installed:?}"
        );
    }
    // Every page `man --dir` writes is shipped (the glob takes them all).
    let pages = asset_files("target/deb-assets/man/*.1", generated.path());
    assert_eq!(pages.len(), super::man::page_names().len());

    let scripts = repo_file(deb_metadata()["maintainer-scripts"].as_str().unwrap());
    use std::os::unix::fs::PermissionsExt;
    for script in ["postinst", "prerm", "postrm"] {
        let mode = std::fs::metadata(scripts.join(script))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "{script} is not executable");
    }
}

/// `(key, value)` of the unit's `Exec*` lines.
fn exec_lines(unit: &str) -> Vec<(&str, &str)> {
    unit.lines()
        .filter(|l| l.starts_with("Exec"))
        .map(|l| l.split_once('=').unwrap())
        .collect()
}

#[test]
fn the_packaged_units_run_the_binary_where_the_package_installs_it() {
    let generated = generated_assets();
    let assets = deb_assets();
    let installed = |source: &str| {
        let (s, d) = assets.iter().find(|(s, _)| s == source).unwrap();
        installed_path(s, d)
    };
    let binary = installed("target/release/promua-sync");
    let config = installed("jobs.toml");
    let readme = installed("README.md");
    assert_eq!(binary, "/usr/bin/promua-sync");

    for (unit, config) in [
        ("promua-sync.service", config.as_str()),
        ("promua-sync@.service", "/etc/promua-sync/%i.toml"),
    ] {
        let source = std::fs::read_to_string(repo_file(&format!("systemd/{unit}"))).unwrap();
        let packaged =
            std::fs::read_to_string(generated.path().join("systemd").join(unit)).unwrap();
        assert!(!packaged.contains("/usr/local"), "{unit}:\n{packaged}");
        // systemd/ is the one source: the packaged unit differs only in those paths.
        assert_eq!(source.lines().count(), packaged.lines().count());
        for (from, to) in source.lines().zip(packaged.lines()) {
            let mapped = from
                .replace("/usr/local/bin/", "/usr/bin/")
                .replace("/usr/local/share/doc/", "/usr/share/doc/");
            assert_eq!(mapped, to, "{unit}");
        }

        let execs = exec_lines(&packaged);
        assert_eq!(execs.len(), 4, "{unit}: {execs:?}");
        for (key, value) in execs {
            if value.starts_with("/bin/kill ") {
                continue;
            }
            let (program, args) = value.split_once(' ').unwrap();
            assert_eq!(program, binary, "{unit} {key}");
            assert!(
                args.ends_with(&format!("--config {config}")),
                "{unit} {key}={value}"
            );
        }
        assert!(
            packaged.contains(&format!("Documentation=file://{readme}\n")),
            "{unit} documents a README the package does not install at {readme}"
        );
    }
}
