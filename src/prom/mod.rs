//! Prom.ua: the client (the only code that speaks HTTP to Prom.ua), its DTOs and
//! errors, and the sandbox that emulates the same API on loopback.

mod client;
pub mod dto;
mod error;
pub mod sandbox;

pub use client::PromClient;
pub use error::PromError;
