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
