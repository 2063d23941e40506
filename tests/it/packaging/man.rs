//! `man` and `man --dir`: pages that render with `man -l` and name every command.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use promua_sync::cli::Cli;

use super::{has, run_without_config, skip_without};

/// Every visible command's page name: `promua-sync-job-run`, ... (`promua-sync` itself first).
pub(super) fn page_names() -> BTreeSet<String> {
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
        skip_without("man not installed (.ci/run installs man-db): `man -l`");
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
        skip_without("man not installed (.ci/run installs man-db): `man -l`");
        return;
    }
    let job_run = render(&pages.join("promua-sync-job-run.1"));
    assert!(
        job_run.contains("--dry-run")
            && job_run.contains(&format!("promua-sync {}", env!("CARGO_PKG_VERSION")))
    );
    for page in &written {
        render(page);
    }
}
