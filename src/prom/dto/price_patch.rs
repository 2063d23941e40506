//! The wholesale tiers (`prices`) and discount (`discount`) of a product edit, in Prom's
//! shapes (prom-api.md §3.3, §3.4): prices as JSON numbers, dates `DD.MM.YYYY`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// One item of `prices`: the price from a minimum order quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromTier {
    #[serde(serialize_with = "rust_decimal::serde::float::serialize")]
    pub price: Decimal,
    pub minimum_order_quantity: u32,
}

/// `discount`: a value of `type` `percent` or `amount`, between two dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromDiscount {
    #[serde(serialize_with = "rust_decimal::serde::float::serialize")]
    pub value: Decimal,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "prom_day")]
    pub date_start: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "prom_day")]
    pub date_end: Option<NaiveDate>,
}

/// A date as Prom writes a discount's: `22.03.2018`.
fn prom_day<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.format("%d.%m.%Y").to_string()),
        None => s.serialize_none(),
    }
}

/// A product's `prices` and `discount` as Prom.ua shows them (for drift checks), read
/// leniently: numbers or numeric text, dates `DD.MM.YYYY` (anything else is unreadable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ShownTier {
    pub price: Decimal,
    pub minimum_order_quantity: u32,
}

/// `discount` as shown: `Removed` for `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShownDiscount {
    Removed,
    Set {
        value: Decimal,
        kind: String,
        date_start: Option<NaiveDate>,
        date_end: Option<NaiveDate>,
    },
}

fn decimal(v: &serde_json::Value) -> Option<Decimal> {
    match v {
        serde_json::Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
        serde_json::Value::String(s) => s.trim().parse::<Decimal>().ok(),
        _ => None,
    }
    .map(|d| d.normalize())
}

/// `prices`: `null` reads as absent.
pub(super) fn read_tiers(v: &serde_json::Value) -> Result<Option<Vec<ShownTier>>, &'static str> {
    let items = match v {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Array(items) => items,
        _ => return Err("not a list of prices"),
    };
    items
        .iter()
        .map(|i| {
            let price = i
                .get("price")
                .and_then(decimal)
                .ok_or("a tier without a price")?;
            let q = i
                .get("minimum_order_quantity")
                .and_then(decimal)
                .filter(|q| q.fract().is_zero())
                .and_then(|q| u32::try_from(q).ok())
                .ok_or("a tier without a whole minimum_order_quantity")?;
            Ok(ShownTier {
                price,
                minimum_order_quantity: q,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `discount`: `null` is [`ShownDiscount::Removed`].
pub(super) fn read_discount(v: &serde_json::Value) -> Result<Option<ShownDiscount>, &'static str> {
    let o = match v {
        serde_json::Value::Null => return Ok(Some(ShownDiscount::Removed)),
        serde_json::Value::Object(o) => o,
        _ => return Err("not a discount"),
    };
    let value = o
        .get("value")
        .and_then(decimal)
        .ok_or("a discount without a value")?;
    let kind = o
        .get("type")
        .and_then(serde_json::Value::as_str)
        .ok_or("a discount without a type")?
        .to_string();
    let day = |k: &str| -> Result<Option<NaiveDate>, &'static str> {
        match o.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y")
                .map(Some)
                .map_err(|_| "a discount date not DD.MM.YYYY"),
            Some(_) => Err("a discount date not DD.MM.YYYY"),
        }
    };
    Ok(Some(ShownDiscount::Set {
        value,
        kind,
        date_start: day("date_start")?,
        date_end: day("date_end")?,
    }))
}
