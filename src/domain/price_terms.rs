//! Wholesale tiers and discounts as the back office keeps them (local money, before the
//! price rules), the checks every way in (CLI, admin API, CSV) shares, and their text
//! forms: `10=95.50;50=90` for tiers, `10%` or `50` for a discount's value.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A price for orders of at least `min_quantity` (Prom's `prices[]` item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub min_quantity: u32,
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscountKind {
    Percent,
    Amount,
}

impl DiscountKind {
    /// The word Prom uses (`discount.type`).
    pub fn prom_word(self) -> &'static str {
        match self {
            DiscountKind::Percent => "percent",
            DiscountKind::Amount => "amount",
        }
    }

    /// The kind for Prom's word (`None`: a type we do not know).
    pub fn from_prom_word(word: &str) -> Option<Self> {
        match word {
            "percent" => Some(DiscountKind::Percent),
            "amount" => Some(DiscountKind::Amount),
            _ => None,
        }
    }
}

/// A discount: a percent of the price, or an amount of local money off it, between two
/// dates (both included; either may be open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    pub kind: DiscountKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

impl Discount {
    /// Over: its last day is before `today`.
    pub fn ended(&self, today: NaiveDate) -> bool {
        self.until.is_some_and(|u| u < today)
    }
}

/// A discount's value as typed: `10%` or `50` (the CSV cell, the CLI argument).
pub fn discount_value_text(value: Decimal, kind: DiscountKind) -> String {
    match kind {
        DiscountKind::Percent => format!("{}%", value.normalize()),
        DiscountKind::Amount => value.normalize().to_string(),
    }
}

/// `10%` or `50 off`, then its dates: the one text of a discount for people.
impl fmt::Display for Discount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&discount_value_text(self.value, self.kind))?;
        if self.kind == DiscountKind::Amount {
            f.write_str(" off")?;
        }
        if let Some(d) = self.from {
            write!(f, " from {d}")?;
        }
        if let Some(d) = self.until {
            write!(f, " until {d}")?;
        }
        Ok(())
    }
}

/// Tiers as text: `10=95.5;50=90` (sorted by quantity; empty for none).
pub fn tiers_text(tiers: &[Tier]) -> String {
    tiers
        .iter()
        .map(|t| format!("{}={}", t.min_quantity, t.price.normalize()))
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads `QTY=PRICE` items (separated by `;`, spaces around anything ignored) into tiers
/// sorted by quantity; checks each item alone (see [`check_tiers`] for the rest).
pub fn parse_tiers<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<Tier>, String> {
    let mut out = Vec::new();
    for item in items.into_iter().flat_map(|s| s.split(';')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((q, p)) = item.split_once('=') else {
            return Err(format!(
                "tier `{item}` is not QUANTITY=PRICE (e.g. 10=95.50)"
            ));
        };
        let q = q.trim();
        let min_quantity: u32 = q
            .parse()
            .map_err(|_| format!("tier `{item}`: the quantity `{q}` is not a whole number"))?;
        let p = p.trim();
        let price: Decimal = p
            .parse()
            .map_err(|_| format!("tier `{item}`: the price `{p}` is not a number"))?;
        out.push(Tier {
            min_quantity,
            price: price.normalize(),
        });
    }
    out.sort_by_key(|t| t.min_quantity);
    Ok(out)
}

/// Tiers are discounts for volume: each from a quantity of at least 2, each quantity once,
/// each price above 0 and below the base price ("never a tier above the base price"), a
/// larger quantity cheaper than a smaller one.
pub fn check_tiers(base: Option<Decimal>, tiers: &[Tier]) -> Result<(), String> {
    if tiers.is_empty() {
        return Ok(());
    }
    let Some(base) = base else {
        return Err("a product without a price cannot have tiers: set its price first".into());
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut sorted: Vec<&Tier> = tiers.iter().collect();
    sorted.sort_by_key(|t| t.min_quantity);
    for w in sorted.windows(2) {
        if w[0].min_quantity != w[1].min_quantity && w[1].price >= w[0].price {
            return Err(format!(
                "tier {}={}: a larger quantity must cost less than {}={}",
                w[1].min_quantity, w[1].price, w[0].min_quantity, w[0].price
            ));
        }
    }
    for t in tiers {
        if t.min_quantity < 2 {
            return Err(format!(
                "tier {}={}: the quantity must be at least 2 (quantity 1 is the base price)",
                t.min_quantity, t.price
            ));
        }
        if !seen.insert(t.min_quantity) {
            return Err(format!("the quantity {} has two tiers", t.min_quantity));
        }
        if t.price <= Decimal::ZERO {
            return Err(format!(
                "tier {}={}: the price must be above 0",
                t.min_quantity, t.price
            ));
        }
        if t.price >= base {
            return Err(format!(
                "tier {}={}: a tier's price must be below the base price {base}",
                t.min_quantity, t.price
            ));
        }
    }
    Ok(())
}

/// Reads a discount's value: `10%` (percent) or `50` (an amount of local money).
pub fn parse_discount_value(text: &str) -> Result<(Decimal, DiscountKind), String> {
    let t = text.trim();
    let (num, kind) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), DiscountKind::Percent),
        None => (t, DiscountKind::Amount),
    };
    let value: Decimal = num
        .parse()
        .map_err(|_| format!("the discount `{t}` is not a number or a percent (e.g. 10% or 50)"))?;
    Ok((value.normalize(), kind))
}

/// Reads a date as the user types it: `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{}` is not a date YYYY-MM-DD", text.trim()))
}

/// Why a discount is refused: its value, or its dates (each way in names the place: a
/// CSV column, a flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscountError {
    Value(String),
    Dates(String),
}

impl fmt::Display for DiscountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscountError::Value(m) | DiscountError::Dates(m) => f.write_str(m),
        }
    }
}

impl From<DiscountError> for String {
    fn from(e: DiscountError) -> String {
        e.to_string()
    }
}

/// The earliest date it is anywhere now (UTC-12): an end before it is over in every
/// zone, whatever the daemon's. Input is checked against it, not the daemon's zone,
/// which the back office does not know.
pub fn earliest_today() -> NaiveDate {
    (chrono::Utc::now() - chrono::Duration::hours(12)).date_naive()
}

/// A discount given now may not have ended already (by [`earliest_today`]).
pub fn check_not_over(d: &Discount, today: NaiveDate) -> Result<(), DiscountError> {
    match d.until {
        Some(u) if u < today => Err(DiscountError::Dates(format!(
            "the discount ends on {u}, which is already past"
        ))),
        _ => Ok(()),
    }
}

/// A percent strictly between 0 and 100; an amount above 0 and below the base price; an
/// end not before the start.
pub fn check_discount(base: Option<Decimal>, d: &Discount) -> Result<(), DiscountError> {
    // Prom.ua takes money and percents in cents: a third decimal would be rounded there.
    if d.value.normalize().scale() > 2 {
        return Err(DiscountError::Value(format!(
            "the discount {} has more than 2 decimal places",
            d.value.normalize()
        )));
    }
    match d.kind {
        DiscountKind::Percent => {
            if d.value <= Decimal::ZERO || d.value >= Decimal::ONE_HUNDRED {
                return Err(DiscountError::Value(format!(
                    "a percent discount must be above 0 and below 100, not {}",
                    d.value
                )));
            }
        }
        DiscountKind::Amount => {
            if d.value <= Decimal::ZERO {
                return Err(DiscountError::Value(format!(
                    "a discount must be above 0, not {}",
                    d.value
                )));
            }
            let Some(base) = base else {
                return Err(DiscountError::Value(
                    "a product without a price cannot have an amount discount: set its price first"
                        .into(),
                ));
            };
            // At least a cent left to pay: Prom.ua never shows a price of 0.
            if base - d.value < Decimal::new(1, 2) {
                return Err(DiscountError::Value(format!(
                    "a discount of {} leaves less than 0.01 of the price {base}",
                    d.value
                )));
            }
        }
    }
    if let (Some(from), Some(until)) = (d.from, d.until)
        && until < from
    {
        return Err(DiscountError::Dates(format!(
            "the discount ends ({until}) before it starts ({from})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn tiers_read_leniently_and_check_strictly() {
        let t = parse_tiers([" 50 = 90 ; 10=95.50 ;"]).unwrap();
        assert_eq!(tiers_text(&t), "10=95.5;50=90");
        assert!(check_tiers(Some(d("100")), &t).is_ok());
        assert!(
            check_tiers(Some(d("95.5")), &t)
                .unwrap_err()
                .contains("below the base")
        );
        assert!(check_tiers(None, &t).is_err());
        let one = parse_tiers(["1=90"]).unwrap();
        assert!(
            check_tiers(Some(d("100")), &one)
                .unwrap_err()
                .contains("at least 2")
        );
        let dearer = parse_tiers(["10=90", "50=95"]).unwrap();
        assert!(
            check_tiers(Some(d("100")), &dearer)
                .unwrap_err()
                .contains("must cost less")
        );
        let same = parse_tiers(["10=90", "50=90"]).unwrap();
        assert!(check_tiers(Some(d("100")), &same).is_err());
        let dup = parse_tiers(["10=90", "10=80"]).unwrap();
        assert!(
            check_tiers(Some(d("100")), &dup)
                .unwrap_err()
                .contains("two tiers")
        );
        let neg = parse_tiers(["10=-1"]).unwrap();
        assert!(
            check_tiers(Some(d("100")), &neg)
                .unwrap_err()
                .contains("above 0")
        );
        assert!(parse_tiers(["x=1"]).unwrap_err().contains("whole number"));
        assert!(parse_tiers(["-3=1"]).is_err());
        assert!(parse_tiers(["10"]).is_err());
    }

    #[test]
    fn discounts_are_checked() {
        let disc = |v: &str, until: Option<&str>| {
            let (value, kind) = parse_discount_value(v).unwrap();
            Discount {
                value,
                kind,
                from: Some(parse_day("2026-12-01").unwrap()),
                until: until.map(|u| parse_day(u).unwrap()),
            }
        };
        assert!(check_discount(Some(d("100")), &disc("10%", Some("2026-12-31"))).is_ok());
        assert!(check_discount(Some(d("100")), &disc("100%", None)).is_err());
        assert!(check_discount(Some(d("100")), &disc("0%", None)).is_err());
        assert!(check_discount(Some(d("100")), &disc("100", None)).is_err());
        assert!(check_discount(Some(d("100")), &disc("50", None)).is_ok());
        assert!(check_discount(Some(d("100")), &disc("99.99", None)).is_ok());
        assert!(check_discount(Some(d("100")), &disc("99.999", None)).is_err());
        assert!(check_discount(Some(d("100.001")), &disc("100", None)).is_err());
        assert!(check_discount(Some(d("100")), &disc("10.125%", None)).is_err());
        assert!(check_discount(Some(d("100")), &disc("10.50%", None)).is_ok());
        assert!(check_discount(Some(d("100")), &disc("5", Some("2026-11-30"))).is_err());
        assert!(parse_discount_value("ten").is_err());
        assert!(parse_day("01.12.2026").is_err());
    }
}
