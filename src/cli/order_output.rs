//! How orders print as text: the list's table, and one order as a seller fulfils it
//! (buyer, comment, delivery, payment, money, cancellation, lines, what it reserves).
//! A field Prom.ua sent nothing for is left out.

use chrono::Utc;

use super::output::or_dash;
use crate::backoffice::{MoneyView, OrderLineView, OrderView, SkuQuantity};

pub(super) fn orders_table(orders: &[OrderView]) -> String {
    let mut s = format!(
        "{:>12}  {:<20}  {:<12}  {:<12}  {:>5}  {}\n",
        "ORDER", "CREATED (UTC)", "STATUS", "PROM.UA", "LINES", "CLIENT"
    );
    for o in orders {
        s += &format!(
            "{:>12}  {:<20}  {:<12}  {:<12}  {:>5}  {}{}\n",
            o.prom_id,
            or_dash(
                o.created_at
                    .map(|t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S"))
            ),
            o.status,
            o.prom_status.as_deref().unwrap_or("-"),
            o.lines.len(),
            o.buyer.client,
            if o.has_unlinked_lines() {
                "  [unlinked lines]"
            } else {
                ""
            }
        );
    }
    s
}

/// A sum as Prom.ua wrote it, its spaces plain for a terminal, with the order's
/// currency when the text names none (a bare number).
fn money(m: &MoneyView) -> String {
    let text = m.raw.replace(['\u{a0}', '\u{202f}'], " ");
    match &m.currency {
        Some(c) if !text.contains(c.as_str()) => format!("{text} {c}"),
        _ => text,
    }
}

/// Lines of `label: value` for the values that are there.
struct Fields(String);

impl Fields {
    fn add(&mut self, label: &str, value: Option<impl AsRef<str>>) {
        if let Some(v) = value.as_ref().map(AsRef::as_ref)
            && !v.trim().is_empty()
        {
            self.0 += &format!("{:<12}{v}\n", format!("{label}:"));
        }
    }
}

/// Parts that are there, joined.
fn joined<'a>(parts: impl IntoIterator<Item = Option<&'a str>>, sep: &str) -> Option<String> {
    let parts: Vec<&str> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(sep))
}

pub(super) fn order_text(o: &OrderView) -> String {
    let d = &o.details;
    let mut f = Fields(String::new());
    f.add("order", Some(o.prom_id.to_string()));
    let pending = if o.status_pending {
        " (not yet on Prom.ua)"
    } else {
        ""
    };
    f.add("status", Some(format!("{}{pending}", o.status)));
    f.add(
        "Prom.ua",
        Some(match (&o.prom_status, &d.status_name) {
            (Some(s), Some(n)) => format!("{s} ({n})"),
            (s, _) => s.clone().unwrap_or_else(|| "-".into()),
        }),
    );
    let at = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
        t.map(|t| {
            t.with_timezone(&Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        })
    };
    f.add("created", at(o.created_at));
    f.add("changed", at(o.modified_at));
    f.add("source", d.source.as_deref());
    f.add("client", Some(&o.buyer.client));
    f.add("phone", o.buyer.phone.as_deref());
    f.add("email", o.buyer.email.as_deref());
    f.add("client id", d.buyer.client_id.map(|i| i.to_string()));
    f.add("comment", d.buyer.notes.as_deref());
    if d.buyer.dont_call_back == Some(true) {
        f.add("call back", Some("no, the buyer asked not to be called"));
    }
    delivery(&mut f, o);
    let p = &d.payment;
    f.add(
        "payment",
        joined(
            [
                p.option_name.as_deref(),
                p.kind.as_deref(),
                p.status.as_deref(),
            ],
            ", ",
        ),
    );
    sums(&mut f, o);
    if let Some(c) = &d.cancellation {
        let by = c.initiator.as_ref().map(|i| format!("by {i}"));
        f.add(
            "cancelled",
            joined(
                [
                    c.title.as_deref(),
                    by.as_deref(),
                    c.reason.as_deref(),
                    c.text.as_deref(),
                ],
                "; ",
            ),
        );
    }
    if let Some(u) = &d.utm {
        f.add(
            "utm",
            joined(
                [
                    u.source.as_deref(),
                    u.medium.as_deref(),
                    u.campaign.as_deref(),
                ],
                " / ",
            ),
        );
    }
    let mut s = f.0;
    for (i, l) in o.lines.iter().enumerate() {
        s += &line_text(i + 1, l);
    }
    s += &sku_quantities("reserves:  ", &o.reserved_by_sku);
    s += &sku_quantities("shipped:   ", &o.shipped_by_sku);
    s
}

fn delivery(f: &mut Fields, o: &OrderView) {
    let d = &o.details.delivery;
    let service = match (
        &d.option_name,
        d.provider.as_ref().or(d.shipping_service.as_ref()),
    ) {
        (Some(n), Some(p)) if n != p => Some(format!("{n} ({p})")),
        (n, p) => n.clone().or_else(|| p.cloned()),
    };
    f.add(
        "delivery",
        joined([service.as_deref(), d.kind.as_deref()], ", "),
    );
    f.add("address", d.address.as_deref());
    f.add("branch", d.recipient_warehouse_id.as_deref());
    f.add("waybill", d.declaration_number.as_deref());
    f.add("parcel", d.unified_status.as_deref());
    if let Some(r) = &d.recipient {
        let name = joined(
            [
                r.first_name.as_deref(),
                r.second_name.as_deref(),
                r.last_name.as_deref(),
            ],
            " ",
        );
        f.add(
            "recipient",
            joined([name.as_deref(), r.phone.as_deref()], ", "),
        );
    }
}

fn sums(f: &mut Fields, o: &OrderView) {
    let m = &o.details.money;
    f.add("total", o.total.as_ref().map(money));
    f.add("full price", m.full_price.as_ref().map(money));
    let offer = m.price_with_special_offer.as_ref().map(money);
    let discount = m
        .special_offer_discount
        .as_ref()
        .map(|d| format!("discount {}", money(d)));
    let code = m
        .special_offer_promocode
        .as_ref()
        .map(|c| format!("promo code {c}"));
    f.add(
        "offer",
        joined(
            [offer.as_deref(), discount.as_deref(), code.as_deref()],
            ", ",
        ),
    );
    let cost = m
        .delivery_cost
        .as_ref()
        .map(|c| match (&c.amount, &c.currency) {
            (Some(a), Some(cur)) => format!("{a} {cur}"),
            _ => money(c),
        });
    f.add("shipping", cost);
    if m.has_order_promo_free_delivery == Some(true) {
        f.add("free ship", Some("free delivery by a Prom.ua promotion"));
    }
    if let Some(c) = &m.cpa_commission {
        let refunded = (c.is_refunded == Some(true)).then_some("refunded");
        let amount = c.amount.as_ref().map(money);
        f.add("commission", joined([amount.as_deref(), refunded], ", "));
    }
}

fn line_text(n: usize, l: &OrderLineView) -> String {
    let local = match (&l.local_sku, l.product_id) {
        (Some(sku), _) => sku.clone(),
        (None, Some(id)) => format!("product {id}, removed"),
        (None, None) => "unlinked".into(),
    };
    let hand = if l.hand_linked { " (by hand)" } else { "" };
    let unit = l
        .measure_unit
        .as_ref()
        .map_or(String::new(), |u| format!(" {u}"));
    let price = match (&l.price, &l.total_price) {
        (Some(p), Some(t)) => format!("  at {} = {}", money(p), money(t)),
        (Some(p), None) => format!("  at {}", money(p)),
        (None, Some(t)) => format!("  = {}", money(t)),
        (None, None) => String::new(),
    };
    format!(
        "  #{n}  {}{unit} x {}  {}{price}  (Prom product {})  -> {local}{hand}\n",
        l.quantity,
        l.sku.as_deref().unwrap_or("-"),
        l.name,
        or_dash(l.prom_product_id),
    )
}

/// `label` and one local product's quantity a line, by SKU; nothing when there is none.
fn sku_quantities(label: &str, items: &[SkuQuantity]) -> String {
    let mut s = String::new();
    for (i, q) in items.iter().enumerate() {
        let sku = q
            .sku
            .clone()
            .unwrap_or_else(|| format!("product {}, removed", q.product_id));
        let label = if i == 0 { label } else { "           " };
        s += &format!("{label} {} x {sku}\n", q.quantity);
    }
    s
}
