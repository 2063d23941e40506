//! Orders as CSV for a spreadsheet: a row per order line (an order without lines has one
//! row, its line columns empty), the columns in one table. UTF-8 with a BOM, so that
//! Excel reads Cyrillic names right; `,` between fields, quoted where needed, as the
//! product exports. Times in UTC as `YYYY-MM-DD HH:MM:SS`, which spreadsheets read as
//! dates; money as decimal amounts (the text Prom.ua sent when it holds no number).
//! Buyers write names and comments: a cell a spreadsheet would run as a formula gets a
//! leading `'`.

use chrono::{DateTime, FixedOffset, Utc};

use super::{BackofficeError, MoneyView, OrderLineView, OrderView, Result};

/// What a row shows: an order, and one of its lines (`None` for an order without lines).
pub(super) struct Row<'a> {
    order: &'a OrderView,
    /// (line number from 1, the line).
    line: Option<(usize, &'a OrderLineView)>,
}

/// A column: its header, and what it shows of a row.
type Column = (&'static str, fn(&Row<'_>) -> String);

/// The columns, in order. A new order detail is one line here.
const COLUMNS: &[Column] = &[
    ("order_id", |r| r.order.prom_id.to_string()),
    ("created_utc", |r| utc(r.order.created_at)),
    ("modified_utc", |r| utc(r.order.modified_at)),
    ("status", |r| r.order.status.clone()),
    ("prom_status", |r| opt(&r.order.prom_status)),
    ("status_pending", |r| yes_no(r.order.status_pending)),
    ("client", |r| r.order.buyer.client.clone()),
    ("phone", |r| opt(&r.order.buyer.phone)),
    ("email", |r| opt(&r.order.buyer.email)),
    ("total", |r| amount(r.order.total.as_ref())),
    ("currency", |r| currency(r)),
    ("status_name", |r| opt(&r.order.details.status_name)),
    ("source", |r| opt(&r.order.details.source)),
    ("client_id", |r| num(r.order.details.buyer.client_id)),
    ("client_notes", |r| opt(&r.order.details.buyer.notes)),
    ("delivery_option", |r| {
        opt(&r.order.details.delivery.option_name)
    }),
    ("delivery_provider", |r| {
        opt(&r.order.details.delivery.provider)
    }),
    ("delivery_type", |r| opt(&r.order.details.delivery.kind)),
    ("delivery_address", |r| {
        opt(&r.order.details.delivery.address)
    }),
    ("recipient_branch", |r| {
        opt(&r.order.details.delivery.recipient_warehouse_id)
    }),
    ("declaration_number", |r| {
        opt(&r.order.details.delivery.declaration_number)
    }),
    ("delivery_cost", |r| {
        amount(r.order.details.money.delivery_cost.as_ref())
    }),
    ("payment_option", |r| {
        opt(&r.order.details.payment.option_name)
    }),
    ("payment_status", |r| opt(&r.order.details.payment.status)),
    ("full_price", |r| {
        amount(r.order.details.money.full_price.as_ref())
    }),
    ("price_with_special_offer", |r| {
        amount(r.order.details.money.price_with_special_offer.as_ref())
    }),
    ("special_offer_discount", |r| {
        amount(r.order.details.money.special_offer_discount.as_ref())
    }),
    ("special_offer_promocode", |r| {
        opt(&r.order.details.money.special_offer_promocode)
    }),
    ("cpa_commission", |r| {
        let c = r.order.details.money.cpa_commission.as_ref();
        amount(c.and_then(|c| c.amount.as_ref()))
    }),
    ("cancellation_reason", |r| {
        let c = r.order.details.cancellation.as_ref();
        opt(&c.and_then(|c| c.reason.clone().or_else(|| c.title.clone())))
    }),
    ("cancellation_text", |r| {
        let c = r.order.details.cancellation.as_ref();
        opt(&c.and_then(|c| c.text.clone()))
    }),
    ("line", |r| line(r, |(n, _)| n.to_string())),
    ("prom_product_id", |r| {
        line(r, |(_, l)| l.prom_product_id.map(|i| i.to_string()))
    }),
    ("sku", |r| line(r, |(_, l)| opt(&l.sku))),
    ("name", |r| line(r, |(_, l)| l.name.clone())),
    ("quantity", |r| {
        line(r, |(_, l)| l.quantity.normalize().to_string())
    }),
    ("price", |r| line(r, |(_, l)| amount(l.price.as_ref()))),
    ("line_total", |r| {
        line(r, |(_, l)| amount(l.total_price.as_ref()))
    }),
    ("hand_linked", |r| line(r, |(_, l)| yes_no(l.hand_linked))),
    ("local_sku", |r| line(r, |(_, l)| opt(&l.local_sku))),
];

/// The header row, as a reader of the file expects it.
#[cfg(test)]
pub(super) fn headers() -> Vec<&'static str> {
    COLUMNS.iter().map(|(h, _)| *h).collect()
}

/// The whole file.
pub(super) fn write(orders: &[OrderView]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| BackofficeError::Invalid(e.to_string());
    w.write_record(COLUMNS.iter().map(|(h, _)| *h))
        .map_err(csv_err)?;
    for order in orders {
        let rows: Vec<Row<'_>> = if order.lines.is_empty() {
            vec![Row { order, line: None }]
        } else {
            (order.lines.iter().enumerate())
                .map(|(i, l)| Row {
                    order,
                    line: Some((i + 1, l)),
                })
                .collect()
        };
        for row in &rows {
            w.write_record(COLUMNS.iter().map(|(_, value)| inert(value(row))))
                .map_err(csv_err)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| BackofficeError::Invalid(e.to_string()))?;
    let text = String::from_utf8(bytes).expect("UTF-8 in, UTF-8 out");
    Ok(format!("\u{FEFF}{text}"))
}

/// The text, with a `'` before it if a spreadsheet would take it for a formula: it
/// starts with `=`, `@`, a tab or a return, or with `+`/`-` before anything but a plain
/// number (`-5`, `+380671112233`). `-2-3` or `+38 (067) 111-22-33` would be computed.
pub(super) fn inert(text: String) -> String {
    let plain_number = |rest: &str| {
        let mut parts = rest.splitn(2, ['.', ',']);
        let whole = parts.next().unwrap_or_default();
        let frac = parts.next();
        !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit())
            && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
    };
    let formula = match text.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some(c @ ('+' | '-')) => !plain_number(&text[c.len_utf8()..]),
        _ => false,
    };
    if formula { format!("'{text}") } else { text }
}

/// A line column: empty on the row of an order without lines.
fn line<T: Into<Option<String>>>(
    r: &Row<'_>,
    value: impl Fn((usize, &OrderLineView)) -> T,
) -> String {
    r.line.and_then(|l| value(l).into()).unwrap_or_default()
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn utc(t: Option<DateTime<FixedOffset>>) -> String {
    t.map(|t| {
        t.with_timezone(&Utc)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_default()
}

/// The amount; the text as Prom.ua sent it when that holds no number.
fn amount(m: Option<&MoneyView>) -> String {
    match m {
        Some(MoneyView {
            amount: Some(a), ..
        }) => a.to_string(),
        Some(m) => m.raw.clone(),
        None => String::new(),
    }
}

/// The order's currency, else its line's.
fn currency(r: &Row<'_>) -> String {
    let of = |m: Option<&MoneyView>| m.and_then(|m| m.currency.clone());
    of(r.order.total.as_ref())
        .or_else(|| r.line.and_then(|(_, l)| of(l.price.as_ref())))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoffice::BuyerView;
    use crate::domain::Money;

    fn order(id: i64, lines: Vec<OrderLineView>) -> OrderView {
        let mut o = OrderView::from(crate::store::LocalOrder {
            prom_id: id,
            status: "pending".into(),
            client: "Олена Коваленко".into(),
            phone: Some("+380671112233".into()),
            imported_at: Utc::now(),
            updated_at: Utc::now(),
            ..Default::default()
        });
        o.buyer = BuyerView {
            email: Some("o@example.com".into()),
            ..o.buyer
        };
        o.created_at = DateTime::parse_from_rfc3339("2025-03-01T10:20:30+02:00").ok();
        o.total = Some(MoneyView::of(&Money::parse("6 678,50 грн"), None));
        o.lines = lines;
        o
    }

    fn line(name: &str, local: Option<&str>) -> OrderLineView {
        OrderLineView {
            prom_product_id: Some(77),
            sku: Some("A-1".into()),
            name: name.into(),
            quantity: "2.000".parse().unwrap(),
            price: Some(MoneyView::of(&Money::parse("399.00 грн"), None)),
            product_id: local.map(|_| 5),
            local_sku: local.map(String::from),
            measure_unit: None,
            total_price: Some(MoneyView::of(&Money::parse("798 грн"), None)),
            external_id: None,
            image: None,
            url: None,
            hand_linked: local.is_some(),
        }
    }

    #[test]
    fn a_row_per_line_with_a_bom_and_the_order_repeated() {
        let text = write(&[
            order(
                2,
                vec![line("Чохол, \"шкіра\"", Some("L-1")), line("Скло", None)],
            ),
            order(1, vec![]),
        ])
        .unwrap();
        let body = text.strip_prefix('\u{FEFF}').expect("a BOM");
        let mut r = csv::Reader::from_reader(body.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), headers());
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 3);
        let col = |row: &csv::StringRecord, h: &str| {
            row[headers().iter().position(|x| *x == h).unwrap()].to_string()
        };
        assert_eq!(col(&rows[0], "order_id"), "2");
        assert_eq!(col(&rows[0], "created_utc"), "2025-03-01 08:20:30");
        assert_eq!(col(&rows[0], "total"), "6678.50");
        assert_eq!(col(&rows[0], "currency"), "грн");
        assert_eq!(col(&rows[0], "name"), "Чохол, \"шкіра\"");
        assert_eq!(col(&rows[0], "quantity"), "2");
        assert_eq!(col(&rows[0], "price"), "399.00");
        assert_eq!(col(&rows[0], "local_sku"), "L-1");
        assert_eq!(col(&rows[0], "line_total"), "798");
        assert_eq!(col(&rows[0], "hand_linked"), "yes");
        assert_eq!(col(&rows[1], "line"), "2");
        assert_eq!(col(&rows[1], "local_sku"), "");
        assert_eq!(col(&rows[1], "email"), "o@example.com");
        // An order without lines: its own columns, the line's empty.
        assert_eq!(col(&rows[2], "order_id"), "1");
        assert_eq!(col(&rows[2], "client"), "Олена Коваленко");
        assert_eq!(col(&rows[2], "line"), "");
        assert_eq!(col(&rows[2], "sku"), "");
    }

    #[test]
    fn what_a_spreadsheet_would_run_is_made_inert() {
        for (text, cell) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+A1*2", "'+A1*2"),
            ("-", "'-"),
            ("+380671112233", "+380671112233"),
            ("+38 (067) 111-22-33", "'+38 (067) 111-22-33"),
            ("-2-3", "'-2-3"),
            ("-(1)-(2)", "'-(1)-(2)"),
            ("-5", "-5"),
            ("-12.50", "-12.50"),
            ("-1,5", "-1,5"),
            ("+1.", "'+1."),
            ("Олена", "Олена"),
            ("", ""),
        ] {
            assert_eq!(inert(text.into()), cell, "{text}");
        }
    }

    #[test]
    fn money_without_a_number_keeps_its_text() {
        let mut o = order(1, vec![]);
        o.total = Some(MoneyView::of(&Money::parse("договірна"), None));
        assert_eq!(amount(o.total.as_ref()), "договірна");
        assert_eq!(amount(None), "");
    }
}
