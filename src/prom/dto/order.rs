use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::lenient::{optional_id, optional_text, order_id, shown, whole};
use super::listed::{ListItem, Listed};
pub use super::order_parts::{
    Cancellation, CpaCommission, DeliveryProvider, DeliveryProviderData, DeliveryRecipient,
    NamedOption, PaymentData, Utm,
};
use super::order_parts::{detail, detail_flag, detail_text, part};
use super::text_enum::text_enum;
use crate::domain::Money;

text_enum!(
    /// An order status (prom-api.md §4.3); a seller's custom status is kept as text.
    OrderStatus {
        Pending = "pending",
        Received = "received",
        Delivered = "delivered",
        Canceled = "canceled",
        Draft = "draft",
        Paid = "paid",
    }
);

text_enum!(
    /// Why an order is cancelled (`orders/set_status` with `canceled`).
    CancellationReason {
        NotAvailable = "not_available",
        PriceChanged = "price_changed",
        BuyersRequest = "buyers_request",
        NotEnoughFields = "not_enough_fields",
        Duplicate = "duplicate",
        InvalidPhoneNumber = "invalid_phone_number",
        LessThanMinimalPrice = "less_than_minimal_price",
        Another = "another",
    }
);

impl CancellationReason {
    /// Prom.ua requires `cancellation_text` with these reasons.
    pub fn needs_text(&self) -> bool {
        matches!(
            self,
            Self::PriceChanged | Self::NotEnoughFields | Self::Another
        )
    }
}

/// A date-time with an offset, e.g. `2023-05-05T06:21:40.176639+00:00`; `None` if absent
/// or unreadable (the rest of the order still parses).
fn lenient_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    Ok(detail::<D, String>(d)?.and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok()))
}

fn lenient_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.to_string().parse().ok(),
        Some(serde_json::Value::String(s)) => Money::parse(&s).amount,
        _ => None,
    })
}

/// One line of an order. Only the product id and the quantity move stock; every other
/// field is a detail, read leniently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The Prom product id; the link to a local product goes through it. Unreadable, it
    /// is absent and the order's notes say so (see `ListItem for Order`).
    #[serde(default, deserialize_with = "optional_id")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "optional_text")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub name: Option<String>,
    /// Text; a numeric SKU sent as a number is read as its text.
    #[serde(default, deserialize_with = "optional_text")]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "detail")]
    pub price: Option<Money>,
    #[serde(default, deserialize_with = "detail")]
    pub total_price: Option<Money>,
    /// May be fractional (kilograms, metres).
    #[serde(default, deserialize_with = "lenient_decimal")]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "detail_text")]
    pub measure_unit: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub image: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub url: Option<String>,
}

/// An order (`orders/list`, `orders/{id}`). Prom.ua's Order schema requires nothing but the
/// id. Besides the id, the status and the lines, every field is a detail: missing, `null`
/// or oddly typed, it reads as absent and the order is still stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// `123` or `"123"`; an order without a readable id is skipped by its page.
    #[serde(deserialize_with = "order_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub date_created: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_datetime")]
    pub date_modified: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "detail_text")]
    pub client_first_name: Option<String>,
    /// The patronymic.
    #[serde(default, deserialize_with = "detail_text")]
    pub client_second_name: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub client_last_name: Option<String>,
    #[serde(default, deserialize_with = "optional_id")]
    pub client_id: Option<i64>,
    /// The buyer's comment.
    #[serde(default, deserialize_with = "detail_text")]
    pub client_notes: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub email: Option<String>,
    /// Excludes delivery.
    #[serde(default, deserialize_with = "detail")]
    pub price: Option<Money>,
    /// May include delivery.
    #[serde(default, deserialize_with = "detail")]
    pub full_price: Option<Money>,
    #[serde(default, deserialize_with = "detail")]
    pub price_with_special_offer: Option<Money>,
    #[serde(default, deserialize_with = "detail")]
    pub special_offer_discount: Option<Money>,
    #[serde(default, deserialize_with = "detail_text")]
    pub special_offer_promocode: Option<String>,
    /// A number (the other sums are text).
    #[serde(default, deserialize_with = "detail")]
    pub delivery_cost: Option<Money>,
    #[serde(default, deserialize_with = "part")]
    pub cpa_commission: Option<CpaCommission>,
    #[serde(default, deserialize_with = "part")]
    pub delivery_option: Option<NamedOption>,
    #[serde(default, deserialize_with = "detail_text")]
    pub delivery_address: Option<String>,
    #[serde(default, deserialize_with = "part")]
    pub delivery_provider_data: Option<DeliveryProviderData>,
    #[serde(default, deserialize_with = "part")]
    pub delivery_recipient: Option<DeliveryRecipient>,
    #[serde(default, deserialize_with = "part")]
    pub payment_option: Option<NamedOption>,
    #[serde(default, deserialize_with = "part")]
    pub payment_data: Option<PaymentData>,
    #[serde(default)]
    pub status: Option<OrderStatus>,
    /// The status's label in the account's language.
    #[serde(default, deserialize_with = "detail_text")]
    pub status_name: Option<String>,
    /// `portal`, `company_site`, `company_cabinet`, `mobile_app`, `bigl`.
    #[serde(default, deserialize_with = "detail_text")]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "detail_flag")]
    pub has_order_promo_free_delivery: Option<bool>,
    #[serde(default, deserialize_with = "detail_flag")]
    pub dont_call_customer_back: Option<bool>,
    #[serde(default, deserialize_with = "part")]
    pub cancellation: Option<Cancellation>,
    /// Not in the schema, but what `set_status` takes: kept if an order carries them.
    #[serde(default, deserialize_with = "detail_text")]
    pub cancellation_reason: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub cancellation_text: Option<String>,
    #[serde(default, deserialize_with = "part")]
    pub utm: Option<Utm>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub products: Vec<OrderLine>,
}

/// `null` reads as an empty list (the schema promises nothing).
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl ListItem for Order {
    const WHAT: &'static str = "an order";
    const WHAT_PLURAL: &'static str = "orders";

    /// A line whose product id cannot be read is kept without it (it stays unlinked,
    /// and the pull says so); the order's other lines and figures are still good.
    fn notes(raw: &Value) -> Vec<String> {
        let order = raw.get("id").map_or_else(|| "?".into(), shown);
        let lines = raw.get("products").and_then(Value::as_array);
        lines
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, line)| {
                let id = line.get("id")?;
                let why = whole(id).err()?;
                Some(format!(
                    "order {} line {}: product id {} ({why}) is read as absent; the line stays unlinked",
                    order.trim_matches('"'),
                    i + 1,
                    shown(id)
                ))
            })
            .collect()
    }
}

/// `{"orders": [...]}`, read item by item (`listed.rs`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrdersPage {
    pub orders: Listed<Order>,
}

/// `{"order": {...}}`; the order is read by `listed::read_one`, for its notes.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrderEnvelope {
    pub order: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    Asc,
    Desc,
}

/// The query of `orders/list`. Dates are sent as exactly `YYYY-MM-DDTHH:MM:SS` in UTC:
/// with milliseconds or a `Z`, Prom's sister platform silently returned no orders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub last_modified_from: Option<DateTime<Utc>>,
    pub last_modified_to: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
    pub last_id: Option<i64>,
    pub sort_dir: Option<SortDir>,
}

/// The 19-character UTC form Prom.ua's date filters take.
pub fn prom_datetime(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl OrderFilter {
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(s) = &self.status {
            q.push(("status", s.to_string()));
        }
        for (k, v) in [
            ("date_from", &self.date_from),
            ("date_to", &self.date_to),
            ("last_modified_from", &self.last_modified_from),
            ("last_modified_to", &self.last_modified_to),
        ] {
            if let Some(t) = v {
                q.push((k, prom_datetime(t)));
            }
        }
        if let Some(l) = self.limit {
            q.push(("limit", l.min(100).to_string()));
        }
        if let Some(id) = self.last_id {
            q.push(("last_id", id.to_string()));
        }
        if let Some(d) = self.sort_dir {
            q.push((
                "sort_dir",
                if d == SortDir::Asc { "asc" } else { "desc" }.to_string(),
            ));
        }
        q
    }
}

/// The body of `orders/set_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetStatus {
    pub status: OrderStatus,
    pub ids: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<CancellationReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_text: Option<String>,
}

impl SetStatus {
    /// Prom's rules: `canceled` needs a reason; some reasons need a text.
    pub fn validate(&self) -> Result<(), String> {
        if self.ids.is_empty() {
            return Err("no order ids".into());
        }
        match (&self.status, &self.cancellation_reason) {
            (OrderStatus::Canceled, None) => {
                Err("cancelling an order needs a cancellation_reason".into())
            }
            (OrderStatus::Canceled, Some(r))
                if r.needs_text()
                    && self
                        .cancellation_text
                        .as_deref()
                        .is_none_or(|t| t.trim().is_empty()) =>
            {
                Err(format!(
                    "cancellation reason `{r}` needs a cancellation_text"
                ))
            }
            (s, Some(_)) if *s != OrderStatus::Canceled => Err(format!(
                "a cancellation_reason only goes with `canceled`, not `{s}`"
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_filters_are_nineteen_characters_of_utc() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T02:03:04.567+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let f = OrderFilter {
            last_modified_from: Some(t),
            sort_dir: Some(SortDir::Asc),
            limit: Some(500),
            ..Default::default()
        };
        assert_eq!(
            f.query(),
            vec![
                ("last_modified_from", "2026-03-01T00:03:04".to_string()),
                ("limit", "100".to_string()),
                ("sort_dir", "asc".to_string())
            ]
        );
    }

    #[test]
    fn a_custom_status_is_kept_as_text_even_as_a_number() {
        let s: OrderStatus = serde_json::from_str("\"awaiting_prepayment\"").unwrap();
        assert_eq!(s.as_str(), "awaiting_prepayment");
        let n: OrderStatus = serde_json::from_str("17").unwrap();
        assert_eq!(n, OrderStatus::Other("17".into()));
        let known: OrderStatus = serde_json::from_str("\"paid\"").unwrap();
        assert_eq!(known, OrderStatus::Paid);
    }

    #[test]
    fn set_status_rules() {
        let mut s = SetStatus {
            status: OrderStatus::Canceled,
            ids: vec![1],
            cancellation_reason: None,
            cancellation_text: None,
        };
        assert!(s.validate().is_err());
        s.cancellation_reason = Some(CancellationReason::Another);
        assert!(
            s.validate()
                .unwrap_err()
                .contains("needs a cancellation_text")
        );
        s.cancellation_text = Some("покупець передумав".into());
        assert!(s.validate().is_ok());
        s.cancellation_reason = Some(CancellationReason::Duplicate);
        s.cancellation_text = None;
        assert!(s.validate().is_ok());
        s.status = OrderStatus::Received;
        assert!(s.validate().is_err());
    }

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(
            OrderStatus::from("my_custom_17"),
            OrderStatus::Other("my_custom_17".into())
        );
        assert_eq!(OrderStatus::from("paid"), OrderStatus::Paid);
        let p: DeliveryProvider = serde_json::from_str("\"meest\"").unwrap();
        assert_eq!(p.as_str(), "meest");
    }
}
