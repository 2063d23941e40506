//! CSV import and export of products, stock and prices. The whole file is read and
//! checked first; only a file without a single error is applied, in one transaction.
//!
//! `read` turns bytes into rows (encoding, delimiter, headers, limits), `import` checks
//! the rows of each kind and applies them, `export` writes the same shapes back, and
//! `errors` says what is wrong with a file, row by row.

mod errors;
mod export;
mod import;
mod price_columns;
mod read;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use errors::{RowError, RowErrors, thousands};
pub(super) use export::export;
pub(super) use import::{check_warehouse, import};
pub(super) use read::{parse, parse_read_fields};

/// What a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CsvKind {
    /// sku, name, price, currency (tiers, discount, discount_from, discount_until):
    /// creates new SKUs, updates the others.
    Products,
    /// sku, warehouse, quantity: sets absolute quantities.
    Stock,
    /// sku, price, currency.
    Prices,
}

impl CsvKind {
    /// (field, required) in export order.
    pub(super) fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            CsvKind::Products => &[
                ("sku", true),
                ("name", true),
                ("price", false),
                ("currency", false),
                ("tiers", false),
                ("discount", false),
                ("discount_from", false),
                ("discount_until", false),
            ],
            CsvKind::Stock => &[("sku", true), ("warehouse", false), ("quantity", true)],
            CsvKind::Prices => &[("sku", true), ("price", true), ("currency", false)],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CsvKind::Products => "products",
            CsvKind::Stock => "stock",
            CsvKind::Prices => "prices",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvOptions {
    /// `,` or `;`; guessed from the header line when absent.
    #[serde(default)]
    pub delimiter: Option<char>,
    /// Field → column header, for files whose headers differ (e.g. `sku` → `Артикул`).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// The warehouse of stock rows when the file has no warehouse column.
    #[serde(default)]
    pub warehouse: Option<String>,
    /// Named in the journal's reason.
    #[serde(default)]
    pub source: Option<String>,
}

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 1_000_000;
/// The longest field (after trimming), in bytes.
pub const MAX_FIELD_BYTES: usize = 4096;
