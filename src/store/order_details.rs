//! What a seller fulfils an order from, as Prom.ua sent it: the buyer, the delivery, the
//! payment, the money, the cancellation. Kept beside the order's stock facts and never
//! read by them. Every field may be absent, and a record stored before these were kept
//! reads as all absent (`#[serde(default)]`); absent fields are not written.

use serde::{Deserialize, Serialize};

use crate::domain::Money;

/// The order's details (`LocalOrder::details`). The order's total (`price`), phone and
/// email stay on `LocalOrder` where they always were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderDetails {
    #[serde(skip_serializing_if = "Buyer::is_empty")]
    pub buyer: Buyer,
    #[serde(skip_serializing_if = "Delivery::is_empty")]
    pub delivery: Delivery,
    #[serde(skip_serializing_if = "Payment::is_empty")]
    pub payment: Payment,
    #[serde(skip_serializing_if = "OrderMoney::is_empty")]
    pub money: OrderMoney,
    #[serde(skip_serializing_if = "Cancellation::is_empty")]
    pub cancellation: Cancellation,
    /// `portal`, `company_site`, `company_cabinet`, `mobile_app`, `bigl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Prom's label of the status, in the account's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<String>,
    #[serde(skip_serializing_if = "Utm::is_empty")]
    pub utm: Utm,
}

/// Serde's `skip_serializing_if` for the groups: nothing in them.
macro_rules! empty_when_default {
    ($($t:ty),+) => {$(
        impl $t {
            pub fn is_empty(&self) -> bool {
                *self == Self::default()
            }
        }
    )+};
}
empty_when_default!(Buyer, Delivery, Payment, OrderMoney, Cancellation, Utm);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Buyer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The patronymic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// The buyer's comment (`client_notes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dont_call_back: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Delivery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `W2W`, `W2D`, `D2W`, `D2D`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_warehouse_id: Option<String>,
    /// The buyer's branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_warehouse_id: Option<String>,
    /// The waybill (TTN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declaration_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unified_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Recipient>,
}

/// Who collects the parcel (`delivery_recipient`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipient {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Payment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_name: Option<String>,
    /// `payment_data.type`, e.g. `evopay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `paid`, `unpaid`, `refunded`, `paid_out`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_modified: Option<String>,
}

/// The order's sums besides its total (`LocalOrder::total`, Prom's `price`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderMoney {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_price: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_with_special_offer: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_offer_discount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_offer_promocode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_cost: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_order_promo_free_delivery: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpa_commission: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpa_commission_refunded: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cancellation {
    /// Prom's `cancellation.title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `buyer`, `seller`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initiator: Option<String>,
    /// `cancellation_reason`, when the order carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Utm {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}
