//! One order as the seller fulfils it: its statuses and the form to change the local one,
//! the buyer, delivery, payment, money, cancellation, a timeline, its lines with their
//! link state (a form to link each unlinked one) and what it reserves and shipped. What
//! `orders show` prints, from the same `OrderView`; a field Prom sent nothing for is left
//! out.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use super::order_text::{self, OrderText};
use super::orders::{failure, money, status_options};
use super::{Console, LangQuery, Visit, layout, to_login};
use crate::backoffice::{BackofficeError, Ledger, OrderLineView, OrderView, SkuQuantity};

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = Visit::of(&console, &headers, &q);
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    visit.finish(answer(&console, &visit, &id, None).await)
}

/// An order id from the address: a malformed one is an order there is not.
pub(super) fn order_id(text: &str) -> Result<i64, BackofficeError> {
    text.parse()
        .map_err(|_| BackofficeError::NotFound(format!("no order {text}")))
}

/// The order's page, with `refused` (a form's refusal and its status) above it.
pub(super) async fn answer(
    console: &Console,
    visit: &Visit,
    id: &str,
    refused: Option<&BackofficeError>,
) -> Response {
    let found = async {
        let order = console.office.show_order(order_id(id)?).await?;
        let known = status_options(console.office.order_statuses().await?);
        Ok::<_, BackofficeError>((order, known))
    }
    .await;
    let (order, mut known) = match found {
        Ok(f) => f,
        Err(e) => return failure(visit, &e),
    };
    // What `set_order_status` takes: the known statuses and the order's own.
    for own in std::iter::once(&order.status).chain(&order.prom_status) {
        if !known.iter().any(|(s, _)| s == own) {
            known.push((own.clone(), own.clone()));
        }
    }
    let t = order_text::of(visit.lang);
    let title = format!("{} {}", t.order, order.prom_id);
    let body = html! {
        p { a #to-orders href="/orders" { (t.to_list) } }
        @if let Some(e) = refused { p.error #refusal { (e) } }
        (statuses(visit, &order, &known))
        (details(t, &order))
        (timeline(t, &order))
        (lines(visit, &order))
        (stock(t, &order))
    };
    let status = refused.map_or(StatusCode::OK, |e| {
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
    });
    (status, layout::page(visit, &title, body)).into_response()
}

fn statuses(visit: &Visit, o: &OrderView, known: &[(String, String)]) -> Markup {
    let t = order_text::of(visit.lang);
    let prom = match (&o.prom_status, &o.details.status_name) {
        (Some(s), Some(n)) => format!("{s} ({n})"),
        (s, _) => s.clone().unwrap_or_else(|| "—".into()),
    };
    html! {
        table #order-statuses {
            tr { th { (t.status) } td #status { (o.status) @if o.status_pending { " " small.pending { "(" (t.not_on_prom_yet) ")" } } } }
            tr { th { (t.prom_status) } td #prom-status { (prom) @if o.prom_status_unconfirmed { " " small { "(" (t.unconfirmed) ")" } } } }
            @if !o.statuses_sent.is_empty() {
                tr { th { (t.statuses_sent) } td #statuses-sent { (o.statuses_sent.join(", ")) } }
            }
        }
        form #status-form method="post" action={ "/orders/" (o.prom_id) "/status" } {
            input type="hidden" name="csrf" value=(visit.csrf());
            label for="status-select" { (t.new_status) } " "
            select #status-select name="status" {
                @for (s, label) in known { option value=(s) selected[*s == o.status] { (label) } }
            }
            " " button #status-submit type="submit" { (t.change_status) }
        }
    }
}

/// A row of label and value, when there is a value.
fn field(label: &str, value: Option<String>) -> Markup {
    html! {
        @if let Some(v) = value.filter(|v| !v.trim().is_empty()) { tr { th { (label) } td { (v) } } }
    }
}

/// The parts that are there, joined.
fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>, sep: &str) -> Option<String> {
    let parts: Vec<&str> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(sep))
}

fn details(t: &OrderText, o: &OrderView) -> Markup {
    let d = &o.details;
    let (dl, p, m) = (&d.delivery, &d.payment, &d.money);
    let service = match (
        &dl.option_name,
        dl.provider.as_ref().or(dl.shipping_service.as_ref()),
    ) {
        (Some(n), Some(p)) if n != p => Some(format!("{n} ({p})")),
        (n, p) => n.clone().or_else(|| p.cloned()),
    };
    let recipient = dl.recipient.as_ref().and_then(|r| {
        let name = joined(
            [
                r.first_name.as_deref(),
                r.second_name.as_deref(),
                r.last_name.as_deref(),
            ],
            " ",
        );
        joined([name.as_deref(), r.phone.as_deref()], ", ")
    });
    let discount = m
        .special_offer_discount
        .as_ref()
        .map(|d| format!("{} {}", t.discount, money(d)));
    let code = m
        .special_offer_promocode
        .as_ref()
        .map(|c| format!("{} {c}", t.promo_code));
    let offer = m.price_with_special_offer.as_ref().map(money);
    let commission = m.cpa_commission.as_ref().and_then(|c| {
        let amount = c.amount.as_ref().map(money);
        let refunded = (c.is_refunded == Some(true)).then_some(t.refunded);
        joined([amount.as_deref(), refunded], ", ")
    });
    let cancelled = d.cancellation.as_ref().and_then(|c| {
        joined(
            [
                c.title.as_deref(),
                c.initiator.as_deref(),
                c.reason.as_deref(),
                c.text.as_deref(),
            ],
            "; ",
        )
    });
    let utm = d.utm.as_ref().and_then(|u| {
        joined(
            [
                u.source.as_deref(),
                u.medium.as_deref(),
                u.campaign.as_deref(),
            ],
            " / ",
        )
    });
    html! {
        h2 { (t.buyer) }
        table #buyer {
            (field(t.buyer_name, Some(o.buyer.client.clone())))
            (field(t.phone, o.buyer.phone.clone()))
            (field(t.email, o.buyer.email.clone()))
            (field(t.client_id, d.buyer.client_id.map(|i| i.to_string())))
            (field(t.comment, d.buyer.notes.clone()))
            (field(t.dont_call, (d.buyer.dont_call_back == Some(true)).then(|| "✓".to_string())))
            (field(t.source, d.source.clone()))
        }
        h2 { (t.delivery) }
        table #delivery {
            (field(t.delivery, joined([service.as_deref(), dl.kind.as_deref()], ", ")))
            (field(t.address, dl.address.clone()))
            (field(t.branch, dl.recipient_warehouse_id.clone()))
            (field(t.waybill, dl.declaration_number.clone()))
            (field(t.parcel, dl.unified_status.clone()))
            (field(t.recipient, recipient))
        }
        h2 { (t.payment) " · " (t.money) }
        table #money {
            (field(t.payment, joined([p.option_name.as_deref(), p.kind.as_deref(), p.status.as_deref()], ", ")))
            (field(t.total, o.total.as_ref().map(money)))
            (field(t.full_price, m.full_price.as_ref().map(money)))
            (field(t.offer, joined([offer.as_deref(), discount.as_deref(), code.as_deref()], ", ")))
            (field(t.shipping, m.delivery_cost.as_ref().map(money)))
            (field(t.shipping, (m.has_order_promo_free_delivery == Some(true)).then(|| t.free_shipping.to_string())))
            (field(t.commission, commission))
            (field(t.cancelled, cancelled))
            (field(t.utm, utm))
        }
    }
}

fn timeline(t: &OrderText, o: &OrderView) -> Markup {
    let utc = |x: Option<DateTime<chrono::FixedOffset>>| x.map(|x| x.with_timezone(&Utc));
    let mut events: Vec<(DateTime<Utc>, &str)> = [
        (utc(o.created_at), t.created),
        (utc(o.modified_at), t.changed_on_prom),
        (Some(o.imported_at), t.imported),
        (o.status_changed_at, t.status_set_here),
        (Some(o.updated_at), t.updated),
    ]
    .into_iter()
    .filter_map(|(at, what)| at.map(|at| (at, what)))
    .collect();
    events.sort_by_key(|(at, _)| *at);
    html! {
        h2 { (t.timeline) }
        table #timeline {
            @for (at, what) in &events { tr { td { (at.format("%Y-%m-%d %H:%M:%S UTC")) } td { (what) } } }
        }
    }
}

fn lines(visit: &Visit, o: &OrderView) -> Markup {
    let t = order_text::of(visit.lang);
    html! {
        h2 { (t.lines) }
        table #lines {
            tr {
                th { "#" } th { "SKU" } th { (t.line_name) } th { (t.quantity) } th { (t.price) }
                th { (t.sum) } th { (t.prom_product) } th { (t.local_product) }
            }
            @for (i, l) in o.lines.iter().enumerate() { (line(visit, o.prom_id, i + 1, l)) }
        }
    }
}

fn line(visit: &Visit, order: i64, n: usize, l: &OrderLineView) -> Markup {
    let t = order_text::of(visit.lang);
    html! {
        tr.line id={ "line-" (n) } {
            td { (n) }
            td { (l.sku.as_deref().unwrap_or("—")) }
            td { @match &l.url { Some(u) if u.starts_with("https://") => { a href=(u) rel="noreferrer" { (l.name) } }, _ => (l.name) } }
            td { (l.quantity) @if let Some(u) = &l.measure_unit { " " (u) } }
            td { @if let Some(p) = &l.price { (money(p)) } }
            td { @if let Some(p) = &l.total_price { (money(p)) } }
            td { @if let Some(id) = l.prom_product_id { (id) } }
            td.link-state {
                @match (&l.local_sku, l.product_id) {
                    (Some(sku), _) => {
                        span.ok.linked { (sku) }
                        @if l.hand_linked { " " small { "(" (t.by_hand) ")" } }
                    },
                    (None, Some(id)) => { span.bad { "#" (id) " " (t.removed) } },
                    (None, None) => {
                        span.bad.unlinked { (t.unlinked) }
                        form id={ "link-line-" (n) } method="post" action={ "/orders/" (order) "/lines/" (n) } {
                            input type="hidden" name="csrf" value=(visit.csrf());
                            input id={ "link-line-" (n) "-sku" } type="text" name="sku" required size="12" placeholder=(t.local_sku_hint);
                            " " button id={ "link-line-" (n) "-submit" } type="submit" { (t.link) }
                        }
                    },
                }
            }
        }
    }
}

fn stock(t: &OrderText, o: &OrderView) -> Markup {
    let named = |q: &SkuQuantity| {
        let sku = q
            .sku
            .clone()
            .unwrap_or_else(|| format!("#{} {}", q.product_id, t.removed));
        format!("{} × {sku}", q.quantity)
    };
    let list = |items: &[SkuQuantity]| {
        (!items.is_empty()).then(|| items.iter().map(named).collect::<Vec<_>>().join(", "))
    };
    html! {
        h2 { (t.stock) }
        table #order-stock {
            (field(t.reserves, list(&o.reserved_by_sku)))
            (field(t.shipped, list(&o.shipped_by_sku)))
            (field(t.shipped, o.adopted_done.then(|| t.adopted_done.to_string())))
        }
    }
}
