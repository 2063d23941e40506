//! `jobs.toml` through the config compiler: arbitrary bytes, and the repository's own
//! jobs.toml mutated line by line (lines dropped, doubled, swapped, values and keys
//! replaced, junk inserted, the file cut short). Promises: no panic; either a config or
//! errors each naming its key and its place (a span inside the file, on a character
//! boundary, that the renderer shows as `line:column`).

use std::cell::Cell;
use std::path::Path;

use promua_sync::config::{ConfigErrors, Origin, load_with_env};
use proptest::prelude::*;

use super::{bytes, cases, fuzz, odd_text};
use crate::helpers::repo_file;

/// Loads `text` as `dir/jobs.toml` with no environment overrides; checks every error.
/// Counts the refusals in `refused`.
fn check(dir: &Path, text: &[u8], refused: &Cell<u64>) -> Result<(), String> {
    let path = dir.join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    let errs = match load_with_env(&path, std::iter::empty::<(String, String)>()) {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    refused.set(refused.get() + 1);
    located(&errs).map_err(|e| format!("{e}\nin:\n{}", String::from_utf8_lossy(text)))
}

/// Every error names a key and a message, and its place in the file when it has one;
/// the whole renders.
fn located(errs: &ConfigErrors) -> Result<(), String> {
    if errs.errors.is_empty() {
        return Err("refused with no error".into());
    }
    for e in &errs.errors {
        if e.key.trim().is_empty() || e.message.trim().is_empty() {
            return Err(format!("an error without a key or message: {e:?}"));
        }
        match &e.origin {
            Origin::File(span) => {
                let t = &errs.text;
                if span.start > span.end
                    || span.end > t.len()
                    || !t.is_char_boundary(span.start)
                    || !t.is_char_boundary(span.end)
                {
                    return Err(format!(
                        "a span outside the text ({} bytes): {e:?}",
                        t.len()
                    ));
                }
                let line = errs.plain_line(e);
                let (l, c) = errs.line_col(span.start);
                if !line.contains(&format!(":{l}:{c}: ")) {
                    return Err(format!("no line:column in {line:?}"));
                }
            }
            Origin::Env(v) => return Err(format!("an environment variable with none set: {v}")),
            // A whole-file error (a missing section, an unreadable file) names the file.
            Origin::None => {
                if !errs
                    .plain_line(e)
                    .starts_with(&errs.file.display().to_string())
                {
                    return Err(format!("no file named: {}", errs.plain_line(e)));
                }
            }
        }
    }
    let shown = errs.render(false);
    if !shown.contains("error") {
        return Err(format!("the rendering says nothing: {shown}"));
    }
    Ok(())
}

/// One change to a line of the file.
#[derive(Debug, Clone)]
enum Edit {
    Drop(usize),
    Double(usize),
    Swap(usize, usize),
    /// The value after `=` on a line replaced.
    Value(usize, String),
    /// The key before `=` replaced.
    Key(usize, String),
    Insert(usize, String),
    /// The file cut after this many characters.
    Cut(usize),
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "\"\"",
                "\"x\"",
                "-1",
                "0",
                "1",
                "65536",
                "99999999999999999999",
                "1.5",
                "-0.0",
                "nan",
                "inf",
                "true",
                "[]",
                "[1, \"a\"]",
                "{}",
                "{ a = 1 }",
                "\"* * *\"",
                "\"61 * * * *\"",
                "\"Mars/Olympus\"",
                "\"Europe/Kyiv\"",
                "1979-05-27T07:32:00Z",
                "\"0.0.0.0:8731\"",
                "\"[::]:1\"",
                "\"abc",
                "'''x",
                "\"\\u0000\"",
                "\"main\"",
                "\"../../etc/passwd\"",
                "\"push_stock\"",
                "\"verify\"",
                "{ status = 5 }",
            ][..]
        )
        .prop_map(str::to_string),
        odd_text().prop_map(|t| format!("{t:?}")),
        odd_text(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let key = prop_oneof![
        proptest::sample::select(
            &[
                "name",
                "kind",
                "schedule",
                "timezone",
                "token",
                "token_file",
                "listen",
                "warehouses",
                "status_map",
                "max_changes",
                "batch_size",
                "[[job]]",
                "[prom]",
                "[admin]",
                "[sync]",
                "[store]",
                "[daemon]",
                "path",
                "base_url",
                "unknown_key",
            ][..]
        )
        .prop_map(str::to_string),
        "[a-z_.\\[\\]\"]{0,12}",
    ];
    prop_oneof![
        1 => any::<usize>().prop_map(Edit::Drop),
        1 => any::<usize>().prop_map(Edit::Double),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Swap(a, b)),
        3 => (any::<usize>(), toml_value()).prop_map(|(i, v)| Edit::Value(i, v)),
        1 => (any::<usize>(), key.clone()).prop_map(|(i, k)| Edit::Key(i, k)),
        1 => (any::<usize>(), prop_oneof![key.prop_map(|k| format!("{k} = 1")), toml_value(), ".{0,20}"])
            .prop_map(|(i, l)| Edit::Insert(i, l)),
        1 => any::<usize>().prop_map(Edit::Cut),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        let n = lines.len().max(1);
        match e {
            Edit::Drop(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Edit::Double(i) if !lines.is_empty() => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::Swap(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Edit::Value(i, v) | Edit::Key(i, v) if !lines.is_empty() => {
                let l = &mut lines[i % n];
                if let Some((k, old)) = l.split_once('=') {
                    *l = match e {
                        Edit::Value(..) => format!("{k}= {v}"),
                        _ => format!("{v} ={old}"),
                    };
                }
            }
            Edit::Insert(i, l) => lines.insert(i % (lines.len() + 1), l.clone()),
            Edit::Cut(at) => {
                let joined = lines.join("\n");
                let cut: String = joined
                    .chars()
                    .take(at % (joined.chars().count() + 1))
                    .collect();
                lines = cut.lines().map(str::to_string).collect();
            }
            _ => {}
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn any_jobs_toml_compiles_or_every_error_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let repo = std::fs::read_to_string(repo_file("jobs.toml")).unwrap();
    // The unchanged file compiles: the mutations start from a good configuration.
    let refused = Cell::new(0);
    check(dir.path(), repo.as_bytes(), &refused).unwrap();
    assert_eq!(refused.get(), 0, "the repository's jobs.toml compiles");

    fuzz("jobs.toml bytes", cases(60), bytes(), |b| {
        check(dir.path(), &b, &refused)
    });
    super::figure("fuzz", "jobs.toml bytes refused", refused.replace(0));
    fuzz(
        "jobs.toml mutated",
        cases(120),
        prop::collection::vec(edit(), 1..4),
        |edits| check(dir.path(), apply(&repo, &edits).as_bytes(), &refused),
    );
    // Most mutations break the file: the checks above ran on errors, not only on
    // configurations that compiled.
    let n = refused.get();
    super::figure("fuzz", "jobs.toml mutated refused", n);
    assert!(
        n >= u64::from(cases(120)) / 3,
        "only {n} mutated files were refused"
    );
}

/// Whether `message` names line `n` ("line 137", not "line 1370").
fn names_line(message: &str, n: usize) -> bool {
    let word = format!("line {n}");
    message
        .match_indices(&word)
        .any(|(i, _)| !message[i + word.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The table line `at` is in, as errors name it: `prom`, `job[2]` (jobs counted from 0).
fn table_of(lines: &[&str], at: usize) -> String {
    let mut table = String::new();
    let mut jobs = 0;
    for l in &lines[..at] {
        let l = l.trim();
        if l == "[[job]]" {
            table = format!("job[{jobs}]");
            jobs += 1;
        } else if let Some(name) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = name.trim().to_string();
        }
    }
    table
}

/// One value of the repository's jobs.toml replaced: when the file is refused, an error
/// lies on the edited line or names its table (the mistake is shown where it was made).
/// An error in the same table, or one that names the line (a name used twice, shown at
/// its second use), also counts: a new `kind` makes the job's other keys wrong
/// there. Values that open what may span lines (a multi-line string, an array, an inline
/// table) are left out: the parser reports them where it finds the end missing.
#[test]
fn a_refused_value_is_shown_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let repo = std::fs::read_to_string(repo_file("jobs.toml")).unwrap();
    let lines: Vec<&str> = repo.lines().collect();
    let settings: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = lines[i].trim_start();
            !l.starts_with('#') && l.contains('=')
        })
        .collect();
    assert!(settings.len() > 10, "{repo}");
    let refused = Cell::new(0);
    let value = toml_value().prop_filter("nothing left open over lines", |v| {
        let count = |c: char| v.matches(c).count();
        !v.contains("\'\'\'")
            && !v.contains("\"\"\"")
            && count('[') == count(']')
            && count('{') == count('}')
    });
    fuzz(
        "jobs.toml one value",
        cases(60),
        (any::<usize>(), value),
        |(i, v)| {
            let at = settings[i % settings.len()];
            let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let (k, _) = lines[at].split_once('=').expect("a setting");
            edited[at] = format!("{k}= {v}");
            let text = edited.join("\n") + "\n";
            let path = dir.path().join("jobs.toml");
            std::fs::write(&path, &text).unwrap();
            let errs = match load_with_env(&path, std::iter::empty::<(String, String)>()) {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            refused.set(refused.get() + 1);
            located(&errs)?;
            let table = table_of(&lines, at);
            let on_line = errs.errors.iter().any(|e| match &e.origin {
                Origin::File(span) => {
                    errs.line_col(span.start).0 == at + 1
                        || e.key
                            .strip_prefix(&table)
                            .is_some_and(|k| k.starts_with('.'))
                        || names_line(&e.message, at + 1)
                }
                _ => false,
            });
            if on_line {
                Ok(())
            } else {
                Err(format!(
                    "line {} edited to `{}`, but no error is on it:\n{}",
                    at + 1,
                    edited[at],
                    errs.render(false)
                ))
            }
        },
    );
    let n = refused.get();
    super::figure("fuzz", "jobs.toml one value refused", n);
    assert!(n > 0, "no edited value was refused: the check never ran");
}
