//! Loading: read the file, parse it as TOML, merge the environment over it with figment,
//! run the compiler, and hand back the `Config` or every error in file order (with the
//! token starred out of the text the errors quote).

use std::ffi::OsStr;
use std::path::Path;

use figment::Figment;
use figment::value::Dict;
use toml::de::DeTable;

use super::compiler::Compiler;
use super::diagnostic::{ConfigError, ConfigErrors, Origin};
use super::layers::{self, EnvOverrides};
use super::model::Config;

/// Loads and validates `path` with environment overrides from the process environment.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    load_with_env(path, std::env::vars_os())
}

/// Loads and validates `path` with the environment overrides found in `env` (pairs of
/// name and value; only `PROMUA_SYNC__…` names are read). The process environment is
/// not consulted, so tests can each pass their own without racing.
pub fn load_with_env<I, K, V>(path: &Path, env: I) -> Result<Config, ConfigErrors>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let text = read_text(path)?;
    let doc = parse(path, &text)?;
    let env = EnvOverrides::from_vars(env);
    let root = merge(path, doc.get_ref(), &env)?;
    let mut c = Compiler::new(path, &text, doc.get_ref(), &env);
    for var in &env.not_utf8 {
        c.errors.push(ConfigError {
            key: var.path.join("."),
            message: "the value is not valid UTF-8".into(),
            help: None,
            origin: Origin::Env(var.name.clone()),
        });
    }
    let config = c.compile(&root);
    finish(c, config)
}

/// The file's text; a file that is not UTF-8 is refused with the place of the first bad
/// byte (shown as U+FFFD in the text the error quotes).
fn read_text(path: &Path) -> Result<String, ConfigErrors> {
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigErrors::single(
            path,
            "(file)",
            format!("cannot read the configuration: {e}"),
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let bad = layers::not_utf8(e.as_bytes(), e.utf8_error().valid_up_to());
        let at = bad.offset;
        // A UTF-16 file (as Windows editors save "Unicode") says so by its byte-order mark.
        let utf16 = matches!(e.as_bytes(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]);
        let (message, help) = if utf16 {
            (
                "not valid UTF-8: the file is UTF-16 (it starts with a UTF-16 byte-order mark)"
                    .to_string(),
                "TOML files are UTF-8: save the file as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)",
            )
        } else {
            (
                format!(
                    "not valid UTF-8: byte 0x{:02X} at byte offset {at} is not part of a \
                     UTF-8 character",
                    bad.byte
                ),
                "TOML files are UTF-8: save the file as UTF-8 (e.g. iconv -f CP1251 -t UTF-8)",
            )
        };
        ConfigErrors {
            file: path.to_path_buf(),
            text: bad.shown,
            errors: vec![ConfigError {
                key: "(encoding)".into(),
                message,
                help: Some(help.into()),
                origin: Origin::File(at..at + '\u{FFFD}'.len_utf8()),
            }],
        }
    })
}

fn parse<'i>(path: &Path, text: &'i str) -> Result<toml::Spanned<DeTable<'i>>, ConfigErrors> {
    DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ConfigErrors {
            file: path.to_path_buf(),
            text: text.to_string(),
            errors: vec![ConfigError {
                key: "(syntax)".into(),
                message: format!("not valid TOML: {}", e.message().trim()),
                help: None,
                origin: Origin::File(span),
            }],
        }
    })
}

/// The environment merged over the file.
fn merge(path: &Path, doc: &DeTable<'_>, env: &EnvOverrides) -> Result<Dict, ConfigErrors> {
    let figment = Figment::from(layers::Layer {
        name: "jobs.toml",
        dict: layers::file_dict(doc),
    })
    .merge(layers::Layer {
        name: "environment",
        dict: env.dict.clone(),
    });
    figment.extract().map_err(|e| {
        // Only the first line: figment may quote a value, which may be a secret.
        let msg = e.to_string();
        let first = msg
            .lines()
            .next()
            .unwrap_or("cannot read the configuration");
        ConfigErrors::single(path, "(file)", first.to_string())
    })
}

/// The config with the compiler's warnings, or its errors in file order, then those of
/// environment variables, then the rest.
fn finish(mut c: Compiler<'_, '_>, config: Option<Config>) -> Result<Config, ConfigErrors> {
    c.drop_missing_keys_explained_by_typos();
    if c.errors.is_empty() {
        let mut config = config.expect("no errors means a config");
        config.warnings = c.warnings;
        return Ok(config);
    }
    c.errors.sort_by(|a, b| {
        let rank = |e: &ConfigError| match &e.origin {
            Origin::File(r) => (0, r.start, String::new()),
            Origin::Env(v) => (1, 0, v.clone()),
            Origin::None => (2, 0, String::new()),
        };
        rank(a).cmp(&rank(b))
    });
    Err(ConfigErrors {
        file: c.path.to_path_buf(),
        text: redact_token(c.text, c.doc),
        errors: c.errors,
    })
}

/// The file's text with the value of `prom.token` starred out (same length, so spans
/// still point at the right place): error snippets must not show it.
fn redact_token(text: &str, doc: &DeTable<'_>) -> String {
    let span = doc
        .get("prom")
        .and_then(|p| p.get_ref().get("token"))
        .map(|v| v.span());
    match span {
        Some(r)
            if r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end) =>
        {
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..r.start]);
            out.extend(std::iter::repeat_n('*', r.end - r.start));
            out.push_str(&text[r.end..]);
            out
        }
        _ => text.to_string(),
    }
}
