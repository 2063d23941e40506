//! Order money comes as text such as `"3 990 грн"` or `"1 250,50 ₸"` (any kind of space as
//! the thousands separator, a currency word or sign). It is parsed to a decimal and the raw
//! text is kept, so nothing is lost when parsing cannot be sure.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// Exactly as Prom.ua sent it (a number is kept as its JSON text).
    pub raw: String,
    /// `None` when the text holds no readable number.
    pub amount: Option<Decimal>,
    /// The currency word or sign, e.g. `грн`, `₸`, `UAH`.
    pub currency: Option<String>,
}

impl Money {
    pub fn parse(raw: &str) -> Self {
        let mut number = String::new();
        let mut currency = String::new();
        let mut in_number = true;
        for c in raw.trim().chars() {
            if in_number && (c.is_ascii_digit() || c == '.' || c == ',' || c == '-' || c == '+') {
                number.push(c);
            } else if in_number
                && (c.is_whitespace() || matches!(c, '\u{a0}' | '\u{202f}' | '\u{2009}' | '\''))
            {
                // Thousands separators: ordinary, non-breaking, narrow no-break, thin space.
            } else {
                in_number = false;
                currency.push(c);
            }
        }
        // "1,234.50": the comma groups; "1 250,50": the comma is the decimal point.
        if number.contains('.') && number.contains(',') {
            number.retain(|c| c != ',');
        } else {
            number = number.replace(',', ".");
        }
        // "1.234.567": more than one dot means they group thousands.
        if number.matches('.').count() > 1 {
            number.retain(|c| c != '.');
        }
        let currency = currency.trim().trim_start_matches('.').trim().to_string();
        Self {
            raw: raw.to_string(),
            amount: Decimal::from_str(&number).ok(),
            currency: (!currency.is_empty()).then_some(currency),
        }
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Money::parse(&s)),
            serde_json::Value::Number(n) => Ok(Money {
                raw: n.to_string(),
                amount: Decimal::from_str(&n.to_string()).ok(),
                currency: None,
            }),
            other => Err(serde::de::Error::custom(format!(
                "expected a money string, found {other}"
            ))),
        }
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(s: &str) -> Option<Decimal> {
        Money::parse(s).amount
    }

    #[test]
    fn any_space_groups_thousands() {
        assert_eq!(amount("3 990 грн"), Some(Decimal::new(3990, 0)));
        assert_eq!(amount("3\u{a0}990\u{a0}грн"), Some(Decimal::new(3990, 0)));
        assert_eq!(
            amount("1\u{202f}234\u{202f}567 грн"),
            Some(Decimal::new(1_234_567, 0))
        );
        assert_eq!(amount("0 грн"), Some(Decimal::ZERO));
        assert_eq!(Money::parse("3 990 грн").currency.as_deref(), Some("грн"));
    }

    #[test]
    fn decimals_and_other_currencies() {
        assert_eq!(amount("1 250,50 ₸"), Some(Decimal::new(125050, 2)));
        assert_eq!(amount("99.90 UAH"), Some(Decimal::new(9990, 2)));
        assert_eq!(Money::parse("650 ₸").currency.as_deref(), Some("₸"));
        assert_eq!(amount("1.234.567 грн"), Some(Decimal::new(1_234_567, 0)));
        assert_eq!(amount("1,234.50 USD"), Some(Decimal::new(123450, 2)));
    }

    #[test]
    fn unreadable_text_keeps_the_raw_value() {
        let m = Money::parse("договірна");
        assert_eq!(m.amount, None);
        assert_eq!(m.raw, "договірна");
    }

    #[test]
    fn numbers_are_accepted_too() {
        let m: Money = serde_json::from_str("12.5").unwrap();
        assert_eq!(m.amount, Some(Decimal::new(125, 1)));
    }
}
