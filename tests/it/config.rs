//! `check-config`: the example passes; a bad file reports every error with its place.

use crate::helpers::*;

#[test]
fn the_example_jobs_toml_is_valid() {
    let out = bin()
        .args(["check-config", "--config"])
        .arg(repo_file("jobs.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("configuration is valid"), "{stdout}");
    assert!(stdout.contains("job stock"), "{stdout}");
    // The example reads schedules in Kyiv time; its verify keeps its own zone.
    let stock = stdout.lines().find(|l| l.contains("job stock")).unwrap();
    assert!(stock.contains("Europe/Kyiv, catch-up"), "{stdout}");
    let verify = stdout.lines().find(|l| l.contains("job verify")).unwrap();
    assert!(verify.contains("` UTC next at"), "{stdout}");
}

/// sled's page cache: documented in the example (commented out, at its default), and read.
#[test]
fn the_store_cache_capacity_is_documented_defaulted_and_read() {
    let example = std::fs::read_to_string(repo_file("jobs.toml")).unwrap();
    let line = format!(
        "# cache_capacity_mib = {}",
        promua_sync::store::DEFAULT_CACHE_CAPACITY_MIB
    );
    assert!(example.contains(&line), "the example documents {line}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, &example).unwrap();
    let loaded = promua_sync::config::load(&path).unwrap();
    assert_eq!(
        loaded.store.cache_capacity_mib,
        promua_sync::store::DEFAULT_CACHE_CAPACITY_MIB
    );
    std::fs::write(&path, example.replace(&line, "cache_capacity_mib = 48")).unwrap();
    let loaded = promua_sync::config::load(&path).unwrap();
    assert_eq!(loaded.store.cache_capacity_mib, 48);
}

/// The rendering without miette's line wrapping.
fn flat(s: &str) -> String {
    s.split('\n')
        .map(|l| l.trim_start().trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

const BAD: &str = r#"# a configuration with three mistakes
[prom]
base_url = "https://my.prom.ua/api/v1"
token_fiel = "/etc/promua-sync/prom-token"

[store]
path = "store"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 */2 * * mon-fry"

[[job]]
name = "orders"
kind = "pull_ordrs"
schedule = "*/5 * * * *"
"#;

#[test]
fn a_bad_file_reports_all_errors_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), BAD).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["check-config", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("bad.toml:4:1: prom.token_fiel: unknown key"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:12:12: job[0].schedule"),
        "{stderr}"
    );
    assert!(
        stderr.contains("field 5 (day of week) `mon-fry`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:16:8: job[1].kind: unknown job kind `pull_ordrs`"),
        "{stderr}"
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn every_subcommand_refuses_a_bad_file_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), BAD).unwrap();
    for args in [&["run"][..], &["job", "run", "stock"], &["status"]] {
        let out = bin()
            .current_dir(dir.path())
            .args(args)
            .args(["--config", "bad.toml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("3 errors"),
            "{args:?}"
        );
    }
}

#[test]
fn env_overrides_apply_and_are_named_when_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[store]\npath = \"store\"\n").unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("PROMUA_SYNC__STORE__PATH", "/srv/elsewhere")
        .env("PROMUA_SYNC__PROM__MAX_CONCURRENCY", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = flat(&String::from_utf8_lossy(&out.stderr));
    assert!(
        stderr.contains("prom.max_concurrency: `0` is too small: must be between 1 and 64 (set by environment variable PROMUA_SYNC__PROM__MAX_CONCURRENCY)"),
        "{stderr}"
    );
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("PROMUA_SYNC__STORE__PATH", "/srv/elsewhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("store:      /srv/elsewhere"));
}

#[test]
fn a_token_written_in_jobs_toml_is_refused_unless_insisted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[prom]\ntoken = \"abc\"\n[store]\npath = \"s\"\n").unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("2:1: prom.token: the Prom.ua token must not be written in jobs.toml")
    );
    std::fs::write(
        &path,
        "[prom]\ntoken = \"abc\"\nallow_token_in_config = true\n[store]\npath = \"s\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("token:      from jobs.toml"));
}

#[test]
fn a_missing_file_and_a_syntax_error_are_clear() {
    let out = bin()
        .args(["check-config", "--config", "/nonexistent/jobs.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the configuration"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[store]\npath = \"s\n").unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jobs.toml:2:") && stderr.contains("not valid TOML"),
        "{stderr}"
    );
}

#[test]
fn an_all_digit_token_is_read_as_text_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, "[store]\npath = \"s\"\n").unwrap();
    let digits = "98765432109876543210123";
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .env("PROMUA_SYNC__PROM__TOKEN", digits)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("token:      from environment variable PROMUA_SYNC__PROM__TOKEN"),
        "{all}"
    );
    assert!(!all.contains("9876543210"), "{all}");
    // Written in the file (insisted on), as a number: still no type error that prints it.
    std::fs::write(
        &path,
        format!("[prom]\ntoken = {digits}\nallow_token_in_config = true\n[store]\npath = \"s\"\n"),
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("9876543210"), "{all}");
}

#[test]
fn error_snippets_never_show_a_token_written_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        "[prom]\ntoken = \"tok-IN-FILE-51f0\"\nbogus = 1\n[store]\npath = \"s\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("must not be written in jobs.toml") && stderr.contains("prom.bogus"),
        "{stderr}"
    );
    assert!(!stderr.contains("IN-FILE-51f0"), "{stderr}");
}

// ---- issue 9: input that corrupts the ledger, messages that miss ----

use promua_sync::config::{self, ConfigError, ConfigErrors, Origin};

/// Loads `text` as `jobs.toml` with exactly `env` as the environment (the process
/// environment is not read, so these tests cannot race each other).
fn load(text: &[u8], env: &[(&str, &str)]) -> Result<config::Config, ConfigErrors> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(&path, text).unwrap();
    config::load_with_env(&path, env.iter().copied())
}

/// As [`load`], for a configuration that must be refused.
fn refused(text: &str, env: &[(&str, &str)]) -> ConfigErrors {
    match load(text.as_bytes(), env) {
        Ok(c) => panic!("accepted: {c:?}"),
        Err(e) => e,
    }
}

/// The one error about `key`.
fn error_at<'e>(errors: &'e ConfigErrors, key: &str) -> &'e ConfigError {
    let found: Vec<_> = errors.errors.iter().filter(|e| e.key == key).collect();
    assert_eq!(found.len(), 1, "one error about {key}: {errors}");
    found[0]
}

/// `jobs.toml:LINE:COL` of the first occurrence of `needle` in `text` (after `after`).
fn place_of(text: &str, after: &str, needle: &str) -> String {
    let from = text
        .find(after)
        .unwrap_or_else(|| panic!("{after} in the text"));
    let at = from
        + text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in the text"));
    let line = text[..at].matches('\n').count() + 1;
    let col = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    format!("jobs.toml:{line}:{col}")
}

/// The error's one-line form, the place first: `…/jobs.toml:L:C: key: message (help)`.
fn line_of(errors: &ConfigErrors, e: &ConfigError) -> String {
    errors.plain_line(e)
}

const STORE: &str = "[store]\npath = \"store\"\n";

#[test]
fn env_overrides_that_are_wrong_name_their_variable_not_the_file() {
    let text = format!("{STORE}[sync]\nwarehouses = [\"main\"]\nupdate_balances = true\n");
    let errors = refused(&text, &[("PROMUA_SYNC__SYNC__UPDATE_BALANCES", "maybe")]);
    assert_eq!(errors.errors.len(), 1, "{errors}");
    let e = error_at(&errors, "sync.update_balances");
    assert_eq!(
        e.origin,
        Origin::Env("PROMUA_SYNC__SYNC__UPDATE_BALANCES".into())
    );
    assert!(
        e.message.contains("expected true or false, found `maybe`"),
        "{e:?}"
    );
    let line = line_of(&errors, e);
    assert!(
        line.starts_with("environment variable PROMUA_SYNC__SYNC__UPDATE_BALANCES: "),
        "{line}"
    );
    assert!(!line.contains("jobs.toml"), "{line}");
    let rendered = flat(&errors.render(false));
    assert!(
        rendered.contains("(set by environment variable PROMUA_SYNC__SYNC__UPDATE_BALANCES)"),
        "{rendered}"
    );

    // Every section, every kind of value: (variable, value, key, words of the message).
    let cases: [(&str, &str, &str, &str); 18] = [
        (
            "PROMUA_SYNC__ADMIN__ENABLED",
            "yes",
            "admin.enabled",
            "expected true or false, found `yes`",
        ),
        (
            "PROMUA_SYNC__SYNC__UPDATE_PRICES",
            "1",
            "sync.update_prices",
            "expected true or false, found `1`",
        ),
        (
            "PROMUA_SYNC__PROM__MAX_CONCURRENCY",
            "lots",
            "prom.max_concurrency",
            "expected a whole number between 1 and 64, found `lots`",
        ),
        (
            "PROMUA_SYNC__PROM__MAX_CONCURRENCY",
            "0",
            "prom.max_concurrency",
            "must be between 1 and 64",
        ),
        (
            "PROMUA_SYNC__PROM__REQUEST_TIMEOUT_SECS",
            "1.5",
            "prom.request_timeout_secs",
            "`1.5` is not a whole number: must be between 1 and 3600 seconds",
        ),
        (
            "PROMUA_SYNC__SYNC__SAFETY_BUFFER",
            "123456789012345678901",
            "sync.safety_buffer",
            "`123456789012345678901` is too large: must be between 0 and 1000000000",
        ),
        (
            "PROMUA_SYNC__DAEMON__SHUTDOWN_GRACE_SECS",
            "-1",
            "daemon.shutdown_grace_secs",
            "must be between 1 and 600 seconds",
        ),
        (
            "PROMUA_SYNC__STORE__PATH",
            "",
            "store.path",
            "the value is empty",
        ),
        (
            "PROMUA_SYNC__STORE__KEEP_RUNS_DAYS",
            "0",
            "store.keep_runs_days",
            "must be between 1 and 36500 days",
        ),
        (
            "PROMUA_SYNC__STORE__CACHE_CAPACITY_MIB",
            "0",
            "store.cache_capacity_mib",
            "must be between 1 and 65536 MiB (64 GiB)",
        ),
        (
            "PROMUA_SYNC__PROM__TOKEN_FILE",
            " ",
            "prom.token_file",
            "the value is empty",
        ),
        (
            "PROMUA_SYNC__PROM__BASE_URL",
            "ftp://example.com",
            "prom.base_url",
            "must be an http:// or https:// URL",
        ),
        (
            "PROMUA_SYNC__ADMIN__LISTEN",
            "localhost",
            "admin.listen",
            "is not an address",
        ),
        (
            "PROMUA_SYNC__SYNC__WAREHOUSES",
            "main",
            "sync.warehouses",
            "expected a list such as [\"a\", \"b\"], found `main`",
        ),
        (
            "PROMUA_SYNC__SYNC__RESERVE_WAREHOUSE",
            "nowhere",
            "sync.reserve_warehouse",
            "warehouse `nowhere` is not declared",
        ),
        (
            "PROMUA_SYNC__SYNC",
            "5",
            "sync",
            "expected a table, found `5`",
        ),
        (
            "PROMUA_SYNC__SYNC__BOGUS",
            "1",
            "sync.bogus",
            "unknown key `bogus`",
        ),
        ("PROMUA_SYNC__NOPE__X", "1", "nope", "unknown section"),
    ];
    for (var, value, key, words) in cases {
        let errors = refused(&text, &[(var, value)]);
        assert_eq!(errors.errors.len(), 1, "{var}={value}: {errors}");
        let e = error_at(&errors, key);
        assert_eq!(e.origin, Origin::Env(var.into()), "{var}={value}: {e:?}");
        assert!(e.message.contains(words), "{var}={value}: {e:?}");
    }
    // A job overridden from the environment is no [[job]] table: the variable is named.
    let errors = refused(&text, &[("PROMUA_SYNC__JOB__0__NAME", "x")]);
    let e = error_at(&errors, "job");
    assert_eq!(e.origin, Origin::Env("PROMUA_SYNC__JOB__0__NAME".into()));
    let with_job = format!(
        "{text}[[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"* * * * *\"\n"
    );
    let errors = refused(&with_job, &[("PROMUA_SYNC__JOB__0__NAME", "x")]);
    let e = error_at(&errors, "job");
    assert_eq!(e.origin, Origin::Env("PROMUA_SYNC__JOB__0__NAME".into()));
    // Two wrong variables: both named, in one pass.
    let errors = refused(
        &text,
        &[
            ("PROMUA_SYNC__SYNC__UPDATE_BALANCES", "maybe"),
            ("PROMUA_SYNC__SYNC__PUSH_DEBOUNCE_MS", "soon"),
        ],
    );
    assert_eq!(errors.errors.len(), 2, "{errors}");
    assert_eq!(
        error_at(&errors, "sync.push_debounce_ms").origin,
        Origin::Env("PROMUA_SYNC__SYNC__PUSH_DEBOUNCE_MS".into())
    );
}

#[test]
fn env_overrides_of_text_stay_text_and_good_ones_apply() {
    let text = format!("{STORE}[sync]\nwarehouses = [\"main\"]\nupdate_balances = true\n");
    let config = load(
        text.as_bytes(),
        &[
            ("PROMUA_SYNC__STORE__PATH", "/srv/12345"),
            ("PROMUA_SYNC__SYNC__WAREHOUSES", "[1, main]"),
            ("PROMUA_SYNC__SYNC__RESERVE_WAREHOUSE", "1"),
            ("PROMUA_SYNC__SYNC__UPDATE_BALANCES", "false"),
            ("PROMUA_SYNC__PROM__TOKEN", "0123456789"),
            ("UNRELATED", "x"),
        ],
    )
    .unwrap();
    assert_eq!(config.store.path, std::path::Path::new("/srv/12345"));
    assert_eq!(config.sync.warehouses, ["1", "main"]);
    assert_eq!(config.sync.reserve_warehouse, "1");
    assert!(!config.sync.update_balances);
    assert_eq!(
        config.prom.token_origin,
        "environment variable PROMUA_SYNC__PROM__TOKEN"
    );
}

#[test]
fn a_typo_in_a_status_map_entry_is_an_unknown_key_at_its_place() {
    let text = format!(
        "{STORE}[sync]\nupdate_statuses = true\nsafty_buffer = 2\n\n[[job]]\nname = \"statuses\"\nkind = \"push_statuses\"\n\
         schedule = \"*/5 * * * *\"\nbatch_sise = 10\n\
         status_map = {{ received = \"received\", canceled = {{ status = \"canceled\", reasn = \"buyers_request\" }} }}\n"
    );
    let errors = refused(&text, &[]);
    let e = error_at(&errors, "job[0].status_map.canceled.reasn");
    assert_eq!(e.message, "unknown key `reasn`");
    assert_eq!(e.help.as_deref(), Some("did you mean `reason`?"));
    let line = line_of(&errors, e);
    assert!(
        line.contains(&format!(
            "{}: job[0].status_map.canceled.reasn: unknown key `reasn` (did you mean `reason`?)",
            place_of(&text, "status_map", "reasn")
        )),
        "{line}"
    );
    // Not reported as the reason it then seems to lack.
    assert!(!errors.to_string().contains("needs a reason"), "{errors}");
    // Unknown keys elsewhere: in a job, in a section; each at its place.
    let e = error_at(&errors, "job[0].batch_sise");
    assert!(
        line_of(&errors, e).contains(&format!(
            "{}: job[0].batch_sise: unknown key `batch_sise`",
            place_of(&text, "[[job]]", "batch_sise")
        )),
        "{errors}"
    );
    assert!(e.help.as_deref().unwrap().contains("max_changes"), "{e:?}");
    let e = error_at(&errors, "sync.safty_buffer");
    assert_eq!(e.help.as_deref(), Some("did you mean `safety_buffer`?"));
    assert!(
        line_of(&errors, e).contains(&place_of(&text, "[sync]", "safty_buffer")),
        "{errors}"
    );
    assert_eq!(errors.errors.len(), 3, "{errors}");
}

#[test]
fn an_empty_path_is_called_empty_not_missing() {
    let text =
        "[prom]\ntoken_file = \"\"\n\n[store]\npath = \"\"\n\n[admin]\ntoken_file = \"  \"\n";
    let errors = refused(text, &[]);
    assert_eq!(errors.errors.len(), 3, "{errors}");
    for (key, section) in [
        ("prom.token_file", "[prom]"),
        ("store.path", "[store]"),
        ("admin.token_file", "[admin]"),
    ] {
        let e = error_at(&errors, key);
        assert_eq!(e.message, "the value is empty", "{e:?}");
        let line = line_of(&errors, e);
        let name = key.rsplit('.').next().unwrap();
        let value_place = place_of(text, section, &format!("{name} = "));
        // The value's place: the column after `name = `.
        let (l, c) = value_place.rsplit_once(':').unwrap();
        let col: usize = c.parse().unwrap();
        let expected = format!("{l}:{}: {key}: the value is empty", col + name.len() + 3);
        assert!(line.contains(&expected), "{line} / {expected}");
        assert!(!line.contains("missing"), "{line}");
    }
}

const FOUR_MISTAKES: &str = r#"[prom]
token_fiel = "/etc/promua-sync/prom-token"

[store]
path = "store"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "0 */2 * * mon-fry"

[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/10 * * * *"

[[job]]
name = "orders"
kind = "pull_ordrs"
schedule = "*/5 * * * *"
"#;

#[test]
fn four_mistakes_are_four_errors_a_duplicate_name_included() {
    let errors = refused(FOUR_MISTAKES, &[]);
    assert_eq!(errors.errors.len(), 4, "{errors}");
    let e = error_at(&errors, "job[1].name");
    assert!(
        line_of(&errors, e).contains(&format!(
            "{}: job[1].name: job name `stock` is used twice (also job[0], line 8)",
            place_of(
                FOUR_MISTAKES,
                "[[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"*/10",
                "\"stock\""
            )
        )),
        "{errors}"
    );
    // The same through check-config: exit 2, "4 errors".
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jobs.toml"), FOUR_MISTAKES).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["check-config", "--config", "jobs.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4 errors in the configuration"), "{stderr}");
    assert!(
        stderr.contains("jobs.toml:13:8: job[1].name: job name `stock` is used twice"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_utf8_names_the_first_bad_byte() {
    // Line 2, column 10: `path = "s` is 9 characters (one of them 2 bytes), then 0xFF.
    let bytes = b"[store]\npath = \"\xc3\xa9\xff\"\n[prom]\ntoken = \"secret-\xff\"\n";
    let errors = match load(bytes, &[]) {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    };
    assert_eq!(errors.errors.len(), 1);
    let e = &errors.errors[0];
    assert_eq!(e.origin, Origin::File(18..21));
    let line = line_of(&errors, e);
    assert!(
        line.contains("jobs.toml:2:10: (encoding): not valid UTF-8: byte 0xFF at byte offset 18"),
        "{line}"
    );
    let rendered = errors.render(false);
    assert!(!rendered.contains("secret"), "{rendered}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jobs.toml"), bytes).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["check-config", "--config", "jobs.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("jobs.toml:2:10: (encoding): not valid UTF-8"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "{stderr}");
}

#[test]
fn numbers_too_large_say_so_and_name_the_allowed_range() {
    let text = format!(
        "{STORE}[sync]\nsafety_buffer = 123456789012345678901\npush_debounce_ms = 1.5\n\n\
         [prom]\nmax_retries = 1234567890123456789012345678901234567890123\n\n\
         [[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"*/10 * * * *\"\nbatch_size = 123456789012345678901\n\n\
         [[job]]\nname = \"orders\"\nkind = \"pull_orders\"\nschedule = \"*/2 * * * *\"\nmax_changes = 123456789012345678901\ninitial_days = -3\n"
    );
    let errors = refused(&text, &[]);
    let expect = [
        (
            "sync.safety_buffer",
            "[sync]",
            "123456789012345678901",
            "`123456789012345678901` is too large: must be between 0 and 1000000000",
        ),
        (
            "sync.push_debounce_ms",
            "[sync]",
            "1.5",
            "`1.5` is not a whole number: must be between 0 and 600000 ms (10 minutes)",
        ),
        (
            "prom.max_retries",
            "[prom]",
            "1234567890",
            "is too large: must be between 0 and 20",
        ),
        (
            "job[0].batch_size",
            "name = \"stock\"",
            "123456789012345678901",
            "`123456789012345678901` is too large: must be between 1 and 100",
        ),
        (
            "job[1].max_changes",
            "name = \"orders\"",
            "123456789012345678901",
            "`123456789012345678901` is too large: must be between 1 and 1000000000",
        ),
        (
            "job[1].initial_days",
            "name = \"orders\"",
            "-3",
            "must be between 1 and 365 days",
        ),
    ];
    assert_eq!(errors.errors.len(), expect.len(), "{errors}");
    for (key, after, needle, words) in expect {
        let e = error_at(&errors, key);
        let line = line_of(&errors, e);
        assert!(
            line.contains(&format!("{}: {key}: ", place_of(&text, after, needle))),
            "{line}"
        );
        assert!(e.message.contains(words), "{line}");
        assert!(
            !e.message.contains("not a whole number") || needle == "1.5",
            "{line}"
        );
    }
    // In range but above the largest quantity.
    let errors = refused(&format!("{STORE}[sync]\nsafety_buffer = 2000000000\n"), &[]);
    assert!(
        error_at(&errors, "sync.safety_buffer")
            .message
            .contains("`2000000000` is too large: must be between 0 and 1000000000"),
        "{errors}"
    );
    assert_eq!(
        promua_sync::store::MAX_QUANTITY,
        1_000_000_000,
        "the message above names it"
    );
}

#[test]
fn a_schedule_that_never_fires_is_refused_at_its_place() {
    let text = format!(
        "{STORE}\n[[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"0 0 30 2 *\"\n"
    );
    let errors = refused(&text, &[]);
    assert_eq!(errors.errors.len(), 1, "{errors}");
    let e = error_at(&errors, "job[0].schedule");
    let line = line_of(&errors, e);
    assert!(
        line.contains(&format!(
            "{}: job[0].schedule: `0 0 30 2 *` never fires",
            place_of(&text, "schedule", "\"0 0 30")
        )),
        "{line}"
    );
    // Rare but real dates are fine: 29 February, Friday the 13th.
    for ok in ["0 0 29 2 *", "0 9 13 * 5"] {
        let text = format!(
            "{STORE}\n[[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"{ok}\"\n"
        );
        load(text.as_bytes(), &[]).unwrap();
    }
}

#[test]
fn max_changes_zero_is_refused_in_every_kind_that_has_it() {
    let mut text = format!("{STORE}[sync]\nupdate_prices = true\nupdate_statuses = true\n");
    let kinds = [
        ("push_stock", ""),
        ("push_prices", ""),
        ("push_statuses", ""),
        ("pull_orders", ""),
        ("import_products", "mode = \"link_only\"\n"),
    ];
    for (i, (kind, extra)) in kinds.iter().enumerate() {
        text.push_str(&format!(
            "\n[[job]]\nname = \"j{i}\"\nkind = \"{kind}\"\nschedule = \"*/10 * * * *\"\n{extra}max_changes = 0\n"
        ));
    }
    let errors = refused(&text, &[]);
    assert_eq!(errors.errors.len(), kinds.len(), "{errors}");
    for i in 0..kinds.len() {
        let key = format!("job[{i}].max_changes");
        let e = error_at(&errors, &key);
        let line = line_of(&errors, e);
        let place = place_of(&text, &format!("name = \"j{i}\""), "max_changes = 0");
        let (l, c) = place.rsplit_once(':').unwrap();
        let value_col: usize = c.parse::<usize>().unwrap() + "max_changes = ".len();
        assert!(
            line.contains(&format!(
                "{l}:{value_col}: {key}: max_changes = 0 would stop every run that changes anything (remove the key for no limit, or set a positive number)"
            )),
            "{line}"
        );
    }
}

const WAREHOUSES: &str = r#"[store]
path = "store"

[sync]
warehouses = ["main", "shop"]
local_warehouses = ["returns"]
reserve_warehouse = "RESERVE"

[[job]]
name = "download"
kind = "import_products"
mode = "update_balances"
schedule = "0 3 * * *"
warehouse = "WAREHOUSE"
"#;

/// [`WAREHOUSES`] with its reservation warehouse and the import's warehouse filled in.
fn warehouses(reserve: &str, warehouse: &str) -> String {
    let text = patch(WAREHOUSES, "\"RESERVE\"", &format!("\"{reserve}\""));
    patch(&text, "\"WAREHOUSE\"", &format!("\"{warehouse}\""))
}

#[test]
fn warehouses_named_by_the_configuration_must_be_declared() {
    let text = warehouses("nowhere", "nowhere");
    let errors = refused(&text, &[]);
    assert_eq!(errors.errors.len(), 2, "{errors}");
    for (key, after) in [
        ("sync.reserve_warehouse", "reserve_warehouse"),
        ("job[0].warehouse", "[[job]]"),
    ] {
        let e = error_at(&errors, key);
        let line = line_of(&errors, e);
        assert!(
            line.contains(&format!(
                "{}: {key}: warehouse `nowhere` is not declared",
                place_of(&text, after, "\"nowhere\"")
            )),
            "{line}"
        );
        assert!(
            line.contains("[sync] warehouses (pushed to Prom.ua): main, shop")
                && line.contains("[sync] local_warehouses (kept locally): returns"),
            "{line}"
        );
    }
    // update_balances into a local warehouse: declared, so fine; into a pushed one too.
    for w in ["returns", "shop"] {
        let text = warehouses("main", w);
        let config = load(text.as_bytes(), &[]).unwrap();
        assert_eq!(config.sync.known_warehouses(), ["main", "shop", "returns"]);
    }
    // Orders reserve the stock Prom.ua is shown: a local warehouse will not do.
    let text = warehouses("returns", "main");
    let errors = refused(&text, &[]);
    let e = error_at(&errors, "sync.reserve_warehouse");
    assert!(
        e.message.contains("`returns` is a local warehouse")
            && line_of(&errors, e).contains(&place_of(&text, "reserve_warehouse", "\"returns\"")),
        "{errors}"
    );
    // And check-config refuses what it used to pass.
    let dir = tempfile::tempdir().unwrap();
    let bad = warehouses("nowhere", "nowhere");
    std::fs::write(dir.path().join("jobs.toml"), bad).unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args(["check-config", "--config", "jobs.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = flat(&String::from_utf8_lossy(&out.stderr));
    assert!(
        stderr.contains(
            "jobs.toml:7:21: sync.reserve_warehouse: warehouse `nowhere` is not declared"
        ) && stderr
            .contains("jobs.toml:14:13: job[0].warehouse: warehouse `nowhere` is not declared"),
        "{stderr}"
    );
}

#[test]
fn release_statuses_clashing_with_the_other_lists_are_refused_at_their_place() {
    let text = format!(
        "{STORE}[sync]\nreserve_statuses = [\"pending\", \"awaiting_prepayment\"]\ndone_status = \"delivered\"\n\
         release_statuses = [\"returned\", \"awaiting_prepayment\", \"delivered\"]\n"
    );
    let errors = refused(&text, &[]);
    let e = error_at(&errors, "sync.release_statuses[1]");
    assert!(
        e.message
            .contains("`awaiting_prepayment` is also in reserve_statuses"),
        "{e:?}"
    );
    let e = error_at(&errors, "sync.release_statuses[2]");
    assert!(
        e.message.contains("`delivered` is also done_status"),
        "{e:?}"
    );
    assert_eq!(errors.errors.len(), 2, "{errors}");
    // A good list loads, and a status_map's local statuses mean their Prom.ua status.
    let good = format!(
        "{STORE}[sync]\nrelease_statuses = [\"returned\"]\n\n[[job]]\nname = \"statuses\"\nkind = \"push_statuses\"\n\
         schedule = \"*/5 * * * *\"\nstatus_map = {{ cancelled_by_buyer = {{ status = \"canceled\", reason = \"buyers_request\" }} }}\n"
    );
    let c = load(good.as_bytes(), &[]).unwrap();
    let policy = c.sync.reservation_policy();
    use promua_sync::domain::StatusClass;
    assert_eq!(policy.class("returned"), StatusClass::Releases);
    assert_eq!(policy.class("cancelled_by_buyer"), StatusClass::Releases);
    assert_eq!(policy.class("awaiting_prepayment"), StatusClass::Unknown);
}

#[test]
fn two_status_maps_sending_a_status_differently_are_a_warning() {
    let text = format!(
        "{STORE}[[job]]\nname = \"a\"\nkind = \"push_statuses\"\nschedule = \"*/5 * * * *\"\nstatus_map = {{ done = \"delivered\" }}\n\n\
         [[job]]\nname = \"b\"\nkind = \"push_statuses\"\nschedule = \"*/5 * * * *\"\nstatus_map = {{ done = \"received\" }}\n"
    );
    let c = load(text.as_bytes(), &[]).unwrap();
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("`a` and `b` send local status `done`")),
        "{:?}",
        c.warnings
    );
    assert_eq!(
        c.sync.reservation_policy().alias_of("done"),
        Some("delivered")
    );
}

#[test]
fn shipped_statuses_may_not_hold_or_release() {
    let text = format!(
        "{STORE}[sync]\nreserve_statuses = [\"pending\"]\nrelease_statuses = [\"returned\"]\n\
         shipped_statuses = [\"completed\", \"pending\", \"returned\", \" \"]\n"
    );
    let errors = refused(&text, &[]);
    assert!(
        error_at(&errors, "sync.shipped_statuses[1]")
            .message
            .contains("`pending` is also in reserve_statuses")
    );
    assert!(
        error_at(&errors, "sync.shipped_statuses[2]")
            .message
            .contains("`returned` is also in release_statuses")
    );
    assert_eq!(
        error_at(&errors, "sync.shipped_statuses[3]").message,
        "a status must not be blank"
    );
    assert_eq!(errors.errors.len(), 3, "{errors}");
}

#[test]
fn the_on_change_pushes_names_are_reserved() {
    for name in ["on_change_stock", "on_change_prices"] {
        let text = format!(
            "{STORE}\n[[job]]\nname = \"{name}\"\nkind = \"push_stock\"\nschedule = \"*/10 * * * *\"\n"
        );
        let errors = refused(&text, &[]);
        let e = error_at(&errors, "job[0].name");
        let line = line_of(&errors, e);
        assert!(
            line.contains(&format!(
                "jobs.toml:5:8: job[0].name: `{name}` is the name the on-change push records its runs under"
            )),
            "{line}"
        );
    }
}
