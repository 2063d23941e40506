//! Completions, man pages and the Debian package's metadata. The package itself is built and
//! installed by `.ci/package` (a release build); here: what it is made of.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::CommandFactory;
use promua_sync::cli::Cli;

use crate::helpers::*;

/// `promua-sync ARGS` in an empty directory: no `./jobs.toml` to fall back on.
fn run_without_config(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    bin().args(args).current_dir(dir.path()).output().unwrap()
}

fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn completion_script(shell: &str) -> String {
    let out = run_without_config(&["completions", shell]);
    assert!(
        out.status.success(),
        "completions {shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What bash offers for `promua-sync WORDS… CUR<TAB>`, the script sourced as bash-completion
/// would, its function called as `complete -F` calls it.
fn bash_completes(script: &Path, words: &[&str], cur: &str) -> Vec<String> {
    let mut all: Vec<&str> = vec!["promua-sync"];
    all.extend(words);
    all.push(cur);
    let quoted: Vec<String> = all.iter().map(|w| format!("'{w}'")).collect();
    let prev = all[all.len() - 2];
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; \
         fn=$(complete -p promua-sync | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p'); \
         \"$fn\" promua-sync '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        all.len() - 1,
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_bash_completion_script_parses_and_completes_commands_subcommands_and_options() {
    if !has("bash") {
        eprintln!("bash not installed: the bash completion check skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("promua-sync.bash");
    std::fs::write(&script, completion_script("bash")).unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    assert_eq!(bash_completes(&script, &[], "che"), ["check-config"]);
    assert_eq!(
        bash_completes(&script, &["completions"], ""),
        ["-h", "--config", "--help", "bash", "zsh", "fish"]
    );
    // Two levels down, past the hyphen in the binary's name (clap-rs/clap#6421).
    assert_eq!(
        bash_completes(&script, &["job", "run"], "--d"),
        ["--dry-run"]
    );
    assert!(bash_completes(&script, &["links"], "").contains(&"suggest".to_string()));
}

#[test]
fn the_zsh_and_fish_completion_scripts_parse_where_those_shells_exist() {
    for (shell, check) in [("zsh", vec!["-n"]), ("fish", vec!["--no-execute"])] {
        let script = completion_script(shell);
        assert!(
            script.contains("check-config") && script.contains("dry-run"),
            "{shell}: the script does not name the commands"
        );
        if !has(shell) {
            eprintln!("{shell} not installed: `{shell} {}` skipped", check[0]);
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("promua-sync.{shell}"));
        std::fs::write(&path, script).unwrap();
        let out = Command::new(shell)
            .args(&check)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell} {}: {}",
            check[0],
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn completions_for_an_unknown_shell_exit_2_naming_the_shells() {
    let out = run_without_config(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tcsh") && stderr.contains("bash, zsh, fish"),
        "{stderr}"
    );
}

/// Every visible command's page name: `promua-sync-job-run`, ... (`promua-sync` itself first).
fn page_names() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, prefix: &str, names: &mut BTreeSet<String>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("{prefix}-{}", sub.get_name());
            names.insert(name.clone());
            walk(sub, &name, names);
        }
    }
    let mut names = BTreeSet::from(["promua-sync".to_string()]);
    walk(&Cli::command(), "promua-sync", &mut names);
    names
}

/// `man -l FILE` as plain text, wide and unhyphenated so that names stay whole; its
/// warnings (`--warnings`) fail the test.
fn render(page: &Path) -> String {
    let out = Command::new("man")
        .args(["--warnings", "--nh", "--nj", "-l"])
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "200")
        .env_remove("MAN_KEEP_FORMATTING")
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "man -l {}: {}",
        page.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_man_page_renders_and_names_every_subcommand() {
    let out = run_without_config(&["man"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if !has("man") {
        eprintln!("man not installed: `man -l` skipped (.ci/run installs man-db)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("promua-sync.1");
    std::fs::write(&page, &out.stdout).unwrap();
    let text = render(&page);
    let subcommands: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| format!("promua-sync-{}(1)", s.get_name()))
        .collect();
    assert!(subcommands.len() >= 14, "{subcommands:?}");
    for name in &subcommands {
        assert!(text.contains(name), "the man page does not name {name}");
    }
    for section in [
        "SYNOPSIS",
        "SUBCOMMANDS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
    ] {
        assert!(
            text.lines().any(|l| l == section),
            "no {section} section:\n{text}"
        );
    }
    assert!(text.contains("PROMUA_SYNC__STORE__PATH"));
}

#[test]
fn man_dir_writes_a_page_per_command_and_each_renders() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man");
    let out = run_without_config(&["man", "--dir", pages.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: BTreeSet<PathBuf> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    let written: BTreeSet<PathBuf> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(listed, written, "the paths printed are the files written");
    let expected: BTreeSet<PathBuf> = page_names()
        .iter()
        .map(|n| pages.join(format!("{n}.1")))
        .collect();
    assert_eq!(written, expected);
    if !has("man") {
        eprintln!("man not installed: `man -l` skipped (.ci/run installs man-db)");
        return;
    }
    let job_run = render(&pages.join("promua-sync-job-run.1"));
    assert!(job_run.contains("--dry-run") && job_run.contains("promua-sync 0.1.0"));
    for page in &written {
        render(page);
    }
}

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
    ] {
        assert!(
            installed.contains(path),
            "no asset installs {path}: {installed:?}"
        );
    }
    // Every page `man --dir` writes is shipped (the glob takes them all).
    let pages = asset_files("target/deb-assets/man/*.1", generated.path());
    assert_eq!(pages.len(), page_names().len());

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

#[test]
fn the_maintainer_scripts_create_nothing_and_enable_nothing() {
    let scripts = repo_file("packaging/deb");
    for (script, args) in [
        ("postinst", &["configure", ""][..]),
        ("postinst", &["configure", "0.1.0-1"][..]),
        ("prerm", &["remove"][..]),
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
