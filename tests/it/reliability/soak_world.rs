//! The soak's world: a shop of linked products served by an in-process sandbox, the
//! daemon's configuration (every job kind on second-level schedules), and the record of
//! every change the workload (`soak_workload.rs`) made and whether it was acknowledged
//! (exit 0, HTTP 2xx), refused (nothing applied) or unknown (the daemon died under it:
//! applied or not).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{ProductUpdate, Store};
use rust_decimal::Decimal;

use crate::helpers::*;

/// The jobs: every kind, on schedules of seconds; the guards that would stop a run of a
/// small catalogue (most products at zero) are off.
const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "*/2 * * * * *"
overlap_minutes = 10

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "*/2 * * * * *"
status_map = { received = "received", delivered = "delivered", paid = "paid", canceled = { status = "canceled", reason = "buyers_request" } }

[[job]]
name = "prices"
kind = "push_prices"
schedule = "*/3 * * * * *"

[[job]]
name = "verify"
kind = "verify"
schedule = "*/5 * * * * *"
repair = true
max_zero_share_percent = 100
"#;

/// The statuses that hold stock, and the one that ships it.
pub const RESERVE: [&str; 3] = ["pending", "received", "paid"];
pub const DONE: &str = "delivered";

/// A linked product of the shop.
#[derive(Debug, Clone)]
pub struct Item {
    pub sku: String,
    pub id: u64,
    pub prom_id: i64,
}

/// What became of a change the workload made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0 or HTTP 2xx: it must be there.
    Acked,
    /// Refused (exit 2, HTTP 4xx): nothing applied.
    Refused,
    /// The daemon died under it: applied or not.
    Unknown,
}

/// Through which door a change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Cli,
    Api,
}

#[derive(Debug, Clone)]
pub struct Write<T> {
    pub item: usize,
    pub value: T,
    pub outcome: Outcome,
}

/// An order a buyer placed: the seller's (its local status walks `path`) or the
/// buyer's (never touched locally; the buyer may cancel it on Prom.ua).
#[derive(Debug, Clone)]
pub struct Placed {
    pub seller: bool,
    pub path: Vec<&'static str>,
    /// The local status changes tried, in order, with their outcome.
    pub steps: Vec<(&'static str, Outcome)>,
    pub buyer_canceled: bool,
}

/// Everything the workload did.
#[derive(Debug, Default)]
pub struct Record {
    pub stock: Vec<Write<i64>>,
    pub prices: Vec<Write<Decimal>>,
    pub orders: BTreeMap<i64, Placed>,
    /// Per item: above any stock it may have held, so each stock write is a new value
    /// (and its journal entry can be told apart).
    pub ceiling: Vec<i64>,
    pub last_price: Vec<Decimal>,
    pub line_changes: usize,
}

impl Record {
    pub fn acked(&self) -> usize {
        let steps = self.orders.values().flat_map(|o| &o.steps);
        self.stock
            .iter()
            .filter(|w| w.outcome == Outcome::Acked)
            .count()
            + self
                .prices
                .iter()
                .filter(|w| w.outcome == Outcome::Acked)
                .count()
            + steps.filter(|(_, o)| *o == Outcome::Acked).count()
    }
}

/// When each order was first imported, as every look at the store saw it: an order
/// imported twice (lost and created again) shows a second time.
#[derive(Debug, Default)]
pub struct Imports {
    pub first: BTreeMap<i64, chrono::DateTime<chrono::Utc>>,
    /// Orders seen imported again: the findings.
    pub again: Vec<String>,
    /// How many times the store was looked at.
    pub looks: usize,
}

/// The shop, the daemon's configuration and the record, shared with the workload task.
pub struct World {
    pub env: Env,
    pub config: PathBuf,
    pub items: Vec<Item>,
    pub record: Mutex<Record>,
    pub imports: Mutex<Imports>,
}

pub const FIRST_PRICE: i64 = 100;

/// Item `i`'s stock before the soak.
pub fn initial_stock(i: usize) -> i64 {
    (i % 4) as i64
}

impl World {
    pub async fn new(n: usize) -> Arc<Self> {
        let initial = initial_stock;
        let env = Env::new(n, SandboxOptions::default(), initial).await;
        let config = env.write_config("*/3 * * * * *", JOBS);
        patch_file(
            &config,
            "[sync]\n",
            "[sync]\nupdate_prices = true\nupdate_statuses = true\npush_debounce_ms = 300\nreserve_statuses = [\"pending\", \"received\", \"paid\"]\ndone_status = \"delivered\"\n",
        );
        patch_file(
            &config,
            "shutdown_grace_secs = 10",
            "shutdown_grace_secs = 2",
        );
        // The stock job's guard: most of a small shop is at zero at some time.
        patch_file(
            &config,
            "kind = \"push_stock\"\n",
            "kind = \"push_stock\"\nmax_zero_share_percent = 100\n",
        );
        let store = Store::open(&env.store_path()).unwrap();
        let mut items = Vec::new();
        for p in &env.catalogue {
            let local = store
                .product_by_sku(p.sku.as_deref().unwrap())
                .unwrap()
                .unwrap();
            items.push(Item {
                sku: local.sku.clone(),
                id: local.id,
                prom_id: p.id,
            });
        }
        let price = Decimal::from(FIRST_PRICE);
        let updates: Vec<(u64, ProductUpdate)> = items
            .iter()
            .map(|i| {
                let update = ProductUpdate {
                    price: Some(price),
                    ..Default::default()
                };
                (i.id, update)
            })
            .collect();
        store.update_products(&updates).unwrap();
        store.flush_blocking().unwrap();
        drop(store);
        // Prom shows the same prices, so the price guard sees small moves only.
        let mut on_prom = env.sandbox.products();
        for p in &mut on_prom {
            p.price = price;
        }
        env.sandbox.upsert_products(on_prom);
        let record = Record {
            ceiling: (0..n).map(initial).collect(),
            last_price: vec![price; n],
            ..Record::default()
        };
        Arc::new(Self {
            env,
            config,
            items,
            record: Mutex::new(record),
            imports: Mutex::default(),
        })
    }

    pub fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap()
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/v1{path}", self.env.admin_port())
    }

    pub fn admin_token(&self) -> String {
        std::fs::read_to_string(self.env.dir.path().join("admin-token"))
            .unwrap()
            .trim()
            .to_string()
    }
}
