//! The parts of an order a seller fulfils it from (prom-api.md §4.5, §10): delivery,
//! payment, commission, cancellation, campaign. All of them are details: a field
//! missing, `null` or of a shape we do not expect reads as absent, and never costs the
//! order (`detail`, `detail_text`, `detail_flag`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::lenient::{flag, optional_id, optional_text};
use super::text_enum::text_enum;
use crate::domain::Money;

/// A detail read as `T` when it has that shape, else absent: an odd value here must not
/// drop the order (reading into a `Value` first cannot fail on well-formed JSON).
pub(super) fn detail<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// A part of the order that is an object in Prom's JSON (`delivery_option`,
/// `payment_data`, ...): only an object is read (serde would take a list's items for
/// its fields, in order), each of its fields leniently.
pub(super) fn part<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        v @ Value::Object(_) => serde_json::from_value(v).ok(),
        _ => None,
    })
}

/// Text; a number is read as its text, anything else as absent.
pub(super) fn detail_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    optional_text(d)
}

/// A yes/no sent as `true`, `1` or `"true"`; anything else is absent.
pub(super) fn detail_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(flag(&Value::deserialize(d)?).ok().flatten())
}

text_enum!(
    /// A delivery provider; new providers appear without notice.
    DeliveryProvider {
        NovaPoshta = "nova_poshta",
        Justin = "justin",
        DeliveryAuto = "delivery_auto",
        Ukrposhta = "ukrposhta",
    }
);

/// `delivery_option` (`{id, name, shipping_service}`) or `payment_option` (`{id, name}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedOption {
    #[serde(default, deserialize_with = "optional_id")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "detail_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub shipping_service: Option<String>,
}

/// `delivery_provider_data`: the carrier's side of the delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryProviderData {
    #[serde(default, deserialize_with = "detail")]
    pub provider: Option<DeliveryProvider>,
    /// `W2W`, `W2D`, `D2W`, `D2D` (warehouse or door, each end).
    #[serde(default, rename = "type", deserialize_with = "detail_text")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub sender_warehouse_id: Option<String>,
    /// The buyer's branch (a Nova Poshta warehouse Ref).
    #[serde(default, deserialize_with = "detail_text")]
    pub recipient_warehouse_id: Option<String>,
    /// The waybill (TTN).
    #[serde(default, deserialize_with = "detail_text")]
    pub declaration_number: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub unified_status: Option<String>,
}

/// `delivery_recipient`: who collects the parcel, when not the buyer (seen live, shape
/// unconfirmed: read leniently).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecipient {
    #[serde(default, deserialize_with = "detail_text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub second_name: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub phone: Option<String>,
}

/// `payment_data`: Prom's own payment (`evopay`) and its state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentData {
    #[serde(default, rename = "type", deserialize_with = "detail_text")]
    pub kind: Option<String>,
    /// `paid`, `unpaid`, `refunded`, `paid_out`.
    #[serde(default, deserialize_with = "detail_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub status_modified: Option<String>,
}

/// `cpa_commission`: what Prom.ua charges for the order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpaCommission {
    #[serde(default, deserialize_with = "detail")]
    pub amount: Option<Money>,
    #[serde(default, deserialize_with = "detail_flag")]
    pub is_refunded: Option<bool>,
}

/// `cancellation`: why and by whom an order was cancelled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    #[serde(default, deserialize_with = "detail_text")]
    pub title: Option<String>,
    /// `buyer`, `seller`, ...
    #[serde(default, deserialize_with = "detail_text")]
    pub initiator: Option<String>,
}

/// `utm`: the campaign the buyer came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utm {
    #[serde(default, deserialize_with = "detail_text")]
    pub medium: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "detail_text")]
    pub campaign: Option<String>,
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde_json::json;

    use super::super::Order;

    #[test]
    fn a_detail_of_an_unexpected_type_reads_as_absent_and_the_order_is_kept() {
        let o: Order = serde_json::from_value(json!({
            "id": 7,
            "status": "pending",
            "client_first_name": {"uk": "Олена"},
            "client_notes": ["a", "list"],
            "phone": 380671234567_i64,
            "email": false,
            "price": {"amount": 5},
            "full_price": "4 060,50 грн",
            "delivery_cost": "seventy",
            "delivery_option": "Нова Пошта",
            "delivery_address": 12,
            "delivery_provider_data": {"provider": {"x": 1}, "type": 5, "declaration_number": 20450012345678_i64},
            "delivery_recipient": 17,
            "payment_option": [1, 2],
            "payment_data": "paid",
            "cpa_commission": {"amount": [], "is_refunded": "yes"},
            "cancellation": true,
            "utm": "google",
            "has_order_promo_free_delivery": "1",
            "dont_call_customer_back": 1,
            "date_created": 20260314,
            "products": [{"id": 5, "name": 42, "price": null, "total_price": {}, "measure_unit": [], "quantity": 2}]
        }))
        .unwrap();
        assert_eq!(o.id, 7);
        assert_eq!((o.client_first_name, o.client_notes), (None, None));
        assert_eq!(
            o.phone.as_deref(),
            Some("380671234567"),
            "a number as its text"
        );
        assert_eq!(o.email.as_deref(), Some("false"));
        assert_eq!(o.price, None);
        assert_eq!(o.full_price.unwrap().amount, Some(Decimal::new(406050, 2)));
        let cost = o.delivery_cost.unwrap();
        assert_eq!((cost.amount, cost.raw.as_str()), (None, "seventy"));
        assert_eq!(o.delivery_option, None);
        assert_eq!(o.delivery_address.as_deref(), Some("12"));
        let dp = o.delivery_provider_data.unwrap();
        assert_eq!((dp.provider, dp.kind.as_deref()), (None, Some("5")));
        assert_eq!(dp.declaration_number.as_deref(), Some("20450012345678"));
        assert_eq!(o.delivery_recipient, None);
        assert_eq!((o.payment_option, o.payment_data), (None, None));
        assert_eq!(o.cpa_commission, Some(super::CpaCommission::default()));
        assert_eq!((o.cancellation, o.utm), (None, None));
        assert_eq!(o.has_order_promo_free_delivery, None, "\"1\" is not a yes");
        assert_eq!(o.dont_call_customer_back, Some(true));
        assert_eq!(o.date_created, None);
        let line = &o.products[0];
        assert_eq!((line.id, line.quantity), (Some(5), Some(Decimal::from(2))));
        assert_eq!(line.name.as_deref(), Some("42"));
        assert_eq!((&line.total_price, &line.measure_unit), (&None, &None));
    }

    #[test]
    fn every_detail_null_reads_as_absent() {
        let o: Order = serde_json::from_value(json!({
            "id": 8, "client_notes": null, "delivery_provider_data": null,
            "payment_data": null, "cpa_commission": null, "products": null,
            "has_order_promo_free_delivery": null, "delivery_cost": null
        }))
        .unwrap();
        assert_eq!(
            (o.client_notes, o.delivery_provider_data, o.payment_data),
            (None, None, None)
        );
        assert_eq!((o.cpa_commission, o.delivery_cost), (None, None));
        assert!(o.products.is_empty());
    }
}
