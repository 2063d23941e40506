//! Corpus of broken configurations with their expected answers (issue 17, item 3).
//!
//! `tests/corpus/bad-configs/` holds one `NAME.toml` per mistake (the repo's jobs.toml
//! without its comments, one thing broken) and beside it `NAME.expect`, a TOML file:
//!
//! ```toml
//! # what is wrong (one line)
//! exit = 2                    # check-config's exit code (DESIGN §6: 2 = bad configuration)
//! errors = 1                  # optional, default 1: the errors reported
//! at = "36:14"                # line:column of the error, "none" when it has no place,
//!                             # or "env:VAR" when the environment variable VAR set it
//! key = "job[0].batch_size"   # the key path the error names
//! message = "`101` is too large"   # a fragment of its message
//! setup = "directory"         # optional: no file, a directory where the file should be
//! env = { PROMUA_SYNC__PROM__MAX_CONCURRENCY = "0" }  # optional: overrides to run with
//! ```
//!
//! Each case runs the real `check-config` on a copy (its relative paths resolve beside
//! it) and asserts every expectation; every case is always run (it is cheap), short mode
//! or full.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::figure;
use crate::helpers::*;

/// The corpus must not shrink below what issue 17 asks for.
const MIN_CONFIGS: usize = 60;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    #[serde(default = "one")]
    errors: usize,
    at: String,
    key: String,
    message: String,
    setup: Option<String>,
    /// Environment overrides the command runs with (`PROMUA_SYNC__…`).
    #[serde(default)]
    env: std::collections::BTreeMap<String, String>,
}

fn one() -> usize {
    1
}

/// The cases of a corpus directory: every `NAME.expect`, sorted.
pub(super) fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "expect"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

/// The headline of each error as the terminal shows it (`× file:line:col: key: message`),
/// miette's wrapping undone.
fn headlines(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in stderr.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("× ") {
            out.push(h.to_string());
            open = true;
        } else if let (Some(rest), true, Some(last)) = (t.strip_prefix("│ "), open, out.last_mut())
        {
            last.push(' ');
            last.push_str(rest);
        } else {
            open = false;
        }
    }
    out
}

/// Text without whitespace: a wrapped message still matches its fragment.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Where an answer located its error.
enum Located {
    LineColumn,
    EnvVar,
    Nowhere,
}

/// Runs one case; `Ok` says where its error was located.
fn run_case(name: &str, expect_file: &Path) -> Result<Located, String> {
    let text = std::fs::read_to_string(expect_file).map_err(|e| format!("{name}: {e}"))?;
    let want: Expect = toml::from_str(&text).map_err(|e| format!("{name}.expect: {e}"))?;
    let dir = tempfile::tempdir().unwrap();
    let file = format!("{name}.toml");
    match want.setup.as_deref() {
        Some("directory") => std::fs::create_dir(dir.path().join(&file)).unwrap(),
        Some(other) => return Err(format!("{name}: unknown setup `{other}`")),
        None => {
            let src = expect_file.with_extension("toml");
            std::fs::copy(&src, dir.path().join(&file))
                .map_err(|e| format!("{name}: {}: {e}", src.display()))?;
        }
    }
    let out = bin()
        .current_dir(dir.path())
        .args(["check-config", "--config", &file])
        .envs(&want.env)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let fail = |why: String| Err(format!("{name}: {why}\n--- stderr:\n{stderr}"));
    if stderr.contains("panicked at") {
        return fail("check-config panicked".into());
    }
    if out.status.code() != Some(want.exit) {
        return fail(format!(
            "exit {:?}, expected {}",
            out.status.code(),
            want.exit
        ));
    }
    if stdout.contains("configuration is valid") {
        return fail("called valid".into());
    }
    let count = format!(
        "{file}: {} error{} in the configuration",
        want.errors,
        if want.errors == 1 { "" } else { "s" }
    );
    if !stderr.contains(&count) {
        return fail(format!("expected `{count}`"));
    }
    // An override's error names its variable instead of a place in the file.
    let (place, tail) = match want.at.strip_prefix("env:") {
        Some(var) => (
            String::new(),
            format!("(set by environment variable {var})"),
        ),
        None if want.at == "none" => (format!("{file}: "), String::new()),
        None => (format!("{file}:{}: ", want.at), String::new()),
    };
    let head = format!("{place}{}: ", want.key);
    let all = headlines(&stderr);
    let Some(found) = all
        .iter()
        .find(|h| h.starts_with(&head) && squeeze(h).ends_with(&squeeze(&tail)))
    else {
        return fail(format!(
            "no error starts `{head}` (ending `{tail}`); errors: {all:#?}"
        ));
    };
    if !squeeze(&found[head.len()..]).contains(&squeeze(&want.message)) {
        return fail(format!("`{found}` lacks `{}`", want.message));
    }
    // A case about a token written in the file: the token never shows.
    if stderr.contains("abc123secret") {
        return fail("the token written in the file is shown".into());
    }
    Ok(if want.at == "none" {
        Located::Nowhere
    } else if want.at.starts_with("env:") {
        Located::EnvVar
    } else {
        Located::LineColumn
    })
}

#[test]
fn every_broken_config_is_refused_at_its_place() {
    let dir = repo_file("tests/corpus/bad-configs");
    let cases = cases(&dir);
    assert!(
        cases.len() >= MIN_CONFIGS,
        "{} holds {} cases, fewer than {MIN_CONFIGS}",
        dir.display(),
        cases.len()
    );
    let (mut located, mut by_env, mut placeless, mut failures) = (0, 0, Vec::new(), Vec::new());
    for (name, expect) in &cases {
        match run_case(name, expect) {
            Ok(Located::LineColumn) => located += 1,
            Ok(Located::EnvVar) => by_env += 1,
            Ok(Located::Nowhere) => placeless.push(name.as_str()),
            Err(e) => failures.push(e),
        }
    }
    figure("corpus", "configs", cases.len());
    figure(
        "corpus",
        "configs located",
        format!(
            "{located} at line:column, {by_env} at their environment variable, {} with no place to name ({})",
            placeless.len(),
            placeless.join(", ")
        ),
    );
    figure(
        "corpus",
        "configs answered as expected",
        cases.len() - failures.len(),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_config_case_has_its_file_and_no_file_lacks_its_case() {
    let dir = repo_file("tests/corpus/bad-configs");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
        assert!(
            ext != "toml" || p.with_extension("expect").is_file(),
            "{} has no .expect",
            p.display()
        );
    }
}
