//! Order endpoints.

use super::PromClient;
use super::dto::{
    Order, OrderEnvelope, OrderFilter, OrderStatusOption, OrderStatusOptions, OrdersPage,
    SetStatus, SetStatusResponse,
};
use super::error::PromError;

/// What `orders/set_status` confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetStatusResult {
    /// Only these orders changed: HTTP 200 proves nothing.
    pub processed: Vec<i64>,
    pub warning: Option<String>,
}

impl PromClient {
    /// One page of `orders/list`.
    pub async fn orders_page(&self, filter: &OrderFilter) -> Result<Vec<Order>, PromError> {
        let page: OrdersPage = self.get("/orders/list", &filter.query()).await?;
        Ok(page.orders)
    }

    /// Every order matching `filter`, each once. The walk is always newest first, the
    /// one order `last_id` is documented for ("no higher than"); an ascending `sort_dir`
    /// only orders the result.
    pub async fn all_orders(&self, filter: &OrderFilter) -> Result<Vec<Order>, PromError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut f = filter.clone();
        f.sort_dir = None;
        f.limit = Some(f.limit.unwrap_or(super::PAGE_LIMIT));
        loop {
            let page = self.orders_page(&f).await?;
            check_descending("/orders/list", page.iter().map(|o| o.id), f.last_id)?;
            let Some(next) = page.iter().map(|o| o.id).min() else {
                break;
            };
            let before = out.len();
            out.extend(page.into_iter().filter(|o| seen.insert(o.id)));
            if out.len() == before {
                break;
            }
            f.last_id = Some(next);
        }
        if filter.sort_dir == Some(super::dto::SortDir::Asc) {
            out.reverse();
        }
        Ok(out)
    }

    pub async fn order(&self, id: i64) -> Result<Order, PromError> {
        let env: OrderEnvelope = self.get(&format!("/orders/{id}"), &[]).await?;
        Ok(env.order)
    }

    /// `POST /orders/set_status`, checked against Prom's rules before sending.
    pub async fn set_order_status(&self, req: &SetStatus) -> Result<SetStatusResult, PromError> {
        req.validate().map_err(PromError::InvalidRequest)?;
        let body = serde_json::to_vec(req).expect("serializable");
        let raw: SetStatusResponse = self.post("/orders/set_status", body).await?;
        Ok(SetStatusResult {
            processed: raw
                .processed_ids
                .iter()
                .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .collect(),
            warning: raw.warning_message,
        })
    }

    pub async fn order_status_options(&self) -> Result<Vec<OrderStatusOption>, PromError> {
        let list: OrderStatusOptions = self.get("/order_status_options/list", &[]).await?;
        Ok(list.order_status_options)
    }
}

/// A page must come highest id first and at or below the cursor: the walk takes its
/// smallest id as the next cursor, which would skip items of a page in another order.
pub(super) fn check_descending(
    path: &str,
    ids: impl Iterator<Item = i64>,
    cursor: Option<i64>,
) -> Result<(), PromError> {
    let mut prev = cursor.map_or(i64::MAX, |c| c.saturating_add(1));
    for id in ids {
        if id >= prev {
            return Err(PromError::Malformed {
                path: path.to_string(),
                detail: format!(
                    "ids do not descend below the cursor (id {id} after {prev}); paging would skip items"
                ),
                excerpt: String::new(),
            });
        }
        prev = id;
    }
    Ok(())
}
