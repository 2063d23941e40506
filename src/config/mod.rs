//! `jobs.toml`: the schema, figment layering (the exact file, then `PROMUA_SYNC__…`
//! environment overrides) and validation that reports every error in one pass.
//!
//! Loading is a small compiler: each section and each `[[job]]` is read on its own so
//! that one bad value does not hide the next; unknown keys are collected rather than
//! failing the first; semantic checks (cron, names, warehouses, token) run on whatever
//! parsed. Every error carries the key path and its place in the file.
//!
//! The files: `load` runs the stages; `layers` builds the file and environment layers;
//! `raw` is the sections as written; `shop_check` checks the status maps against the shop's
//! own statuses (online); `compiler` holds the error list and the generic
//! reading of a table; `sections`, `warehouses`, `job_checks` and `job_timing` are the checks (`zone`
//! names time zones); `model`
//! and `kinds` are what they produce; `messages` and `diagnostic` word and show errors.

mod compiler;
mod daemon_section;
mod diagnostic;
mod job_checks;
mod job_timing;
mod key_path;
mod kinds;
mod layers;
mod load;
mod messages;
mod model;
mod raw;
mod schedule;
mod sections;
mod shop_check;
mod stale_after;
mod status_aliases;
mod status_map_checks;
pub mod ticks;
mod warehouses;
mod zone;

pub use compiler::MAX_CHANGES_LIMIT;
pub use diagnostic::{ConfigError, ConfigErrors, Origin};
pub use job_checks::{NEVER_FIRES_YEARS, ON_CHANGE_PRICES_JOB, ON_CHANGE_STOCK_JOB};
pub use kinds::*;
pub use load::{load, load_with_env};
pub use model::{AdminConfig, Config, DaemonConfig, JobConfig, JobKind, StoreConfig, SyncConfig};
pub use schedule::Schedule;
pub use shop_check::check_against_shop;
pub use stale_after::{default_stale_after, parse_duration};
pub use zone::parse_zone;

/// The most items one `products/edit` call may carry.
pub use crate::domain::MAX_BATCH;
pub use crate::prom::PromConfig;

/// Prefix of every environment override, e.g. `PROMUA_SYNC__STORE__PATH`.
pub const ENV_PREFIX: &str = "PROMUA_SYNC__";
/// The environment variable that carries the Prom.ua token.
pub const TOKEN_ENV: &str = "PROMUA_SYNC__PROM__TOKEN";
pub const DEFAULT_BASE_URL: &str = "https://my.prom.ua/api/v1";
