//! Prom.ua: the client (the only code that speaks HTTP to Prom.ua), its DTOs and
//! errors. The emulator of the same API is `crate::sandbox`.

mod catalogue;
mod client;
pub mod dto;
mod error;
mod groups;
mod listing;
mod orders;
mod products;

pub use client::{PAGE_LIMIT, PromClient, PromConfig};
pub use dto::SetStatusResult;
pub use error::PromError;
