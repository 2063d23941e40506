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
