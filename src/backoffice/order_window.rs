//! The console's order search: the list's filters through a window of candidates at a
//! time (a name, a phone or an email has no index: at 100,000 orders a search finding
//! few would read every order's summary, over a second), with where the window ended,
//! and an order whose id is the search text found at once. The CLI and the admin API
//! search everything (`orders::list`).

use super::order_filter::Filter;
use super::orders::Skus;
use super::{BackOffice, OrderQuery, OrderView, Result};
use crate::store::OrderHead;

/// A page of the console's order search.
#[derive(Debug)]
pub struct OrdersWindow {
    /// The orders found, newest first (not the exact one).
    pub orders: Vec<OrderView>,
    /// The window was looked through before the page filled: the last id looked at; a
    /// search on asks for the orders before it.
    pub ended: Option<i64>,
    /// The order whose id the search text is, when it matches the filters: on the first
    /// page only, and never among `orders` (on any page), so that it is listed once.
    pub exact: Option<OrderView>,
}

impl BackOffice {
    /// The orders `q` asks for, looking at no more than `scan` candidates.
    pub async fn orders_within(&self, q: &OrderQuery, scan: usize) -> Result<OrdersWindow> {
        let filter = Filter::new(q)?;
        let id = q
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<i64>().ok());
        let first = q.before.is_none();
        self.blocking(move |store| {
            let mut skus = Skus::new(store);
            // One read: the order of that id, if the filters take it.
            let exact = match id {
                Some(id) => store
                    .order(id)?
                    .filter(|o| filter.matches(&OrderHead::of(o))),
                None => None,
            };
            let exact_id = exact.as_ref().map(|o| o.prom_id);
            let found = store.find_orders_within(
                &filter.scope(),
                |h| Some(h.prom_id) != exact_id && filter.matches(h),
                filter.before,
                filter.limit,
                Some(scan),
            )?;
            Ok(OrdersWindow {
                orders: found
                    .orders
                    .into_iter()
                    .map(|o| skus.view(o))
                    .collect::<Result<_>>()?,
                ended: found.ended,
                exact: exact.filter(|_| first).map(|o| skus.view(o)).transpose()?,
            })
        })
        .await
    }
}
