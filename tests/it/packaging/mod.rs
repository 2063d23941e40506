//! Completions, man pages and the Debian package. The package itself is built and installed
//! by `.ci/package` (a release build); here: what it is made of, and its maintainer scripts.

mod completions;
mod deb;
mod man;
mod scripts;

use std::process::{Command, Output};

use crate::helpers::*;

/// `promua-sync ARGS` in an empty directory: no `./jobs.toml` to fall back on.
pub fn run_without_config(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    bin().args(args).current_dir(dir.path()).output().unwrap()
}

pub fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A check that needs a tool this machine lacks: skipped with a message, or a failure where
/// `PROMUA_PACKAGING_CHECK=required` (`.ci/run` sets it after installing the tools).
pub fn skip_without(what: &str) {
    if std::env::var("PROMUA_PACKAGING_CHECK").as_deref() == Ok("required") {
        panic!("{what}, and PROMUA_PACKAGING_CHECK=required");
    }
    eprintln!("{what}: skipped");
}
