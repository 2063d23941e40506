//! Order endpoints.

use super::PromClient;
use super::dto::{
    Order, OrderEnvelope, OrderFilter, OrderStatusOption, OrdersPage, SetCustomStatus, SetStatus,
    SetStatusResult, read_one, read_status_options,
};
use super::error::PromError;

impl PromClient {
    /// One page of `orders/list`. Orders without a readable id are left out and noted
    /// (see [`PromClient::notes`]).
    pub async fn orders_page(&self, filter: &OrderFilter) -> Result<Vec<Order>, PromError> {
        Ok(self.orders_page_read(filter).await?.0)
    }

    /// A page's orders and how many it left out.
    async fn orders_page_read(
        &self,
        filter: &OrderFilter,
    ) -> Result<(Vec<Order>, usize), PromError> {
        let page: OrdersPage = self.get("/orders/list", &filter.query()).await?;
        self.note("/orders/list", page.orders.notes);
        Ok((page.orders.items, page.orders.skipped))
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
            let (page, skipped) = self.orders_page_read(&f).await?;
            check_descending("/orders/list", page.iter().map(|o| o.id), f.last_id)?;
            let Some(next) = page.iter().map(|o| o.id).min() else {
                // The query sends at most PAGE_LIMIT, whatever the filter asks.
                let limit = f.limit.unwrap_or(super::PAGE_LIMIT).min(super::PAGE_LIMIT);
                self.note(
                    "/orders/list",
                    unreadable_page("/orders/list", skipped, limit)?,
                );
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
        let path = format!("/orders/{id}");
        let env: OrderEnvelope = self.get(&path, &[]).await?;
        let excerpt = super::error::excerpt(env.order.to_string().as_bytes());
        let (order, notes) = read_one(env.order).map_err(|detail| PromError::Malformed {
            path: path.clone(),
            detail,
            excerpt,
        })?;
        self.note(&path, notes);
        Ok(order)
    }

    /// `POST /orders/set_status`, checked against Prom's rules before sending. An HTTP
    /// 200 answer in JSON is read, never refused (`dto/reply.rs`).
    pub async fn set_order_status(&self, req: &SetStatus) -> Result<SetStatusResult, PromError> {
        req.validate().map_err(PromError::InvalidRequest)?;
        let body = serde_json::to_vec(req).expect("serializable");
        let reply: serde_json::Value = self.post("/orders/set_status", body).await?;
        let result = SetStatusResult::read(&reply);
        self.note("/orders/set_status", result.notes.iter().cloned());
        Ok(result)
    }

    /// `POST /orders/set_status` by `custom_status_id` (a seller's own status), read as
    /// the other form is.
    pub async fn set_order_custom_status(
        &self,
        req: &SetCustomStatus,
    ) -> Result<SetStatusResult, PromError> {
        if req.ids.is_empty() {
            return Err(PromError::InvalidRequest("no order ids".into()));
        }
        let body = serde_json::to_vec(req).expect("serializable");
        let reply: serde_json::Value = self.post("/orders/set_status", body).await?;
        let result = SetStatusResult::read(&reply);
        self.note("/orders/set_status", result.notes.iter().cloned());
        Ok(result)
    }

    /// The shop's order statuses, read leniently (odd entries are noted, see
    /// [`PromClient::notes`]); an answer with no list at all is `Malformed`.
    pub async fn order_status_options(&self) -> Result<Vec<OrderStatusOption>, PromError> {
        const PATH: &str = "/order_status_options/list";
        let reply: serde_json::Value = self.get(PATH, &[]).await?;
        let read = read_status_options(&reply).map_err(|detail| PromError::Malformed {
            path: PATH.into(),
            detail,
            excerpt: super::error::excerpt(reply.to_string().as_bytes()),
        })?;
        self.note(PATH, read.notes);
        Ok(read.options)
    }
}

/// A page that had items but none with a readable id gives no cursor to go on with. A
/// page shorter than asked for is taken for the listing's end, with a note; a full one
/// fails the walk, as ending there would pass for the end of a listing that goes on.
pub(super) fn unreadable_page(
    path: &str,
    skipped: usize,
    limit: u32,
) -> Result<Option<String>, PromError> {
    if skipped == 0 {
        return Ok(None);
    }
    if skipped < limit as usize {
        return Ok(Some(format!(
            "the walk ended at a page of {skipped} item(s) none of which has a readable id; anything listed after them was not read"
        )));
    }
    Err(PromError::Malformed {
        path: path.to_string(),
        detail: format!(
            "none of the page's {skipped} item(s) has an id this program can read, so paging cannot go on past it"
        ),
        excerpt: String::new(),
    })
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
