//! `completions bash|zsh|fish`: scripts each shell accepts, and what bash completes.

use std::path::Path;
use std::process::Command;

use super::{has, run_without_config, skip_without};

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
        skip_without("bash not installed: the bash completion check");
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
            skip_without(&format!("{shell} not installed: `{shell} {}`", check[0]));
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
