//! The clap definitions of the back-office commands (`products`, `stock`, `prices`,
//! `orders`, `links`, `staged`); their handlers are in the file of each command.

use std::path::PathBuf;

use clap::Subcommand;

use crate::backoffice::CsvKind;

#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// List products with their stock and link.
    List {
        /// SKU prefix.
        #[arg(long)]
        sku: Option<String>,
        /// Part of the name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, conflicts_with = "unlinked")]
        linked: bool,
        #[arg(long)]
        unlinked: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Continue after this product id (the `next_after` of the previous page).
        #[arg(long)]
        after: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// One product: stock per warehouse, link, what Prom.ua confirmed.
    Show {
        sku: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a product.
    Add {
        sku: String,
        name: String,
        #[arg(long)]
        price: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a product made by mistake (e.g. by an import). Refused while it is linked,
    /// has stock moves or is on order lines, unless --force; refused while open orders
    /// reserve it. Its journal is kept.
    Remove {
        sku: String,
        /// Remove it even if linked (the link goes too), with stock moves (the journal is
        /// kept) or on order lines (they become unlinked).
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Import a CSV file (validated whole, then applied in one step).
    Import {
        file: PathBuf,
        #[command(flatten)]
        csv: CsvArgs,
    },
    /// Export to a CSV file (`-` for standard output).
    Export {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = CsvKind::Products)]
        kind: CsvKind,
    },
    /// The presence Prom.ua shows for this product when its stock is 0, over push_stock's
    /// rules (out_of_stock_presence, keep_presence); `auto` lets the rules decide.
    SetPresence {
        sku: String,
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(SET_PRESENCE_WORDS))]
        presence: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct CsvArgs {
    /// What the file holds: products (sku,name,price,currency; optional tiers,discount,discount_from,discount_until), stock (sku,warehouse,quantity), prices (sku,price,currency).
    #[arg(long, value_enum, default_value_t = CsvKind::Products)]
    pub kind: CsvKind,
    /// `,` or `;` (guessed from the header when absent).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// A column's header when it is not the field's name, e.g. --column sku=Артикул (repeatable).
    #[arg(long = "column", value_name = "FIELD=HEADER")]
    pub columns: Vec<String>,
    /// The warehouse of stock rows when the file has no warehouse column.
    #[arg(long)]
    pub warehouse: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Set the quantity of SKU in a warehouse (a whole number, 0 to 1,000,000,000).
    Set {
        sku: String,
        #[arg(allow_negative_numbers = true, value_parser = crate::backoffice::parse_quantity)]
        quantity: i64,
        /// The warehouse [default: the first of [sync] warehouses].
        #[arg(long)]
        warehouse: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add DELTA (negative to remove) to the quantity of SKU in a warehouse; the result
    /// must stay between 0 and 1,000,000,000.
    Adjust {
        sku: String,
        #[arg(allow_negative_numbers = true, value_parser = crate::backoffice::parse_delta)]
        delta: i64,
        #[arg(long)]
        warehouse: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The journal of stock moves, newest first.
    Journal {
        sku: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Set the price of SKU.
    Set {
        sku: String,
        price: String,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Set SKU's wholesale tiers, all of them (QUANTITY=PRICE in local money, each below
    /// the price): `prices tiers SKU 10=95.50 50=90`; `--clear` removes them.
    Tiers {
        sku: String,
        /// QUANTITY=PRICE items (also `;`-separated).
        tiers: Vec<String>,
        #[arg(long, conflicts_with = "tiers")]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set SKU's discount: `10%` (percent) or `50` (an amount of local money), with
    /// optional dates YYYY-MM-DD (both included); `--clear` removes it.
    Discount {
        sku: String,
        value: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        until: Option<String>,
        #[arg(long, conflicts_with_all = ["value", "from", "until"])]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Imported orders, newest first; every filter given must hold.
    List {
        #[command(flatten)]
        filter: OrderFilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// One order: buyer, comment, delivery, payment, money, lines and what they reserve.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change an order's local status (reservations follow; push_statuses sends it).
    /// Only a status the configuration knows ([sync] statuses, status_map keys, the
    /// shop's own statuses, canceled) unless --force.
    SetStatus {
        id: i64,
        status: String,
        /// Set it even if the configuration does not know it.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// The shop's order statuses (as pull_orders last read them) and what the
    /// configuration does with each.
    Statuses {
        #[arg(long)]
        json: bool,
    },
    /// Link one line of an order to a local product by hand (reservations follow).
    ///
    /// For a line whose Prom product is gone or that belongs on another product. Its
    /// reservation (and shipment, at the done status) moves at once, and later pulls keep
    /// the line on that product.
    LinkLine {
        #[arg(value_name = "ORDER_ID")]
        id: i64,
        /// The line's number, from 1, as `orders show` numbers them.
        line: usize,
        /// The local product.
        sku: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the orders (the same filters as `list`) to a CSV file, a row per order
    /// line; `-` writes to standard output.
    Export {
        file: PathBuf,
        #[command(flatten)]
        filter: OrderFilterArgs,
    },
}

/// Which orders `orders list` and `orders export` take.
#[derive(Debug, Clone, clap::Args)]
pub struct OrderFilterArgs {
    /// Only orders with a line that matches no local product.
    #[arg(long)]
    pub unlinked: bool,
    /// The local status or Prom.ua's (any case); several separated by commas.
    #[arg(long, value_name = "S", value_parser = not_blank)]
    pub status: Option<String>,
    /// Created on or after this day (YYYY-MM-DD, UTC) or moment (RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = crate::backoffice::parse_moment)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Part of the order id, the buyer's name or email (any case), or phone (digits
    /// compared: `067 123 45 67` finds `+380671234567`).
    #[arg(long, value_name = "TEXT", value_parser = not_blank)]
    pub search: Option<String>,
    /// At most N orders, the newest.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Only orders older than this one (a lower id): the page after a list's last order.
    #[arg(long, value_name = "ORDER", value_parser = clap::value_parser!(i64).range(1..))]
    pub before: Option<i64>,
}

impl OrderFilterArgs {
    pub fn query(&self) -> crate::backoffice::OrderQuery {
        crate::backoffice::OrderQuery {
            unlinked: self.unlinked,
            status: self.status.clone(),
            since: self.since,
            search: self.search.clone(),
            limit: self.limit.map(|n| n as usize),
            before: self.before,
        }
    }
}

fn not_blank(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("it is blank".into())
    } else {
        Ok(s.to_string())
    }
}

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// Local products and the Prom.ua product each is linked to.
    List {
        #[arg(long)]
        unlinked: bool,
        #[arg(long)]
        json: bool,
    },
    /// Link SKU to a Prom.ua product (one to one). A link to a Prom product deleted on
    /// Prom.ua gives way; a Prom id never seen (in an import, a staged product or an order)
    /// or found deleted is refused.
    Link {
        sku: String,
        #[arg(allow_negative_numbers = true, value_parser = crate::backoffice::parse_prom_id)]
        prom_id: i64,
        /// Replace an existing link of SKU; link a Prom id never seen or found deleted.
        #[arg(long)]
        force: bool,
    },
    /// Remove the link of SKU, and remember it: imports do not link SKU or its Prom
    /// product again until one of them is linked by hand.
    Unlink { sku: String },
    /// Propose a local product for each unlinked staged Prom product: the same SKU, then a
    /// look-alike SKU, then the most similar name (numbers and words such as men's/women's
    /// must agree); ambiguous ones say so.
    Suggest {
        #[arg(long, default_value_t = 0.5)]
        min_score: f64,
        #[arg(long)]
        json: bool,
    },
    /// Link the suggestions at or above --min-score (never an ambiguous one), or only
    /// those for the given Prom ids.
    Accept {
        #[arg(allow_negative_numbers = true, value_parser = crate::backoffice::parse_prom_id)]
        prom_ids: Vec<i64>,
        #[arg(long)]
        min_score: Option<f64>,
    },
    /// Write the unlinked products of both sides to a CSV to fill in.
    ExportUnlinked { file: PathBuf },
    /// Link the pairs of a filled-in CSV (prom_id, local_sku): all of them or none.
    Apply { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum StagedCommand {
    /// Prom products downloaded in `stage` mode, with their link state.
    List {
        #[arg(long)]
        unlinked: bool,
        #[arg(long)]
        json: bool,
    },
}

/// What `products set-presence` takes: a presence for stock 0, or `auto`.
const SET_PRESENCE_WORDS: [&str; 4] = [
    crate::domain::ORDER,
    crate::domain::WAITING,
    crate::domain::NOT_AVAILABLE,
    "auto",
];
