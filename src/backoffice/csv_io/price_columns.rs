//! The products file's optional tier and discount columns: `tiers` (`10=95.50;50=90`),
//! `discount` (`10%` or `50`), `discount_from` and `discount_until` (YYYY-MM-DD). A column
//! the file does not have leaves that part as it is; a blank cell clears it (so a file
//! exported and imported again changes nothing). Lenient on spaces, strict on values: each
//! bad cell is an error naming its row and column, and nothing of the file is applied.

use rust_decimal::Decimal;

use super::RowErrors;
use super::read::Row;
use crate::domain::Discount;
use crate::domain::price_terms::{
    DiscountError, check_discount, check_not_over, check_tiers, discount_value_text,
    earliest_today, parse_day, parse_discount_value, parse_tiers, tiers_text,
};
use crate::store::{ExtrasChange, PriceExtras};

/// The row's change of tiers and discount, checked against `price` (the row's, else the
/// product's) and the discount the product `held`; errors go to `errors`.
pub(super) fn extras(
    v: &Row,
    price: Option<Decimal>,
    held: Option<&Discount>,
    errors: &mut RowErrors,
) -> ExtrasChange {
    let row = v.row;
    let mut change = ExtrasChange::default();
    if let Some(text) = v.get("tiers") {
        match parse_tiers([text]).and_then(|t| check_tiers(price, &t).map(|()| t)) {
            Ok(t) => change.tiers = Some(t),
            Err(m) => errors.add(row, "tiers", m),
        }
    }
    let cell = |f: &str| v.get(f).map(str::trim).filter(|s| !s.is_empty());
    let day = |f: &str, errors: &mut RowErrors| match cell(f).map(parse_day) {
        Some(Err(m)) => {
            errors.add(row, f, m);
            None
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let (from, until) = (day("discount_from", errors), day("discount_until", errors));
    match cell("discount") {
        Some(text) => match parse_discount_value(text) {
            Ok((value, kind)) => {
                let d = Discount {
                    value,
                    kind,
                    from,
                    until,
                };
                // An ended discount the product holds already (a file exported and
                // imported again) is kept; a new one may not be over.
                let checked = check_discount(price, &d).and_then(|()| {
                    if held == Some(&d) {
                        Ok(())
                    } else {
                        check_not_over(&d, earliest_today())
                    }
                });
                match checked {
                    Ok(()) => change.discount = Some(Some(d)),
                    Err(e @ DiscountError::Dates(_)) => {
                        errors.add(row, "discount_until", e.to_string())
                    }
                    Err(e @ DiscountError::Value(_)) => errors.add(row, "discount", e.to_string()),
                }
            }
            Err(m) => errors.add(row, "discount", m),
        },
        None => {
            for f in ["discount_from", "discount_until"] {
                if cell(f).is_some() {
                    errors.add(
                        row,
                        f,
                        "a date without a discount (the discount cell is blank)",
                    );
                }
            }
            if v.get("discount").is_some() {
                change.discount = Some(None);
            }
        }
    }
    change
}

/// The products file's columns of a product's extras, in [`cells`]' order.
pub(super) const COLUMNS: [&str; 4] = ["tiers", "discount", "discount_from", "discount_until"];

/// The cells of the columns for a product's extras.
pub(super) fn cells(e: &PriceExtras) -> [String; 4] {
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    match &e.discount {
        None => [
            tiers_text(&e.tiers),
            String::new(),
            String::new(),
            String::new(),
        ],
        Some(d) => [
            tiers_text(&e.tiers),
            discount_value_text(d.value, d.kind),
            day(d.from),
            day(d.until),
        ],
    }
}
