//! Integration tests: one binary, one module per area (faster to build than many).

mod admin;
mod backoffice;
mod cli;
mod config;
mod daemon;
mod damaged_store;
mod durability;
mod feedback;
mod gone;
mod helpers;
mod import;
mod limits;
mod logging;
mod on_change;
mod orders;
mod prom;
mod push_stock;
mod reserved;
mod safe_defaults;
mod secrets;
mod sku_identity;
mod small_promises;
mod status;
mod suggestions;
mod systemd;
mod views;
