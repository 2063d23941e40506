//! promua-sync: keeps a back-office ledger and a Prom.ua shop in step.
pub mod admin;
pub mod backoffice;
pub mod cli;
pub mod config;
mod console;
pub mod daemon;
pub mod demo;
pub mod domain;
pub mod health;
pub mod jobs;
pub mod logging;
pub mod metrics;
pub mod prom;
pub mod recurring;
pub mod report;
pub mod sandbox;
pub mod store;
