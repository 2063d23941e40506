//! What the ledger operations answer: the admin API's JSON and the CLI's `--json`. These
//! are types of their own, built from the store's records, so that a change of how the
//! store keeps something is not a change of the API. Their fields and shapes are those
//! the API has always had (`tests/it/views.rs` holds them to it).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::report::RunRecord;
use crate::store::{JournalEntry, Product, Removed, ShortStock, StagedProduct, StockSnapshot};

/// A local product's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFields {
    pub id: u64,
    pub sku: String,
    pub name: String,
    /// The local selling price; `None` until set.
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

impl From<Product> for ProductFields {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            sku: p.sku,
            name: p.name,
            price: p.price,
            currency: p.currency,
        }
    }
}

/// What Prom.ua last confirmed for a product's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockConfirmation {
    pub prom_id: i64,
    pub quantity: i64,
    pub presence: String,
    pub confirmed_at: DateTime<Utc>,
    /// Sent and not confirmed: Prom.ua may hold another value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
    /// promua-sync hid it (`hide_when_out`) and shows it again when stock returns.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl From<StockSnapshot> for StockConfirmation {
    fn from(s: StockSnapshot) -> Self {
        Self {
            prom_id: s.prom_id,
            quantity: s.quantity,
            presence: s.presence,
            confirmed_at: s.confirmed_at,
            unconfirmed: s.unconfirmed,
            hidden: s.hidden,
        }
    }
}

/// A product with its stock per warehouse and its Prom link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    #[serde(flatten)]
    pub product: ProductFields,
    pub stock: BTreeMap<String, i64>,
    pub total_stock: i64,
    pub prom_id: Option<i64>,
    /// What Prom.ua last confirmed for the stock.
    pub prom_confirmed: Option<StockConfirmation>,
    /// What open orders hold of it.
    #[serde(default)]
    pub reserved: i64,
    /// Its stock in the pushed warehouses (`[sync] warehouses`) less `reserved`: negative
    /// when open orders hold more than there is.
    #[serde(default)]
    pub available: i64,
    /// The orders holding it: in a single product's view (`products show`), not in lists,
    /// which would have to read every order for every product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<Vec<OrderHold>>,
    /// Its own presence at stock 0 (`products set-presence`), over push_stock's rules;
    /// `None`: the rules decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_when_out: Option<String>,
    /// Its wholesale tiers (local prices, before the price rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<crate::domain::Tier>,
    /// Its discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<crate::domain::Discount>,
}

/// An open order holding some of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHold {
    /// The order's Prom.ua id.
    pub prom_id: i64,
    /// The order's local status.
    pub status: String,
    pub quantity: i64,
}

/// A product a stock write left short: its stock in the pushed warehouses is below what
/// open orders reserve, or below 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    pub sku: String,
    /// In the pushed warehouses.
    pub stock: i64,
    pub reserved: i64,
}

impl From<ShortStock> for Shortfall {
    fn from(s: ShortStock) -> Self {
        Self {
            sku: s.sku,
            stock: s.stock,
            reserved: s.reserved,
        }
    }
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::store::describe_shortfall(
            &self.sku,
            self.stock,
            self.reserved,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductsPage {
    pub products: Vec<ProductView>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<u64>,
}

/// What `products remove` took away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRemoved {
    #[serde(flatten)]
    pub product: ProductFields,
    /// The Prom.ua product it was linked to, unlinked now.
    pub unlinked_prom_id: Option<i64>,
    /// The stock it had, per warehouse.
    pub stock: BTreeMap<String, i64>,
    /// The moves journalled for the stock that left with it.
    pub journalled: Vec<StockMove>,
    /// Its earlier stock moves, kept in the journal.
    pub moves_kept: usize,
    /// Orders whose lines named it: those lines are unlinked now.
    pub orders_unlinked: Vec<i64>,
}

impl From<Removed> for ProductRemoved {
    fn from(r: Removed) -> Self {
        Self {
            product: r.product.into(),
            unlinked_prom_id: r.unlinked,
            stock: r.stock.into_iter().collect(),
            journalled: r.journalled.into_iter().map(Into::into).collect(),
            moves_kept: r.moves_kept,
            orders_unlinked: r.orders_unlinked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub sku: String,
    pub name: String,
    pub prom_id: Option<i64>,
    /// When Prom.ua was found to have deleted the linked product (the pushes skip it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prom_gone_since: Option<DateTime<Utc>>,
}

/// One stock move of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMove {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub product_id: u64,
    pub sku: String,
    pub warehouse: String,
    pub before: i64,
    pub after: i64,
    pub delta: i64,
    /// Who moved it: `cli`, `api`, `csv`, `order`, `import` or `system`.
    pub actor: String,
    pub reason: Option<String>,
}

/// What a stock write answers: the move, and the products it left short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMoved {
    #[serde(flatten)]
    pub moved: StockMove,
    /// Empty unless the move left the product short (see [`Shortfall`]).
    #[serde(default)]
    pub warnings: Vec<Shortfall>,
}

impl From<JournalEntry> for StockMove {
    fn from(e: JournalEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            product_id: e.product_id,
            sku: e.sku,
            warehouse: e.warehouse,
            before: e.before,
            after: e.after,
            delta: e.delta,
            actor: e.actor.to_string(),
            reason: e.reason,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStatus {
    /// The job's name (`job` from daemons before 0.1 named it so: still read).
    #[serde(alias = "job")]
    pub name: String,
    pub kind: String,
    pub schedule: String,
    /// The IANA zone the schedule is read in.
    #[serde(default)]
    pub timezone: String,
    /// The next tick, RFC 3339 at the zone's offset then.
    #[serde(default)]
    pub next_run: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub last_run: Option<RunRecord>,
    /// The verdict `/health` gives the job (null from a daemon that predates it).
    #[serde(default)]
    pub health: Option<crate::health::JobHealth>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// Journal entries written (stock imports).
    pub moves: usize,
    /// Products a stock import left short (see [`Shortfall`]).
    #[serde(default)]
    pub warnings: Vec<Shortfall>,
}

/// A Prom product downloaded in `stage` mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedFields {
    pub prom_id: i64,
    pub sku: Option<String>,
    pub name: String,
    /// Its names in Prom.ua's other languages; left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
    pub price: Option<Decimal>,
    pub currency: Option<String>,
    pub quantity: Option<i64>,
    pub staged_at: DateTime<Utc>,
}

impl From<StagedProduct> for StagedFields {
    fn from(s: StagedProduct) -> Self {
        Self {
            prom_id: s.prom_id,
            sku: s.sku,
            name: s.name,
            other_names: s.other_names,
            price: s.price,
            currency: s.currency,
            quantity: s.quantity,
            staged_at: s.staged_at,
        }
    }
}

/// A staged Prom product and the local product it is linked to, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedView {
    #[serde(flatten)]
    pub staged: StagedFields,
    pub linked_sku: Option<String>,
}
