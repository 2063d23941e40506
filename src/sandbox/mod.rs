//! The sandbox: an in-memory emulator of the Prom.ua API the product uses, following
//! prom-api.md section 8. It serves `/api/v1/...` like Prom.ua, and a control API under
//! `/__sandbox/...` (a prefix Prom.ua does not use) that lists the requests it received,
//! seeds data, plays a buyer changing orders, and injects faults.

mod control;
mod export;
mod faults;
mod field_rejections;
mod generate;
mod handlers;
mod model;
mod order_details;
mod record;
mod status_options;

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

pub use faults::{EchoAuthorization, FaultRates, Quirks, ScriptedFault};
pub use generate::{Catalogue, generate_catalogue, generate_products};
pub use model::{
    OrderChange, ROOT_GROUP_ID, SandboxGroup, SandboxOrder, SandboxOrderLine, SandboxProduct,
    StatusChange,
};
pub use order_details::SandboxOrderDetails;
pub use record::RecordedRequest;
pub use status_options::{CustomStatusForm, SandboxStatusOption};

/// Whether `last_id` keeps the item with that id (`<=`) or not (`<`); Prom's docs are
/// ambiguous, so the sandbox can play either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LastId {
    #[default]
    Exclusive,
    Inclusive,
}

/// What `products/list` without `group_id` returns: only the root group's products
/// (as one live account showed) or every product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DefaultListing {
    #[default]
    RootOnly,
    All,
}

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// The one token the sandbox accepts.
    pub token: String,
    pub last_id: LastId,
    pub default_listing: DefaultListing,
    /// Page size when `limit` is not given.
    pub default_limit: usize,
    /// Reject edit batches above this size (Prom's users chunk at 100).
    pub max_batch: usize,
    /// Added to every Prom.ua API response.
    pub latency: Duration,
    /// Random faults, drawn from a seeded generator.
    pub faults: FaultRates,
    /// At most this many API calls a second (a burst of as many at once); the calls above it
    /// get HTTP 429 with `Retry-After: 1`, as a rate-limited Prom.ua would answer. 0: none.
    pub rate_limit: u32,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            token: "sandbox-token".into(),
            last_id: LastId::Exclusive,
            default_listing: DefaultListing::RootOnly,
            default_limit: 20,
            max_batch: crate::domain::MAX_BATCH,
            latency: Duration::ZERO,
            faults: FaultRates::default(),
            rate_limit: 0,
        }
    }
}

pub(crate) struct State {
    pub products: BTreeMap<i64, SandboxProduct>,
    pub groups: BTreeMap<i64, SandboxGroup>,
    pub orders: BTreeMap<i64, SandboxOrder>,
    /// Prom id → message: edits of these items are refused in `errors`.
    pub rejections: BTreeMap<i64, String>,
    /// (Prom id, field) → message: edits of these items carrying the field are refused
    /// for it (`field_rejections.rs`).
    pub field_rejections: BTreeMap<(i64, String), String>,
    pub requests: Vec<RecordedRequest>,
    pub faults: FaultRates,
    pub scripted: VecDeque<ScriptedFault>,
    pub revoked: bool,
    pub rng: StdRng,
    /// Product id → fields shown as given over the product's own (see
    /// [`Sandbox::set_raw_fields`]).
    pub raw_fields: BTreeMap<i64, serde_json::Map<String, serde_json::Value>>,
    pub quirks: Quirks,
    /// Product id → when it was last changed (by the control API or an edit), for
    /// `last_modified_from`. A product loaded with a catalogue and never changed since has
    /// none: it is older than any filter.
    pub modified: BTreeMap<i64, chrono::DateTime<chrono::Utc>>,
    /// What `order_status_options/list` lists, and `set_status` takes beyond Prom's own.
    pub status_options: Vec<SandboxStatusOption>,
    /// Product id → how many `products/list` pages have shown it (see
    /// [`Sandbox::times_listed`]).
    pub listed: BTreeMap<i64, u32>,
    /// What `orders/set_status` changed, in order (see [`Sandbox::status_changes`]).
    pub status_changes: Vec<StatusChange>,
    /// How many calls got each fault, scripted or random.
    pub injected: BTreeMap<ScriptedFault, u64>,
}

/// A sandbox, running or not. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) state: Arc<Mutex<State>>,
    pub(crate) options: Arc<SandboxOptions>,
    /// [`SandboxOptions::rate_limit`]'s bucket, shared by the clones.
    pub(crate) limiter: Option<Arc<governor::DefaultDirectRateLimiter>>,
    /// API calls being answered now, and the most at once (see [`Sandbox::peak_in_flight`]).
    pub(crate) in_flight: Arc<InFlight>,
}

/// Counts the API calls being answered at once.
#[derive(Default)]
pub(crate) struct InFlight {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl InFlight {
    /// Counts a call until the guard drops.
    pub(crate) fn enter(self: &Arc<Self>) -> InFlightGuard {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        InFlightGuard(self.clone())
    }
}

pub(crate) struct InFlightGuard(Arc<InFlight>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Sandbox {
    pub fn new(options: SandboxOptions) -> Self {
        let state = State {
            products: BTreeMap::new(),
            groups: BTreeMap::new(),
            orders: BTreeMap::new(),
            rejections: BTreeMap::new(),
            field_rejections: BTreeMap::new(),
            requests: Vec::new(),
            faults: options.faults,
            scripted: VecDeque::new(),
            revoked: false,
            rng: StdRng::seed_from_u64(options.faults.seed),
            raw_fields: BTreeMap::new(),
            quirks: Quirks::default(),
            modified: BTreeMap::new(),
            status_options: status_options::default_options(),
            listed: BTreeMap::new(),
            status_changes: Vec::new(),
            injected: BTreeMap::new(),
        };
        let limiter = std::num::NonZeroU32::new(options.rate_limit).map(|rps| {
            Arc::new(governor::RateLimiter::direct(governor::Quota::per_second(
                rps,
            )))
        });
        Self {
            state: Arc::new(Mutex::new(state)),
            options: Arc::new(options),
            limiter,
            in_flight: Arc::default(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn options(&self) -> &SandboxOptions {
        &self.options
    }

    /// The most API calls the sandbox was answering at once (the added latency included),
    /// to check a client's concurrency limit.
    pub fn peak_in_flight(&self) -> usize {
        self.in_flight
            .peak
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Product id → how many `products/list` answers have shown it: a catalogue read
    /// that reads each product once leaves every count at 1.
    pub fn times_listed(&self) -> BTreeMap<i64, u32> {
        self.lock().listed.clone()
    }

    /// Prom.ua's API under `/api/v1`, the control API under `/__sandbox`, Prom's HTML 404
    /// elsewhere; every request but the control API's is recorded.
    pub fn router(&self) -> axum::Router {
        axum::Router::new()
            .nest(handlers::API_PREFIX, handlers::router(self.clone()))
            .nest(control::CONTROL_PREFIX, control::router())
            .fallback(handlers::not_found)
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                record::record,
            ))
            .with_state(self.clone())
    }

    /// Serves on `addr` in the background; see [`RunningSandbox::addr`] for the port.
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

    /// Loads a catalogue (groups, products, orders), replacing items with the same ids.
    pub fn load(&self, catalogue: Catalogue) {
        let mut st = self.lock();
        st.groups
            .extend(catalogue.groups.into_iter().map(|g| (g.id, g)));
        st.products
            .extend(catalogue.products.into_iter().map(|p| (p.id, p)));
        st.orders
            .extend(catalogue.orders.into_iter().map(|o| (o.id, o)));
    }

    /// Adds or replaces products, as the seller does in the cabinet: each is modified now.
    pub fn upsert_products(&self, products: impl IntoIterator<Item = SandboxProduct>) {
        let mut st = self.lock();
        let now = chrono::Utc::now();
        for p in products {
            st.modified.insert(p.id, now);
            st.products.insert(p.id, p);
        }
    }

    /// The seller deletes a product in the cabinet: it leaves every listing, `products/{id}`
    /// answers Prom's HTML 404, and edits of it fail with "Продукт не найден". Returns it.
    pub fn delete_product(&self, id: i64) -> Option<SandboxProduct> {
        let mut st = self.lock();
        st.modified.remove(&id);
        st.products.remove(&id)
    }

    pub fn product(&self, id: i64) -> Option<SandboxProduct> {
        self.lock().products.get(&id).cloned()
    }

    pub fn products(&self) -> Vec<SandboxProduct> {
        self.lock().products.values().cloned().collect()
    }

    pub fn order(&self, id: i64) -> Option<SandboxOrder> {
        self.lock().orders.get(&id).cloned()
    }

    pub fn orders(&self) -> Vec<SandboxOrder> {
        self.lock().orders.values().cloned().collect()
    }

    /// A buyer places an order: it gets the next id and keeps its `date_created` (the
    /// control API's body defaults it to now), so a test can place an order created 30
    /// days ago. Its `date_modified` is never before its creation: the later of the two
    /// given (also now when the body does not say).
    pub fn place_order(&self, mut order: SandboxOrder) -> SandboxOrder {
        let mut st = self.lock();
        order.id = st.orders.keys().next_back().map_or(900_001, |id| id + 1);
        order.date_modified = order.date_modified.max(order.date_created);
        st.orders.insert(order.id, order.clone());
        order
    }

    /// A buyer (or the shop's cabinet) changes an order; `date_modified` moves to now.
    pub fn change_order(&self, id: i64, change: OrderChange) -> Option<SandboxOrder> {
        let mut st = self.lock();
        let order = st.orders.get_mut(&id)?;
        change.apply(order);
        order.date_modified = chrono::Utc::now();
        Some(order.clone())
    }

    /// Makes the API show these fields of order `id` exactly as given, over what it
    /// renders (a fixture's order, values of odd types); `date_modified` moves to now, as
    /// for any change, unless the fields give their own.
    pub fn set_order_raw_fields(
        &self,
        id: i64,
        fields: serde_json::Map<String, serde_json::Value>,
    ) -> Option<SandboxOrder> {
        let mut st = self.lock();
        let order = st.orders.get_mut(&id)?;
        order.details.raw.extend(fields);
        order.date_modified = chrono::Utc::now();
        Some(order.clone())
    }

    /// Makes the API show these fields of product `id` exactly as given, whatever their
    /// type (a price of `1e30`, a quantity of `2.7`): a catalogue with values Prom.ua
    /// should not send. An edit of one of these fields ends its raw value.
    pub fn set_raw_fields(&self, id: i64, fields: serde_json::Map<String, serde_json::Value>) {
        let mut st = self.lock();
        st.modified.insert(id, chrono::Utc::now());
        st.raw_fields.entry(id).or_default().extend(fields);
    }

    /// Makes the sandbox refuse edits of `prom_id` with `message` (per item, HTTP 200).
    pub fn reject(&self, prom_id: i64, message: &str) {
        self.lock().rejections.insert(prom_id, message.to_string());
    }

    pub fn clear_rejections(&self) {
        self.lock().rejections.clear();
    }

    /// From now on every API call gets the HTML 401 of a revoked token (or, with
    /// `false`, the token works again).
    pub fn revoke_token(&self, revoked: bool) {
        self.lock().revoked = revoked;
    }

    pub fn set_faults(&self, rates: FaultRates) {
        let mut st = self.lock();
        st.rng = StdRng::seed_from_u64(rates.seed);
        st.faults = rates;
    }

    /// From now on the API behaves with these quirks (see [`Quirks`]).
    pub fn set_quirks(&self, quirks: Quirks) {
        self.lock().quirks = quirks;
    }

    pub fn quirks(&self) -> Quirks {
        self.lock().quirks
    }

    /// Replaces the shop's order statuses (`order_status_options/list`).
    pub fn set_status_options(&self, options: Vec<SandboxStatusOption>) {
        self.lock().status_options = options;
    }

    pub fn status_options(&self) -> Vec<SandboxStatusOption> {
        self.lock().status_options.clone()
    }

    /// The `orders/set_status` requests received, in order.
    pub fn set_status_requests(&self) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/orders/set_status"))
            .cloned()
            .collect()
    }

    /// The status changes `orders/set_status` made, in order. A call that set the status
    /// an order already had changed nothing and is not listed (a retried call is not a
    /// second change); a buyer's or the cabinet's change ([`Sandbox::change_order`]) is
    /// not a call either.
    pub fn status_changes(&self) -> Vec<StatusChange> {
        self.lock().status_changes.clone()
    }

    /// How many API calls got each fault (scripted or random) since the start.
    pub fn faults_injected(&self) -> BTreeMap<ScriptedFault, u64> {
        self.lock().injected.clone()
    }

    /// The next API calls get these faults, in order, before any random fault.
    pub fn script_faults(&self, faults: impl IntoIterator<Item = ScriptedFault>) {
        self.lock().scripted.extend(faults);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The `products/edit` requests received, in order.
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

    pub async fn stop(mut self) {
        self.stop.cancel();
        let _ = (&mut self.task).await;
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
