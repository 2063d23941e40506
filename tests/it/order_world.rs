//! A test "world" for the order rules of issue 12 ("never oversell"): an in-process
//! sandbox, a store and a configuration, driven by [`Step`]s, with what a table row or a
//! property reads after each step (stock, reserved, the pushed quantity, the local and
//! the Prom status of an order). The rows are in `order_rules.rs`, the properties in
//! `order_props.rs`.
//!
//! Products are numbered from 0 (local SKU `W-<i>`, Prom id `7_000_001 + i`), orders in
//! the order they were placed (0, 1, ...).

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use promua_sync::backoffice::{BackOffice, Ledger, LinkRequest, OrderStatusSet};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{Mode, RunOptions, run_job, run_job_with};
use promua_sync::report::RunRecord;
use promua_sync::sandbox::{
    OrderChange, ROOT_GROUP_ID, SandboxOptions, SandboxOrder, SandboxOrderLine, SandboxProduct,
};
use promua_sync::store::{Actor, Store};
use rust_decimal::Decimal;

use crate::helpers::{Env, context};

/// The status that ships an order.
pub const DONE: &str = "delivered";
/// The statuses that hold stock (the issue's configuration).
pub const RESERVE: [&str; 3] = ["pending", "received", "paid"];
/// Prom.ua's own statuses (`domain::ORDER_STATUSES`).
pub const KNOWN: [&str; 6] = [
    "pending",
    "received",
    "delivered",
    "canceled",
    "draft",
    "paid",
];
/// A seller's custom status: none of the above.
pub const CUSTOM: &str = "awaiting_prepayment";
/// `pull_orders`' `initial_days` (the default).
pub const INITIAL_DAYS: i64 = 7;

/// Job names in the world's configuration.
pub const PULL: &str = "orders";
pub const STOCK: &str = "stock";
pub const STATUSES: &str = "statuses";
pub const IMPORT: &str = "import";

const FIRST_PROM_ID: i64 = 7_000_001;

/// One product of a world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductSpec {
    /// Initial stock in warehouse `main`.
    pub stock: i64,
    /// Linked before the world starts (as an earlier import or `links link` would have).
    pub linked: bool,
    /// The Prom product's SKU is the local one (`W-<i>`), so an import links them; else it
    /// is `PROM-<i>`, and only a hand link does.
    pub same_sku: bool,
}

impl ProductSpec {
    pub fn linked(stock: i64) -> Self {
        Self {
            stock,
            linked: true,
            same_sku: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct WorldSpec {
    pub products: Vec<ProductSpec>,
    /// `[sync] reserve_statuses`.
    pub reserve_statuses: Vec<String>,
}

impl WorldSpec {
    /// Linked products with these initial stocks, the issue's configuration.
    pub fn linked(stocks: &[i64]) -> Self {
        Self::of(stocks.iter().map(|s| ProductSpec::linked(*s)).collect())
    }

    pub fn of(products: Vec<ProductSpec>) -> Self {
        Self {
            products,
            reserve_statuses: RESERVE.map(String::from).to_vec(),
        }
    }

    pub fn reserving(mut self, statuses: &[&str]) -> Self {
        self.reserve_statuses = statuses.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// A quantity from its decimal text ("0.5").
pub fn dec(q: &str) -> Decimal {
    q.parse().unwrap()
}

/// An order line: (product, quantity).
pub type Line = (usize, Decimal);

/// An order a buyer places on Prom.ua.
#[derive(Clone, PartialEq)]
pub struct Placed {
    pub lines: Vec<Line>,
    pub status: String,
    /// `date_created` this many days ago.
    pub created_days_ago: i64,
    /// `date_modified` this many days ago; `None`: now.
    pub modified_days_ago: Option<i64>,
}

/// A `pending` order of these lines, created now.
pub fn place(lines: &[(usize, &str)]) -> Placed {
    Placed {
        lines: lines.iter().map(|(p, q)| (*p, dec(q))).collect(),
        status: "pending".into(),
        created_days_ago: 0,
        modified_days_ago: None,
    }
}

impl Placed {
    pub fn status(mut self, s: &str) -> Self {
        self.status = s.into();
        self
    }

    pub fn created_days_ago(mut self, d: i64) -> Self {
        self.created_days_ago = d;
        self
    }

    pub fn modified_days_ago(mut self, d: i64) -> Self {
        self.modified_days_ago = Some(d);
        self
    }

    pub fn step(self) -> Step {
        Step::Place(self)
    }
}

/// New lines for an order: (product, quantity text).
pub fn lines(l: &[(usize, &str)]) -> Vec<Line> {
    l.iter().map(|(p, q)| (*p, dec(q))).collect()
}

/// One thing that happens in a world.
#[derive(Clone, PartialEq)]
pub enum Step {
    /// A buyer places an order on Prom.ua (the sandbox's control API).
    Place(Placed),
    /// The order's lines change on Prom.ua.
    ChangeLines(usize, Vec<Line>),
    /// The order's status changes on Prom.ua (the buyer, or the shop's cabinet).
    PromStatus(usize, String),
    /// The seller sets the order's local status (as `orders set-status` does).
    LocalStatus(usize, String),
    /// A `pull_orders` run.
    Pull,
    /// A `push_stock` run.
    PushStock,
    /// A `push_statuses` run.
    PushStatuses,
    /// Every handle on the store dropped, and the store opened again at the same path.
    Restart,
    /// An `import_products` run (`link_only`): the catalogue read, SKU matches linked.
    Import,
    /// `links link W-<p> <prom id of p>` by hand.
    Link(usize),
}

pub fn prom_status(order: usize, s: &str) -> Step {
    Step::PromStatus(order, s.into())
}

pub fn local_status(order: usize, s: &str) -> Step {
    Step::LocalStatus(order, s.into())
}

fn fmt_lines(f: &mut fmt::Formatter<'_>, lines: &[Line]) -> fmt::Result {
    let l: Vec<String> = lines.iter().map(|(p, q)| format!("p{p}×{q}")).collect();
    write!(f, "[{}]", l.join(", "))
}

/// Compact, so that a shrunk sequence reads as a story.
impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Place(p) => {
                write!(f, "Place {} ", p.status)?;
                fmt_lines(f, &p.lines)?;
                if p.created_days_ago != 0 {
                    write!(f, " created -{}d", p.created_days_ago)?;
                }
                if let Some(m) = p.modified_days_ago {
                    write!(f, " modified -{m}d")?;
                }
                Ok(())
            }
            Step::ChangeLines(o, l) => {
                write!(f, "ChangeLines o{o} ")?;
                fmt_lines(f, l)
            }
            Step::PromStatus(o, s) => write!(f, "PromStatus o{o} {s}"),
            Step::LocalStatus(o, s) => write!(f, "LocalStatus o{o} {s}"),
            Step::Pull => f.write_str("Pull"),
            Step::PushStock => f.write_str("PushStock"),
            Step::PushStatuses => f.write_str("PushStatuses"),
            Step::Restart => f.write_str("Restart"),
            Step::Import => f.write_str("Import"),
            Step::Link(p) => write!(f, "Link p{p}"),
        }
    }
}

struct WorldProduct {
    local: u64,
    prom: i64,
    local_sku: String,
    prom_sku: String,
}

/// A sandbox, a store and a configuration; see the module's doc.
pub struct World {
    env: Env,
    pub config: Config,
    /// `None` only inside [`Step::Restart`].
    store: Option<Store>,
    products: Vec<WorldProduct>,
    /// Sandbox ids of the orders placed, in order.
    orders: Vec<i64>,
    /// The record of the last run of each job.
    runs: Vec<(String, RunRecord)>,
}

fn config_text(base_url: &str, reserve: &[String]) -> String {
    let reserve: Vec<String> = reserve.iter().map(|s| format!("{s:?}")).collect();
    format!(
        r#"[prom]
base_url = "{base_url}"
token_file = "token"
requests_per_second = 1000
max_concurrency = 2
max_retries = 2
retry_base_delay_ms = 10

[store]
path = "store"

[sync]
warehouses = ["main"]
update_statuses = true
reserve_statuses = [{reserve}]
done_status = "{DONE}"

[admin]
listen = "127.0.0.1:0"

[[job]]
name = "{PULL}"
kind = "pull_orders"
schedule = "0 0 1 1 *"

[[job]]
name = "{STOCK}"
kind = "push_stock"
schedule = "0 0 1 1 *"
max_zero_share_percent = 100

[[job]]
name = "{STATUSES}"
kind = "push_statuses"
schedule = "0 0 1 1 *"
status_map = {{ received = "received", paid = "paid", delivered = "delivered", canceled = {{ status = "canceled", reason = "buyers_request" }} }}

[[job]]
name = "{IMPORT}"
kind = "import_products"
schedule = "0 0 1 1 *"
mode = "link_only"
"#,
        reserve = reserve.join(", ")
    )
}

/// The gap left before a step that dates something (a Prom change, a local change), so
/// that two changes in consecutive steps never share a timestamp, even at Prom's
/// microsecond precision.
const TICK: Duration = Duration::from_millis(2);

impl World {
    pub async fn new(spec: &WorldSpec) -> Self {
        let env = Env::new(0, SandboxOptions::default(), |_| 0).await;
        let path = env.dir.path().join("jobs.toml");
        std::fs::write(
            &path,
            config_text(&env.sandbox.base_url(), &spec.reserve_statuses),
        )
        .unwrap();
        let config = config::load(&path).unwrap();
        let store = Store::open(&config.store.path).unwrap();
        let mut products = Vec::new();
        for (i, p) in spec.products.iter().enumerate() {
            let local_sku = format!("W-{i}");
            let prom_sku = if p.same_sku {
                local_sku.clone()
            } else {
                format!("PROM-{i}")
            };
            let prom = FIRST_PROM_ID + i as i64;
            env.sandbox.upsert_products([SandboxProduct {
                id: prom,
                external_id: None,
                name: format!("Товар {i}"),
                name_multilang: None,
                sku: Some(prom_sku.clone()),
                presence: "available".into(),
                quantity_in_stock: None,
                price: Decimal::from(399),
                currency: "UAH".into(),
                status: "on_display".into(),
                group_id: ROOT_GROUP_ID,
            }]);
            let local = store
                .add_product(&local_sku, &format!("Товар {i}"))
                .unwrap();
            store.set_stock(local.id, "main", p.stock).unwrap();
            if p.linked {
                store.link(local.id, prom).unwrap();
            }
            products.push(WorldProduct {
                local: local.id,
                prom,
                local_sku,
                prom_sku,
            });
        }
        store.flush().await.unwrap();
        Self {
            env,
            config,
            store: Some(store),
            products,
            orders: Vec::new(),
            runs: Vec::new(),
        }
    }

    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("the store is open")
    }

    fn office(&self) -> BackOffice {
        BackOffice::new(
            self.store().clone(),
            Actor::Cli,
            BackOffice::jobs_of(&self.config),
        )
        .configured(&self.config.sync)
    }

    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// The Prom (and store) id of order `o`.
    pub fn order_id(&self, o: usize) -> i64 {
        self.orders[o]
    }

    /// Order `o`'s lines on Prom.ua, in the world's product numbering.
    pub fn prom_lines(&self, o: usize) -> Vec<Line> {
        self.prom_order(o)
            .lines
            .iter()
            .map(|l| {
                let p = self
                    .products
                    .iter()
                    .position(|p| Some(p.prom) == l.product_id)
                    .unwrap();
                (p, l.quantity)
            })
            .collect()
    }

    /// Runs a step. An `Err` is a refusal the step met (a local status for an order the
    /// store does not have, a refused link): the world is as before.
    pub async fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Place(p) => {
                tokio::time::sleep(TICK).await;
                let now = Utc::now();
                let order = SandboxOrder {
                    id: 0,
                    date_created: now - chrono::Duration::days(p.created_days_ago),
                    date_modified: now - chrono::Duration::days(p.modified_days_ago.unwrap_or(0)),
                    client_first_name: "Олена".into(),
                    client_last_name: "Коваленко".into(),
                    client_second_name: None,
                    phone: "+380671112233".into(),
                    email: None,
                    status: p.status.clone(),
                    delivery_provider: Some("nova_poshta".into()),
                    delivery_cost: Decimal::ZERO,
                    cancellation_reason: None,
                    details: Default::default(),
                    lines: self.sandbox_lines(&p.lines),
                };
                let placed = self.env.sandbox.place_order(order);
                self.orders.push(placed.id);
            }
            Step::ChangeLines(o, l) => {
                tokio::time::sleep(TICK).await;
                let lines = self.sandbox_lines(l);
                self.env
                    .sandbox
                    .change_order(
                        self.orders[*o],
                        OrderChange {
                            lines: Some(lines),
                            ..Default::default()
                        },
                    )
                    .unwrap();
            }
            Step::PromStatus(o, s) => {
                tokio::time::sleep(TICK).await;
                self.env
                    .sandbox
                    .change_order(
                        self.orders[*o],
                        OrderChange {
                            status: Some(s.clone()),
                            ..Default::default()
                        },
                    )
                    .unwrap();
            }
            Step::LocalStatus(o, s) => {
                tokio::time::sleep(TICK).await;
                // Forced: the world plays any status, known to the configuration or not.
                let set = OrderStatusSet {
                    status: s.clone(),
                    force: true,
                };
                self.office()
                    .set_order_status(self.orders[*o], &set)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::time::sleep(TICK).await;
            }
            Step::Pull => self.run(PULL).await,
            Step::PushStock => self.run(STOCK).await,
            Step::PushStatuses => self.run(STATUSES).await,
            Step::Import => self.run(IMPORT).await,
            Step::Restart => self.restart().await,
            Step::Link(p) => {
                let (sku, prom) = (self.products[*p].local_sku.clone(), self.products[*p].prom);
                self.office()
                    .link(
                        &sku,
                        &LinkRequest {
                            prom_id: prom,
                            force: false,
                        },
                    )
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    fn sandbox_lines(&self, lines: &[Line]) -> Vec<SandboxOrderLine> {
        lines
            .iter()
            .map(|(p, q)| SandboxOrderLine {
                product_id: Some(self.products[*p].prom),
                external_id: None,
                name: format!("Товар {p}"),
                sku: Some(self.products[*p].prom_sku.clone()),
                price: Decimal::from(399),
                quantity: *q,
            })
            .collect()
    }

    async fn run(&mut self, name: &str) {
        let job = self.config.jobs.iter().find(|j| j.name == name).unwrap();
        let ctx = context(&self.config, self.store());
        let run = run_job(job, &ctx, Mode::Apply)
            .await
            .unwrap_or_else(|e| panic!("job {name}: {e}"));
        self.runs.retain(|(n, _)| n != name);
        self.runs.push((name.to_string(), run.record));
    }

    /// Drops every handle on the store (the world holds the only one between steps: the
    /// job contexts and back offices are made per step) and opens it again. The store's
    /// lock is sled's `flock` on `<store>/db`, released when the last handle goes;
    /// [`Store::open`] waits up to a second for sled's flusher thread to let go.
    async fn restart(&mut self) {
        let store = self.store.take().unwrap();
        store.flush().await.unwrap();
        drop(store);
        let path = self.config.store.path.clone();
        let reopened = tokio::task::spawn_blocking(move || Store::open(&path))
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("reopening the store in-process: {e}"));
        self.store = Some(reopened);
    }

    /// A `pull_orders` run with `--since` (`job run orders --since ...`): its record,
    /// also the job's last one.
    pub async fn pull_since(&mut self, since: chrono::DateTime<Utc>) -> RunRecord {
        let job = self.config.jobs.iter().find(|j| j.name == PULL).unwrap();
        let ctx = context(&self.config, self.store());
        let options = RunOptions {
            since: Some(since),
            ..Default::default()
        };
        let run = run_job_with(job, &ctx, Mode::Apply, &options)
            .await
            .unwrap_or_else(|e| panic!("job {PULL} --since: {e}"));
        self.runs.retain(|(n, _)| n != PULL);
        self.runs.push((PULL.to_string(), run.record.clone()));
        run.record
    }

    /// Edits the world's configuration file and loads it again, as a restarted daemon
    /// would (the `[sync]` words and the status maps' aliases derived from it).
    pub fn reconfigure(&mut self, edit: impl FnOnce(&str) -> String) {
        let path = self.config.path.clone();
        let text = std::fs::read_to_string(&path).unwrap();
        let edited = edit(&text);
        assert_ne!(edited, text, "the edit changed nothing");
        std::fs::write(&path, edited).unwrap();
        self.config = config::load(&path).unwrap();
    }

    /// The last record of job `name`, if it ran.
    pub fn last_run(&self, name: &str) -> Option<&RunRecord> {
        self.runs.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    /// Stock of product `p` (every warehouse: the world has one).
    pub fn stock(&self, p: usize) -> i64 {
        self.store()
            .stock_of(self.products[p].local)
            .unwrap()
            .iter()
            .map(|(_, q)| q)
            .sum()
    }

    pub fn reserved(&self, p: usize) -> i64 {
        self.store().reserved_of(self.products[p].local).unwrap()
    }

    /// The sandbox product's `quantity_in_stock`: what the pushes left on Prom.ua.
    pub fn pushed(&self, p: usize) -> Option<i64> {
        self.env
            .sandbox
            .product(self.products[p].prom)
            .unwrap()
            .quantity_in_stock
    }

    pub fn linked(&self, p: usize) -> bool {
        self.store().link_of(self.products[p].local).unwrap() == Some(self.products[p].prom)
    }

    /// The order's local status; `None` while the store does not have it.
    pub fn local_status(&self, o: usize) -> Option<String> {
        self.store()
            .order(self.orders[o])
            .unwrap()
            .map(|o| o.status)
    }

    /// The order's status on Prom.ua (the sandbox).
    pub fn prom_status(&self, o: usize) -> String {
        self.env.sandbox.order(self.orders[o]).unwrap().status
    }

    /// The sandbox's copy of order `o`.
    pub fn prom_order(&self, o: usize) -> SandboxOrder {
        self.env.sandbox.order(self.orders[o]).unwrap()
    }
}
