//! The sandbox: an in-memory emulator of the Prom.ua endpoints the product uses,
//! following prom-api.md section 8. It serves `/api/v1/...` like Prom.ua and a control
//! API under `/__sandbox/...` (a prefix Prom.ua does not use) that lists the requests it
//! received and lets tests and users seed products and inject per-item rejections.

mod generate;
mod handlers;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use generate::generate_products;

/// Whether `last_id` keeps the product with that id (`<=`) or not (`<`); Prom's docs
/// are ambiguous, so the sandbox can play either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LastId {
    #[default]
    Exclusive,
    Inclusive,
}

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// The one token the sandbox accepts.
    pub token: String,
    pub last_id: LastId,
    /// Page size when `limit` is not given.
    pub default_limit: usize,
    /// Reject edit batches above this size (Prom's users chunk at 100).
    pub max_batch: usize,
    /// Added to every Prom.ua API response.
    pub latency: Duration,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            token: "sandbox-token".into(),
            last_id: LastId::Exclusive,
            default_limit: 20,
            max_batch: 100,
            latency: Duration::ZERO,
        }
    }
}

/// A product as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxProduct {
    pub id: i64,
    #[serde(default)]
    pub external_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default = "default_presence")]
    pub presence: String,
    #[serde(default)]
    pub quantity_in_stock: Option<i64>,
    #[serde(default)]
    pub price: Decimal,
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_presence() -> String {
    "available".into()
}
fn default_currency() -> String {
    "UAH".into()
}
fn default_status() -> String {
    "on_display".into()
}

/// A request the sandbox received, for tests to assert on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The `Authorization` header as received.
    pub authorization: Option<String>,
    /// The body, if it was JSON.
    pub body: Option<serde_json::Value>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub products: BTreeMap<i64, SandboxProduct>,
    /// Prom id → message: edits of these items are refused in `errors`.
    pub rejections: BTreeMap<i64, String>,
    pub requests: Vec<RecordedRequest>,
}

/// A running-or-not sandbox. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) options: Arc<SandboxOptions>,
}

impl Sandbox {
    pub fn new(options: SandboxOptions) -> Self {
        Self {
            state: Arc::default(),
            options: Arc::new(options),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn options(&self) -> &SandboxOptions {
        &self.options
    }

    pub fn router(&self) -> axum::Router {
        handlers::router(self.clone())
    }

    /// Serves on `addr` in the background; returns the bound address.
    pub async fn spawn(&self, addr: SocketAddr) -> std::io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        let stop = tokio_util::sync::CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(stopped.cancelled_owned())
                .await;
        });
        Ok(RunningSandbox {
            sandbox: self.clone(),
            addr,
            stop,
            task,
        })
    }

    pub fn upsert_products(&self, products: impl IntoIterator<Item = SandboxProduct>) {
        let mut st = self.lock();
        for p in products {
            st.products.insert(p.id, p);
        }
    }

    pub fn product(&self, id: i64) -> Option<SandboxProduct> {
        self.lock().products.get(&id).cloned()
    }

    pub fn products(&self) -> Vec<SandboxProduct> {
        self.lock().products.values().cloned().collect()
    }

    /// Makes the sandbox refuse edits of `prom_id` with `message` (per item, HTTP 200).
    pub fn reject(&self, prom_id: i64, message: &str) {
        self.lock().rejections.insert(prom_id, message.to_string());
    }

    pub fn clear_rejections(&self) {
        self.lock().rejections.clear();
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The bodies of `products/edit` requests received, in order.
    pub fn edit_requests(&self) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/products/edit"))
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }
}

/// A sandbox serving on a loopback port; stops when dropped or on [`RunningSandbox::stop`].
pub struct RunningSandbox {
    pub sandbox: Sandbox,
    pub addr: SocketAddr,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSandbox {
    /// The `base_url` to put in `[prom]`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let _ = (&mut { self }.task).await;
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl std::ops::Deref for RunningSandbox {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}
