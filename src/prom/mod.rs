//! Prom.ua: the client (the only code that speaks HTTP to Prom.ua), its DTOs and
//! errors, and the sandbox that emulates the same API on loopback.

mod client;
pub mod dto;
mod error;
mod groups;
mod orders;
mod products;
pub mod sandbox;

pub use client::{PAGE_LIMIT, PromClient, PromConfig};
pub use error::PromError;
pub use orders::SetStatusResult;
