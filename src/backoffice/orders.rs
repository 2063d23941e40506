//! Orders imported from Prom.ua: find (list, export as CSV), show, change the local
//! status (reservations follow; `push_statuses` sends it), link one line to a product by
//! hand. Their local products are named by SKU.

use std::collections::HashMap;

use super::order_filter::Filter;
use super::{
    BackOffice, BackofficeError, OrderLineLink, OrderLineLinked, OrderQuery, OrderStatusSet,
    OrderView, Result,
};
use crate::store::{LocalOrder, Store};

/// The SKUs of local products by id, each read once for a whole answer.
pub(super) struct Skus<'a> {
    store: &'a Store,
    known: HashMap<u64, Option<String>>,
}

impl<'a> Skus<'a> {
    pub(super) fn new(store: &'a Store) -> Self {
        Self {
            store,
            known: HashMap::new(),
        }
    }

    /// The order's view with its products named by SKU.
    pub(super) fn view(&mut self, o: LocalOrder) -> Result<OrderView> {
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
                .find_orders(
                    &filter.scope(),
                    |o| filter.matches(o),
                    filter.before,
                    filter.limit,
                )?
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
    let Some(order) = store.order(prom_id)? else {
        return Err(no_order(prom_id));
    };
    let shop = store.shop_statuses()?.filter(|s| s.read_at.is_some());
    let policy = office.order_policy()?;
    // Checked before anything is written: a typo must not release a reservation. The
    // order's own statuses (what it is, what Prom.ua shows) are known to it.
    let mut known = super::order_statuses::known(&policy, shop.as_ref());
    known.extend(
        [order.status.clone()]
            .into_iter()
            .chain(order.prom_status.clone()),
    );
    match super::order_statuses::check_known(status, &known) {
        Ok(()) => {}
        Err(_) if req.force => tracing::warn!(
            "order {prom_id}: status `{status}` set with --force: not one the configuration knows"
        ),
        Err(e) => return Err(e),
    }
    let o = store.set_order_status(prom_id, status, &policy)?;
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

/// Links line `line` (from 1) of an order to the product `req.sku`, by hand: its
/// reservation (and what it shipped, at the done status) moves at once, and later pulls
/// keep the line there. The line already there: nothing is written.
pub(super) async fn link_line(
    office: &BackOffice,
    prom_id: i64,
    line: usize,
    req: &OrderLineLink,
) -> Result<OrderLineLinked> {
    let sku = req.sku.trim();
    if sku.is_empty() {
        return Err(BackofficeError::Invalid("a SKU must not be blank".into()));
    }
    let store = office.store();
    let order = store.order(prom_id)?.ok_or_else(|| no_order(prom_id))?;
    let lines = order.lines.len();
    if line == 0 || line > lines {
        return Err(BackofficeError::Invalid(match lines {
            0 => format!("order {prom_id} has no lines"),
            n => format!("order {prom_id} has no line {line}: its lines are numbered 1 to {n}"),
        }));
    }
    let product = store
        .product_by_sku(sku)?
        .ok_or_else(|| BackofficeError::NotFound(format!("no product with SKU {sku}")))?;
    let done = store.link_order_line(prom_id, line, product.id, &office.order_policy()?)?;
    let mut warnings = Vec::new();
    if !done.unchanged {
        office.durable().await?;
        office.touched();
        // Moving a shipment can take the new product's stock below zero.
        warnings = office.shortfalls_after_write(&done.touched).await;
    }
    let mut order = Skus::new(store).view(done.order)?;
    order.warnings = warnings;
    Ok(OrderLineLinked {
        changed: !done.unchanged,
        order,
    })
}
