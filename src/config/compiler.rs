//! The compiler's machinery, shared by every check: the error list and where each error
//! points (file span or environment variable), the keys whose value was refused, the
//! range of each whole-number key, and `table`, which reads one table reporting every
//! unknown key and every value of the wrong type instead of stopping at the first.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Value};
use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use super::MAX_BATCH;
use super::diagnostic::{ConfigError, Origin};
use super::key_path::{Seg, key_kind, key_string, remove_at, segs_under, value_at};
use super::layers::EnvOverrides;
use super::messages::{self, Range};

/// One pass over one file: every check adds its errors here rather than returning the
/// first, so that the user sees all of them at once.
pub(super) struct Compiler<'a, 'i> {
    pub path: &'a Path,
    /// The file's text and its parsed document.
    pub text: &'a str,
    pub doc: &'a DeTable<'i>,
    pub env: &'a EnvOverrides,
    pub errors: Vec<ConfigError>,
    pub warnings: Vec<String>,
    /// Keys whose value was refused (wrong type or size): later checks of them, which
    /// would only see a default, stay silent.
    pub broken: Vec<Vec<Seg>>,
    /// The declared warehouses, pushed and local, once `[sync]` declared them readably.
    pub warehouses: Option<(Vec<String>, Vec<String>)>,
}

/// The most products a push may read back after a run.
pub const MAX_VERIFY_SAMPLE: usize = 100;

/// The most changes a guard may allow: more is no guard at all.
pub const MAX_CHANGES_LIMIT: usize = 1_000_000_000;

/// Every whole-number key and its allowed range: the one place that says them, for the
/// range checks and for the messages about a value of the wrong type or size.
const WHOLE_NUMBERS: [(&str, i128, i128, &str); 19] = [
    ("prom.connect_timeout_secs", 1, 3600, " seconds"),
    ("prom.request_timeout_secs", 1, 3600, " seconds"),
    ("prom.requests_per_second", 1, 1000, ""),
    ("prom.max_concurrency", 1, 64, ""),
    ("prom.max_retries", 0, 20, ""),
    ("prom.retry_base_delay_ms", 0, 60_000, " ms"),
    ("sync.push_debounce_ms", 0, 600_000, " ms (10 minutes)"),
    (
        "sync.safety_buffer",
        0,
        crate::domain::MAX_QUANTITY as i128,
        "",
    ),
    ("daemon.shutdown_grace_secs", 1, 600, " seconds"),
    ("store.keep_runs_days", 1, 36_500, " days (100 years)"),
    ("store.cache_capacity_mib", 1, 65_536, " MiB (64 GiB)"),
    ("admin.max_csv_body_mb", 1, 1024, " (MB)"),
    ("admin.max_json_body_kb", 1, 65_536, " (KB)"),
    ("job.batch_size", 1, MAX_BATCH as i128, ""),
    ("job.max_changes", 1, MAX_CHANGES_LIMIT as i128, ""),
    ("job.overlap_minutes", 0, 1440, " minutes (a day)"),
    ("job.initial_days", 1, 365, " days"),
    // Each product read back is one request; 0 turns the read-back off.
    ("job.verify_sample", 0, MAX_VERIFY_SAMPLE as i128, ""),
    ("job.full_walk_hours", 0, 8760, " hours (a year)"),
];

fn whole_range(path: &[Seg]) -> Option<Range> {
    let key = key_kind(path);
    WHOLE_NUMBERS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|&(_, lo, hi, unit)| Range { lo, hi, unit })
}

/// The keys of a status map entry written as a table.
const STATUS_TARGET_KEYS: [&str; 3] = ["status", "reason", "text"];

impl<'a, 'i> Compiler<'a, 'i> {
    pub fn new(path: &'a Path, text: &'a str, doc: &'a DeTable<'i>, env: &'a EnvOverrides) -> Self {
        Self {
            path,
            text,
            doc,
            env,
            errors: Vec::new(),
            warnings: Vec::new(),
            broken: Vec::new(),
            warehouses: None,
        }
    }

    /// Where `path` is: the environment variable that set it (or a table above it); else
    /// its place in the file (the key's span when `key_span`, else the value's); else the
    /// variable that set a key below it, when the file does not hold it.
    pub fn origin(&self, path: &[Seg], key_span: bool) -> Origin {
        let keys: Vec<String> = path
            .iter()
            .map_while(|s| match s {
                Seg::Key(k) => Some(k.to_ascii_lowercase()),
                Seg::Index(_) => None,
            })
            .collect();
        if let Some(var) = self.env.setting(&keys) {
            return Origin::Env(var.name.clone());
        }
        let table: &DeTable<'i> = self.doc;
        let mut current: Option<&toml::Spanned<DeValue<'i>>> = None;
        let mut last_found = None;
        for (i, seg) in path.iter().enumerate() {
            let next = match (seg, current) {
                (Seg::Key(k), None) => table.get_key_value(k.as_str()).map(|(k, v)| (k.span(), v)),
                (Seg::Key(k), Some(v)) => match v.get_ref() {
                    DeValue::Table(t) => t.get_key_value(k.as_str()).map(|(k, v)| (k.span(), v)),
                    _ => None,
                },
                (Seg::Index(n), Some(v)) => match v.get_ref() {
                    DeValue::Array(a) => a.get(*n).map(|v| (v.span(), v)),
                    _ => None,
                },
                (Seg::Index(_), None) => None,
            };
            match next {
                Some((kspan, v)) => {
                    let is_last = i + 1 == path.len();
                    // A variable below an array (`PROMUA_SYNC__JOB__0__NAME`) replaced it
                    // with a table: the variable is the place, not the file's [[job]].
                    if is_last
                        && keys.len() == path.len()
                        && matches!(v.get_ref(), DeValue::Array(_))
                        && let Some(var) = self.env.below(&keys)
                    {
                        return Origin::Env(var.name.clone());
                    }
                    last_found = Some(if is_last && key_span { kspan } else { v.span() });
                    current = Some(v);
                }
                None => {
                    if keys.len() == path.len()
                        && let Some(var) = self.env.below(&keys)
                    {
                        return Origin::Env(var.name.clone());
                    }
                    return last_found.map_or(Origin::None, Origin::File);
                }
            }
        }
        last_found.map_or(Origin::None, Origin::File)
    }

    /// Whether the top-level `key` is a section: written `[key]` or `[[key]]` in the file,
    /// not `key = …` (an inline table or array is a value, and figment's values cannot
    /// tell them apart); set from the environment, a table or array of tables.
    pub fn is_section(&self, key: &str, value: Option<&Value>) -> bool {
        if let Some((k, _)) = self.doc.get_key_value(key) {
            let start = k.span().start;
            let line = self.text.get(..start).unwrap_or_default();
            let line = &line[line.rfind('\n').map_or(0, |i| i + 1)..];
            return line.trim_end().ends_with('[');
        }
        match value {
            Some(Value::Dict(..)) => true,
            Some(Value::Array(_, items)) => {
                !items.is_empty() && items.iter().all(|v| matches!(v, Value::Dict(..)))
            }
            _ => false,
        }
    }

    pub fn is_broken(&self, path: &[Seg]) -> bool {
        self.broken.iter().any(|b| path.starts_with(b))
    }

    pub fn error(
        &mut self,
        path: &[Seg],
        key_span: bool,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        if self.is_broken(path) {
            return;
        }
        let origin = self.origin(path, key_span);
        self.errors.push(ConfigError {
            key: key_string(path),
            message: message.into(),
            help: help.map(str::to_string),
            origin,
        });
    }

    /// Checks a whole number against its key's range (see [`WHOLE_NUMBERS`]).
    pub fn check_whole(&mut self, at: &[Seg], v: impl Into<i128>) -> bool {
        let Some(range) = whole_range(at) else {
            return true;
        };
        match range.check(v.into()) {
            Some(message) => {
                self.error(at, false, message, None);
                false
            }
            None => true,
        }
    }

    /// A text value that must not be empty (a path, a URL, a name).
    pub fn check_not_blank(&mut self, at: &[Seg], value: &str, help: &str) -> bool {
        if value.trim().is_empty() {
            self.error(at, false, "the value is empty", Some(help));
            false
        } else {
            true
        }
    }

    /// Deserializes one table. Every unknown key and every value of the wrong type or
    /// size is reported (a refused value is dropped and the rest read again, so one does
    /// not hide the next); the result then holds defaults in their place, and their keys
    /// are marked broken. `None` only when `value` is not a table or lacks a required key.
    /// `also_known`: keys of the table read elsewhere (a job's `name`, `kind`, `schedule`).
    pub fn table<T: DeserializeOwned + Default>(
        &mut self,
        base: &[Seg],
        value: Option<&Value>,
        also_known: &[&str],
    ) -> Option<T> {
        let Some(value) = value else {
            return Some(T::default());
        };
        let Some(dict) = value.as_dict() else {
            self.error(
                base,
                false,
                format!("expected a table, found {}", messages::shown(value)),
                None,
            );
            return None;
        };
        let mut known: Vec<&str> = messages::fields_of::<T>().to_vec();
        known.extend_from_slice(also_known);
        let mut unknown: Vec<String> = Vec::new();
        let result = self.read_dropping_refused(base, value, dict.clone(), &mut unknown);
        self.report_unknown(base, value, &known, unknown);
        result
    }

    /// Deserializes `dict` (the table at `base`; `original` is it as written), reporting
    /// and dropping each refused value until the rest reads. The keys serde ignored are
    /// gathered in `unknown`, each once.
    fn read_dropping_refused<T: DeserializeOwned>(
        &mut self,
        base: &[Seg],
        original: &Value,
        mut dict: Dict,
        unknown: &mut Vec<String>,
    ) -> Option<T> {
        for _ in 0..=dict.len() * 2 + 1 {
            let current = Value::from(dict.clone());
            let attempt: Result<T, figment::Error> = serde_ignored::deserialize(&current, |p| {
                let p = p.to_string();
                if !unknown.contains(&p) {
                    unknown.push(p);
                }
            });
            let e = match attempt {
                Ok(v) => return Some(v),
                Err(e) => e,
            };
            let rel: Vec<String> = e.path.clone();
            let path = segs_under(base, original, &rel);
            let found = value_at(original, &path[base.len()..]);
            let (message, help) = messages::describe(&e.kind, found, whole_range(&path));
            self.error(&path, false, message, help.as_deref());
            // Drop what was refused and read the rest again.
            let removed = remove_at(&mut dict, &path[base.len()..])?;
            let mut b = base.to_vec();
            b.extend(removed);
            self.broken.push(b);
        }
        None
    }

    /// Reports each unknown key (dotted paths below `base`), with the key it was likely
    /// meant to be among `known`, or the list of keys the table holds.
    fn report_unknown(
        &mut self,
        base: &[Seg],
        original: &Value,
        known: &[&str],
        unknown: Vec<String>,
    ) {
        let mut entries = Vec::new();
        for key in unknown {
            let rel: Vec<String> = key.split('.').map(str::to_string).collect();
            let path = segs_under(base, original, &rel);
            let name = rel.last().map(String::as_str).unwrap_or_default();
            // What the table holding the unknown key knows.
            let here: &[&str] = match &path[base.len()..] {
                [_] => known,
                [Seg::Key(m), _, _] if m == "status_map" => &STATUS_TARGET_KEYS,
                _ => &[],
            };
            let help = match messages::closest(name, here) {
                Some(k) => format!("did you mean `{k}`?"),
                None if !here.is_empty() => {
                    let mut list = here.to_vec();
                    list.sort_unstable();
                    format!("check the spelling; the keys here are: {}", list.join(", "))
                }
                None => "check the spelling; see the example jobs.toml".to_string(),
            };
            self.error(&path, true, format!("unknown key `{name}`"), Some(&help));
            // An entry with a mistyped key (a status map's `reasn`) is judged by that
            // mistake alone, not by the key it then seems to lack.
            if path.len() > base.len() + 1 {
                entries.push(path[..path.len() - 1].to_vec());
            }
        }
        self.broken.extend(entries);
    }

    /// A required key written misspelt is one mistake: its unknown key's "did you mean
    /// `path`?" already says what the table's "missing required key `path`" would, so the
    /// latter is dropped.
    pub fn drop_missing_keys_explained_by_typos(&mut self) {
        let meant: Vec<(String, String)> = self
            .errors
            .iter()
            .filter_map(|e| {
                let key = e.help.as_deref()?.strip_prefix("did you mean `")?;
                let key = key.strip_suffix("`?")?;
                let table = e.key.rsplit_once('.')?.0;
                Some((table.to_string(), format!("missing required key `{key}`")))
            })
            .collect();
        self.errors.retain(|e| {
            !meant
                .iter()
                .any(|(table, missing)| e.key == *table && e.message.starts_with(missing))
        });
    }

    fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }

    /// Relative paths in jobs.toml are relative to the file's own directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir().join(p)
        }
    }
}
