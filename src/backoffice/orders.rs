//! Orders imported from Prom.ua: find (list, export as CSV), show, and change the local
//! status (reservations follow; `push_statuses` sends it). Their local products are
//! named by SKU.

use std::collections::HashMap;

use super::order_filter::Filter;
use super::{BackOffice, BackofficeError, OrderQuery, OrderStatusSet, OrderView, Result};
use crate::store::{LocalOrder, Store};

/// The SKUs of local products by id, each read once for a whole answer.
struct Skus<'a> {
    store: &'a Store,
    known: HashMap<u64, Option<String>>,
}

impl<'a> Skus<'a> {
    fn new(store: &'a Store) -> Self {
        Self {
            store,
            known: HashMap::new(),
        }
    }

    /// The order's view with its products named by SKU.
    fn view(&mut self, o: LocalOrder) -> Result<OrderView> {
        let mut v = OrderView::from(o);
        v.name_products(|id| match self.known.get(&id) {
            Some(sku) => Ok(sku.clone()),
            None => {
                let sku = self.store.product(id)?.map(|p| p.sku);
                self.known.insert(id, sku.clone());
                Ok::<_, BackofficeError>(sku)
            }
        })?;
        Ok(v)
    }
}

/// The orders `q` asks for, newest first: a scan on the blocking pool that decodes
/// whole only the orders it keeps.
pub(super) async fn list(office: &BackOffice, q: &OrderQuery) -> Result<Vec<OrderView>> {
    let filter = Filter::new(q)?;
    office
        .blocking(move |store| {
            let mut skus = Skus::new(store);
            store
                .find_orders(|o| filter.matches(o), filter.limit)?
                .into_iter()
                .map(|o| skus.view(o))
                .collect()
        })
        .await
}

/// The orders `q` asks for, as CSV (`order_export.rs`).
pub(super) async fn export(office: &BackOffice, q: &OrderQuery) -> Result<String> {
    let orders = list(office, q).await?;
    super::order_export::write(&orders)
}

pub(super) fn show(office: &BackOffice, prom_id: i64) -> Result<OrderView> {
    let store = office.store();
    let o = store.order(prom_id)?.ok_or_else(|| no_order(prom_id))?;
    Skus::new(store).view(o)
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
    // A delivery can take stock below zero; a re-opened order can hold more than is there.
    let mut products: Vec<u64> = o.lines.iter().filter_map(|l| l.product_id).collect();
    products.sort_unstable();
    products.dedup();
    let warnings = office.shortfalls_after_write(&products).await;
    let mut view = Skus::new(store).view(o)?;
    view.warnings = warnings;
    Ok(view)
}
