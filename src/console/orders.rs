//! Orders: the list, newest first, 50 a page with an "older" cursor, filtered by status
//! (local or Prom's), by unlinked lines and by a search, as `orders list` filters. The
//! filtering is the back office's (`OrderQuery`); this page only asks and shows.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::products::encode;
use super::{Console, Visit, layout, order_text, to_login};
use crate::backoffice::{
    BackofficeError, Ledger, MoneyView, OrderQuery, OrderStatusesView, OrderView,
};

const PAGE: usize = 50;
/// Orders a page's search looks at (a name, a phone or an email has no index): 14 µs
/// each in a debug build (the summary decoded and compared), so ~70 ms there and, at
/// about a fifth of that in release, ~15 ms. `order_text.rs` names the figure.
pub(super) const ORDER_SCAN: usize = 5_000;

#[derive(Deserialize, Default)]
pub(super) struct Filters {
    /// One status, local or Prom's; empty: any.
    #[serde(default)]
    status: String,
    /// `1` (the ticked box; `on`, `true` too): only orders with unlinked lines.
    #[serde(default)]
    unlinked: Option<String>,
    #[serde(default)]
    q: String,
    /// The id of the last order of the page before.
    #[serde(default)]
    before: Option<String>,
    lang: Option<String>,
}

impl Filters {
    fn unlinked(&self) -> bool {
        matches!(self.unlinked.as_deref(), Some("1" | "on" | "true"))
    }

    /// The back office's query for a page (one more than a page: is there another?).
    fn query(&self) -> Result<OrderQuery, BackofficeError> {
        let before = match self.before.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(b) => Some(b.parse::<i64>().map_err(|_| {
                BackofficeError::Invalid(format!("before: `{b}` is not an order id"))
            })?),
        };
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(OrderQuery {
            unlinked: self.unlinked(),
            status: text(&self.status),
            search: text(&self.q),
            limit: Some(PAGE + 1),
            before,
            ..OrderQuery::default()
        })
    }

    /// This list's address, starting before `before`.
    fn href(&self, before: Option<i64>) -> String {
        let mut s = format!(
            "/orders?status={}&q={}",
            encode(self.status.trim()),
            encode(self.q.trim())
        );
        if self.unlinked() {
            s += "&unlinked=1";
        }
        if let Some(b) = before {
            s += &format!("&before={b}");
        }
        s
    }
}

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(f): Query<Filters>,
) -> Response {
    let visit = Visit::of(
        &console,
        &headers,
        &super::LangQuery {
            lang: f.lang.clone(),
        },
    );
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    let office = &console.office;
    let found = async {
        let q = f.query()?;
        let window = office.orders_within(&q, ORDER_SCAN).await?;
        let statuses = status_options(office.order_statuses().await?);
        Ok::<_, BackofficeError>((window, statuses))
    }
    .await;
    let (window, statuses) = match found {
        Ok(found) => found,
        Err(e) => return visit.finish(failure(&visit, &e)),
    };
    let (mut orders, ended, exact) = (window.orders, window.ended, window.exact);
    // One more than a page was asked for: its presence says there is an older page.
    let older = if orders.len() > PAGE {
        orders.truncate(PAGE);
        orders.last().map(|o| o.prom_id)
    } else {
        None
    };
    let t = order_text::of(visit.lang);
    let chosen = f.status.trim();
    let body = html! {
        form #orders-filter method="get" action="/orders" {
            select #filter-status name="status" {
                option value="" { (t.any_status) }
                @for (s, label) in &statuses { option value=(s) selected[s == chosen] { (label) } }
                // A status typed into the address that the list does not name.
                @if !chosen.is_empty() && !statuses.iter().any(|(s, _)| s == chosen) {
                    option value=(chosen) selected { (chosen) }
                }
            }
            " "
            label { input #filter-unlinked type="checkbox" name="unlinked" value="1" checked[f.unlinked()]; " " (t.only_unlinked) }
            " "
            input #filter-search type="search" name="q" value=(f.q.trim()) placeholder=(t.search_hint);
            " " button #filter-submit type="submit" { (t.show) }
        }
        @if let Some(o) = &exact {
            p { (t.exact_id) }
            table #exact-order { (row(&visit, o)) }
        }
        @if orders.is_empty() { @if ended.is_none() && exact.is_none() { p #no-orders { (t.none) } } } @else {
            table #orders {
                tr {
                    th { "№" } th { (t.date) } th { (t.buyer) } th { (t.total) }
                    th { (t.status) } th { (t.prom_status) } th {}
                }
                @for o in &orders { (row(&visit, o)) }
            }
        }
        p {
            @if f.before.as_deref().is_some_and(|b| !b.trim().is_empty()) {
                a #newest href=(f.href(None)) { (t.newest) } " "
            }
            @if let Some(last) = older { a #older href=(f.href(Some(last))) { (t.older) } }
        }
        // The window was looked through before a page was found: say so, and go on.
        @if let (None, Some(end)) = (older, ended) {
            p #search-more { (t.search_window) }
            p { a #search-on href=(f.href(Some(end))) { (t.search_on) } }
        }
    };
    visit.finish(layout::page(&visit, t.orders, body).into_response())
}

fn row(visit: &Visit, o: &OrderView) -> Markup {
    let t = order_text::of(visit.lang);
    html! {
        tr.order id={ "order-" (o.prom_id) } {
            td { a href={ "/orders/" (o.prom_id) } { (o.prom_id) } }
            td { @if let Some(c) = o.created_at { (c.format("%Y-%m-%d %H:%M")) } }
            td { (o.buyer.client) }
            td { @if let Some(m) = &o.total { (money(m)) } }
            td.status { (o.status) @if o.status_pending { " " small { "(" (t.not_on_prom_yet) ")" } } }
            td.prom-status { (o.prom_status.as_deref().unwrap_or("—")) }
            td { @if o.has_unlinked_lines() { span.bad.unlinked { (t.unlinked_mark) } } }
        }
    }
}

/// The statuses `set_order_status` takes (the configuration's and the shop's), each
/// with the shop's title when it has one: (status, label).
pub(super) fn status_options(view: OrderStatusesView) -> Vec<(String, String)> {
    view.known
        .into_iter()
        .map(|s| {
            let title = view
                .statuses
                .iter()
                .find(|o| o.name.as_deref() == Some(s.as_str()))
                .and_then(|o| o.title.clone())
                .filter(|t| *t != s);
            let label = title.map_or_else(|| s.clone(), |t| format!("{s} — {t}"));
            (s, label)
        })
        .collect()
}

/// A sum as Prom.ua wrote it, with the order's currency when the text names none.
pub(super) fn money(m: &MoneyView) -> String {
    match &m.currency {
        Some(c) if !m.raw.contains(c.as_str()) => format!("{} {c}", m.raw),
        _ => m.raw.clone(),
    }
}

pub(super) fn failure(visit: &Visit, e: &BackofficeError) -> Response {
    let t = order_text::of(visit.lang);
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = html! { p.error { (e) } p { a href="/orders" { (t.to_list) } } };
    (status, layout::page(visit, t.orders, body)).into_response()
}
