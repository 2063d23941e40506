//! The requests of the ledger operations, shared by the CLI and the admin API (their
//! answers are in `views`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuery {
    /// SKU prefix.
    #[serde(default)]
    pub sku: Option<String>,
    /// Part of the name, any case.
    #[serde(default)]
    pub name: Option<String>,
    /// Only linked (`true`) or only unlinked (`false`) products.
    #[serde(default)]
    pub linked: Option<bool>,
    /// Paging: the `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<u64>,
    #[serde(default)]
    pub limit: Option<usize>,
    /// At most this many products looked at for a page (a name search has no index): a
    /// page may then hold fewer than `limit` and still have a `next_after` to search on
    /// from. None: until the page is full or the catalogue ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<usize>,
}

/// Which orders a list or an export takes, newest first: every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuery {
    /// Only orders with a line that matches no local product.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlinked: bool,
    /// The local status or Prom.ua's, any case; several separated by commas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Created at or after this moment (a day is its midnight UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "moment"
    )]
    pub since: Option<DateTime<Utc>>,
    /// Part of the order id, the buyer's name or email (any case), or of the phone
    /// (digits compared, `+380` and `0` alike).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// At most this many, the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Only orders with a lower id (older): the next page after the last one shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
}

/// A moment as `--since` takes it: a day or RFC 3339 (a query string sends text).
fn moment<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(t) => super::parse_moment(&t)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("since: {e}"))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockSet {
    pub warehouse: String,
    /// 0 to `MAX_QUANTITY`.
    #[serde(deserialize_with = "quantity")]
    pub quantity: i64,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAdjust {
    pub warehouse: String,
    /// At most `MAX_QUANTITY` either way; the result from 0 to `MAX_QUANTITY`.
    #[serde(deserialize_with = "delta")]
    pub delta: i64,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSet {
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A product's own presence at stock 0: `order`, `waiting`, `not_available`, or `auto`
/// (push_stock's rules decide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceSet {
    pub presence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub prom_id: i64,
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusSet {
    pub status: String,
    /// Set a status the configuration does not know (refused otherwise).
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AcceptLinks {
    /// Take suggestions at or above this score (default 0.8; 0 with `prom_ids`).
    #[serde(default)]
    pub min_score: Option<f64>,
    /// Only these staged Prom products.
    #[serde(default)]
    pub prom_ids: Vec<i64>,
}

/// A whole number in JSON (`5`, `5.0` or `"5"`), told apart when it is not one: a number
/// beyond any quantity is "too large", not "not a whole number". The range is checked by
/// the ledger.
fn whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
    what: &'static str,
) -> Result<i64, D::Error> {
    struct Whole(&'static str);
    impl Whole {
        fn large<E: serde::de::Error>(&self, text: &str) -> E {
            let text = if text == "the number" {
                text.to_string()
            } else {
                format!("`{text}`")
            };
            E::custom(format!(
                "{text} is too large: {} is at most {}{}",
                self.0,
                super::csv_io::thousands(crate::store::MAX_QUANTITY as u64),
                if self.0 == "a delta" {
                    " either way"
                } else {
                    ""
                }
            ))
        }
    }
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| self.large(&v.to_string()))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            if !v.is_finite() || v.fract() != 0.0 {
                return Err(E::custom(format!("`{v}` is not a whole number")));
            }
            if v.abs() >= 9.0e18 {
                // JSON numbers this long arrive rounded: do not echo a number not written.
                return Err(self.large("the number"));
            }
            Ok(v as i64)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
            let n = super::input::whole_number(v).map_err(E::custom)?;
            i64::try_from(n).map_err(|_| self.large(v.trim()))
        }
    }
    d.deserialize_any(Whole(what))
}

fn quantity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    whole_number(d, "a quantity")
}

fn delta<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    whole_number(d, "a delta")
}

/// `orders link-line`: the local product, by SKU, for one line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineLink {
    pub sku: String,
}
