//! The sections `[prom]`, `[store]`, `[sync]`, `[admin]` and `[daemon]` as written in the
//! file: every key optional, so that a missing one gets its default in the checks (or a
//! message of its own) rather than a serde error. Their serde field names are also the
//! list of known keys an unknown key is compared with.

use std::path::PathBuf;

use serde::Deserialize;

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
pub(super) struct RawProm {
    pub base_url: Option<String>,
    pub token_file: Option<PathBuf>,
    #[serde(deserialize_with = "secret_text")]
    pub token: Option<String>,
    pub allow_token_in_config: bool,
    pub connect_timeout_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub requests_per_second: Option<u32>,
    pub max_concurrency: Option<usize>,
    pub max_retries: Option<usize>,
    pub retry_base_delay_ms: Option<u64>,
    pub stock_route: Option<crate::domain::StockRoute>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawStore {
    pub path: Option<PathBuf>,
    pub keep_runs_days: Option<u64>,
    pub cache_capacity_mib: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawSync {
    pub warehouses: Option<Vec<String>>,
    pub local_warehouses: Option<Vec<String>>,
    pub update_balances: Option<bool>,
    pub update_prices: Option<bool>,
    pub update_statuses: Option<bool>,
    pub push_debounce_ms: Option<u64>,
    pub reserve_statuses: Option<Vec<String>>,
    pub done_status: Option<String>,
    pub release_statuses: Option<Vec<String>>,
    pub shipped_statuses: Option<Vec<String>>,
    pub reserve_warehouse: Option<String>,
    pub safety_buffer: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawAdmin {
    pub enabled: Option<bool>,
    pub listen: Option<String>,
    pub allow_non_loopback: bool,
    pub token_file: Option<PathBuf>,
    pub max_csv_body_mb: Option<u64>,
    pub max_json_body_kb: Option<u64>,
    pub metrics_public: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawDaemon {
    pub shutdown_grace_secs: Option<u64>,
    pub timezone: Option<String>,
}
