//! `jobs.toml`: the schema, figment layering (the exact file, then `PROMUA_SYNC__…`
//! environment overrides) and validation that reports every error in one pass.
//!
//! Loading is a small compiler: each section and each `[[job]]` is read on its own so
//! that one bad value does not hide the next; unknown keys are collected rather than
//! failing the first; semantic checks (cron, names, warehouses, token) run on whatever
//! parsed. Every error carries the key path and its place in the file.

mod diagnostic;
mod kinds;
mod schedule;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use figment::value::{Dict, Value};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

pub use diagnostic::{ConfigError, ConfigErrors, Origin};
pub use kinds::*;
pub use schedule::Schedule;

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
pub struct PromConfig {
    pub base_url: String,
    /// `None` when no token is configured: commands that talk to Prom.ua refuse to run.
    pub token: Option<SecretString>,
    /// Where the token came from, for messages (never the token itself).
    pub token_origin: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub requests_per_second: u32,
    pub max_concurrency: usize,
    /// Retries of a request that failed in a retryable way (timeouts, 5xx, 429, ...).
    pub max_retries: usize,
    /// The first backoff delay; later ones grow exponentially, with jitter.
    pub retry_base_delay: Duration,
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

    pub fn reservation_policy(&self) -> crate::store::ReservationPolicy {
        crate::store::ReservationPolicy {
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
pub const MAX_BATCH: usize = 100;

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
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors::single(
            path,
            "(file)",
            format!("cannot read the configuration: {e}"),
        )
    })?;
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
    // The token's variable is read directly, never through figment: figment would type an
    // all-digit token as a number, and a type error would print it.
    let env = Env::prefixed(ENV_PREFIX)
        .filter(|k| k != "prom__token")
        .split("__");
    let figment = Figment::from(Toml::file_exact(path)).merge(env);
    let root: Dict = match figment.extract() {
        Ok(d) => d,
        Err(e) => {
            // Only the first line: figment quotes the offending source line, which may
            // hold a secret.
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
        doc: doc.get_ref(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let config = c.compile(&root);
    if c.errors.is_empty() {
        let mut config = config.expect("no errors means a config");
        config.warnings = c.warnings;
        Ok(config)
    } else {
        c.errors.sort_by_key(|e| match &e.origin {
            Origin::File(r) => (0, r.start),
            Origin::Env(_) => (1, 0),
            Origin::None => (2, 0),
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
    doc: &'a DeTable<'i>,
    errors: Vec<ConfigError>,
    warnings: Vec<String>,
}

/// A key path segment: a table key or an array index.
#[derive(Clone, Debug)]
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

impl<'a, 'i> Compiler<'a, 'i> {
    /// Where `path` is in the file: the key's span when `key_span`, else the value's;
    /// the environment variable when the file does not hold it.
    fn origin(&self, path: &[Seg], key_span: bool) -> Origin {
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
                    last_found = Some(if is_last && key_span { kspan } else { v.span() });
                    current = Some(v);
                }
                None => {
                    // Not in the file: an environment override, if it is a plain key path.
                    if path.iter().all(|s| matches!(s, Seg::Key(_))) && !path.is_empty() {
                        let var = format!(
                            "{ENV_PREFIX}{}",
                            path.iter()
                                .map(|s| match s {
                                    Seg::Key(k) => k.to_uppercase(),
                                    Seg::Index(i) => i.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join("__")
                        );
                        if std::env::var_os(&var).is_some() {
                            return Origin::Env(var);
                        }
                    }
                    return last_found.map_or(Origin::None, Origin::File);
                }
            }
        }
        last_found.map_or(Origin::None, Origin::File)
    }

    fn error(
        &mut self,
        path: &[Seg],
        key_span: bool,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        let origin = self.origin(path, key_span);
        self.errors.push(ConfigError {
            key: key_string(path),
            message: message.into(),
            help: help.map(str::to_string),
            origin,
        });
    }

    /// Deserializes one table, collecting unknown keys and the first type error.
    fn table<T: DeserializeOwned + Default>(
        &mut self,
        base: &[Seg],
        value: Option<&Value>,
    ) -> Option<T> {
        let Some(value) = value else {
            return Some(T::default());
        };
        if value.as_dict().is_none() {
            self.error(base, false, "expected a table", None);
            return None;
        }
        let mut unknown = Vec::new();
        let result: Result<T, figment::Error> =
            serde_ignored::deserialize(value, |p| unknown.push(p.to_string()));
        for key in unknown {
            let mut path = base.to_vec();
            path.extend(key.split('.').map(|k| Seg::Key(k.to_string())));
            self.error(
                &path,
                true,
                "unknown key",
                Some("check the spelling; see the example jobs.toml"),
            );
        }
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                let mut path = base.to_vec();
                path.extend(e.path.iter().map(|k| Seg::Key(k.clone())));
                let message = match &e.kind {
                    figment::error::Kind::MissingField(f) => {
                        path.truncate(base.len());
                        format!("missing required key `{f}`")
                    }
                    kind => kind.to_string(),
                };
                self.error(&path, false, message, None);
                None
            }
        }
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
        let raw: RawProm = self.table(&base, value)?;
        let at = |k: &str| [Seg::Key("prom".into()), Seg::Key(k.into())];
        let mut ok = true;

        let base_url = raw.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        match reqwest::Url::parse(&base_url) {
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

        let mut secs = |c: &mut Self, key: &str, v: Option<u64>, default: u64| -> Duration {
            let v = v.unwrap_or(default);
            if v == 0 || v > 3600 {
                c.error(&at(key), false, "must be between 1 and 3600 seconds", None);
                ok = false;
            }
            Duration::from_secs(v)
        };
        let connect_timeout = secs(self, "connect_timeout_secs", raw.connect_timeout_secs, 10);
        let request_timeout = secs(self, "request_timeout_secs", raw.request_timeout_secs, 60);

        let requests_per_second = raw.requests_per_second.unwrap_or(5);
        if requests_per_second == 0 || requests_per_second > 1000 {
            self.error(
                &at("requests_per_second"),
                false,
                "must be between 1 and 1000",
                None,
            );
            ok = false;
        }
        let max_concurrency = raw.max_concurrency.unwrap_or(2);
        if max_concurrency == 0 || max_concurrency > 64 {
            self.error(
                &at("max_concurrency"),
                false,
                "must be between 1 and 64",
                None,
            );
            ok = false;
        }

        let max_retries = raw.max_retries.unwrap_or(6);
        if max_retries > 20 {
            self.error(&at("max_retries"), false, "must be between 0 and 20", None);
            ok = false;
        }
        let retry_base_delay_ms = raw.retry_base_delay_ms.unwrap_or(500);
        if retry_base_delay_ms > 60_000 {
            self.error(
                &at("retry_base_delay_ms"),
                false,
                "must be at most 60000",
                None,
            );
            ok = false;
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
        let (token, token_origin) = if let Some(t) = std::env::var_os(TOKEN_ENV) {
            (
                Some(t.to_string_lossy().trim().to_string()).filter(|t| !t.is_empty()),
                format!("environment variable {TOKEN_ENV}"),
            )
        } else if let Some(file) = &raw.token_file {
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
        let raw: RawStore = self.table(&base, value)?;
        match raw.path {
            Some(p) if !p.as_os_str().is_empty() => Some(StoreConfig {
                path: self.resolve(&p),
            }),
            _ => {
                self.error(
                    &base,
                    false,
                    "missing required key `path` (where the store lives)",
                    Some("e.g. [store] path = \"/var/lib/promua-sync/store\""),
                );
                None
            }
        }
    }

    fn sync(&mut self, value: Option<&Value>) -> Option<SyncConfig> {
        let base = [Seg::Key("sync".into())];
        let raw: RawSync = self.table(&base, value)?;
        let warehouses = raw.warehouses.unwrap_or_else(|| vec!["main".to_string()]);
        let at = [Seg::Key("sync".into()), Seg::Key("warehouses".into())];
        let mut ok = true;
        if warehouses.is_empty() {
            self.error(
                &at,
                false,
                "list at least one warehouse whose stock Prom.ua sees",
                None,
            );
            ok = false;
        }
        let mut seen = BTreeSet::new();
        for w in &warehouses {
            if w.trim().is_empty() {
                self.error(&at, false, "a warehouse name is blank", None);
                ok = false;
            } else if !seen.insert(w.trim().to_string()) {
                self.error(&at, false, format!("warehouse `{w}` is listed twice"), None);
                ok = false;
            }
        }
        let local_at = [Seg::Key("sync".into()), Seg::Key("local_warehouses".into())];
        let mut local_warehouses = Vec::new();
        for w in raw.local_warehouses.unwrap_or_default() {
            if w.trim().is_empty() {
                self.error(&local_at, false, "a warehouse name is blank", None);
                ok = false;
            } else if !seen.insert(w.trim().to_string()) {
                self.error(
                    &local_at,
                    false,
                    format!("warehouse `{w}` is listed twice (or also in warehouses)"),
                    None,
                );
                ok = false;
            } else {
                local_warehouses.push(w.trim().to_string());
            }
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
            if reserve_statuses.contains(d) {
                self.error(
                    &[Seg::Key("sync".into()), Seg::Key("done_status".into())],
                    false,
                    format!("`{d}` is also in reserve_statuses: an order cannot both hold and ship stock"),
                    None,
                );
                ok = false;
            }
        }
        let reserve_warehouse = raw
            .reserve_warehouse
            .map(|w| w.trim().to_string())
            .unwrap_or_else(|| {
                warehouses
                    .first()
                    .map(|w| w.trim().to_string())
                    .unwrap_or_default()
            });
        let safety_buffer = raw.safety_buffer.unwrap_or(0);
        if safety_buffer < 0 {
            self.error(
                &[Seg::Key("sync".into()), Seg::Key("safety_buffer".into())],
                false,
                "must not be negative",
                None,
            );
            ok = false;
        }
        let debounce = raw.push_debounce_ms.unwrap_or(3000);
        if debounce > 600_000 {
            self.error(
                &[Seg::Key("sync".into()), Seg::Key("push_debounce_ms".into())],
                false,
                "must be at most 600000 (10 minutes)",
                None,
            );
            ok = false;
        }
        ok.then(|| SyncConfig {
            warehouses: warehouses.iter().map(|w| w.trim().to_string()).collect(),
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
        let raw: RawAdmin = self.table(&base, value)?;
        let at = |k: &str| [Seg::Key("admin".into()), Seg::Key(k.into())];
        let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8731".to_string());
        let listen: std::net::SocketAddr = match listen_text.parse() {
            Ok(a) => a,
            Err(_) => {
                self.error(
                    &at("listen"),
                    false,
                    format!("`{listen_text}` is not an address such as 127.0.0.1:8731"),
                    None,
                );
                return None;
            }
        };
        if !listen.ip().is_loopback() && !raw.allow_non_loopback {
            self.error(
                &at("listen"),
                false,
                format!("the admin API would listen on {listen}, reachable from other machines"),
                Some("the admin API changes stock and prices: keep it on 127.0.0.1, or set [admin] allow_non_loopback = true to insist"),
            );
            return None;
        }
        let token_file = match (raw.token_file, store) {
            (Some(f), _) => self.resolve(&f),
            (None, Some(s)) => s
                .path
                .parent()
                .map_or_else(|| PathBuf::from("admin-token"), |p| p.join("admin-token")),
            (None, None) => return None,
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
        let raw: RawDaemon = self.table(&base, value)?;
        let grace = raw.shutdown_grace_secs.unwrap_or(20);
        if grace == 0 || grace > 600 {
            self.error(
                &[
                    Seg::Key("daemon".into()),
                    Seg::Key("shutdown_grace_secs".into()),
                ],
                false,
                "must be between 1 and 600 seconds",
                None,
            );
            return None;
        }
        Some(DaemonConfig {
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
                "expected [[job]] tables",
                None,
            );
            return None;
        };
        let mut jobs = Vec::new();
        let mut names = BTreeSet::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let base = [Seg::Key("job".into()), Seg::Index(i)];
            match self.job(&base, item) {
                Some(job) => {
                    if !names.insert(job.name.clone()) {
                        let mut p = base.to_vec();
                        p.push(Seg::Key("name".into()));
                        self.error(
                            &p,
                            false,
                            format!("job name `{}` is used twice", job.name),
                            None,
                        );
                        ok = false;
                    }
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

    fn check_batch(&mut self, at: &[Seg], n: usize) -> bool {
        if n == 0 || n > MAX_BATCH {
            self.error(
                at,
                false,
                format!("must be between 1 and {MAX_BATCH}"),
                None,
            );
            return false;
        }
        true
    }

    fn check_percent(&mut self, at: &[Seg], p: Option<Decimal>) -> bool {
        if p.is_some_and(|p| p < Decimal::ZERO || p > Decimal::from(100)) {
            self.error(at, false, "must be a percent between 0 and 100", None);
            return false;
        }
        true
    }

    fn job(&mut self, base: &[Seg], item: &Value) -> Option<JobConfig> {
        let Some(dict) = item.as_dict() else {
            self.error(base, false, "expected a [[job]] table", None);
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
                Some(_) => {
                    c.error(&field(key), false, "expected a string", None);
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
            Ok(s) => Some(s),
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
        let kind = kind.and_then(|k| match k.as_str() {
            "push_stock" => {
                let o: PushStockOptions = self.table(base, Some(&options))?;
                let ok = self.check_batch(&field("batch_size"), o.batch_size)
                    & self
                        .check_percent(&field("max_zero_share_percent"), o.max_zero_share_percent);
                ok.then_some(JobKind::PushStock(o))
            }
            "push_prices" => {
                let o: PushPricesOptions = self.table(base, Some(&options))?;
                let mut ok = self.check_batch(&field("batch_size"), o.batch_size);
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
                let o: PushStatusesOptions = self.table(base, Some(&options))?;
                let mut ok = true;
                for (local, target) in &o.status_map {
                    let mut at = field("status_map");
                    at.push(Seg::Key(local.clone()));
                    if !PROM_STATUSES.contains(&target.status()) {
                        self.error(
                            &at,
                            false,
                            format!("`{}` is not a Prom.ua order status", target.status()),
                            Some(&format!("one of: {}", PROM_STATUSES.join(", "))),
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
                        ("canceled", Some(r)) if !PROM_REASONS.contains(&r) => {
                            self.error(
                                &at,
                                false,
                                format!("`{r}` is not a Prom.ua cancellation reason"),
                                Some(&format!("one of: {}", PROM_REASONS.join(", "))),
                            );
                            ok = false;
                        }
                        ("canceled", Some(r))
                            if matches!(r, "price_changed" | "not_enough_fields" | "another")
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
                if !dict.contains_key("mode") {
                    self.error(
                        base,
                        false,
                        "missing required key `mode`",
                        Some("mode = \"update_balances\" | \"create_missing\" | \"link_only\" | \"stage\""),
                    );
                    return None;
                }
                let o: ImportProductsOptions = self.table(base, Some(&options))?;
                if o.warehouse.as_deref().is_some_and(|w| w.trim().is_empty()) {
                    self.error(&field("warehouse"), false, "a warehouse name must not be blank", None);
                    return None;
                }
                Some(JobKind::ImportProducts(o))
            }
            "pull_orders" => {
                let o: PullOrdersOptions = self.table(base, Some(&options))?;
                let mut ok = true;
                if o.overlap_minutes > 24 * 60 {
                    self.error(
                        &field("overlap_minutes"),
                        false,
                        "must be at most 1440 (a day)",
                        None,
                    );
                    ok = false;
                }
                if o.initial_days == 0 || o.initial_days > 365 {
                    self.error(
                        &field("initial_days"),
                        false,
                        "must be between 1 and 365",
                        None,
                    );
                    ok = false;
                }
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
