//! The two layers figment merges: the file (converted from toml's spanned document, so
//! that a number too large for 64 bits is still a value with a place, not a parse failure
//! without one) and the `PROMUA_SYNC__…` environment (taken from an explicit list of
//! variables, each remembered with the key path it sets, so that an error names it).

use std::collections::BTreeMap;
use std::ffi::OsStr;

use figment::value::{Dict, Map, Num, Tag, Value};
use figment::{Metadata, Profile, Provider};
use toml::de::{DeTable, DeValue};

use super::{ENV_PREFIX, TOKEN_ENV};

/// A ready-made layer for figment.
pub(super) struct Layer {
    pub name: &'static str,
    pub dict: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name)
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// The file's document as figment values. Integers keep their size: what does not fit in
/// 64 bits becomes a 128-bit number (or, beyond that, its digits as text), and the
/// key's own check then says it is too large, at its place.
pub(super) fn file_dict(doc: &DeTable<'_>) -> Dict {
    doc.iter()
        .map(|(k, v)| (k.get_ref().to_string(), value_of(v.get_ref())))
        .collect()
}

fn value_of(v: &DeValue<'_>) -> Value {
    match v {
        DeValue::String(s) => Value::from(s.to_string()),
        DeValue::Integer(i) => {
            let (text, radix) = (i.as_str(), i.radix());
            if let Ok(n) = i64::from_str_radix(text, radix) {
                Value::from(n)
            } else if let Ok(n) = u128::from_str_radix(text, radix) {
                Value::Num(Tag::Default, Num::U128(n))
            } else if let Ok(n) = i128::from_str_radix(text, radix) {
                Value::Num(Tag::Default, Num::I128(n))
            } else {
                Value::from(i.to_string())
            }
        }
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(x) => Value::from(x),
            Err(_) => Value::from(f.as_str().to_string()),
        },
        DeValue::Boolean(b) => Value::from(*b),
        DeValue::Datetime(d) => Value::from(d.to_string()),
        DeValue::Array(a) => {
            Value::from(a.iter().map(|v| value_of(v.get_ref())).collect::<Vec<_>>())
        }
        DeValue::Table(t) => Value::from(file_dict(t)),
    }
}

/// Keys whose value is text: an override is taken as written, so a store path or a
/// warehouse named with digits only stays text instead of becoming a number.
const TEXT_KEYS: [&str; 7] = [
    "prom.base_url",
    "prom.token_file",
    "store.path",
    "sync.done_status",
    "sync.reserve_warehouse",
    "admin.listen",
    "admin.token_file",
];
/// Keys whose value is a list of text (`["main", "shop"]`).
const TEXT_LIST_KEYS: [&str; 5] = [
    "sync.warehouses",
    "sync.local_warehouses",
    "sync.reserve_statuses",
    "sync.release_statuses",
    "sync.shipped_statuses",
];

/// One `PROMUA_SYNC__…` variable.
#[derive(Debug, Clone)]
pub(super) struct EnvVar {
    /// The variable's name as it was set.
    pub name: String,
    /// The key path it sets, lower case: `PROMUA_SYNC__SYNC__WAREHOUSES` sets `sync.warehouses`.
    pub path: Vec<String>,
}

/// The overrides found in an environment.
#[derive(Debug, Default)]
pub(super) struct EnvOverrides {
    pub vars: Vec<EnvVar>,
    pub dict: Dict,
    /// `PROMUA_SYNC__PROM__TOKEN`, read as text, never through figment (which would type an
    /// all-digit token as a number, and a type error would print it).
    pub token: Option<String>,
    /// Variables whose value is not UTF-8.
    pub not_utf8: Vec<EnvVar>,
}

impl EnvOverrides {
    pub fn from_vars<I, K, V>(env: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut found: BTreeMap<String, (Vec<String>, Option<String>)> = BTreeMap::new();
        for (k, v) in env {
            let Some(name) = k.as_ref().to_str() else {
                continue;
            };
            let name = name.trim();
            let Some(rest) = name
                .get(..ENV_PREFIX.len())
                .filter(|p| p.eq_ignore_ascii_case(ENV_PREFIX))
                .map(|_| &name[ENV_PREFIX.len()..])
            else {
                continue;
            };
            let path: Vec<String> = rest
                .split("__")
                .map(|s| s.trim().to_ascii_lowercase())
                .collect();
            // As figment's `Env`: a variable with an empty segment names no key.
            if path.iter().any(String::is_empty) {
                continue;
            }
            found.insert(
                name.to_string(),
                (path, v.as_ref().to_str().map(str::to_string)),
            );
        }
        let mut out = Self::default();
        for (name, (path, value)) in found {
            let var = EnvVar { name, path };
            if var.path == ["prom", "token"] {
                if var.name == TOKEN_ENV {
                    match value {
                        Some(t) => out.token = Some(t),
                        None => out.not_utf8.push(var),
                    }
                }
                continue;
            }
            let Some(raw) = value else {
                out.not_utf8.push(var);
                continue;
            };
            let key = var.path.join(".");
            let parsed: Value = raw.parse().unwrap_or_else(|_| Value::from(raw.clone()));
            let value = if TEXT_KEYS.contains(&key.as_str()) {
                match parsed {
                    v @ Value::String(..) => v,
                    _ => Value::from(raw),
                }
            } else if TEXT_LIST_KEYS.contains(&key.as_str()) {
                match parsed {
                    Value::Array(_, items) => {
                        Value::from(items.into_iter().map(scalar_as_text).collect::<Vec<_>>())
                    }
                    other => other,
                }
            } else {
                parsed
            };
            insert(&mut out.dict, &var.path, value);
            out.vars.push(var);
        }
        out
    }

    /// The variable that sets `path`, or a table above it (the longest such path).
    pub fn setting(&self, path: &[String]) -> Option<&EnvVar> {
        self.vars
            .iter()
            .filter(|v| path.starts_with(&v.path))
            .max_by_key(|v| v.path.len())
    }

    /// A variable that sets a key below `path`.
    pub fn below(&self, path: &[String]) -> Option<&EnvVar> {
        self.vars
            .iter()
            .find(|v| v.path.len() > path.len() && v.path.starts_with(path))
    }
}

/// A number or a boolean in a list of names is the name written with digits (`[1, 2]`).
fn scalar_as_text(v: Value) -> Value {
    match v {
        Value::Num(_, n) => Value::from(
            n.to_u128()
                .map(|n| n.to_string())
                .or_else(|| n.to_i128().map(|n| n.to_string()))
                .or_else(|| n.to_f64().map(|n| n.to_string()))
                .unwrap_or_default(),
        ),
        Value::Bool(_, b) => Value::from(b.to_string()),
        other => other,
    }
}

fn insert(dict: &mut Dict, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry(first.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            if entry.as_dict().is_none() {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, d) = entry {
                insert(d, rest, value);
            }
        }
    }
}

/// A file that is not UTF-8: where the first bad byte is, and the text to show around it
/// (the bad line only, a token on it starred out, every other line blanked: the rest of
/// an unreadable file cannot be checked for a secret).
pub(super) struct NotUtf8 {
    pub offset: usize,
    pub byte: u8,
    pub shown: String,
}

pub(super) fn not_utf8(bytes: &[u8], valid_up_to: usize) -> NotUtf8 {
    let text = String::from_utf8_lossy(bytes);
    let line_start = text[..valid_up_to].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[valid_up_to..]
        .find('\n')
        .map_or(text.len(), |i| valid_up_to + i);
    let mut shown = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if c == '\n' || (line_start..line_end).contains(&i) {
            shown.push(c);
        } else {
            // Same byte length, so offsets stay right.
            shown.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    let line = &text[line_start..line_end];
    if line.trim_start().starts_with("token")
        && let Some(eq) = line.find('=')
    {
        let from = line_start + eq + 1;
        let mut redacted = String::with_capacity(shown.len());
        for (i, c) in shown.char_indices() {
            if (from..line_end).contains(&i) && !c.is_whitespace() {
                redacted.extend(std::iter::repeat_n('*', c.len_utf8()));
            } else {
                redacted.push(c);
            }
        }
        shown = redacted;
    }
    NotUtf8 {
        offset: valid_up_to,
        byte: bytes[valid_up_to],
        shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_keys_are_paths_and_text_keys_stay_text() {
        let env = EnvOverrides::from_vars([
            ("PROMUA_SYNC__STORE__PATH", "12345"),
            ("PROMUA_SYNC__SYNC__UPDATE_BALANCES", "maybe"),
            ("PROMUA_SYNC__SYNC__WAREHOUSES", "[1, main]"),
            ("PROMUA_SYNC__PROM__TOKEN", "0123"),
            ("PROMUA_SYNC__STORE__", "ignored"),
            ("OTHER", "x"),
        ]);
        assert_eq!(env.token.as_deref(), Some("0123"));
        assert_eq!(env.vars.len(), 3);
        let store = env.dict["store"].as_dict().unwrap();
        assert_eq!(store["path"].as_str(), Some("12345"));
        let sync = env.dict["sync"].as_dict().unwrap();
        assert_eq!(sync["update_balances"].as_str(), Some("maybe"));
        let w = sync["warehouses"].as_array().unwrap();
        assert_eq!(w[0].as_str(), Some("1"));
        let path = ["sync".to_string(), "update_balances".to_string()];
        assert_eq!(
            env.setting(&path).unwrap().name,
            "PROMUA_SYNC__SYNC__UPDATE_BALANCES"
        );
    }

    #[test]
    fn big_integers_keep_their_size() {
        let doc = DeTable::parse("a = 123456789012345678901\nb = 5\n").unwrap();
        let d = file_dict(doc.get_ref());
        assert_eq!(d["a"].to_u128(), Some(123456789012345678901));
        assert_eq!(d["b"].to_i128(), Some(5));
    }

    #[test]
    fn a_bad_byte_is_found_and_only_its_line_shown() {
        let bytes = b"[prom]\ntoken = \"ab\xffc\"\n[store]\npath = \"s\"\n";
        let e = String::from_utf8(bytes.to_vec()).unwrap_err();
        let n = not_utf8(bytes, e.utf8_error().valid_up_to());
        assert_eq!(n.offset, 18);
        assert_eq!(n.byte, 0xff);
        assert!(!n.shown.contains("ab"), "{}", n.shown);
        assert!(!n.shown.contains("path"), "{}", n.shown);
        assert!(n.shown.contains("token ="), "{}", n.shown);
    }
}
