//! The back-office commands (`products`, `stock`, `prices`, `links`, `status`). Each runs
//! on the store directly when the daemon is stopped, and through the daemon's admin API
//! when it runs (the daemon holds the store's lock): the same `Ledger` either way.

use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;

use super::{EXIT_ERROR, EXIT_USAGE, fail};
use crate::backoffice::{
    AdminClient, BackOffice, BackofficeError, CsvKind, CsvOptions, Ledger, LinkRequest, PriceSet,
    ProductQuery, StockAdjust, StockSet, parse_price,
};
use crate::config::Config;
use crate::store::{Actor, NewProduct, Store, StoreError};

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
}

#[derive(Debug, clap::Args)]
pub struct CsvArgs {
    /// What the file holds: products (sku,name,price,currency), stock (sku,warehouse,quantity), prices (sku,price,currency).
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
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Imported orders, newest first.
    List {
        /// Only orders with a line that matches no local product.
        #[arg(long)]
        unlinked: bool,
        #[arg(long)]
        json: bool,
    },
    /// One order with its lines and what they reserve.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change an order's local status (reservations follow; push_statuses sends it).
    SetStatus {
        id: i64,
        status: String,
        #[arg(long)]
        json: bool,
    },
}

fn order_text(o: &crate::store::LocalOrder) -> String {
    let mut s = format!(
        "order:      {}\nstatus:     {}{}\nProm.ua:    {}\nclient:     {} {}\ntotal:      {}\n",
        o.prom_id,
        o.status,
        if o.status_pending {
            " (not yet on Prom.ua)"
        } else {
            ""
        },
        o.prom_status.as_deref().unwrap_or("-"),
        o.client,
        o.phone.as_deref().unwrap_or(""),
        o.total.as_ref().map_or("-".to_string(), |m| m.raw.clone())
    );
    for l in &o.lines {
        s += &format!(
            "  {} x {}  {}  (Prom product {}){}\n",
            l.quantity,
            l.sku.as_deref().unwrap_or("-"),
            l.name,
            l.prom_product_id.map_or("-".to_string(), |i| i.to_string()),
            if l.product_id.is_none() {
                "  UNLINKED"
            } else {
                ""
            }
        );
    }
    for (p, q) in &o.reserved {
        s += &format!("  reserves {q} of product {p}\n");
    }
    s
}

pub async fn orders(config: &Config, cmd: OrdersCommand) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        OrdersCommand::List { unlinked, json } => {
            ledger.list_orders(unlinked).await.map(|orders| {
                print(json, &orders, |orders| {
                    let mut s = format!(
                        "{:>12}  {:<20}  {:<12}  {:<12}  {:>5}  {}\n",
                        "ORDER", "CREATED (UTC)", "STATUS", "PROM.UA", "LINES", "CLIENT"
                    );
                    for o in orders {
                        s += &format!(
                            "{:>12}  {:<20}  {:<12}  {:<12}  {:>5}  {}{}\n",
                            o.prom_id,
                            o.created_at.map_or("-".to_string(), |t| t
                                .with_timezone(&chrono::Utc)
                                .format("%Y-%m-%d %H:%M:%S")
                                .to_string()),
                            o.status,
                            o.prom_status.as_deref().unwrap_or("-"),
                            o.lines.len(),
                            o.client,
                            if o.has_unlinked_lines() {
                                "  [unlinked lines]"
                            } else {
                                ""
                            }
                        );
                    }
                    s
                })
            })
        }
        OrdersCommand::Show { id, json } => ledger
            .show_order(id)
            .await
            .map(|o| print(json, &o, order_text)),
        OrdersCommand::SetStatus { id, status, json } => ledger
            .set_order_status(id, &crate::backoffice::OrderStatusSet { status })
            .await
            .map(|o| print(json, &o, order_text)),
    };
    finish(result)
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
    /// Link SKU to a Prom.ua product (one to one).
    Link {
        sku: String,
        #[arg(allow_negative_numbers = true, value_parser = crate::backoffice::parse_prom_id)]
        prom_id: i64,
        /// Replace an existing link of SKU.
        #[arg(long)]
        force: bool,
    },
    /// Remove the link of SKU.
    Unlink { sku: String },
    /// Propose a local product for each unlinked staged Prom product, by name similarity.
    Suggest {
        #[arg(long, default_value_t = 0.5)]
        min_score: f64,
        #[arg(long)]
        json: bool,
    },
    /// Link the suggestions at or above --min-score, or only those for the given Prom ids.
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

pub async fn staged(config: &Config, cmd: StagedCommand) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let StagedCommand::List { unlinked, json } = cmd;
    let result = ledger.staged(unlinked).await.map(|rows| {
        print(json, &rows, |rows| {
            let mut s = format!(
                "{:>12}  {:<20}  {:<40}  {:>10}  {:>6}  LINKED TO\n",
                "PROM ID", "SKU", "NAME", "PRICE", "QTY"
            );
            for r in rows {
                let p = &r.staged;
                s += &format!(
                    "{:>12}  {:<20}  {:<40}  {:>10}  {:>6}  {}\n",
                    p.prom_id,
                    p.sku.as_deref().unwrap_or("-"),
                    p.name.chars().take(40).collect::<String>(),
                    p.price.map_or("-".into(), |d| d.to_string()),
                    p.quantity.map_or("-".into(), |q| q.to_string()),
                    r.linked_sku.as_deref().unwrap_or("-")
                );
            }
            s
        })
    });
    finish(result)
}

/// The store itself, or the daemon's admin API when the daemon holds the store.
pub enum AnyLedger {
    Direct(BackOffice),
    Remote(AdminClient),
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl Ledger for AnyLedger {
            $(async fn $name(&self, $($arg: $ty),*) -> crate::backoffice::Result<$ret> {
                match self {
                    AnyLedger::Direct(l) => l.$name($($arg),*).await,
                    AnyLedger::Remote(l) => l.$name($($arg),*).await,
                }
            })*
        }
    };
}

delegate! {
    list_products(q: &ProductQuery) -> crate::backoffice::ProductsPage;
    show_product(sku: &str) -> crate::backoffice::ProductView;
    add_product(p: &NewProduct) -> crate::backoffice::ProductView;
    update_product(sku: &str, u: &crate::store::ProductUpdate) -> crate::backoffice::ProductView;
    set_stock(sku: &str, req: &StockSet) -> Option<crate::store::JournalEntry>;
    adjust_stock(sku: &str, req: &StockAdjust) -> Option<crate::store::JournalEntry>;
    set_price(sku: &str, req: &PriceSet) -> crate::backoffice::ProductView;
    links(unlinked_only: bool) -> Vec<crate::backoffice::LinkView>;
    link(sku: &str, req: &LinkRequest) -> crate::backoffice::LinkView;
    unlink(sku: &str) -> crate::backoffice::LinkView;
    journal(sku: Option<&str>, limit: usize) -> Vec<crate::store::JournalEntry>;
    last_runs() -> Vec<crate::backoffice::JobStatus>;
    job_runs(job: &str, limit: usize) -> Vec<crate::report::RunRecord>;
    import_csv(kind: CsvKind, data: &[u8], opts: &CsvOptions) -> crate::backoffice::ImportReport;
    export_csv(kind: CsvKind) -> String;
    list_orders(unlinked_only: bool) -> Vec<crate::store::LocalOrder>;
    show_order(prom_id: i64) -> crate::store::LocalOrder;
    set_order_status(prom_id: i64, req: &crate::backoffice::OrderStatusSet) -> crate::store::LocalOrder;
    staged(unlinked_only: bool) -> Vec<crate::backoffice::StagedView>;
    suggest_links(min_score: f64) -> Vec<crate::backoffice::Suggestion>;
    accept_links(req: &crate::backoffice::AcceptLinks) -> Vec<crate::backoffice::LinkView>;
    export_unlinked() -> String;
    apply_links(data: &[u8]) -> crate::backoffice::ImportReport;
}

impl AnyLedger {
    /// Opens the store, or, when the daemon holds it, connects to the daemon's admin API.
    pub fn open(config: &Config) -> Result<Self, u8> {
        // The daemon holds the lock while it runs; don't wait on it then.
        let first = Store::open_now(&config.store.path);
        let first = match first {
            Err(StoreError::Locked { .. }) if !admin_alive(config) => {
                Store::open(&config.store.path)
            }
            other => other,
        };
        match first {
            Ok(store) => Ok(AnyLedger::Direct(
                BackOffice::new(store, Actor::Cli, BackOffice::jobs_of(config))
                    .configured(&config.sync),
            )),
            Err(locked @ StoreError::Locked { .. }) => {
                let through_api = if config.admin.enabled {
                    crate::admin::token::read(&config.admin.token_file)
                        .and_then(|token| AdminClient::new(&config.admin.base_url(), token, "cli"))
                } else {
                    Err("[admin] enabled = false".to_string())
                };
                through_api.map(AnyLedger::Remote).map_err(|e| {
                    fail(
                        EXIT_ERROR,
                        &format!("{locked}; and the daemon's admin API cannot be used: {e}"),
                    )
                })
            }
            Err(e) => Err(fail(EXIT_ERROR, &e.to_string())),
        }
    }
}

/// Whether something answers on the admin API's address (the daemon, running).
fn admin_alive(config: &Config) -> bool {
    let mut addr = config.admin.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    config.admin.enabled
        && std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300))
            .is_ok()
}

fn code(e: &BackofficeError) -> u8 {
    match e {
        BackofficeError::NotFound(_)
        | BackofficeError::Invalid(_)
        | BackofficeError::Conflict(_)
        | BackofficeError::Rows(_)
        | BackofficeError::TooLarge(_) => EXIT_USAGE,
        BackofficeError::Remote(_) | BackofficeError::Store(_) => EXIT_ERROR,
    }
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("serializable")
        );
    } else {
        print!("{}", text(value));
    }
}

fn default_warehouse(config: &Config, given: Option<String>) -> String {
    given.unwrap_or_else(|| config.sync.warehouses[0].clone())
}

fn product_text(v: &crate::backoffice::ProductView) -> String {
    let p = &v.product;
    let mut s = format!("SKU:        {}\nname:       {}\n", p.sku, p.name);
    s += &format!(
        "price:      {}\n",
        p.price.map_or("-".into(), |d| format!(
            "{d} {}",
            p.currency.clone().unwrap_or_default()
        ))
    );
    s += &format!(
        "Prom id:    {}\n",
        v.prom_id.map_or("not linked".into(), |i| i.to_string())
    );
    for (w, q) in &v.stock {
        s += &format!("stock:      {q} in {w}\n");
    }
    s += &format!("total:      {}\n", v.total_stock);
    if let Some(c) = &v.prom_confirmed {
        s += &format!(
            "on Prom.ua: {} {} (confirmed {})\n",
            c.quantity,
            c.presence,
            c.confirmed_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    s
}

fn journal_text(entries: &[crate::store::JournalEntry]) -> String {
    let mut s = format!(
        "{:<20} {:<16} {:<10} {:>8} {:>8} {:>8}  {:<6} REASON\n",
        "WHEN (UTC)", "SKU", "WAREHOUSE", "BEFORE", "AFTER", "DELTA", "BY"
    );
    for e in entries {
        s += &format!(
            "{:<20} {:<16} {:<10} {:>8} {:>8} {:>+8}  {:<6} {}\n",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.sku,
            e.warehouse,
            e.before,
            e.after,
            e.delta,
            e.actor.to_string(),
            e.reason.clone().unwrap_or_default()
        );
    }
    s
}

fn moved_text(e: &Option<crate::store::JournalEntry>) -> String {
    match e {
        Some(e) => format!(
            "{} in {}: {} -> {} ({:+})\n",
            e.sku, e.warehouse, e.before, e.after, e.delta
        ),
        None => "nothing changed\n".to_string(),
    }
}

/// Reads a CSV file no larger than `[admin] max_csv_body_mb`, the size the daemon's admin
/// API accepts, so that a command behaves the same with the daemon running or stopped.
fn read_csv_file(config: &Config, file: &std::path::Path) -> crate::backoffice::Result<Vec<u8>> {
    let limit_mb = config.admin.max_csv_body_mb;
    let size = std::fs::metadata(file)
        .map_err(|e| BackofficeError::Invalid(format!("{}: {e}", file.display())))?
        .len();
    if size > limit_mb << 20 {
        return Err(BackofficeError::TooLarge(format!(
            "{} is {:.1} MB; a CSV file may be at most {limit_mb} MB ([admin] max_csv_body_mb): split it, or raise the limit (and restart the daemon)",
            file.display(),
            size as f64 / (1u64 << 20) as f64
        )));
    }
    std::fs::read(file).map_err(|e| BackofficeError::Invalid(format!("{}: {e}", file.display())))
}

fn csv_options(args: &CsvArgs, source: &str) -> Result<CsvOptions, u8> {
    let mut columns = std::collections::BTreeMap::new();
    for c in &args.columns {
        let Some((field, header)) = c.split_once('=') else {
            return Err(fail(
                EXIT_USAGE,
                &format!("--column takes FIELD=HEADER, not `{c}`"),
            ));
        };
        columns.insert(field.trim().to_string(), header.trim().to_string());
    }
    Ok(CsvOptions {
        delimiter: args.delimiter,
        columns,
        warehouse: args.warehouse.clone(),
        source: Some(source.to_string()),
    })
}

pub async fn products(config: &Config, cmd: ProductsCommand) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        ProductsCommand::List {
            sku,
            name,
            linked,
            unlinked,
            limit,
            after,
            json,
        } => {
            let q = ProductQuery {
                sku,
                name,
                linked: if linked {
                    Some(true)
                } else if unlinked {
                    Some(false)
                } else {
                    None
                },
                after,
                limit: Some(limit),
            };
            ledger.list_products(&q).await.map(|page| {
                print(json, &page, |page| {
                    let mut s = format!(
                        "{:<20} {:<40} {:>10} {:>8} {:>12}\n",
                        "SKU", "NAME", "PRICE", "STOCK", "PROM ID"
                    );
                    for v in &page.products {
                        let p = &v.product;
                        s += &format!(
                            "{:<20} {:<40} {:>10} {:>8} {:>12}\n",
                            p.sku,
                            p.name.chars().take(40).collect::<String>(),
                            p.price.map_or("-".into(), |d| d.to_string()),
                            v.total_stock,
                            v.prom_id.map_or("-".into(), |i| i.to_string())
                        );
                    }
                    if let Some(n) = page.next_after {
                        s += &format!("more: --after {n}\n");
                    }
                    s
                })
            })
        }
        ProductsCommand::Show { sku, json } => ledger
            .show_product(&sku)
            .await
            .map(|v| print(json, &v, product_text)),
        ProductsCommand::Add {
            sku,
            name,
            price,
            currency,
            json,
        } => {
            let price = match price.as_deref().map(parse_price).transpose() {
                Ok(p) => p,
                Err(e) => return fail(code(&e), &e.to_string()),
            };
            let new = NewProduct {
                sku,
                name,
                price,
                currency,
            };
            ledger
                .add_product(&new)
                .await
                .map(|v| print(json, &v, product_text))
        }
        ProductsCommand::Import { file, csv } => {
            let data = match read_csv_file(config, &file) {
                Ok(d) => d,
                Err(e) => return fail(code(&e), &e.to_string()),
            };
            let opts = match csv_options(&csv, &file.display().to_string()) {
                Ok(o) => o,
                Err(code) => return code,
            };
            ledger.import_csv(csv.kind, &data, &opts).await.map(|r| {
                print(csv.json, &r, |r| {
                    format!(
                        "{}: {} row(s) applied: {} created, {} updated, {} stock move(s)\n",
                        file.display(),
                        r.rows,
                        r.created,
                        r.updated,
                        r.moves
                    )
                })
            })
        }
        ProductsCommand::Export { file, kind } => match ledger.export_csv(kind).await {
            Ok(text) if file.as_os_str() == "-" => {
                print!("{text}");
                Ok(())
            }
            Ok(text) => std::fs::write(&file, text)
                .map_err(|e| BackofficeError::Invalid(format!("{}: {e}", file.display()))),
            Err(e) => Err(e),
        },
    };
    finish(result)
}

/// The exit code of a back-office command. Every write has already reached the disk
/// before its call returned (`BackOffice` flushes what it acknowledges), and a command
/// that only reads writes nothing at all.
fn finish(result: crate::backoffice::Result<()>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) => fail(code(&e), &e.to_string()),
    }
}

pub async fn stock(config: &Config, cmd: StockCommand) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        StockCommand::Set {
            sku,
            quantity,
            warehouse,
            reason,
            json,
        } => {
            let req = StockSet {
                warehouse: default_warehouse(config, warehouse),
                quantity,
                reason,
            };
            ledger
                .set_stock(&sku, &req)
                .await
                .map(|e| print(json, &e, moved_text))
        }
        StockCommand::Adjust {
            sku,
            delta,
            warehouse,
            reason,
            json,
        } => {
            let req = StockAdjust {
                warehouse: default_warehouse(config, warehouse),
                delta,
                reason,
            };
            ledger
                .adjust_stock(&sku, &req)
                .await
                .map(|e| print(json, &e, moved_text))
        }
        StockCommand::Journal { sku, limit, json } => ledger
            .journal(sku.as_deref(), limit)
            .await
            .map(|e| print(json, &e, |e| journal_text(e))),
    };
    finish(result)
}

pub async fn prices(config: &Config, cmd: PricesCommand) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let PricesCommand::Set {
        sku,
        price,
        currency,
        json,
    } = cmd;
    let result = match parse_price(&price) {
        Ok(price) => ledger
            .set_price(&sku, &PriceSet { price, currency })
            .await
            .map(|v| print(json, &v, product_text)),
        Err(e) => Err(e),
    };
    finish(result)
}

pub async fn links(config: &Config, cmd: LinksCommand) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        LinksCommand::List { unlinked, json } => ledger.links(unlinked).await.map(|l| {
            print(json, &l, |l| {
                let mut s = format!("{:<20} {:<40} {:>12}\n", "SKU", "NAME", "PROM ID");
                for v in l {
                    s += &format!(
                        "{:<20} {:<40} {:>12}\n",
                        v.sku,
                        v.name.chars().take(40).collect::<String>(),
                        v.prom_id.map_or("-".into(), |i| i.to_string())
                    );
                }
                s
            })
        }),
        LinksCommand::Link {
            sku,
            prom_id,
            force,
        } => ledger
            .link(&sku, &LinkRequest { prom_id, force })
            .await
            .map(|v| println!("{} is linked to Prom product {}", v.sku, prom_id)),
        LinksCommand::Unlink { sku } => ledger
            .unlink(&sku)
            .await
            .map(|v| println!("{} is no longer linked", v.sku)),
        LinksCommand::Suggest { min_score, json } => {
            ledger.suggest_links(min_score).await.map(|rows| {
                print(json, &rows, |rows| {
                    let mut s = format!(
                        "{:>12}  {:<36}  {:<16}  {:<36}  {:>5}\n",
                        "PROM ID", "PROM NAME", "LOCAL SKU", "LOCAL NAME", "SCORE"
                    );
                    for r in rows {
                        s += &format!(
                            "{:>12}  {:<36}  {:<16}  {:<36}  {:>5.3}\n",
                            r.prom_id,
                            r.prom_name.chars().take(36).collect::<String>(),
                            r.local_sku,
                            r.local_name.chars().take(36).collect::<String>(),
                            r.score
                        );
                    }
                    s
                })
            })
        }
        LinksCommand::Accept {
            prom_ids,
            min_score,
        } => ledger
            .accept_links(&crate::backoffice::AcceptLinks {
                min_score,
                prom_ids,
            })
            .await
            .map(|links| println!("{} link(s) made", links.len())),
        LinksCommand::ExportUnlinked { file } => match ledger.export_unlinked().await {
            Ok(text) => std::fs::write(&file, text)
                .map_err(|e| BackofficeError::Invalid(format!("{}: {e}", file.display()))),
            Err(e) => Err(e),
        },
        LinksCommand::Apply { file } => match read_csv_file(config, &file) {
            Ok(data) => ledger
                .apply_links(&data)
                .await
                .map(|r| println!("{}: {} link(s) made", file.display(), r.updated)),
            Err(e) => Err(e),
        },
    };
    finish(result)
}

pub async fn status(config: &Config, json: bool) -> u8 {
    let ledger = match AnyLedger::open(config) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = ledger.last_runs().await.map(|rows| {
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&rows).expect("serializable")
            );
            return;
        }
        println!(
            "{:<16} {:<12} {:<16} {:<20} {:<10} {:>6} {:>9} {:>6}",
            "JOB", "KIND", "SCHEDULE", "LAST RUN (UTC)", "OUTCOME", "SENT", "CONFIRMED", "FAILED"
        );
        for j in rows {
            match j.last_run {
                Some(r) => println!(
                    "{:<16} {:<12} {:<16} {:<20} {:<10} {:>6} {:>9} {:>6}",
                    j.job,
                    j.kind,
                    j.schedule,
                    r.started_at.format("%Y-%m-%d %H:%M:%S"),
                    r.outcome.to_string(),
                    r.sent,
                    r.confirmed,
                    r.failed.len()
                ),
                None => println!(
                    "{:<16} {:<12} {:<16} {:<20}",
                    j.job, j.kind, j.schedule, "never"
                ),
            }
        }
    });
    finish(result)
}
