//! Input that becomes ledger figures: quantities, deltas and Prom ids, parsed from text
//! (CSV, command line) or checked as numbers (JSON), and moments (`--since`), each
//! refusal saying what is wrong.

use crate::store::MAX_QUANTITY;

use super::csv_io;
use super::written::{self, Unread};

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

/// The whole number written in `text` (sign allowed, thousands grouped as in a price),
/// however large: a number too long for any use is `±i128::MAX`, so that callers can say
/// "too large" rather than "not a number".
pub(super) fn whole_number(text: &str) -> std::result::Result<i128, String> {
    let t = text.trim();
    let w = match written::read(t) {
        Ok(w) if w.fraction.is_none() => w,
        Err(Unread::Blank) => return Err("the value is blank: a whole number is needed".into()),
        Err(Unread::Grouping | Unread::Ambiguous) => {
            return Err(format!(
                "`{t}` is not a whole number: write thousands without a separator or with spaces (1000 or 1 000)"
            ));
        }
        _ => return Err(format!("`{t}` is not a whole number")),
    };
    let significant = w.whole.trim_start_matches('0');
    let v: i128 = if significant.len() > 30 {
        i128::MAX
    } else {
        significant.parse().unwrap_or(0)
    };
    Ok(if w.negative { -v } else { v })
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

/// How a price is written, for the messages that refuse one.
const PRICE_FORMS: &str = "write digits, thousands grouped in threes if at all, and at most \
     one decimal point or comma, e.g. 1234.50, 1 234,50 or 1,234.50";

/// Parses a price the seller writes (CSV, command line) when it can mean one price only
/// (see [`written`]): `1,234` could be 1234 or 1.234, `12 50` 1250 or 12.50, so each is
/// refused saying how to write it, as is a currency beside the number (`849 грн`).
pub fn parse_price_text(text: &str) -> std::result::Result<rust_decimal::Decimal, String> {
    let t = text.trim();
    let w = written::read(t).map_err(|why| match why {
        Unread::Blank => "the price is blank".to_string(),
        Unread::Beside(number) => format!(
            "`{t}` is not a price: write the number alone ({number}), and the currency apart \
             (the `currency` column, or `--currency`)"
        ),
        Unread::Ambiguous => format!(
            "`{t}` could be thousands or decimals: write thousands without a separator or \
             with spaces (1234 or 1 234), decimals with a point (1.234)"
        ),
        Unread::Grouping => format!(
            "`{t}` is not a price: thousands are grouped in threes (1 234 or 1,234.50); {PRICE_FORMS}"
        ),
        Unread::NotANumber => format!("`{t}` is not a price: {PRICE_FORMS}"),
    })?;
    if w.negative {
        return Err(format!("`{t}` is negative: a price must not be negative"));
    }
    let digits = match &w.fraction {
        Some(f) => format!("{}.{f}", w.whole),
        None => w.whole,
    };
    digits
        .parse::<rust_decimal::Decimal>()
        .map_err(|_| format!("`{t}` is not a price: it has too many digits"))
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
        for bad in [
            "1.5", "abc", "1e3", "-", "", "5 шт", "1,000", "1.000", "12 50",
        ] {
            let e = parse_quantity(bad).unwrap_err();
            assert!(e.contains("whole number"), "{bad}: {e}");
        }
        // Thousands grouped as in a price: one rule for both.
        for (text, want) in [
            ("1 000", 1000),
            ("1\u{a0}000 000", 1_000_000),
            ("1,000,000", 1_000_000),
        ] {
            assert_eq!(parse_quantity(text), Ok(want), "{text}");
        }
        assert_eq!(parse_delta("-1 000"), Ok(-1000));
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
    fn prices_written_one_way_only_are_read_that_way() {
        use rust_decimal::Decimal;
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (text, want) in [
            ("99.99", "99.99"),
            ("12,50", "12.50"),
            ("12,5", "12.5"),
            ("1 234,50", "1234.50"),
            ("1\u{a0}234\u{a0}567", "1234567"),
            ("1,234.50", "1234.50"),
            ("1.234,50", "1234.50"),
            ("1,234,567", "1234567"),
            ("1.234.567", "1234567"),
            ("1'234.50", "1234.50"),
            ("12345", "12345"),
            ("+5", "5"),
            (" 0 ", "0"),
            // A lone point is a decimal point, as exports and Prom's API write prices, so a
            // price of three or more decimals exported imports back.
            ("1.234", "1.234"),
            ("12.5000", "12.5000"),
            // A comma that cannot be grouping is the decimal comma.
            ("0,125", "0.125"),
            ("1 234,567", "1234.567"),
            ("1234,567", "1234.567"),
        ] {
            assert_eq!(parse_price_text(text), Ok(d(want)), "{text}");
        }
    }

    #[test]
    fn prices_that_could_mean_two_things_are_refused_saying_how_to_write_them() {
        // A lone comma before three digits: thousands (1234) or decimals (1.234)?
        for text in ["1,234", "12,500", "999,999"] {
            let e = parse_price_text(text).unwrap_err();
            assert!(
                e.contains("thousands or decimals") && e.contains("1 234") && e.contains("1.234"),
                "{text}: {e}"
            );
        }
        // A space groups thousands only before three digits.
        for text in ["12 50", "1 23", "1234 567", "1  234"] {
            let e = parse_price_text(text).unwrap_err();
            assert!(e.contains("1 234"), "{text}: {e}");
        }
        // A currency is given apart, never read into the number.
        for text in ["849 грн", "12 грн", "₴12", "12UAH", "$5.50"] {
            let e = parse_price_text(text).unwrap_err();
            assert!(
                e.contains("write the number alone")
                    && e.contains("`currency` column")
                    && e.contains("--currency"),
                "{text}: {e}"
            );
        }
        for bad in [
            "1.2.3,4.5",
            "1,23,456",
            "1e3",
            "abc",
            ".5",
            "5.",
            "1..2",
            "1.234.56",
            "1'234 567",
            "1,234,567.8.9",
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
