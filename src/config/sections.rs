//! The top level of the file and the checks of its sections `[prom]`, `[store]`,
//! `[sync]`, `[admin]` and `[daemon]` (the `[[job]]` tables are in `job_checks`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::value::{Dict, Value};
use secrecy::SecretString;

use super::compiler::Compiler;
use super::key_path::Seg;
use super::raw::{RawAdmin, RawProm, RawStore, RawSync};
use super::{AdminConfig, Config, PromConfig, StoreConfig, SyncConfig};
use super::{DEFAULT_BASE_URL, TOKEN_ENV};

/// The sections a file may hold.
const SECTIONS: [&str; 6] = ["prom", "store", "sync", "admin", "daemon", "job"];

impl Compiler<'_, '_> {
    /// The whole file. Every section is checked even after one failed, so that all the
    /// errors show at once; `[store]` comes before `[admin]` (whose token file defaults
    /// to beside the store) and `[sync]` before the jobs (whose warehouses it declares).
    pub fn compile(&mut self, root: &Dict) -> Option<Config> {
        for key in root.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                // A value above the first section is a key, not a section.
                let what = if self.is_section(key, root.get(key)) {
                    "unknown section".to_string()
                } else {
                    format!("unknown key `{key}` outside any section")
                };
                self.error(
                    &[Seg::Key(key.clone())],
                    true,
                    what,
                    Some("known sections: [prom], [store], [sync], [admin], [daemon], [[job]]"),
                );
            }
        }
        let prom = self.prom(root.get("prom"));
        let store = self.store(root.get("store"));
        let sync = self.sync(root.get("sync"));
        let admin = self.admin(root.get("admin"), store.as_ref());
        let daemon = self.daemon(root.get("daemon"));
        let zone = daemon.as_ref().map_or(chrono_tz::UTC, |d| d.timezone);
        let jobs = self.jobs(root.get("job"), sync.as_ref(), zone);
        let sync = sync.map(|mut s| {
            s.status_aliases = super::status_aliases::status_aliases(
                jobs.as_deref().unwrap_or_default(),
                &mut self.warnings,
            );
            s
        });
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

    fn prom(&mut self, value: Option<&Value>) -> Option<PromConfig> {
        let base = [Seg::Key("prom".into())];
        let raw: RawProm = self.table(&base, value, &[])?;
        let at = |k: &str| [Seg::Key("prom".into()), Seg::Key(k.into())];

        let base_url = raw
            .base_url
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let mut ok = self.check_base_url(&at("base_url"), &base_url);

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

        let (token, token_origin, token_ok) = self.prom_token(&raw);
        ok &= token_ok;
        if token.is_none() && ok {
            self.warnings.push(format!(
                "no Prom.ua token configured: set [prom] token_file or {TOKEN_ENV}; \
                 commands that talk to Prom.ua will refuse to run"
            ));
        }
        if let Some(t) = &token
            && t.chars().any(char::is_whitespace)
        {
            self.error(&at("token"), false, "the token contains whitespace", None);
            ok = false;
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
            stock_route: raw.stock_route.unwrap_or_default(),
        })
    }

    /// `[prom] base_url`: not blank, and an http or https URL with a host.
    fn check_base_url(&mut self, at: &[Seg], base_url: &str) -> bool {
        if !self.check_not_blank(
            at,
            base_url,
            "leave the key out for https://my.prom.ua/api/v1",
        ) {
            return false;
        }
        match url::Url::parse(base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => true,
            Ok(_) => {
                self.error(
                    at,
                    false,
                    "must be an http:// or https:// URL with a host",
                    None,
                );
                false
            }
            Err(e) => {
                self.error(at, false, format!("not a URL: {e}"), None);
                false
            }
        }
    }

    /// The Prom.ua token, where it came from, and whether its keys are right: from the
    /// environment first, then `token_file`, then (only if insisted) jobs.toml.
    fn prom_token(&mut self, raw: &RawProm) -> (Option<String>, String, bool) {
        let at = |k: &str| [Seg::Key("prom".into()), Seg::Key(k.into())];
        let mut ok = true;
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
            match self.read_token_file(file) {
                Some((t, origin)) => (Some(t), origin),
                None => {
                    ok = false;
                    (None, String::new())
                }
            }
        } else if token_in_file {
            let t = raw.token.clone().filter(|t| !t.trim().is_empty());
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
        (token, token_origin, ok)
    }

    /// The token held in `file` (relative to jobs.toml's directory) and where it came
    /// from; `None`, with the error said, when the file is unreadable or empty.
    fn read_token_file(&mut self, file: &Path) -> Option<(String, String)> {
        let at = [Seg::Key("prom".into()), Seg::Key("token_file".into())];
        let file = self.resolve(file);
        match std::fs::read_to_string(&file) {
            Ok(t) if !t.trim().is_empty() => {
                Some((t.trim().to_string(), format!("file {}", file.display())))
            }
            Ok(_) => {
                self.error(
                    &at,
                    false,
                    format!("the token file {} is empty", file.display()),
                    None,
                );
                None
            }
            Err(e) => {
                self.error(
                    &at,
                    false,
                    format!("cannot read the token file {}: {e}", file.display()),
                    None,
                );
                None
            }
        }
    }

    fn store(&mut self, value: Option<&Value>) -> Option<StoreConfig> {
        let base = [Seg::Key("store".into())];
        let raw: RawStore = self.table(&base, value, &[])?;
        let at = [Seg::Key("store".into()), Seg::Key("path".into())];
        let help = "the directory where the store lives, e.g. [store] path = \"/var/lib/promua-sync/store\"";
        let keep_runs_days = raw.keep_runs_days.unwrap_or(90);
        let keep_at = [Seg::Key("store".into()), Seg::Key("keep_runs_days".into())];
        let keep_ok = self.check_whole(&keep_at, keep_runs_days);
        let cache_capacity_mib = raw
            .cache_capacity_mib
            .unwrap_or(crate::store::DEFAULT_CACHE_CAPACITY_MIB);
        let cache_at = [
            Seg::Key("store".into()),
            Seg::Key("cache_capacity_mib".into()),
        ];
        let cache_ok = self.check_whole(&cache_at, cache_capacity_mib);
        match raw.path {
            Some(p) => (self.check_not_blank(&at, &p.to_string_lossy(), help)
                && keep_ok
                && cache_ok)
                .then(|| StoreConfig {
                    path: self.resolve(&p),
                    keep_runs_days,
                    cache_capacity_mib,
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
        let reserve_statuses: Vec<String> = raw
            .reserve_statuses
            .unwrap_or_else(|| ["pending", "received", "paid"].map(String::from).to_vec())
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let done_status = match raw.done_status {
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(s.trim().to_string()),
            None => Some("delivered".to_string()),
        };
        if let Some(d) = &done_status
            && reserve_statuses.contains(d)
            && !self.is_broken(&at("reserve_statuses"))
        {
            self.error(
                &at("done_status"),
                false,
                format!(
                    "`{d}` is also in reserve_statuses: an order cannot both hold and ship stock"
                ),
                None,
            );
            ok = false;
        }
        let trimmed = |list: Option<Vec<String>>| -> Vec<String> {
            list.unwrap_or_default()
                .iter()
                .map(|s| s.trim().to_string())
                .collect()
        };
        let release_statuses = trimmed(raw.release_statuses);
        let shipped_statuses = trimmed(raw.shipped_statuses);
        // Each status means one thing: held, shipped or released.
        let lists = [
            ("release_statuses", &release_statuses, "hold nothing"),
            ("shipped_statuses", &shipped_statuses, "be shipped"),
        ];
        for (key, list, meaning) in lists {
            for (i, s) in list.iter().enumerate() {
                let clash = if s.is_empty() {
                    Some("a status must not be blank".to_string())
                } else if reserve_statuses.contains(s) {
                    Some(format!(
                        "`{s}` is also in reserve_statuses: a status cannot both hold stock and {meaning}"
                    ))
                } else if done_status.as_deref() == Some(s.as_str()) {
                    Some(format!(
                        "`{s}` is also done_status: the done status ships the stock"
                    ))
                } else if key == "shipped_statuses" && release_statuses.contains(s) {
                    Some(format!(
                        "`{s}` is also in release_statuses: a status cannot both release stock and be shipped"
                    ))
                } else {
                    None
                };
                if let Some(message) = clash {
                    let [section, k] = at(key);
                    self.error(&[section, k, Seg::Index(i)], false, message, None);
                    ok = false;
                }
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
            release_statuses,
            shipped_statuses,
            status_aliases: Vec::new(),
            reserve_warehouse,
            safety_buffer,
        })
    }

    fn admin(&mut self, value: Option<&Value>, store: Option<&StoreConfig>) -> Option<AdminConfig> {
        let base = [Seg::Key("admin".into())];
        let raw: RawAdmin = self.table(&base, value, &[])?;
        let at = |k: &str| [Seg::Key("admin".into()), Seg::Key(k.into())];
        let listen = self.admin_listen(raw.listen, raw.allow_non_loopback);
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
        let csv_ok = self.check_whole(&at("max_csv_body_mb"), max_csv_body_mb);
        let max_json_body_kb = raw.max_json_body_kb.unwrap_or(1024);
        let json_ok = self.check_whole(&at("max_json_body_kb"), max_json_body_kb);
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
            metrics_public: raw.metrics_public.unwrap_or(false),
        })
    }

    /// `[admin] listen`: an address, on loopback unless `allow_non_loopback` insists.
    fn admin_listen(
        &mut self,
        listen: Option<String>,
        allow_non_loopback: bool,
    ) -> Option<std::net::SocketAddr> {
        let at = [Seg::Key("admin".into()), Seg::Key("listen".into())];
        let listen_text = listen.unwrap_or_else(|| "127.0.0.1:8731".to_string());
        if !self.check_not_blank(
            &at,
            &listen_text,
            "an address such as 127.0.0.1:8731 (the default when the key is left out)",
        ) {
            return None;
        }
        match listen_text.trim().parse::<std::net::SocketAddr>() {
            Ok(a) if !a.ip().is_loopback() && !allow_non_loopback => {
                self.error(
                    &at,
                    false,
                    format!("the admin API would listen on {a}, reachable from other machines"),
                    Some("the admin API changes stock and prices: keep it on 127.0.0.1, or set [admin] allow_non_loopback = true to insist"),
                );
                None
            }
            Ok(a) => Some(a),
            Err(_) => {
                self.error(
                    &at,
                    false,
                    format!("`{listen_text}` is not an address such as 127.0.0.1:8731"),
                    None,
                );
                None
            }
        }
    }
}
