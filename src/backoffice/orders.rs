//! Orders imported from Prom.ua: list, show, and change the local status (reservations
//! follow; `push_statuses` sends it).

use super::{BackOffice, BackofficeError, OrderStatusSet, OrderView, Result};

/// Every order, newest first: a scan, on the blocking pool.
pub(super) async fn list(office: &BackOffice, unlinked_only: bool) -> Result<Vec<OrderView>> {
    office
        .blocking(move |store| {
            Ok(store
                .orders()?
                .into_iter()
                .filter(|o| !unlinked_only || o.has_unlinked_lines())
                .map(Into::into)
                .collect())
        })
        .await
}

pub(super) fn show(office: &BackOffice, prom_id: i64) -> Result<OrderView> {
    office
        .store()
        .order(prom_id)?
        .map(Into::into)
        .ok_or_else(|| no_order(prom_id))
}

fn no_order(prom_id: i64) -> BackofficeError {
    BackofficeError::NotFound(format!("no order {prom_id}"))
}

pub(super) async fn set_status(
    office: &BackOffice,
    prom_id: i64,
    req: &OrderStatusSet,
) -> Result<OrderView> {
    let status = req.status.trim();
    if status.is_empty() {
        return Err(BackofficeError::Invalid(
            "a status must not be blank".into(),
        ));
    }
    let store = office.store();
    if store.order(prom_id)?.is_none() {
        return Err(no_order(prom_id));
    }
    let o = store.set_order_status(prom_id, status, &office.policy())?;
    office.durable().await?;
    office.touched();
    Ok(o.into())
}
