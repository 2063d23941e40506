//! The back office's operations, addressed by SKU: what the CLI (directly on the store
//! when the daemon is stopped) and the admin API (when it runs) both call. The `Ledger`
//! trait is the one surface; `BackOffice` implements it on the store, `AdminClient` over
//! HTTP, and `connect` chooses between them for the CLI, so every command behaves the
//! same either way.
//!
//! The operations are in the files of their area (`products`, `stock`, `links`,
//! `orders`, `order_statuses`, `runs`, `csv_io`, `matching` with `suggest` and `similarity`); their requests are in `types`, their answers
//! in `views`.

mod connect;
mod csv_io;
mod error;
mod input;
mod job_runs;
mod links;
mod matching;
mod monitor;
mod office;
mod order_detail_views;
mod order_export;
mod order_filter;
mod order_statuses;
mod order_views;
mod order_window;
mod orders;
mod price_extras;
mod products;
mod remote;
mod run_pages;
mod runs;
mod similarity;
mod stock;
mod suggest;
mod types;
mod views;
mod written;

use rust_decimal::Decimal;

pub use connect::{Access, ConnectError, Connection, NoStore, connect};
pub use csv_io::{CsvKind, CsvOptions, MAX_FIELD_BYTES, MAX_ROWS, RowError, RowErrors};
pub use error::BackofficeError;
pub use input::{
    check_delta, check_prom_id, check_quantity, parse_delta, parse_moment, parse_price_text,
    parse_prom_id, parse_quantity,
};
pub use job_runs::JobRunDone;
pub use monitor::HealthReport;
pub use office::{BackOffice, JobEntry};
pub use order_detail_views::*;
pub use order_statuses::{OrderStatusesView, ShopStatusView};
pub use order_views::*;
pub use order_window::OrdersWindow;
pub use price_extras::{DiscountSet, TiersSet};
pub use remote::{ACTOR_HEADER, AdminClient, read_admin_token};
pub use similarity::CONFLICT_CAP;
pub use suggest::{LOOKALIKE_SCORE, NEAR_TIE, Suggestion, auto_accepts, suggest};
pub use types::*;
pub use views::*;

use crate::report::RunRecord;
use crate::store::{NewProduct, ProductUpdate};

pub type Result<T> = std::result::Result<T, BackofficeError>;

/// Every back-office operation the CLI and the admin API offer.
#[allow(async_fn_in_trait)]
pub trait Ledger {
    async fn list_products(&self, q: &ProductQuery) -> Result<ProductsPage>;
    /// A product, with the orders holding it (`held_by`; a list leaves it out).
    async fn show_product(&self, sku: &str) -> Result<ProductView>;
    async fn add_product(&self, p: &NewProduct) -> Result<ProductView>;
    async fn update_product(&self, sku: &str, u: &ProductUpdate) -> Result<ProductView>;
    /// Removes a product made by mistake: refused (`Conflict`) while it is linked, has
    /// stock moves or is on order lines, unless `force`; refused while open orders
    /// reserve it, whatever `force` says.
    async fn remove_product(&self, sku: &str, force: bool) -> Result<ProductRemoved>;
    /// Sets the stock in a warehouse: the move (`None` when nothing changed), with a
    /// warning when it leaves the pushed stock below what open orders reserve, or below 0.
    async fn set_stock(&self, sku: &str, req: &StockSet) -> Result<Option<StockMoved>>;
    async fn adjust_stock(&self, sku: &str, req: &StockAdjust) -> Result<Option<StockMoved>>;
    async fn set_price(&self, sku: &str, req: &PriceSet) -> Result<ProductView>;
    /// Sets a product's own presence at stock 0, over push_stock's rules (`auto` clears
    /// it). An unknown word is refused (`Invalid`, nothing changed).
    async fn set_presence(&self, sku: &str, req: &PresenceSet) -> Result<ProductView>;
    /// Sets (or, with none, clears) a product's wholesale tiers: each checked against its
    /// price (`Invalid`, nothing changed).
    async fn set_tiers(&self, sku: &str, req: &TiersSet) -> Result<ProductView>;
    /// Sets (or, with `None`, clears) a product's discount.
    async fn set_discount(&self, sku: &str, req: &DiscountSet) -> Result<ProductView>;
    async fn links(&self, unlinked_only: bool) -> Result<Vec<LinkView>>;
    async fn link(&self, sku: &str, req: &LinkRequest) -> Result<LinkView>;
    async fn unlink(&self, sku: &str) -> Result<LinkView>;
    async fn journal(&self, sku: Option<&str>, limit: usize) -> Result<Vec<StockMove>>;
    async fn last_runs(&self) -> Result<Vec<JobStatus>>;
    async fn job_runs(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>>;
    async fn import_csv(
        &self,
        kind: CsvKind,
        data: &[u8],
        opts: &CsvOptions,
    ) -> Result<ImportReport>;
    async fn export_csv(&self, kind: CsvKind) -> Result<String>;
    /// The orders `q` asks for, newest first.
    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<OrderView>>;
    /// The orders `q` asks for as CSV, a row per order line.
    async fn export_orders(&self, q: &OrderQuery) -> Result<String>;
    async fn show_order(&self, prom_id: i64) -> Result<OrderView>;
    /// Changes the local status (reservations follow; `push_statuses` sends it). A status
    /// the configuration does not know is refused (`Invalid`, nothing changed) unless
    /// `req.force`.
    async fn set_order_status(&self, prom_id: i64, req: &OrderStatusSet) -> Result<OrderView>;
    /// The shop's order statuses as last read, with what the configuration does with each.
    async fn order_statuses(&self) -> Result<OrderStatusesView>;
    /// Links line `line` (from 1) of an order to a local product by hand (reservations
    /// follow at once; later pulls keep it).
    async fn link_order_line(
        &self,
        prom_id: i64,
        line: usize,
        req: &OrderLineLink,
    ) -> Result<OrderLineLinked>;
    /// Prom products downloaded in `stage` mode, with their link state.
    async fn staged(&self, unlinked_only: bool) -> Result<Vec<StagedView>>;
    /// A local product for each unlinked staged product, by name similarity.
    async fn suggest_links(&self, min_score: f64) -> Result<Vec<Suggestion>>;
    /// Links the suggestions at or above `min_score`, or only those for `prom_ids`.
    async fn accept_links(&self, req: &AcceptLinks) -> Result<Vec<LinkView>>;
    /// The unlinked on both sides, as CSV to fill in.
    async fn export_unlinked(&self) -> Result<String>;
    /// Applies a filled-in mapping: all of it or nothing.
    async fn apply_links(&self, data: &[u8]) -> Result<ImportReport>;
    /// A consistent copy of the whole store, as a backup file (`store backup`).
    async fn backup_store(&self) -> Result<Vec<u8>>;
    /// What the cross-tree checks find (`store check`): nothing when the store agrees
    /// with itself.
    async fn check_store(&self) -> Result<Vec<String>>;
    /// Builds again the data derived from the orders (the order search's heads and
    /// index), then checks as [`Ledger::check_store`] does (`store check --repair`).
    async fn repair_store(&self) -> Result<Vec<String>>;
    /// Runs a configured job now in the daemon, under its guard (`req.wait`: after a run
    /// going now ends; else `Busy`). Only the daemon's office can: `job run` with the
    /// daemon stopped runs the job itself.
    async fn run_job(&self, name: &str, req: &crate::jobs::RunRequest) -> Result<JobRunDone>;
}

/// Parses a decimal price given on the command line (see [`parse_price_text`]).
pub fn parse_price(text: &str) -> Result<Decimal> {
    parse_price_text(text).map_err(BackofficeError::Invalid)
}
