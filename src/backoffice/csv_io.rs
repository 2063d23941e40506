//! CSV import and export of products, stock and prices. The whole file is read and
//! checked first; only a file without a single error is applied, in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{BackofficeError, ImportReport, Result};
use crate::store::{Actor, NewProduct, ProductUpdate, StockChange, Store};

/// What a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CsvKind {
    /// sku, name, price, currency: creates new SKUs, updates the others.
    Products,
    /// sku, warehouse, quantity: sets absolute quantities.
    Stock,
    /// sku, price, currency.
    Prices,
}

impl CsvKind {
    /// (field, required) in export order.
    fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            CsvKind::Products => &[
                ("sku", true),
                ("name", true),
                ("price", false),
                ("currency", false),
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

/// One thing wrong in a file: the row (the header is row 1), the field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

impl RowError {
    /// One line per error, at most 50, for messages.
    pub fn list(errors: &[RowError]) -> String {
        let mut out: Vec<String> = errors
            .iter()
            .take(50)
            .map(|e| format!("  row {}, {}: {}", e.row, e.field, e.message))
            .collect();
        if errors.len() > 50 {
            out.push(format!("  … and {} more", errors.len() - 50));
        }
        out.join("\n")
    }
}

struct Parsed {
    /// Per data row: its row number and field → value.
    rows: Vec<(u64, HashMap<&'static str, String>)>,
}

fn parse(
    kind: CsvKind,
    data: &[u8],
    opts: &CsvOptions,
) -> std::result::Result<Parsed, Vec<RowError>> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data).map_err(|e| {
        let row = data[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        vec![RowError {
            row,
            field: "(file)".into(),
            message: "the file is not UTF-8 text".into(),
        }]
    })?;
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = match opts.delimiter {
        Some(c) if c == ',' || c == ';' || c == '\t' => c as u8,
        Some(c) => {
            return Err(vec![RowError {
                row: 1,
                field: "(file)".into(),
                message: format!("unsupported delimiter `{c}`"),
            }]);
        }
        None if header_line.matches(';').count() > header_line.matches(',').count() => b';',
        None => b',',
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(e) => {
            return Err(vec![RowError {
                row: 1,
                field: "(header)".into(),
                message: e.to_string(),
            }]);
        }
    };
    let mut index: Vec<(&'static str, usize)> = Vec::new();
    let mut errors = Vec::new();
    for (field, required) in kind.fields() {
        let wanted = opts
            .columns
            .get(*field)
            .map_or_else(|| field.to_string(), |c| c.trim().to_lowercase());
        match headers.iter().position(|h| *h == wanted) {
            Some(i) => index.push((field, i)),
            None if *required && !(*field == "warehouse" && opts.warehouse.is_some()) => errors
                .push(RowError {
                    row: 1,
                    field: field.to_string(),
                    message: format!(
                        "missing column `{wanted}` (the header has: {})",
                        headers.join(", ")
                    ),
                }),
            None => {}
        }
    }
    if kind == CsvKind::Stock
        && !index.iter().any(|(f, _)| *f == "warehouse")
        && opts.warehouse.is_none()
    {
        errors.push(RowError {
            row: 1,
            field: "warehouse".into(),
            message: "no `warehouse` column: add one or name the warehouse (--warehouse)".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let row = r.position().map_or(0, |p| p.line());
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if r.len() != headers.len() {
                    errors.push(RowError {
                        row,
                        field: "(row)".into(),
                        message: format!(
                            "{} fields where the header has {}",
                            r.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                let values = index
                    .iter()
                    .map(|(f, i)| (*f, r.get(*i).unwrap_or_default().to_string()))
                    .collect();
                rows.push((row, values));
            }
            Err(e) => errors.push(RowError {
                row: e.position().map_or(0, |p| p.line()),
                field: "(row)".into(),
                message: e.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(Parsed { rows })
    } else {
        Err(errors)
    }
}

fn decimal(v: &str) -> Option<Decimal> {
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    let m = crate::prom::dto::Money::parse(t);
    m.amount
        .filter(|a| !a.is_sign_negative() && m.currency.is_none())
}

/// Checks the whole file, then applies it in one transaction.
pub(super) fn import(
    store: &Store,
    kind: CsvKind,
    data: &[u8],
    opts: &CsvOptions,
) -> Result<ImportReport> {
    let parsed = parse(kind, data, opts).map_err(BackofficeError::Rows)?;
    let mut errors = Vec::new();
    let mut err = |row: u64, field: &str, message: String| {
        errors.push(RowError {
            row,
            field: field.into(),
            message,
        })
    };
    let mut report = ImportReport {
        rows: parsed.rows.len(),
        ..Default::default()
    };
    let reason = format!(
        "CSV import{}",
        opts.source
            .as_ref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default()
    );
    match kind {
        CsvKind::Products => {
            let mut seen: HashMap<String, u64> = HashMap::new();
            let mut new = Vec::new();
            for (row, v) in &parsed.rows {
                let sku = v["sku"].trim().to_string();
                if sku.is_empty() {
                    err(*row, "sku", "the SKU is blank".into());
                } else if let Some(first) = seen.insert(sku.clone(), *row) {
                    err(*row, "sku", format!("SKU `{sku}` is also on row {first}"));
                }
                if v["name"].trim().is_empty() {
                    err(*row, "name", "the name is blank".into());
                }
                let price = match v.get("price").map(|p| p.trim()).filter(|p| !p.is_empty()) {
                    None => None,
                    Some(p) => match decimal(p) {
                        Some(d) => Some(d),
                        None => {
                            err(*row, "price", format!("`{p}` is not a price"));
                            None
                        }
                    },
                };
                let currency = v
                    .get("currency")
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty());
                new.push(NewProduct {
                    sku,
                    name: v["name"].trim().to_string(),
                    price,
                    currency,
                });
            }
            if !errors.is_empty() {
                return Err(BackofficeError::Rows(errors));
            }
            for (_, created) in store.upsert_products(&new, true)? {
                if created {
                    report.created += 1;
                } else {
                    report.updated += 1;
                }
            }
        }
        CsvKind::Stock => {
            let mut changes = Vec::new();
            let mut seen: HashMap<(u64, String), u64> = HashMap::new();
            for (row, v) in &parsed.rows {
                let sku = v["sku"].trim();
                let product = if sku.is_empty() {
                    err(*row, "sku", "the SKU is blank".into());
                    None
                } else {
                    let p = store.product_by_sku(sku)?;
                    if p.is_none() {
                        err(*row, "sku", format!("no product with SKU `{sku}`"));
                    }
                    p
                };
                let warehouse = v
                    .get("warehouse")
                    .map(|w| w.trim().to_string())
                    .filter(|w| !w.is_empty())
                    .or_else(|| opts.warehouse.clone());
                if warehouse.is_none() {
                    err(*row, "warehouse", "the warehouse is blank".into());
                }
                let quantity = v["quantity"].trim();
                let qty = match quantity.parse::<i64>() {
                    Ok(q) => Some(q),
                    Err(_) => {
                        err(
                            *row,
                            "quantity",
                            format!("`{quantity}` is not a whole number"),
                        );
                        None
                    }
                };
                if let (Some(p), Some(w), Some(q)) = (product, warehouse, qty) {
                    if let Some(first) = seen.insert((p.id, w.clone()), *row) {
                        err(*row, "sku", format!("{sku} in {w} is also on row {first}"));
                    }
                    changes.push(StockChange::Set {
                        product_id: p.id,
                        warehouse: w,
                        quantity: q,
                    });
                }
            }
            if !errors.is_empty() {
                return Err(BackofficeError::Rows(errors));
            }
            report.moves = store
                .apply_stock_changes(&changes, Actor::Csv, Some(&reason))?
                .len();
            report.updated = changes.len();
        }
        CsvKind::Prices => {
            let mut updates = Vec::new();
            let mut seen = HashSet::new();
            for (row, v) in &parsed.rows {
                let sku = v["sku"].trim();
                let product = store.product_by_sku(sku)?;
                if product.is_none() {
                    err(
                        *row,
                        "sku",
                        if sku.is_empty() {
                            "the SKU is blank".into()
                        } else {
                            format!("no product with SKU `{sku}`")
                        },
                    );
                }
                let price = decimal(&v["price"]);
                if price.is_none() {
                    err(
                        *row,
                        "price",
                        format!("`{}` is not a price", v["price"].trim()),
                    );
                }
                if !sku.is_empty() && !seen.insert(sku.to_string()) {
                    err(*row, "sku", format!("SKU `{sku}` appears twice"));
                }
                if let (Some(p), Some(price)) = (product, price) {
                    let currency = v
                        .get("currency")
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty());
                    updates.push((
                        p.id,
                        ProductUpdate {
                            price: Some(price),
                            currency,
                            name: None,
                        },
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(BackofficeError::Rows(errors));
            }
            report.updated = store.update_products(&updates)?.len();
        }
    }
    Ok(report)
}

/// The same shapes the import reads, with `,` and a header.
pub(super) fn export(store: &Store, kind: CsvKind) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = kind.fields().iter().map(|(f, _)| *f).collect();
    let csv_err = |e: csv::Error| BackofficeError::Invalid(e.to_string());
    w.write_record(&header).map_err(csv_err)?;
    for p in store.products()? {
        let price = p.price.map(|d| d.to_string()).unwrap_or_default();
        let currency = p.currency.clone().unwrap_or_default();
        match kind {
            CsvKind::Products => w
                .write_record([&p.sku, &p.name, &price, &currency])
                .map_err(csv_err)?,
            CsvKind::Prices => {
                if p.price.is_some() {
                    w.write_record([&p.sku, &price, &currency])
                        .map_err(csv_err)?;
                }
            }
            CsvKind::Stock => {
                for (warehouse, q) in store.stock_of(p.id)? {
                    w.write_record([&p.sku, &warehouse, &q.to_string()])
                        .map_err(csv_err)?;
                }
            }
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| BackofficeError::Invalid(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("UTF-8 in, UTF-8 out"))
}
