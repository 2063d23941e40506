//! Stock: set or adjust the quantity of a product in a declared warehouse, journalled as
//! whoever the office acts for, with a warning when it leaves the pushed stock below what
//! open orders reserve; and the journal of stock moves.

use super::input::fmt_delta;
use super::products::product;
use super::{
    BackOffice, BackofficeError, Result, StockAdjust, StockMove, StockMoved, StockSet, check_delta,
    check_quantity, csv_io,
};
use crate::store::{MAX_QUANTITY, Product, StockChange, Store};

/// The warehouse, trimmed, if the configuration declares it.
fn warehouse(office: &BackOffice, w: &str) -> Result<String> {
    csv_io::check_warehouse(w, &office.known_warehouses())
        .map_err(|m| BackofficeError::Invalid(format!("warehouse: {m}")))
}

/// The quantity of `product` in `warehouse` now (0 when never recorded).
fn stock_in(store: &Store, product: &Product, warehouse: &str) -> Result<i64> {
    Ok(store
        .stock_of(product.id)?
        .into_iter()
        .find(|(w, _)| w == warehouse)
        .map_or(0, |(_, q)| q))
}

/// Applies one change of one product: journalled, on disk, and told to the on-change push.
/// A move in a pushed warehouse that leaves the product short comes with a warning (a
/// move elsewhere leaves the pushed stock as it was).
async fn apply(
    office: &BackOffice,
    change: StockChange,
    reason: Option<&str>,
) -> Result<Option<StockMoved>> {
    let moved = office
        .store()
        .apply_stock_changes(&[change], office.actor(), reason)?;
    office.durable().await?;
    office.touched();
    let Some(moved) = moved.into_iter().next().map(StockMove::from) else {
        return Ok(None);
    };
    let pushed = office.pushed_warehouses().contains(&moved.warehouse);
    let warnings = if pushed {
        office.shortfalls_after_write(&[moved.product_id]).await
    } else {
        Vec::new()
    };
    Ok(Some(StockMoved { moved, warnings }))
}

pub(super) async fn set(
    office: &BackOffice,
    sku: &str,
    req: &StockSet,
) -> Result<Option<StockMoved>> {
    check_quantity(req.quantity).map_err(BackofficeError::Invalid)?;
    let warehouse = warehouse(office, &req.warehouse)?;
    let p = product(office.store(), sku)?;
    let change = StockChange::Set {
        product_id: p.id,
        warehouse,
        quantity: req.quantity,
    };
    apply(office, change, req.reason.as_deref()).await
}

pub(super) async fn adjust(
    office: &BackOffice,
    sku: &str,
    req: &StockAdjust,
) -> Result<Option<StockMoved>> {
    check_delta(req.delta).map_err(BackofficeError::Invalid)?;
    let warehouse = warehouse(office, &req.warehouse)?;
    let p = product(office.store(), sku)?;
    // Checked here for a clear message; the store refuses it too.
    let before = stock_in(office.store(), &p, &warehouse)?;
    let after = before.saturating_add(req.delta);
    if req.delta < 0 && after < 0 {
        return Err(BackofficeError::Invalid(format!(
            "delta: {} would take the stock of {} in {warehouse} below 0 ({before} {} = {after}); stock must not be negative",
            req.delta,
            p.sku,
            fmt_delta(req.delta)
        )));
    }
    if req.delta > 0 && after > MAX_QUANTITY {
        return Err(BackofficeError::Invalid(format!(
            "delta: {} would take the stock of {} in {warehouse} to {after} ({before} {}), above the largest quantity, {}",
            req.delta,
            p.sku,
            fmt_delta(req.delta),
            csv_io::thousands(MAX_QUANTITY as u64)
        )));
    }
    let change = StockChange::Adjust {
        product_id: p.id,
        warehouse,
        delta: req.delta,
    };
    apply(office, change, req.reason.as_deref()).await
}

/// Up to 10,000 moves, newest first: on the blocking pool.
pub(super) async fn journal(
    office: &BackOffice,
    sku: Option<&str>,
    limit: usize,
) -> Result<Vec<StockMove>> {
    let sku = sku.map(str::to_string);
    office
        .blocking(move |store| {
            let limit = limit.clamp(1, 10_000);
            let moves = match sku.as_deref().map(|s| (s, product(store, s))) {
                None => store.journal(None, limit)?,
                Some((_, Ok(p))) => store.journal(Some(p.id), limit)?,
                // A removed product's history is still there, under its SKU.
                Some((s, Err(BackofficeError::NotFound(m)))) => {
                    let sku = crate::domain::sku::clean(s).unwrap_or(s);
                    let moves = store.journal_of_sku(sku, limit)?;
                    if moves.is_empty() {
                        return Err(BackofficeError::NotFound(m));
                    }
                    moves
                }
                Some((_, Err(e))) => return Err(e),
            };
            Ok(moves.into_iter().map(Into::into).collect())
        })
        .await
}
