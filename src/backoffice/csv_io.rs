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

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 1_000_000;
/// The longest field (after trimming), in bytes.
pub const MAX_FIELD_BYTES: usize = 4096;

/// One thing wrong in a file: the row (the header is row 1), the field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: u64,
    pub field: String,
    pub message: String,
}

/// What is wrong with a file: the first [`RowErrors::LISTED`] errors, and how many rows
/// have errors in all (a file of a million bad rows is not a million-line answer).
/// Derefs to the listed errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    listed: Vec<RowError>,
    rows_with_errors: usize,
    /// Distinct rows among `listed`.
    listed_rows: usize,
    last_row: Option<u64>,
}

impl RowErrors {
    /// How many errors an answer lists.
    pub const LISTED: usize = 20;

    /// Adds an error; rows come in file order.
    pub fn push(&mut self, e: RowError) {
        if self.last_row != Some(e.row) {
            self.last_row = Some(e.row);
            self.rows_with_errors += 1;
            if self.listed.len() < Self::LISTED {
                self.listed_rows += 1;
            }
        }
        if self.listed.len() < Self::LISTED {
            self.listed.push(e);
        }
    }

    pub fn add(&mut self, row: u64, field: &str, message: impl Into<String>) {
        self.push(RowError {
            row,
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn single(row: u64, field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(row, field, message);
        e
    }

    /// As received over the API.
    pub fn from_parts(listed: Vec<RowError>, rows_with_errors: usize, more_rows: usize) -> Self {
        let mut rows: Vec<u64> = listed.iter().map(|e| e.row).collect();
        rows.dedup();
        Self {
            rows_with_errors: rows_with_errors.max(rows.len() + more_rows),
            listed_rows: rows.len(),
            last_row: listed.last().map(|e| e.row),
            listed,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// Rows with at least one error, listed or not.
    pub fn rows_with_errors(&self) -> usize {
        self.rows_with_errors
    }

    /// Rows with errors that the list leaves out.
    pub fn more_rows(&self) -> usize {
        self.rows_with_errors - self.listed_rows
    }

    /// One line for an API answer (the rows are beside it).
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} row(s) of the file are wrong; nothing was applied",
            thousands(self.rows_with_errors as u64)
        );
        if self.more_rows() > 0 {
            s += &format!(
                " (the first {} errors are listed; and {} more rows with errors)",
                self.listed.len(),
                thousands(self.more_rows() as u64)
            );
        }
        s
    }
}

impl std::ops::Deref for RowErrors {
    type Target = [RowError];
    fn deref(&self) -> &[RowError] {
        &self.listed
    }
}

/// One line per listed error, then how many rows with errors are left out.
impl std::fmt::Display for RowErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut lines: Vec<String> = self
            .listed
            .iter()
            .map(|e| format!("  row {}, {}: {}", e.row, e.field, e.message))
            .collect();
        if self.more_rows() > 0 {
            lines.push(format!(
                "  … and {} more rows with errors",
                thousands(self.more_rows() as u64)
            ));
        }
        f.write_str(&lines.join("\n"))
    }
}

/// `3999980` → `3,999,980`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A data row: its number in the file and the values of the wanted fields.
pub(super) struct Row {
    pub row: u64,
    fields: &'static [(&'static str, bool)],
    /// Per wanted field, in `fields` order; `None` when the file has no such column.
    values: Vec<Option<String>>,
}

impl Row {
    /// The field's value, `None` when the file has no such column.
    pub fn get(&self, field: &str) -> Option<&str> {
        let i = self.fields.iter().position(|(f, _)| *f == field)?;
        self.values[i].as_deref()
    }
}

impl std::ops::Index<&str> for Row {
    type Output = str;
    /// The field's value, empty when the file has no such column.
    fn index(&self, field: &str) -> &str {
        self.get(field).unwrap_or_default()
    }
}

fn excerpt(v: &str) -> String {
    let mut e: String = v.chars().take(24).collect();
    if e.len() < v.len() {
        e.push('…');
    }
    e
}

/// Reads a CSV file of the `fields` given (field, required): UTF-8 with or without BOM,
/// `,`/`;`/tab, headers mapped by `opts.columns`. Refuses more than [`MAX_ROWS`] data rows
/// and fields longer than [`MAX_FIELD_BYTES`], naming row and field. `needs_warehouse`:
/// the file must have a `warehouse` column unless `opts.warehouse` names one.
pub(super) fn parse(
    fields: &'static [(&'static str, bool)],
    needs_warehouse: bool,
    data: &[u8],
    opts: &CsvOptions,
) -> std::result::Result<Vec<Row>, RowErrors> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data).map_err(|e| {
        let row = data[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1;
        RowErrors::single(row, "(file)", "the file is not UTF-8 text")
    })?;
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = match opts.delimiter {
        Some(c) if c == ',' || c == ';' || c == '\t' => c as u8,
        Some(c) => {
            return Err(RowErrors::single(
                1,
                "(file)",
                format!("unsupported delimiter `{c}`"),
            ));
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
        Err(e) => return Err(RowErrors::single(1, "(header)", e.to_string())),
    };
    let mut errors = RowErrors::default();
    for h in &headers {
        if h.len() > MAX_FIELD_BYTES {
            errors.add(
                1,
                "(header)",
                format!(
                    "a column name of {} bytes (`{}`); a field holds at most {} bytes",
                    thousands(h.len() as u64),
                    excerpt(h),
                    thousands(MAX_FIELD_BYTES as u64)
                ),
            );
        }
    }
    // Per wanted field, its column; and per column, the name an error gives it.
    let mut index: Vec<Option<usize>> = Vec::with_capacity(fields.len());
    let mut column_names: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if h.is_empty() {
                format!("(column {})", i + 1)
            } else {
                excerpt(h)
            }
        })
        .collect();
    for (field, required) in fields {
        let wanted = opts
            .columns
            .get(*field)
            .map_or_else(|| field.to_string(), |c| c.trim().to_lowercase());
        let at = headers.iter().position(|h| *h == wanted);
        if let Some(i) = at {
            column_names[i] = field.to_string();
        } else if *required {
            errors.add(
                1,
                field,
                format!(
                    "missing column `{wanted}` (the header has: {})",
                    headers
                        .iter()
                        .map(|h| excerpt(h))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        index.push(at);
    }
    let warehouse_column = fields
        .iter()
        .zip(&index)
        .any(|((f, _), i)| *f == "warehouse" && i.is_some());
    if needs_warehouse && !warehouse_column && opts.warehouse.is_none() {
        errors.add(
            1,
            "warehouse",
            "no `warehouse` column: add one or name the warehouse (--warehouse)",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut count = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.add(e.position().map_or(0, |p| p.line()), "(row)", e.to_string());
                continue;
            }
        }
        let row = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            errors.add(
                row,
                "(file)",
                format!(
                    "more than {} data rows: a file holds at most {} rows; split it",
                    thousands(MAX_ROWS as u64),
                    thousands(MAX_ROWS as u64)
                ),
            );
            break;
        }
        if record.len() != headers.len() {
            errors.add(
                row,
                "(row)",
                format!(
                    "{} fields where the header has {}",
                    record.len(),
                    headers.len()
                ),
            );
            continue;
        }
        let mut too_long = false;
        for (i, f) in record.iter().enumerate() {
            if f.len() > MAX_FIELD_BYTES {
                too_long = true;
                errors.add(
                    row,
                    &column_names[i],
                    format!(
                        "`{}` is {} bytes long; a field holds at most {} bytes (4 KiB)",
                        excerpt(f),
                        thousands(f.len() as u64),
                        thousands(MAX_FIELD_BYTES as u64)
                    ),
                );
            }
        }
        if too_long || !errors.is_empty() {
            // Only the errors matter now: keep reading for them, not the rows.
            rows = Vec::new();
            continue;
        }
        let values = index
            .iter()
            .map(|i| i.map(|i| record.get(i).unwrap_or_default().to_string()))
            .collect();
        rows.push(Row {
            row,
            fields,
            values,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn decimal(v: &str) -> Option<Decimal> {
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    let m = crate::domain::Money::parse(t);
    m.amount
        .filter(|a| !a.is_sign_negative() && m.currency.is_none())
}

/// Checks the whole file, then applies it in one transaction. `warehouses`: those the
/// configuration declares; stock goes only there.
pub(super) fn import(
    store: &Store,
    kind: CsvKind,
    data: &[u8],
    opts: &CsvOptions,
    warehouses: &[String],
) -> Result<ImportReport> {
    if let Some(w) = &opts.warehouse {
        if kind == CsvKind::Stock {
            check_warehouse(w, warehouses).map_err(|m| {
                BackofficeError::Invalid(format!("the warehouse of the file's rows: {m}"))
            })?;
        }
    }
    let parsed =
        parse(kind.fields(), kind == CsvKind::Stock, data, opts).map_err(BackofficeError::Rows)?;
    let mut errors = RowErrors::default();
    let mut err = |row: u64, field: &str, message: String| errors.add(row, field, message);
    let mut report = ImportReport {
        rows: parsed.len(),
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
            for v in &parsed {
                let row = &v.row;
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
            for v in &parsed {
                let row = &v.row;
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
                    .or_else(|| opts.warehouse.as_ref().map(|w| w.trim().to_string()));
                let warehouse = match warehouse {
                    None => {
                        err(*row, "warehouse", "the warehouse is blank".into());
                        None
                    }
                    Some(w) => match check_warehouse(&w, warehouses) {
                        Ok(w) => Some(w),
                        Err(m) => {
                            err(*row, "warehouse", m);
                            None
                        }
                    },
                };
                let qty = match super::parse_quantity(&v["quantity"]) {
                    Ok(q) => Some(q),
                    Err(m) => {
                        err(*row, "quantity", m);
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
            for v in &parsed {
                let row = &v.row;
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

/// The warehouse, trimmed, if the configuration declares it; else why not.
pub(super) fn check_warehouse(w: &str, known: &[String]) -> std::result::Result<String, String> {
    let w = w.trim();
    if w.is_empty() {
        return Err("a warehouse name must not be blank".into());
    }
    if known.iter().any(|k| k == w) {
        return Ok(w.to_string());
    }
    Err(format!(
        "unknown warehouse `{w}` (the configuration declares: {}); declare it in [sync] warehouses or [sync] local_warehouses",
        known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
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
