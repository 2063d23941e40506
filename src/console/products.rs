//! Products: search by SKU or name, page by page, each with its stock per warehouse, its
//! price and link state; forms to set a warehouse's stock and the price. The writes go
//! through the back office as the API's do, journalled as the console's (actor `console`).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Console, Visit, check_post, layout, to_login};
use crate::backoffice::{BackofficeError, Ledger, PriceSet, ProductQuery, ProductView, StockSet};
use crate::store::Actor;

const PAGE: usize = 50;
/// Products a name search looks at per page (it has no index): at 100,000 products a
/// search with no match would otherwise read them all. `text.rs` names the figure.
pub(super) const NAME_SCAN: usize = 5_000;

#[derive(Deserialize, Default)]
pub(super) struct Search {
    #[serde(default)]
    q: String,
    /// `sku` (a prefix) or `name` (a part); none: SKU first, then name.
    by: Option<String>,
    /// A product id, read by hand ([`super::rejected::number`]).
    after: Option<String>,
    lang: Option<String>,
}

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(s): Query<Search>,
) -> Response {
    let visit = Visit::of(
        &console,
        &headers,
        &super::LangQuery {
            lang: s.lang.clone(),
        },
    );
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    let after = match super::rejected::number::<u64>(&visit, "after", s.after.as_deref()) {
        Ok(a) => a,
        Err(e) => return visit.finish(failure(&visit, &e)),
    };
    let q = s.q.trim().to_string();
    let query = |by: &str| ProductQuery {
        sku: (by == "sku" && !q.is_empty()).then(|| q.clone()),
        name: (by == "name" && !q.is_empty()).then(|| q.clone()),
        after,
        limit: Some(PAGE),
        scan: (by == "name").then_some(NAME_SCAN),
        ..Default::default()
    };
    let office = &console.office;
    let found = async {
        // Only the two searches there are: any other `by` is the SKU search.
        let asked = s.by.as_deref().filter(|b| *b == "sku" || *b == "name");
        let mut by = asked.unwrap_or("sku").to_string();
        let mut page = office.list_products(&query(&by)).await?;
        if asked.is_none() && page.products.is_empty() && !q.is_empty() {
            by = "name".into();
            page = office.list_products(&query(&by)).await?;
        }
        Ok::<_, BackofficeError>((by, page))
    }
    .await;
    let (by, page) = match found {
        Ok(f) => f,
        Err(e) => return visit.finish(failure(&visit, &e)),
    };
    let t = visit.lang.text();
    let warehouses = office.known_warehouses();
    let body = html! {
        form method="get" action="/products" {
            input type="search" name="q" value=(q) placeholder=(t.search_hint);
            " " button type="submit" { (t.search) }
        }
        @if page.products.is_empty() { @if page.next_after.is_none() { p { (t.nothing_found) } } } @else {
            table {
                tr {
                    th { "SKU" } th { (t.name) } th { (t.stock) } th { (t.price) } th { (t.link) }
                }
                @for p in &page.products { (row(&visit, p, &warehouses)) }
            }
        }
        @if let Some(next) = page.next_after {
            // A page not full yet continued: the name search stopped at its window.
            @if page.products.len() < PAGE { p.more { (t.scan_more) } }
            p { a href={ "/products?q=" (encode(&q)) "&by=" (by) "&after=" (next) } {
                @if page.products.len() < PAGE { (t.search_on) } @else { (t.next_page) }
            } }
        }
    };
    visit.finish(layout::page(&visit, t.products, body).into_response())
}

fn row(visit: &Visit, p: &ProductView, warehouses: &[String]) -> Markup {
    let t = visit.lang.text();
    let sku = &p.product.sku;
    html! {
        tr.product {
            td.sku { (sku) }
            td { (p.product.name) }
            td {
                @for (w, n) in &p.stock { span.stock { (w) ": " (n) } br; }
                form method="post" action="/products/stock" {
                    input type="hidden" name="csrf" value=(visit.csrf());
                    input type="hidden" name="sku" value=(sku);
                    select name="warehouse" { @for w in warehouses { option { (w) } } }
                    input type="number" name="quantity" min="0" required size="6";
                    button type="submit" { (t.set) }
                }
            }
            td {
                span.price { @if let Some(price) = p.product.price { (price) " " (p.product.currency.as_deref().unwrap_or("")) } }
                form method="post" action="/products/price" {
                    input type="hidden" name="csrf" value=(visit.csrf());
                    input type="hidden" name="sku" value=(sku);
                    input type="text" name="price" inputmode="decimal" required size="8";
                    button type="submit" { (t.set) }
                }
            }
            td.link { @match p.prom_id { Some(id) => { (t.linked) " " (id) }, None => (t.not_linked) } }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct StockForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    warehouse: String,
    #[serde(default)]
    quantity: String,
}

pub(super) async fn set_stock(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<StockForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let quantity = match f.quantity.trim().parse::<u32>() {
        Ok(q) => i64::from(q),
        Err(_) => {
            let e = BackofficeError::Invalid(format!(
                "quantity: `{}` is not a whole number of 0 or more",
                f.quantity.trim()
            ));
            return failure(&visit, &e);
        }
    };
    let req = StockSet {
        warehouse: f.warehouse,
        quantity,
        reason: None,
    };
    match console
        .office
        .acting_as(Actor::Console)
        .set_stock(&f.sku, &req)
        .await
    {
        Ok(_) => back_to(&f.sku),
        Err(e) => failure(&visit, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct PriceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
}

pub(super) async fn set_price(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<PriceForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    // A comma is the decimal separator Ukrainian sellers type.
    let text = f.price.trim().replace(',', ".");
    let price = match text.parse::<Decimal>() {
        Ok(p) if p >= Decimal::ZERO => p,
        _ => {
            let e = BackofficeError::Invalid(format!(
                "price: `{}` is not an amount of 0 or more",
                f.price.trim()
            ));
            return failure(&visit, &e);
        }
    };
    let req = PriceSet {
        price,
        currency: None,
    };
    match console
        .office
        .acting_as(Actor::Console)
        .set_price(&f.sku, &req)
        .await
    {
        Ok(_) => back_to(&f.sku),
        Err(e) => failure(&visit, &e),
    }
}

/// After a write: the product's row, found again by its SKU.
fn back_to(sku: &str) -> Response {
    Redirect::to(&format!("/products?by=sku&q={}", encode(sku))).into_response()
}

/// Percent-encodes a query value or a path segment.
pub(super) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn failure(visit: &Visit, e: &BackofficeError) -> Response {
    let t = visit.lang.text();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = html! { p.error { (e) } p { a href="/products" { (t.back) } } };
    (status, layout::page(visit, t.products, body)).into_response()
}
