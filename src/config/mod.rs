//! `jobs.toml`: the schema, figment layering (the exact file, then `PROMUA_SYNC__…`
//! environment overrides) and validation that reports every error in one pass.
//!
//! Loading is a small compiler: each section and each `[[job]]` is read on its own so
//! that one bad value does not hide the next; unknown keys are collected rather than
//! failing the first; semantic checks (cron, names, warehouses, token) run on whatever
//! parsed. Every error carries the key path and its place in the file.

mod diagnostic;
mod kinds;
mod layers;
mod messages;
mod schedule;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::value::{Dict, Value};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

pub use diagnostic::{ConfigError, ConfigErrors, Origin};
pub use kinds::*;
pub use schedule::Schedule;

use layers::EnvOverrides;
use messages::Range;

/// Prefix of every environment override, e.g. `PROMUA_SYNC__STORE__PATH`.
pub const ENV_PREFIX: &str = "PROMUA_SYNC__";
/// The environment variable that carries the Prom.ua token.
pub const TOKEN_ENV: &str = "PROMUA_SYNC__PROM__TOKEN";
pub const DEFAULT_BASE_URL: &str = "https://my.prom.ua/api/v1";

/// The validated configuration the rest of the program runs on.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was loaded from.
    pub path: PathBuf,
    pub prom: PromConfig,
    pub store: StoreConfig,
    pub sync: SyncConfig,
    pub admin: AdminConfig,
    pub daemon: DaemonConfig,
    pub jobs: Vec<JobConfig>,
    /// Things worth saying that do not stop the program (e.g. no token configured).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The warehouses whose stock Prom.ua sees (summed).
    pub warehouses: Vec<String>,
    /// Warehouses kept in the back office but not pushed (returns, a workshop...).
    pub local_warehouses: Vec<String>,
    pub update_balances: bool,
    pub update_prices: bool,
    pub update_statuses: bool,
    /// How long the on-change push waits after a change, to send many in one batch.
    pub push_debounce: Duration,
    /// Local order statuses that hold stock for the order.
    pub reserve_statuses: Vec<String>,
    /// The local status that ships an order: its reservation becomes a stock move.
    pub done_status: Option<String>,
    /// Where reservations and shipments take stock from.
    pub reserve_warehouse: String,
    /// Held back from Prom.ua on every product.
    pub safety_buffer: i64,
}

impl SyncConfig {
    /// Every warehouse the configuration declares: the pushed ones, then the local ones.
    /// Stock can be written only to these.
    pub fn known_warehouses(&self) -> Vec<String> {
        self.warehouses
            .iter()
            .chain(&self.local_warehouses)
            .cloned()
            .collect()
    }

    pub fn reservation_policy(&self) -> crate::domain::ReservationPolicy {
        crate::domain::ReservationPolicy {
            reserve_statuses: self.reserve_statuses.clone(),
            done_status: self.done_status.clone(),
            warehouse: self.reserve_warehouse.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// Whether the daemon serves the admin API.
    pub enabled: bool,
    pub listen: std::net::SocketAddr,
    /// Where the bearer token lives (created 0600 at the daemon's first start).
    pub token_file: PathBuf,
    /// The largest CSV body (`POST /v1/import/{kind}`, `POST /v1/links/apply`) and CSV
    /// file the CLI sends, in MB (MiB).
    pub max_csv_body_mb: u64,
    /// The largest body of any other admin API call, in KB (KiB).
    pub max_json_body_kb: u64,
}

impl AdminConfig {
    /// The URL a local client uses (a wildcard address is reached on loopback).
    pub fn base_url(&self) -> String {
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}/")
    }
}

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// How long a stop waits for running jobs before cancelling them.
    pub shutdown_grace: Duration,
}

#[derive(Debug, Clone)]
pub struct JobConfig {
    pub name: String,
    pub schedule: Schedule,
    pub kind: JobKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobKind {
    PushStock(PushStockOptions),
    PushPrices(PushPricesOptions),
    PushStatuses(PushStatusesOptions),
    PullOrders(PullOrdersOptions),
    ImportProducts(ImportProductsOptions),
}

impl JobKind {
    pub fn name(&self) -> &'static str {
        match self {
            JobKind::PushStock(_) => "push_stock",
            JobKind::PushPrices(_) => "push_prices",
            JobKind::PushStatuses(_) => "push_statuses",
            JobKind::PullOrders(_) => "pull_orders",
            JobKind::ImportProducts(_) => "import_products",
        }
    }
}

/// The most items one `products/edit` call may carry.
pub use crate::domain::MAX_BATCH;
pub use crate::prom::PromConfig;

/// A schedule with no fire time within this many years is refused: it would never run.
pub const NEVER_FIRES_YEARS: u32 = 5;

/// Job kinds named by the design but not built in this version.
const FUTURE_KINDS: [&str; 0] = [];
const KINDS: [&str; 5] = [
    "push_stock",
    "push_prices",
    "push_statuses",
    "pull_orders",
    "import_products",
];

// ---- raw sections, as written ----

/// Any scalar as text, and never an error that could print a secret.
fn secret_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d) {
        Ok(serde_json::Value::String(s)) => Some(s),
        Ok(serde_json::Value::Number(n)) => Some(n.to_string()),
        Ok(serde_json::Value::Bool(b)) => Some(b.to_string()),
        _ => Some(String::new()),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawProm {
    base_url: Option<String>,
    token_file: Option<PathBuf>,
    #[serde(deserialize_with = "secret_text")]
    token: Option<String>,
    allow_token_in_config: bool,
    connect_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    requests_per_second: Option<u32>,
    max_concurrency: Option<usize>,
    max_retries: Option<usize>,
    retry_base_delay_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawStore {
    path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawSync {
    warehouses: Option<Vec<String>>,
    local_warehouses: Option<Vec<String>>,
    update_balances: Option<bool>,
    update_prices: Option<bool>,
    update_statuses: Option<bool>,
    push_debounce_ms: Option<u64>,
    reserve_statuses: Option<Vec<String>>,
    done_status: Option<String>,
    reserve_warehouse: Option<String>,
    safety_buffer: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawAdmin {
    enabled: Option<bool>,
    listen: Option<String>,
    allow_non_loopback: bool,
    token_file: Option<PathBuf>,
    max_csv_body_mb: Option<u64>,
    max_json_body_kb: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawDaemon {
    shutdown_grace_secs: Option<u64>,
}

const SECTIONS: [&str; 6] = ["prom", "store", "sync", "admin", "daemon", "job"];

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
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigErrors::single(
            path,
            "(file)",
            format!("cannot read the configuration: {e}"),
        )
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let bad = layers::not_utf8(e.as_bytes(), e.utf8_error().valid_up_to());
            let at = bad.offset;
            return Err(ConfigErrors {
                file: path.to_path_buf(),
                text: bad.shown,
                errors: vec![ConfigError {
                    key: "(encoding)".into(),
                    message: format!(
                        "not valid UTF-8: byte 0x{:02X} at byte offset {at} is not part of a \
                         UTF-8 character",
                        bad.byte
                    ),
                    help: Some(
                        "TOML files are UTF-8: save the file as UTF-8 (e.g. iconv -f CP1251 \
                         -t UTF-8)"
                            .into(),
                    ),
                    origin: Origin::File(at..at + '\u{FFFD}'.len_utf8()),
                }],
            });
        }
    };
    let doc = match DeTable::parse(&text) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            return Err(ConfigErrors {
                file: path.to_path_buf(),
                text: text.clone(),
                errors: vec![ConfigError {
                    key: "(syntax)".into(),
                    message: format!("not valid TOML: {}", e.message().trim()),
                    help: None,
                    origin: Origin::File(span),
                }],
            });
        }
    };
    let env = EnvOverrides::from_vars(env);
    let figment = Figment::from(layers::Layer {
        name: "jobs.toml",
        dict: layers::file_dict(doc.get_ref()),
    })
    .merge(layers::Layer {
        name: "environment",
        dict: env.dict.clone(),
    });
    let root: Dict = match figment.extract() {
        Ok(d) => d,
        Err(e) => {
            // Only the first line: figment may quote a value, which may be a secret.
            let msg = e.to_string();
            let first = msg
                .lines()
                .next()
                .unwrap_or("cannot read the configuration");
            return Err(ConfigErrors::single(path, "(file)", first.to_string()));
        }
    };
    let mut c = Compiler {
        path,
        text: &text,
        doc: doc.get_ref(),
        env: &env,
        errors: Vec::new(),
        warnings: Vec::new(),
        broken: Vec::new(),
        warehouses: None,
    };
    for var in &env.not_utf8 {
        c.errors.push(ConfigError {
            key: var.path.join("."),
            message: "the value is not valid UTF-8".into(),
            help: None,
            origin: Origin::Env(var.name.clone()),
        });
    }
    let config = c.compile(&root);
    if c.errors.is_empty() {
        let mut config = config.expect("no errors means a config");
        config.warnings = c.warnings;
        Ok(config)
    } else {
        c.errors.sort_by(|a, b| {
            let rank = |e: &ConfigError| match &e.origin {
                Origin::File(r) => (0, r.start, String::new()),
                Origin::Env(v) => (1, 0, v.clone()),
                Origin::None => (2, 0, String::new()),
            };
            rank(a).cmp(&rank(b))
        });
        let errors = std::mem::take(&mut c.errors);
        let shown = redact_token(&text, c.doc);
        Err(ConfigErrors {
            file: path.to_path_buf(),
            text: shown,
            errors,
        })
    }
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

struct Compiler<'a, 'i> {
    path: &'a Path,
    /// The file's text and its parsed document.
    text: &'a str,
    doc: &'a DeTable<'i>,
    env: &'a EnvOverrides,
    errors: Vec<ConfigError>,
    warnings: Vec<String>,
    /// Keys whose value was refused (wrong type or size): later checks of them, which
    /// would only see a default, stay silent.
    broken: Vec<Vec<Seg>>,
    /// The declared warehouses, pushed and local, once `[sync]` declared them readably.
    warehouses: Option<(Vec<String>, Vec<String>)>,
}

/// A key path segment: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn key_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The key path with array indexes left out: `job.batch_size` for `job[2].batch_size`.
fn key_kind(path: &[Seg]) -> String {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The most changes a guard may allow: more is no guard at all.
pub const MAX_CHANGES_LIMIT: usize = 1_000_000_000;

/// Every whole-number key and its allowed range: the one place that says them, for the
/// range checks and for the messages about a value of the wrong type or size.
const WHOLE_NUMBERS: [(&str, i128, i128, &str); 13] = [
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
    ("job.batch_size", 1, MAX_BATCH as i128, ""),
    ("job.max_changes", 1, MAX_CHANGES_LIMIT as i128, ""),
    ("job.overlap_minutes", 0, 1440, " minutes (a day)"),
    ("job.initial_days", 1, 365, " days"),
];

fn whole_range(path: &[Seg]) -> Option<Range> {
    let key = key_kind(path);
    WHOLE_NUMBERS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|&(_, lo, hi, unit)| Range { lo, hi, unit })
}

/// Where `rel` (a figment error path, or a `serde_ignored` path, split at dots) lies
/// under `base` in `value`: array positions become indexes.
fn segs_under(base: &[Seg], value: &Value, rel: &[String]) -> Vec<Seg> {
    let mut out = base.to_vec();
    let mut current = Some(value);
    for part in rel {
        let next = match current {
            Some(Value::Array(_, items)) => match part.parse::<usize>() {
                Ok(i) => {
                    out.push(Seg::Index(i));
                    current = items.get(i);
                    continue;
                }
                Err(_) => None,
            },
            Some(Value::Dict(_, d)) => d.get(part.as_str()),
            _ => None,
        };
        out.push(Seg::Key(part.clone()));
        current = next;
    }
    out
}

/// The value at `rel` under `value`.
fn value_at<'v>(value: &'v Value, rel: &[Seg]) -> Option<&'v Value> {
    let mut current = value;
    for seg in rel {
        current = match (seg, current) {
            (Seg::Key(k), Value::Dict(_, d)) => d.get(k.as_str())?,
            (Seg::Index(i), Value::Array(_, a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the key at `rel` (or the key holding the array `rel` points into) from
/// `dict`; returns the key path removed, or `None` when there was nothing to remove.
fn remove_at(dict: &mut Dict, rel: &[Seg]) -> Option<Vec<Seg>> {
    let keys: Vec<&String> = rel
        .iter()
        .map_while(|s| match s {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        })
        .collect();
    let (last, parents) = keys.split_last()?;
    let mut current = dict;
    for k in parents {
        current = match current.get_mut(k.as_str())? {
            Value::Dict(_, d) => d,
            _ => return None,
        };
    }
    current.remove(last.as_str())?;
    Some(keys.iter().map(|k| Seg::Key((*k).clone())).collect())
}

/// The keys of a status map entry written as a table.
const STATUS_TARGET_KEYS: [&str; 3] = ["status", "reason", "text"];

impl<'a, 'i> Compiler<'a, 'i> {
    /// Where `path` is: the environment variable that set it (or a table above it); else
    /// its place in the file (the key's span when `key_span`, else the value's); else the
    /// variable that set a key below it, when the file does not hold it.
    fn origin(&self, path: &[Seg], key_span: bool) -> Origin {
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
                    {
                        if let Some(var) = self.env.below(&keys) {
                            return Origin::Env(var.name.clone());
                        }
                    }
                    last_found = Some(if is_last && key_span { kspan } else { v.span() });
                    current = Some(v);
                }
                None => {
                    if keys.len() == path.len() {
                        if let Some(var) = self.env.below(&keys) {
                            return Origin::Env(var.name.clone());
                        }
                    }
                    return last_found.map_or(Origin::None, Origin::File);
                }
            }
        }
        last_found.map_or(Origin::None, Origin::File)
    }

    fn is_broken(&self, path: &[Seg]) -> bool {
        self.broken.iter().any(|b| path.starts_with(b))
    }

    fn error(
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
    fn check_whole(&mut self, at: &[Seg], v: impl Into<i128>) -> bool {
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
    fn check_not_blank(&mut self, at: &[Seg], value: &str, help: &str) -> bool {
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
    fn table<T: DeserializeOwned + Default>(
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
        let original = value.clone();
        let mut dict = dict.clone();
        let mut unknown: Vec<String> = Vec::new();
        let mut result = None;
        for _ in 0..=dict.len() * 2 + 1 {
            let current = Value::from(dict.clone());
            let attempt: Result<T, figment::Error> = serde_ignored::deserialize(&current, |p| {
                let p = p.to_string();
                if !unknown.contains(&p) {
                    unknown.push(p);
                }
            });
            match attempt {
                Ok(v) => {
                    result = Some(v);
                    break;
                }
                Err(e) => {
                    let rel: Vec<String> = e.path.clone();
                    let path = segs_under(base, &original, &rel);
                    let found = value_at(&original, &path[base.len()..]);
                    let (message, help) = messages::describe(&e.kind, found, whole_range(&path));
                    self.error(&path, false, message, help.as_deref());
                    // Drop what was refused and read the rest again.
                    match remove_at(&mut dict, &path[base.len()..]) {
                        Some(removed) => {
                            let mut b = base.to_vec();
                            b.extend(removed);
                            self.broken.push(b);
                        }
                        None => break,
                    }
                }
            }
        }
        let mut entries = Vec::new();
        for key in unknown {
            let rel: Vec<String> = key.split('.').map(str::to_string).collect();
            let path = segs_under(base, &original, &rel);
            let name = rel.last().map(String::as_str).unwrap_or_default();
            // What the table holding the unknown key knows.
            let here: &[&str] = match &path[base.len()..] {
                [_] => &known,
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
        result
    }

    fn compile(&mut self, root: &Dict) -> Option<Config> {
        for key in root.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                self.error(
                    &[Seg::Key(key.clone())],
                    true,
                    "unknown section",
                    Some("known sections: [prom], [store], [sync], [admin], [daemon], [[job]]"),
                );
            }
        }
        let prom = self.prom(root.get("prom"));
        let store = self.store(root.get("store"));
        let sync = self.sync(root.get("sync"));
        let admin = self.admin(root.get("admin"), store.as_ref());
        let daemon = self.daemon(root.get("daemon"));
        let jobs = self.jobs(root.get("job"), sync.as_ref());
        Some(Config {
            path: self.path.to_path_buf(),
            prom: prom?,
            store: store?,
            sync: sync?,
            admin: admin?,
            daemon: daemon?,
            jobs: jobs?,
            warnings: Vec::new(),
        })
    }

    fn base_dir(&self) -> PathBuf {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }

    /// Relative paths in jobs.toml are relative to the file's own directory.
    fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir().join(p)
        }
    }

    fn prom(&mut self, value: Option<&Value>) -> Option<PromConfig> {
        let base = [Seg::Key("prom".into())];
        let raw: RawProm = self.table(&base, value, &[])?;
        let at = |k: &str| [Seg::Key("prom".into()), Seg::Key(k.into())];
        let mut ok = true;

        let base_url = raw.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        if !self.check_not_blank(
            &at("base_url"),
            &base_url,
            "leave the key out for https://my.prom.ua/api/v1",
        ) {
            ok = false;
        } else {
            match url::Url::parse(&base_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                Ok(_) => {
                    self.error(
                        &at("base_url"),
                        false,
                        "must be an http:// or https:// URL with a host",
                        None,
                    );
                    ok = false;
                }
                Err(e) => {
                    self.error(&at("base_url"), false, format!("not a URL: {e}"), None);
                    ok = false;
                }
            }
        }

        let connect_timeout_secs = raw.connect_timeout_secs.unwrap_or(10);
        ok &= self.check_whole(&at("connect_timeout_secs"), connect_timeout_secs);
        let request_timeout_secs = raw.request_timeout_secs.unwrap_or(60);
        ok &= self.check_whole(&at("request_timeout_secs"), request_timeout_secs);
        let requests_per_second = raw.requests_per_second.unwrap_or(5);
        ok &= self.check_whole(&at("requests_per_second"), requests_per_second);
        let max_concurrency = raw.max_concurrency.unwrap_or(2);
        ok &= self.check_whole(&at("max_concurrency"), max_concurrency as u64);
        let max_retries = raw.max_retries.unwrap_or(6);
        ok &= self.check_whole(&at("max_retries"), max_retries as u64);
        let retry_base_delay_ms = raw.retry_base_delay_ms.unwrap_or(500);
        ok &= self.check_whole(&at("retry_base_delay_ms"), retry_base_delay_ms);
        let connect_timeout = Duration::from_secs(connect_timeout_secs);
        let request_timeout = Duration::from_secs(request_timeout_secs);
        if let Some(f) = &raw.token_file {
            ok &= self.check_not_blank(
                &at("token_file"),
                &f.to_string_lossy(),
                "the file that holds the Prom.ua token, e.g. token_file = \"/etc/promua-sync/prom-token\"",
            );
        }

        // The token: environment first, then token_file, then (only if insisted) jobs.toml.
        let token_in_file = self
            .doc
            .get("prom")
            .and_then(|p| p.get_ref().get("token"))
            .is_some();
        if token_in_file && !raw.allow_token_in_config {
            self.error(
                &at("token"),
                true,
                "the Prom.ua token must not be written in jobs.toml",
                Some(
                    "put it in a file named by `token_file` (or a systemd credential), or in the \
                     environment variable PROMUA_SYNC__PROM__TOKEN; set \
                     `allow_token_in_config = true` to insist",
                ),
            );
            ok = false;
        }
        let (token, token_origin) = if let Some(t) = &self.env.token {
            (
                Some(t.trim().to_string()).filter(|t| !t.is_empty()),
                format!("environment variable {TOKEN_ENV}"),
            )
        } else if let Some(file) = raw
            .token_file
            .as_ref()
            .filter(|f| !f.to_string_lossy().trim().is_empty())
        {
            let file = self.resolve(file);
            match std::fs::read_to_string(&file) {
                Ok(t) if !t.trim().is_empty() => (
                    Some(t.trim().to_string()),
                    format!("file {}", file.display()),
                ),
                Ok(_) => {
                    self.error(
                        &at("token_file"),
                        false,
                        format!("the token file {} is empty", file.display()),
                        None,
                    );
                    ok = false;
                    (None, String::new())
                }
                Err(e) => {
                    self.error(
                        &at("token_file"),
                        false,
                        format!("cannot read the token file {}: {e}", file.display()),
                        None,
                    );
                    ok = false;
                    (None, String::new())
                }
            }
        } else if token_in_file {
            let t = raw.token.filter(|t| !t.trim().is_empty());
            if t.is_none() && raw.allow_token_in_config {
                self.error(
                    &at("token"),
                    false,
                    "the token must be a non-empty string",
                    None,
                );
                ok = false;
            }
            (t, "jobs.toml".to_string())
        } else {
            (None, String::new())
        };
        if token.is_none() && ok {
            self.warnings.push(format!(
                "no Prom.ua token configured: set [prom] token_file or {TOKEN_ENV}; \
                 commands that talk to Prom.ua will refuse to run"
            ));
        }
        if let Some(t) = &token {
            if t.chars().any(char::is_whitespace) {
                self.error(&at("token"), false, "the token contains whitespace", None);
                ok = false;
            }
        }
        ok.then(|| PromConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.map(SecretString::from),
            token_origin,
            connect_timeout,
            request_timeout,
            requests_per_second,
            max_concurrency,
            max_retries,
            retry_base_delay: Duration::from_millis(retry_base_delay_ms),
        })
    }

    fn store(&mut self, value: Option<&Value>) -> Option<StoreConfig> {
        let base = [Seg::Key("store".into())];
        let raw: RawStore = self.table(&base, value, &[])?;
        let at = [Seg::Key("store".into()), Seg::Key("path".into())];
        let help = "the directory where the store lives, e.g. [store] path = \"/var/lib/promua-sync/store\"";
        match raw.path {
            Some(p) => self
                .check_not_blank(&at, &p.to_string_lossy(), help)
                .then(|| StoreConfig {
                    path: self.resolve(&p),
                }),
            None if self.is_broken(&at) => None,
            None => {
                self.error(
                    &base,
                    false,
                    "missing required key `path` (where the store lives)",
                    Some(help),
                );
                None
            }
        }
    }

    /// Checks the names of one list of warehouses; `seen` holds the names met so far.
    fn warehouse_list(
        &mut self,
        at: &[Seg],
        names: &[String],
        seen: &mut BTreeSet<String>,
        twice: &str,
    ) -> (Vec<String>, bool) {
        let mut ok = true;
        let mut out = Vec::new();
        for w in names {
            let name = w.trim();
            if name.is_empty() {
                self.error(at, false, "a warehouse name is empty", None);
                ok = false;
            } else if !seen.insert(name.to_string()) {
                self.error(
                    at,
                    false,
                    format!("warehouse `{name}` is listed twice{twice}"),
                    None,
                );
                ok = false;
            } else {
                out.push(name.to_string());
            }
        }
        (out, ok)
    }

    /// Says which warehouses are declared, for a message about one that is not.
    fn declared_warehouses(&self) -> String {
        let Some((pushed, local)) = &self.warehouses else {
            return String::new();
        };
        let mut s = format!(
            "[sync] warehouses (pushed to Prom.ua): {}",
            pushed.join(", ")
        );
        if local.is_empty() {
            s.push_str("; [sync] local_warehouses (kept locally): none");
        } else {
            s.push_str(&format!(
                "; [sync] local_warehouses (kept locally): {}",
                local.join(", ")
            ));
        }
        s
    }

    /// A warehouse named by a key must be declared in `[sync] warehouses` or, when
    /// `local_ok`, in `[sync] local_warehouses`: stock written anywhere else would be
    /// stock no job pushes and no command shows.
    fn check_warehouse(&mut self, at: &[Seg], name: &str, local_ok: bool) -> bool {
        if !self.check_not_blank(at, name, "a warehouse declared in [sync] warehouses") {
            return false;
        }
        let Some((pushed, local)) = self.warehouses.clone() else {
            return true;
        };
        let name = name.trim();
        if pushed.iter().any(|w| w == name) || (local_ok && local.iter().any(|w| w == name)) {
            return true;
        }
        let declared = self.declared_warehouses();
        if local.iter().any(|w| w == name) {
            self.error(
                at,
                false,
                format!(
                    "warehouse `{name}` is a local warehouse: Prom.ua does not see its stock, \
                     but what orders reserve is taken off the stock Prom.ua is shown"
                ),
                Some(&format!(
                    "use one of [sync] warehouses: {}",
                    pushed.join(", ")
                )),
            );
        } else {
            self.error(
                at,
                false,
                format!("warehouse `{name}` is not declared"),
                Some(&format!(
                    "declared: {declared}; declare it in [sync] warehouses (pushed) or \
                     local_warehouses (not pushed)"
                )),
            );
        }
        false
    }

    fn sync(&mut self, value: Option<&Value>) -> Option<SyncConfig> {
        let base = [Seg::Key("sync".into())];
        let raw: RawSync = self.table(&base, value, &[])?;
        let at = |k: &str| [Seg::Key("sync".into()), Seg::Key(k.into())];
        let mut ok = true;
        let warehouses = raw.warehouses.unwrap_or_else(|| vec!["main".to_string()]);
        if warehouses.is_empty() {
            self.error(
                &at("warehouses"),
                false,
                "list at least one warehouse whose stock Prom.ua sees",
                None,
            );
            ok = false;
        }
        let mut seen = BTreeSet::new();
        let (warehouses, w_ok) = self.warehouse_list(&at("warehouses"), &warehouses, &mut seen, "");
        let (local_warehouses, l_ok) = self.warehouse_list(
            &at("local_warehouses"),
            &raw.local_warehouses.unwrap_or_default(),
            &mut seen,
            " (or also in warehouses)",
        );
        ok &= w_ok & l_ok;
        if !self.is_broken(&at("warehouses"))
            && !self.is_broken(&at("local_warehouses"))
            && !warehouses.is_empty()
        {
            self.warehouses = Some((warehouses.clone(), local_warehouses.clone()));
        }
        let reserve_statuses = raw
            .reserve_statuses
            .unwrap_or_else(|| ["pending", "received", "paid"].map(String::from).to_vec());
        let done_status = match raw.done_status {
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s.trim().to_string()),
            None => Some("delivered".to_string()),
        };
        if let Some(d) = &done_status {
            if reserve_statuses.contains(d) && !self.is_broken(&at("reserve_statuses")) {
                self.error(
                    &at("done_status"),
                    false,
                    format!("`{d}` is also in reserve_statuses: an order cannot both hold and ship stock"),
                    None,
                );
                ok = false;
            }
        }
        let reserve_warehouse = match raw.reserve_warehouse {
            Some(w) => {
                ok &= self.check_warehouse(&at("reserve_warehouse"), &w, false);
                w.trim().to_string()
            }
            None => warehouses.first().cloned().unwrap_or_default(),
        };
        let safety_buffer = raw.safety_buffer.unwrap_or(0);
        ok &= self.check_whole(&at("safety_buffer"), safety_buffer);
        let debounce = raw.push_debounce_ms.unwrap_or(3000);
        ok &= self.check_whole(&at("push_debounce_ms"), debounce);
        ok.then(|| SyncConfig {
            warehouses,
            local_warehouses,
            update_balances: raw.update_balances.unwrap_or(true),
            update_prices: raw.update_prices.unwrap_or(false),
            update_statuses: raw.update_statuses.unwrap_or(false),
            push_debounce: Duration::from_millis(debounce),
            reserve_statuses,
            done_status,
            reserve_warehouse,
            safety_buffer,
        })
    }

    fn admin(&mut self, value: Option<&Value>, store: Option<&StoreConfig>) -> Option<AdminConfig> {
        let base = [Seg::Key("admin".into())];
        let raw: RawAdmin = self.table(&base, value, &[])?;
        let at = |k: &str| [Seg::Key("admin".into()), Seg::Key(k.into())];
        let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8731".to_string());
        let listen = if self.check_not_blank(
            &at("listen"),
            &listen_text,
            "an address such as 127.0.0.1:8731 (the default when the key is left out)",
        ) {
            match listen_text.trim().parse::<std::net::SocketAddr>() {
                Ok(a) if !a.ip().is_loopback() && !raw.allow_non_loopback => {
                    self.error(
                        &at("listen"),
                        false,
                        format!("the admin API would listen on {a}, reachable from other machines"),
                        Some("the admin API changes stock and prices: keep it on 127.0.0.1, or set [admin] allow_non_loopback = true to insist"),
                    );
                    None
                }
                Ok(a) => Some(a),
                Err(_) => {
                    self.error(
                        &at("listen"),
                        false,
                        format!("`{listen_text}` is not an address such as 127.0.0.1:8731"),
                        None,
                    );
                    None
                }
            }
        } else {
            None
        };
        let token_file = match (raw.token_file, store) {
            (Some(f), _) => self
                .check_not_blank(
                    &at("token_file"),
                    &f.to_string_lossy(),
                    "leave the key out for `admin-token` beside the store",
                )
                .then(|| self.resolve(&f)),
            (None, Some(s)) => Some(
                s.path
                    .parent()
                    .map_or_else(|| PathBuf::from("admin-token"), |p| p.join("admin-token")),
            ),
            (None, None) => None,
        };
        let max_csv_body_mb = raw.max_csv_body_mb.unwrap_or(32);
        let csv_ok = (1..=1024).contains(&max_csv_body_mb);
        if !csv_ok {
            self.error(
                &at("max_csv_body_mb"),
                false,
                "must be between 1 and 1024 (MB)",
                None,
            );
        }
        let max_json_body_kb = raw.max_json_body_kb.unwrap_or(1024);
        let json_ok = (1..=65_536).contains(&max_json_body_kb);
        if !json_ok {
            self.error(
                &at("max_json_body_kb"),
                false,
                "must be between 1 and 65536 (KB)",
                None,
            );
        }
        if !(csv_ok && json_ok) {
            return None;
        }
        let (listen, token_file) = (listen?, token_file?);
        Some(AdminConfig {
            enabled: raw.enabled.unwrap_or(true),
            listen,
            token_file,
            max_csv_body_mb,
            max_json_body_kb,
        })
    }

    fn daemon(&mut self, value: Option<&Value>) -> Option<DaemonConfig> {
        let base = [Seg::Key("daemon".into())];
        let raw: RawDaemon = self.table(&base, value, &[])?;
        let grace = raw.shutdown_grace_secs.unwrap_or(20);
        self.check_whole(
            &[
                Seg::Key("daemon".into()),
                Seg::Key("shutdown_grace_secs".into()),
            ],
            grace,
        )
        .then(|| DaemonConfig {
            shutdown_grace: Duration::from_secs(grace),
        })
    }

    fn jobs(&mut self, value: Option<&Value>, sync: Option<&SyncConfig>) -> Option<Vec<JobConfig>> {
        let Some(value) = value else {
            return Some(Vec::new());
        };
        let Some(items) = value.as_array() else {
            self.error(
                &[Seg::Key("job".into())],
                false,
                format!("expected [[job]] tables, found {}", messages::shown(value)),
                None,
            );
            return None;
        };
        // Names first, on what is written: a duplicate is a mistake of its own, whatever
        // else is wrong with either job.
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let Some(Value::String(_, name)) = item.as_dict().and_then(|d| d.get("name")) else {
                continue;
            };
            match first.get(name) {
                Some(&j) => {
                    let at = [
                        Seg::Key("job".into()),
                        Seg::Index(i),
                        Seg::Key("name".into()),
                    ];
                    let earlier = [
                        Seg::Key("job".into()),
                        Seg::Index(j),
                        Seg::Key("name".into()),
                    ];
                    let where_ = match self.origin(&earlier, false) {
                        Origin::File(r) => {
                            let (l, _) = diagnostic::line_col(self.text, r.start);
                            format!("job[{j}], line {l}")
                        }
                        _ => format!("job[{j}]"),
                    };
                    self.error(
                        &at,
                        false,
                        format!("job name `{name}` is used twice (also {where_})"),
                        Some("each job needs its own name: `job run NAME` and the run history use it"),
                    );
                    ok = false;
                }
                None => {
                    first.insert(name.clone(), i);
                }
            }
        }
        let mut jobs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let base = [Seg::Key("job".into()), Seg::Index(i)];
            match self.job(&base, item) {
                Some(job) => {
                    if let Some(s) = sync {
                        let off = match &job.kind {
                            JobKind::PushStock(_) if !s.update_balances => Some("update_balances"),
                            JobKind::PushPrices(_) if !s.update_prices => Some("update_prices"),
                            JobKind::PushStatuses(_) if !s.update_statuses => {
                                Some("update_statuses")
                            }
                            _ => None,
                        };
                        if let Some(switch) = off {
                            self.warnings.push(format!(
                                "job `{}` ({}) will skip its runs: [sync] {switch} = false",
                                job.name,
                                job.kind.name()
                            ));
                        }
                    }
                    jobs.push(job);
                }
                None => ok = false,
            }
        }
        ok.then_some(jobs)
    }

    fn check_percent(&mut self, at: &[Seg], p: Option<Decimal>) -> bool {
        if p.is_some_and(|p| p < Decimal::ZERO || p > Decimal::from(100)) {
            self.error(at, false, "must be a percent between 0 and 100", None);
            return false;
        }
        true
    }

    /// A guard of 0 changes stops every run: that is a mistake, not a setting.
    fn check_max_changes(&mut self, at: &[Seg], max: Option<usize>) -> bool {
        match max {
            Some(0) => {
                self.error(
                    at,
                    false,
                    "max_changes = 0 would stop every run that changes anything",
                    Some("remove the key for no limit, or set a positive number"),
                );
                false
            }
            Some(n) => self.check_whole(at, n as u64),
            None => true,
        }
    }

    fn job(&mut self, base: &[Seg], item: &Value) -> Option<JobConfig> {
        let Some(dict) = item.as_dict() else {
            self.error(
                base,
                false,
                format!("expected a [[job]] table, found {}", messages::shown(item)),
                None,
            );
            return None;
        };
        let field = |k: &str| {
            let mut p = base.to_vec();
            p.push(Seg::Key(k.into()));
            p
        };
        let string = |c: &mut Self, key: &str| -> Option<String> {
            match dict.get(key) {
                Some(Value::String(_, s)) => Some(s.clone()),
                Some(v) => {
                    c.error(
                        &field(key),
                        false,
                        format!("expected text in quotes, found {}", messages::shown(v)),
                        None,
                    );
                    None
                }
                None => {
                    c.error(base, false, format!("missing required key `{key}`"), None);
                    None
                }
            }
        };
        let name = string(self, "name");
        let kind = string(self, "kind");
        let schedule = string(self, "schedule");

        let name = name.and_then(|n| {
            let valid = !n.is_empty()
                && n.len() <= 64
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if valid {
                Some(n)
            } else {
                self.error(
                    &field("name"),
                    false,
                    "a job name is 1 to 64 letters, digits, `_` or `-`",
                    None,
                );
                None
            }
        });
        let schedule = schedule.and_then(|s| match Schedule::parse(&s) {
            Ok(parsed) => {
                if parsed.fires_within_years(&chrono::Utc::now(), NEVER_FIRES_YEARS) {
                    Some(parsed)
                } else {
                    self.error(
                        &field("schedule"),
                        false,
                        format!(
                            "`{s}` never fires: no time in the next {NEVER_FIRES_YEARS} years matches it"
                        ),
                        Some("check the day of month against the month (there is no 30 February) and, when both are set, against the day of week"),
                    );
                    None
                }
            }
            Err(e) => {
                self.error(
                    &field("schedule"),
                    false,
                    format!("bad cron expression `{s}`: {e}"),
                    Some("5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; times are UTC"),
                );
                None
            }
        });
        // The kind's own options are every other key of the table.
        let mut options = dict.clone();
        for k in ["name", "kind", "schedule"] {
            options.remove(k);
        }
        let options = Value::from(options);
        let also = ["name", "kind", "schedule"];
        let kind = kind.and_then(|k| match k.as_str() {
            "push_stock" => {
                let o: PushStockOptions = self.table(base, Some(&options), &also)?;
                let ok = self.check_whole(&field("batch_size"), o.batch_size as u64)
                    & self.check_max_changes(&field("max_changes"), o.max_changes)
                    & self
                        .check_percent(&field("max_zero_share_percent"), o.max_zero_share_percent);
                ok.then_some(JobKind::PushStock(o))
            }
            "push_prices" => {
                let o: PushPricesOptions = self.table(base, Some(&options), &also)?;
                let mut ok = self.check_whole(&field("batch_size"), o.batch_size as u64)
                    & self.check_max_changes(&field("max_changes"), o.max_changes);
                if o.markup_percent < Decimal::from(-99) || o.markup_percent > Decimal::from(1000) {
                    self.error(
                        &field("markup_percent"),
                        false,
                        "must be between -99 and 1000",
                        None,
                    );
                    ok = false;
                }
                if o.round_step.is_some_and(|s| s <= Decimal::ZERO) {
                    self.error(&field("round_step"), false, "must be above 0", None);
                    ok = false;
                }
                if o.ending
                    .is_some_and(|e| e < Decimal::ZERO || e >= Decimal::ONE)
                {
                    self.error(
                        &field("ending"),
                        false,
                        "is the fraction a price ends with, from 0 to below 1 (e.g. 0.99)",
                        None,
                    );
                    ok = false;
                }
                if o.min_price.is_some_and(|m| m < Decimal::ZERO) {
                    self.error(&field("min_price"), false, "must not be negative", None);
                    ok = false;
                }
                ok &= self.check_percent(
                    &field("max_price_change_percent"),
                    o.max_price_change_percent,
                );
                ok.then_some(JobKind::PushPrices(o))
            }
            "push_statuses" => {
                let o: PushStatusesOptions = self.table(base, Some(&options), &also)?;
                let mut ok = self.check_max_changes(&field("max_changes"), o.max_changes);
                for (local, target) in &o.status_map {
                    let mut at = field("status_map");
                    at.push(Seg::Key(local.clone()));
                    if !crate::domain::ORDER_STATUSES.contains(&target.status()) {
                        self.error(
                            &at,
                            false,
                            format!("`{}` is not a Prom.ua order status", target.status()),
                            Some(&format!("one of: {}", crate::domain::ORDER_STATUSES.join(", "))),
                        );
                        ok = false;
                    }
                    match (target.status(), target.reason()) {
                        ("canceled", None) => {
                            self.error(
                                &at,
                                false,
                                "cancelling on Prom.ua needs a reason",
                                Some("e.g. { status = \"canceled\", reason = \"buyers_request\" }"),
                            );
                            ok = false;
                        }
                        ("canceled", Some(r)) if !crate::domain::CANCELLATION_REASONS.contains(&r) => {
                            self.error(
                                &at,
                                false,
                                format!("`{r}` is not a Prom.ua cancellation reason"),
                                Some(&format!("one of: {}", crate::domain::CANCELLATION_REASONS.join(", "))),
                            );
                            ok = false;
                        }
                        ("canceled", Some(r))
                            if crate::domain::REASONS_NEEDING_TEXT.contains(&r)
                                && target.text().is_none_or(|t| t.trim().is_empty()) =>
                        {
                            self.error(&at, false, format!("reason `{r}` needs a `text`"), None);
                            ok = false;
                        }
                        _ => {}
                    }
                }
                ok.then_some(JobKind::PushStatuses(o))
            }
            "import_products" => {
                let mut ok = true;
                if !dict.contains_key("mode") {
                    self.error(
                        base,
                        false,
                        "missing required key `mode`",
                        Some("mode = \"update_balances\" | \"create_missing\" | \"link_only\" | \"stage\""),
                    );
                    ok = false;
                }
                let o: ImportProductsOptions = self.table(base, Some(&options), &also)?;
                ok &= self.check_max_changes(&field("max_changes"), o.max_changes);
                if let Some(w) = &o.warehouse {
                    // Pushed or local: `update_balances` may fill a local warehouse.
                    ok &= self.check_warehouse(&field("warehouse"), w, true);
                }
                ok.then_some(JobKind::ImportProducts(o))
            }
            "pull_orders" => {
                let o: PullOrdersOptions = self.table(base, Some(&options), &also)?;
                let ok = self.check_whole(&field("overlap_minutes"), o.overlap_minutes)
                    & self.check_whole(&field("initial_days"), o.initial_days)
                    & self.check_max_changes(&field("max_changes"), o.max_changes);
                ok.then_some(JobKind::PullOrders(o))
            }
            other if FUTURE_KINDS.contains(&other) => {
                self.error(
                    &field("kind"),
                    false,
                    format!("job kind `{other}` is not available in this version"),
                    Some(&format!("available kinds: {}", KINDS.join(", "))),
                );
                None
            }
            other => {
                self.error(
                    &field("kind"),
                    false,
                    format!("unknown job kind `{other}`"),
                    Some(&format!("known kinds: {}", KINDS.join(", "))),
                );
                None
            }
        });
        Some(JobConfig {
            name: name?,
            schedule: schedule?,
            kind: kind?,
        })
    }
}
