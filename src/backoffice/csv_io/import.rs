//! Checking the rows of an import, kind by kind, and applying a file without errors.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use super::read::Row;
use super::{CsvKind, CsvOptions, RowErrors, parse};
use crate::backoffice::{BackofficeError, ImportReport, Result};
use crate::store::{Actor, NewProduct, ProductUpdate, StockChange, Store};

fn decimal(v: &str) -> std::result::Result<Decimal, String> {
    crate::backoffice::parse_price_text(v)
}

/// The row's currency code, `None` when blank or absent; a text that is no code is the
/// row's error.
fn currency(v: &Row, errors: &mut RowErrors) -> Option<String> {
    let c = v.get("currency").map(str::trim).filter(|c| !c.is_empty())?;
    crate::backoffice::products::currency_code(c)
        .map_err(|m| errors.add(v.row, "currency", m))
        .ok()
}

/// The rows' errors, or `Ok` when there are none.
fn checked(errors: RowErrors) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(BackofficeError::Rows(errors))
    }
}

/// (product id, warehouse) of each stock move an import made.
pub(in crate::backoffice) type Moved = Vec<(u64, String)>;

/// Checks the whole file, then applies it in one transaction. `warehouses`: those the
/// configuration declares; stock goes only there. Returns the report and where stock
/// moved, for the check against reservations.
pub(in crate::backoffice) fn import(
    store: &Store,
    kind: CsvKind,
    data: &[u8],
    opts: &CsvOptions,
    warehouses: &[String],
) -> Result<(ImportReport, Moved)> {
    if let Some(w) = &opts.warehouse
        && kind == CsvKind::Stock
    {
        check_warehouse(w, warehouses).map_err(|m| {
            BackofficeError::Invalid(format!("the warehouse of the file's rows: {m}"))
        })?;
    }
    let parsed =
        parse(kind.fields(), kind == CsvKind::Stock, data, opts).map_err(BackofficeError::Rows)?;
    let mut report = ImportReport {
        rows: parsed.len(),
        ..Default::default()
    };
    let mut moved = Vec::new();
    match kind {
        CsvKind::Products => products(store, &parsed, &mut report)?,
        CsvKind::Stock => moved = stock(store, &parsed, opts, warehouses, &mut report)?,
        CsvKind::Prices => prices(store, &parsed, &mut report)?,
    }
    Ok((report, moved))
}

/// Creates new SKUs, updates the others.
fn products(store: &Store, parsed: &[Row], report: &mut ImportReport) -> Result<()> {
    let mut errors = RowErrors::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut new = Vec::new();
    let mut extras = Vec::new();
    for v in parsed {
        let row = v.row;
        // As the store keeps it: without invisible characters at the ends.
        let sku = crate::domain::sku::clean(&v["sku"])
            .unwrap_or_default()
            .to_string();
        if sku.is_empty() {
            errors.add(row, "sku", "the SKU is blank");
        } else if let Some(why) = crate::domain::sku::typed_refusal(&sku) {
            errors.add(row, "sku", why);
        } else if let Some(first) = seen.insert(sku.clone(), row) {
            errors.add(row, "sku", format!("SKU `{sku}` is also on row {first}"));
        }
        if v["name"].trim().is_empty() {
            errors.add(row, "name", "the name is blank");
        }
        let price = match v.get("price").map(|p| p.trim()).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match decimal(p) {
                Ok(d) => Some(d),
                Err(m) => {
                    errors.add(row, "price", m);
                    None
                }
            },
        };
        // Tiers and discounts are checked against the row's price, else the stored one.
        let held = match sku.is_empty() {
            true => None,
            false => store.product_by_sku(&sku)?,
        };
        let base = price.or_else(|| held.as_ref().and_then(|p| p.price));
        let held_discount = match &held {
            Some(p) => store.price_extras(p.id)?.discount,
            None => None,
        };
        extras.push(super::price_columns::extras(
            v,
            base,
            held_discount.as_ref(),
            &mut errors,
        ));
        new.push(NewProduct {
            sku,
            name: v["name"].trim().to_string(),
            price,
            currency: currency(v, &mut errors),
        });
    }
    checked(errors)?;
    // The store checks the extras again against the prices as stored then (its check is
    // the one that counts): a refusal there names the SKU, and here its row too.
    let stored = store
        .upsert_products_with_extras(&new, &extras)
        .map_err(|e| match e {
            crate::store::StoreError::Invalid(m) => {
                let row = new
                    .iter()
                    .zip(parsed)
                    .find(|(n, _)| m.starts_with(&format!("{}: ", n.sku)))
                    .map(|(_, v)| v.row);
                match row {
                    Some(row) => crate::store::StoreError::Invalid(format!("row {row}: {m}")),
                    None => crate::store::StoreError::Invalid(m),
                }
            }
            other => other,
        })?;
    for (_, created) in stored {
        if created {
            report.created += 1;
        } else {
            report.updated += 1;
        }
    }
    Ok(())
}

/// Sets absolute quantities, journalled as the CSV's; returns where stock moved.
fn stock(
    store: &Store,
    parsed: &[Row],
    opts: &CsvOptions,
    warehouses: &[String],
    report: &mut ImportReport,
) -> Result<Moved> {
    let mut errors = RowErrors::default();
    let mut changes = Vec::new();
    let mut seen: HashMap<(u64, String), u64> = HashMap::new();
    for v in parsed {
        let row = v.row;
        let sku = v["sku"].trim();
        let product = if sku.is_empty() {
            errors.add(row, "sku", "the SKU is blank");
            None
        } else {
            let p = store.product_by_sku(sku)?;
            if p.is_none() {
                errors.add(row, "sku", format!("no product with SKU `{sku}`"));
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
                errors.add(row, "warehouse", "the warehouse is blank");
                None
            }
            Some(w) => match check_warehouse(&w, warehouses) {
                Ok(w) => Some(w),
                Err(m) => {
                    errors.add(row, "warehouse", m);
                    None
                }
            },
        };
        let qty = match crate::backoffice::parse_quantity(&v["quantity"]) {
            Ok(q) => Some(q),
            Err(m) => {
                errors.add(row, "quantity", m);
                None
            }
        };
        if let (Some(p), Some(w), Some(q)) = (product, warehouse, qty) {
            if let Some(first) = seen.insert((p.id, w.clone()), row) {
                errors.add(row, "sku", format!("{sku} in {w} is also on row {first}"));
            }
            changes.push(StockChange::Set {
                product_id: p.id,
                warehouse: w,
                quantity: q,
            });
        }
    }
    checked(errors)?;
    let reason = format!(
        "CSV import{}",
        opts.source
            .as_ref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default()
    );
    let entries = store.apply_stock_changes(&changes, Actor::Csv, Some(&reason))?;
    report.moves = entries.len();
    report.updated = changes.len();
    Ok(entries
        .into_iter()
        .map(|e| (e.product_id, e.warehouse))
        .collect())
}

/// Sets the prices of existing SKUs.
fn prices(store: &Store, parsed: &[Row], report: &mut ImportReport) -> Result<()> {
    let mut errors = RowErrors::default();
    let mut updates = Vec::new();
    let mut seen = HashSet::new();
    for v in parsed {
        let row = v.row;
        let sku = v["sku"].trim();
        let product = store.product_by_sku(sku)?;
        if product.is_none() {
            errors.add(
                row,
                "sku",
                if sku.is_empty() {
                    "the SKU is blank".into()
                } else {
                    format!("no product with SKU `{sku}`")
                },
            );
        }
        let price = decimal(&v["price"])
            .map_err(|m| errors.add(row, "price", m))
            .ok();
        if !sku.is_empty() && !seen.insert(sku.to_string()) {
            errors.add(row, "sku", format!("SKU `{sku}` appears twice"));
        }
        let currency = currency(v, &mut errors);
        if let (Some(p), Some(price)) = (product, price) {
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
    checked(errors)?;
    report.updated = store.update_products(&updates)?.len();
    Ok(())
}

/// The warehouse, trimmed, if the configuration declares it; else why not.
pub(in crate::backoffice) fn check_warehouse(
    w: &str,
    known: &[String],
) -> std::result::Result<String, String> {
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
