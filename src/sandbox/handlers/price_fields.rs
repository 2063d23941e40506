//! The edit calls' `prices` (wholesale tiers) and `discount`: checked per item as Prom
//! describes them (prom-api.md §3.3, §3.4), kept on the product (as fields shown over its
//! JSON) and so returned by `products/list` and `products/{id}`.
//!
//! Lenient where the spec is unsure: a number sent as a numeric string is read (and kept
//! as a number); a discount's dates may be left out; `prices: []` clears the tiers and
//! `discount: null` removes the discount. Refused: anything not of these shapes, a price or
//! a discount value not above 0, a quantity not a whole number above 0, a percent of 100 or more,
//! an amount not below the price, a quantity twice, a larger quantity dearer, a type other than `amount`/`percent`, a date not `DD.MM.YYYY`, an end before the
//! start.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// The fields this file checks and keeps.
pub(super) const FIELDS: [&str; 2] = ["prices", "discount"];

/// Why `value` is not a valid `field` (`None`: valid, or not one of [`FIELDS`]), for a
/// product whose price is (or is being set to) `price`.
pub(super) fn refusal(field: &str, value: &Value, price: Option<Decimal>) -> Option<String> {
    match field {
        "prices" => normal_prices(value).err(),
        "discount" => normal_discount(value)
            .and_then(|d| amount_below(&d, price))
            .err(),
        _ => None,
    }
}

/// The price an item sets, else the product's: what its discount is judged against.
pub(super) fn price_of(item: &Map<String, Value>, held: Decimal) -> Decimal {
    item.get("price").and_then(number).unwrap_or(held)
}

/// An amount discount leaves something to pay (a tier at or above the price is accepted:
/// the spec is unsure whether Prom refuses it).
fn amount_below(d: &Value, price: Option<Decimal>) -> Result<(), String> {
    if d["type"] == "amount"
        && let (Some(v), Some(p)) = (number(&d["value"]), price)
        && v >= p
    {
        return Err(format!("discount.value: {v} не меньше цены {p}"));
    }
    Ok(())
}

/// After an item was accepted: keeps its `prices` and `discount`, normalised, among the
/// fields shown over the product.
pub(super) fn keep(raw: &mut Map<String, Value>, item: &Map<String, Value>) {
    if let Some(Ok(v)) = item.get("prices").map(normal_prices) {
        raw.insert("prices".into(), v);
    }
    if let Some(Ok(v)) = item.get("discount").map(normal_discount) {
        raw.insert("discount".into(), v);
    }
}

/// A number, or a string holding one.
fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_json(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn normal_prices(v: &Value) -> Result<Value, String> {
    let Value::Array(items) = v else {
        return Err(format!("Ожидается список цен: {v}"));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(o) = item.as_object() else {
            return Err(format!("prices[{i}]: ожидается объект"));
        };
        if let Some(k) = o
            .keys()
            .find(|k| *k != "price" && *k != "minimum_order_quantity")
        {
            return Err(format!("prices[{i}].{k}: Unknown field."));
        }
        let price = o.get("price").and_then(number);
        let Some(price) = price.filter(|p| *p > Decimal::ZERO) else {
            return Err(format!("prices[{i}].price: ожидается положительное число"));
        };
        let qty = o.get("minimum_order_quantity").and_then(number);
        let Some(qty) = qty.filter(|q| *q > Decimal::ZERO && q.fract().is_zero()) else {
            return Err(format!(
                "prices[{i}].minimum_order_quantity: ожидается целое число больше 0"
            ));
        };
        out.push((qty, price));
    }
    // Each quantity once, and a larger quantity never dearer.
    out.sort_by_key(|(q, _)| *q);
    for w in out.windows(2) {
        let ((q0, p0), (q1, p1)) = (w[0], w[1]);
        if q0 == q1 {
            return Err(format!("prices: minimum_order_quantity {q0} повторяется"));
        }
        if p1 > p0 {
            return Err(format!(
                "prices: цена от {q1} ({p1}) выше цены от {q0} ({p0})"
            ));
        }
    }
    let out = out
        .into_iter()
        .map(|(q, p)| json!({"price": as_json(p), "minimum_order_quantity": as_json(q)}))
        .collect();
    Ok(Value::Array(out))
}

fn day(o: &Map<String, Value>, key: &str) -> Result<Option<NaiveDate>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => NaiveDate::parse_from_str(s, "%d.%m.%Y")
            .map(Some)
            .map_err(|_| format!("discount.{key}: ожидается дата ДД.ММ.ГГГГ, не {s:?}")),
        Some(v) => Err(format!("discount.{key}: ожидается дата ДД.ММ.ГГГГ, не {v}")),
    }
}

fn normal_discount(v: &Value) -> Result<Value, String> {
    let o = match v {
        Value::Null => return Ok(Value::Null),
        Value::Object(o) => o,
        _ => return Err(format!("discount: ожидается объект или null, не {v}")),
    };
    if let Some(k) = o
        .keys()
        .find(|k| !["value", "type", "date_start", "date_end"].contains(&k.as_str()))
    {
        return Err(format!("discount.{k}: Unknown field."));
    }
    let Some(value) = o
        .get("value")
        .and_then(number)
        .filter(|v| *v > Decimal::ZERO)
    else {
        return Err("discount.value: ожидается положительное число".into());
    };
    let kind = o.get("type").and_then(Value::as_str);
    match kind {
        Some("amount") => {}
        Some("percent") if value < Decimal::ONE_HUNDRED => {}
        Some("percent") => return Err(format!("discount.value: {value}% не меньше 100")),
        _ => return Err("discount.type: ожидается amount или percent".into()),
    }
    let (start, end) = (day(o, "date_start")?, day(o, "date_end")?);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err("discount.date_end: раньше date_start".into());
    }
    let mut out = json!({"value": as_json(value), "type": kind});
    for (k, d) in [("date_start", start), ("date_end", end)] {
        if let Some(d) = d {
            out[k] = json!(d.format("%d.%m.%Y").to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal_(field: &str, v: &Value) -> Option<String> {
        refusal(field, v, Some(Decimal::ONE_HUNDRED))
    }

    #[test]
    fn shapes() {
        assert!(
            refusal_(
                "prices",
                &json!([{"price": 90, "minimum_order_quantity": 10}])
            )
            .is_none()
        );
        assert!(
            refusal_(
                "prices",
                &json!([{"price": "90.5", "minimum_order_quantity": "10"}])
            )
            .is_none()
        );
        assert!(refusal_("prices", &json!([])).is_none());
        assert!(refusal_("prices", &json!({"price": 90})).is_some());
        assert!(
            refusal_(
                "prices",
                &json!([{"price": -1, "minimum_order_quantity": 10}])
            )
            .is_some()
        );
        assert!(
            refusal_(
                "prices",
                &json!([{"price": 9, "minimum_order_quantity": 1.5}])
            )
            .is_some()
        );
        assert!(refusal_("prices", &json!([{"price": 9}])).is_some());
        assert!(refusal_("discount", &Value::Null).is_none());
        let ok = json!({"value": 10, "type": "percent", "date_start": "01.12.2026", "date_end": "31.12.2026"});
        assert!(refusal_("discount", &ok).is_none());
        assert!(refusal_("discount", &json!({"value": 10, "type": "gift"})).is_some());
        assert!(refusal_("discount", &json!({"value": 0, "type": "amount"})).is_some());
        assert!(refusal_("discount", &json!({"value": 101, "type": "percent"})).is_some());
        assert!(
            refusal_(
                "discount",
                &json!({"value": 5, "type": "amount", "date_end": "2026-12-31"})
            )
            .is_some()
        );
        assert!(refusal_("discount", &json!({"value": 100, "type": "percent"})).is_some());
        assert!(refusal_("discount", &json!({"value": 100, "type": "amount"})).is_some());
        assert!(refusal_("discount", &json!({"value": 99.99, "type": "amount"})).is_none());
        let twice = json!([{"price": 90, "minimum_order_quantity": 10}, {"price": 80, "minimum_order_quantity": 10}]);
        assert!(refusal_("prices", &twice).unwrap().contains("повторяется"));
        let dearer = json!([{"price": 80, "minimum_order_quantity": 10}, {"price": 90, "minimum_order_quantity": 50}]);
        assert!(refusal_("prices", &dearer).is_some());
        let back = json!({"value": 5, "type": "amount", "date_start": "02.12.2026", "date_end": "01.12.2026"});
        assert!(refusal_("discount", &back).is_some());
    }
}
