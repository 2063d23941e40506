//! Input that becomes ledger figures: quantities, deltas and Prom ids, parsed from text
//! (CSV, command line) or checked as numbers (JSON), and moments (`--since`), each
//! refusal saying what is wrong.

use crate::store::MAX_QUANTITY;

use super::csv_io;

/// Why a stock quantity cannot be stored, if it cannot: 0 to [`MAX_QUANTITY`].
pub fn check_quantity(q: i64) -> std::result::Result<(), String> {
    if q < 0 {
        return Err(format!("quantity: {}", negative(&q.to_string())));
    }
    if q > MAX_QUANTITY {
        return Err(format!(
            "quantity: {}",
            too_large("a quantity", &q.to_string())
        ));
    }
    Ok(())
}

/// Why a stock delta cannot be applied at all: at most [`MAX_QUANTITY`] either way.
pub fn check_delta(d: i64) -> std::result::Result<(), String> {
    if d.checked_abs().is_none_or(|a| a > MAX_QUANTITY) {
        return Err(format!("delta: {}", too_large("a delta", &d.to_string())));
    }
    Ok(())
}

/// Why a Prom product id is not one: Prom ids are positive.
pub fn check_prom_id(id: i64) -> std::result::Result<(), String> {
    if id <= 0 {
        return Err(not_a_prom_id(&id.to_string()));
    }
    Ok(())
}

fn not_a_prom_id(text: &str) -> String {
    format!("`{text}` is not a Prom product id: Prom ids are positive whole numbers")
}

fn negative(text: &str) -> String {
    format!("`{text}` is negative: a quantity must not be negative")
}

fn too_large(what: &str, text: &str) -> String {
    format!(
        "`{text}` is too large: {what} is at most {}{}",
        csv_io::thousands(MAX_QUANTITY as u64),
        if what == "a delta" { " either way" } else { "" }
    )
}

pub(super) fn fmt_delta(d: i64) -> String {
    if d < 0 {
        format!("- {}", d.unsigned_abs())
    } else {
        format!("+ {d}")
    }
}

/// The whole number written in `text` (sign allowed), however large: a number too long
/// for any use is `±i128::MAX`, so that callers can say "too large" rather than "not a
/// number".
pub(super) fn whole_number(text: &str) -> std::result::Result<i128, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the value is blank: a whole number is needed".into());
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{t}` is not a whole number"));
    }
    let significant = digits.trim_start_matches('0');
    let v: i128 = if significant.len() > 30 {
        i128::MAX
    } else {
        significant.parse().unwrap_or(0)
    };
    Ok(if t.starts_with('-') { -v } else { v })
}

/// Parses a stock quantity (CSV, command line): a whole number from 0 to [`MAX_QUANTITY`].
pub fn parse_quantity(text: &str) -> std::result::Result<i64, String> {
    let v = whole_number(text)?;
    if v < 0 {
        return Err(negative(text.trim()));
    }
    if v > i128::from(MAX_QUANTITY) {
        return Err(too_large("a quantity", text.trim()));
    }
    Ok(v as i64)
}

/// Parses a stock delta: a whole number, at most [`MAX_QUANTITY`] either way.
pub fn parse_delta(text: &str) -> std::result::Result<i64, String> {
    let v = whole_number(text)?;
    if v.abs() > i128::from(MAX_QUANTITY) {
        return Err(too_large("a delta", text.trim()));
    }
    Ok(v as i64)
}

/// Parses a Prom product id: a positive whole number.
pub fn parse_prom_id(text: &str) -> std::result::Result<i64, String> {
    let v = whole_number(text)?;
    if v <= 0 {
        return Err(not_a_prom_id(text.trim()));
    }
    i64::try_from(v).map_err(|_| format!("`{}` is too large for a Prom product id", text.trim()))
}

/// Parses a price the seller writes (CSV, command line): digits, spaces grouping
/// thousands, and at most one decimal point or comma (`1 234,50`, `99.99`). Stricter than
/// reading Prom's money text: `1.2.3` or `1,234.50` could each mean two prices, and
/// `1e3` or `12 грн` is not a number, so each is refused rather than guessed.
pub fn parse_price_text(text: &str) -> std::result::Result<rust_decimal::Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the price is blank".into());
    }
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
        .collect();
    if digits.starts_with('-') {
        return Err(format!("`{t}` is negative: a price must not be negative"));
    }
    let digits = digits.strip_prefix('+').unwrap_or(&digits);
    let separators = digits.chars().filter(|c| *c == '.' || *c == ',').count();
    let well_formed = separators <= 1
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && digits.split(['.', ',']).all(|part| !part.is_empty());
    let value = well_formed
        .then(|| {
            digits
                .replace(',', ".")
                .parse::<rust_decimal::Decimal>()
                .ok()
        })
        .flatten();
    value.ok_or_else(|| {
        format!("`{t}` is not a price: write digits with at most one decimal point or comma, e.g. 1234.50")
    })
}

/// Parses a moment given as a day (`YYYY-MM-DD`, midnight UTC) or in RFC 3339.
pub fn parse_moment(text: &str) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
    let t = text.trim();
    match chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) => Ok(d.and_time(chrono::NaiveTime::MIN).and_utc()),
        Err(_) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|m| m.with_timezone(&chrono::Utc))
            .map_err(|_| format!("`{t}` is neither a day (YYYY-MM-DD) nor an RFC 3339 moment")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_from_0_to_the_cap_and_say_why_not() {
        assert_eq!(parse_quantity(" 42 "), Ok(42));
        assert_eq!(parse_quantity("+7"), Ok(7));
        assert_eq!(parse_quantity("0"), Ok(0));
        assert_eq!(parse_quantity("1000000000"), Ok(MAX_QUANTITY));
        let neg = parse_quantity("-5").unwrap_err();
        assert!(neg.contains("must not be negative"), "{neg}");
        for big in ["1000000001", "123456789012345678901", &"9".repeat(60)] {
            let e = parse_quantity(big).unwrap_err();
            assert!(e.contains("is too large") && !e.contains("whole"), "{e}");
        }
        for bad in ["1.5", "abc", "1e3", "-", "", "5 шт"] {
            let e = parse_quantity(bad).unwrap_err();
            assert!(e.contains("whole number"), "{bad}: {e}");
        }
        assert_eq!(parse_delta("-1000000000"), Ok(-MAX_QUANTITY));
        assert!(
            parse_delta("-1000000001")
                .unwrap_err()
                .contains("too large")
        );
        assert!(check_quantity(-1).is_err() && check_quantity(MAX_QUANTITY + 1).is_err());
        assert!(check_delta(i64::MIN).is_err() && check_delta(-MAX_QUANTITY).is_ok());
    }

    #[test]
    fn prices_are_digits_with_one_decimal_point_or_comma() {
        use rust_decimal::Decimal;
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (text, want) in [
            ("99.99", "99.99"),
            ("12,50", "12.50"),
            ("1 234,50", "1234.50"),
            ("+5", "5"),
            (" 0 ", "0"),
        ] {
            assert_eq!(parse_price_text(text), Ok(d(want)), "{text}");
        }
        for bad in [
            "1.2.3",
            "1,234.50",
            "1e3",
            "12 грн",
            "₴12",
            "abc",
            ".5",
            "5.",
            "1..2",
        ] {
            let e = parse_price_text(bad).unwrap_err();
            assert!(e.contains("is not a price"), "{bad}: {e}");
        }
        assert!(parse_price_text("-5").unwrap_err().contains("negative"));
        assert!(parse_price_text("  ").unwrap_err().contains("blank"));
    }

    #[test]
    fn prom_ids_are_positive() {
        assert_eq!(parse_prom_id("1830042117"), Ok(1_830_042_117));
        for bad in ["0", "-5", "-0"] {
            assert!(
                parse_prom_id(bad)
                    .unwrap_err()
                    .contains("is not a Prom product id"),
                "{bad}"
            );
        }
        assert!(
            parse_prom_id("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert!(check_prom_id(0).is_err() && check_prom_id(1).is_ok());
    }

    #[test]
    fn moments_are_days_at_midnight_utc_or_rfc_3339() {
        let day = parse_moment("2025-03-01").unwrap();
        assert_eq!(day.to_rfc3339(), "2025-03-01T00:00:00+00:00");
        let m = parse_moment(" 2025-03-01T02:30:00+02:00 ").unwrap();
        assert_eq!(m.to_rfc3339(), "2025-03-01T00:30:00+00:00");
        for bad in ["2025-13-01", "01.03.2025", "", "yesterday"] {
            assert!(
                parse_moment(bad).unwrap_err().contains("neither a day"),
                "{bad}"
            );
        }
    }
}
