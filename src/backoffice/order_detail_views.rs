//! What an order's answer says about fulfilling it, in readable groups: the buyer, the
//! delivery, the payment, the money, the cancellation. Every key is always sent (`null`
//! when Prom.ua sent nothing), so a script can rely on the shape; an answer without
//! them (an older daemon's) still reads, as empty.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::Money;
use crate::store::{LocalOrder, OrderDetails};

/// A sum: the decimal a script can add up, its currency, and the text Prom.ua sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyView {
    /// `None` when the text holds no readable number.
    pub amount: Option<Decimal>,
    /// As Prom.ua writes it (`грн`, `₸`); a sum sent as a bare number (`delivery_cost`)
    /// takes the order's currency.
    pub currency: Option<String>,
    /// Exactly as Prom.ua sent it.
    pub raw: String,
}

impl MoneyView {
    /// `m`, its currency or else the order's.
    pub fn of(m: &Money, order_currency: Option<&str>) -> Self {
        Self {
            amount: m.amount,
            currency: m
                .currency
                .clone()
                .or_else(|| order_currency.map(str::to_string)),
            raw: m.raw.clone(),
        }
    }
}

/// The object, or the text an answer written before sums were objects carried.
impl<'de> Deserialize<'de> for MoneyView {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Object {
            #[serde(default)]
            amount: Option<Decimal>,
            #[serde(default)]
            currency: Option<String>,
            raw: String,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Object(Object),
            Text(String),
        }
        Ok(match Shape::deserialize(d)? {
            Shape::Object(o) => Self {
                amount: o.amount,
                currency: o.currency,
                raw: o.raw,
            },
            Shape::Text(t) => Self::of(&Money::parse(&t), None),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuyerDetails {
    pub first_name: Option<String>,
    /// The patronymic.
    pub second_name: Option<String>,
    pub last_name: Option<String>,
    pub client_id: Option<i64>,
    /// The buyer's comment (Prom's `client_notes`).
    pub notes: Option<String>,
    /// The buyer asked not to be called back (`dont_call_customer_back`).
    pub dont_call_back: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecipientView {
    pub first_name: Option<String>,
    pub second_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryView {
    pub option_id: Option<i64>,
    /// The delivery option's name, e.g. `Нова Пошта`.
    pub option_name: Option<String>,
    pub shipping_service: Option<String>,
    pub address: Option<String>,
    /// `nova_poshta`, `ukrposhta`, ... (any other kept as sent).
    pub provider: Option<String>,
    /// `W2W`, `W2D`, `D2W`, `D2D`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub sender_warehouse_id: Option<String>,
    /// The buyer's branch (`recipient_warehouse_id`).
    pub recipient_warehouse_id: Option<String>,
    /// The waybill (TTN).
    pub declaration_number: Option<String>,
    pub unified_status: Option<String>,
    pub recipient: Option<RecipientView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentView {
    pub option_id: Option<i64>,
    pub option_name: Option<String>,
    /// `payment_data.type`, e.g. `evopay`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `paid`, `unpaid`, `refunded`, `paid_out`.
    pub status: Option<String>,
    pub status_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionView {
    pub amount: Option<MoneyView>,
    #[serde(default)]
    pub is_refunded: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoneyGroup {
    /// The order's currency, as its sums write it.
    pub currency: Option<String>,
    /// Without delivery (the same as the order's `total`).
    pub price: Option<MoneyView>,
    /// May include delivery.
    pub full_price: Option<MoneyView>,
    pub price_with_special_offer: Option<MoneyView>,
    pub special_offer_discount: Option<MoneyView>,
    pub special_offer_promocode: Option<String>,
    pub delivery_cost: Option<MoneyView>,
    pub has_order_promo_free_delivery: Option<bool>,
    /// What Prom.ua charges for the order.
    pub cpa_commission: Option<CommissionView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CancellationView {
    pub title: Option<String>,
    pub initiator: Option<String>,
    pub reason: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UtmView {
    pub medium: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
}

/// The details of an order's answer (flattened into it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderDetailsView {
    /// Prom's label of its status, in the account's language.
    pub status_name: Option<String>,
    /// Where the order came from: `portal`, `company_site`, `mobile_app`, ...
    pub source: Option<String>,
    pub buyer: BuyerDetails,
    pub delivery: DeliveryView,
    pub payment: PaymentView,
    pub money: MoneyGroup,
    /// `null` unless the order was cancelled with a reason.
    pub cancellation: Option<CancellationView>,
    pub utm: Option<UtmView>,
}

/// The currency an order's sums are written in.
pub(super) fn currency_of(o: &LocalOrder) -> Option<String> {
    let m = &o.details.money;
    [&o.total, &m.full_price, &m.price_with_special_offer]
        .into_iter()
        .flatten()
        .find_map(|m| m.currency.clone())
}

impl OrderDetailsView {
    pub(super) fn of(o: &LocalOrder, currency: Option<&str>) -> Self {
        let d: &OrderDetails = &o.details;
        let money = |m: &Option<Money>| m.as_ref().map(|m| MoneyView::of(m, currency));
        let (b, dl, p, m, c, u) = (
            &d.buyer,
            &d.delivery,
            &d.payment,
            &d.money,
            &d.cancellation,
            &d.utm,
        );
        Self {
            status_name: d.status_name.clone(),
            source: d.source.clone(),
            buyer: BuyerDetails {
                first_name: b.first_name.clone(),
                second_name: b.second_name.clone(),
                last_name: b.last_name.clone(),
                client_id: b.client_id,
                notes: b.notes.clone(),
                dont_call_back: b.dont_call_back,
            },
            delivery: DeliveryView {
                option_id: dl.option_id,
                option_name: dl.option_name.clone(),
                shipping_service: dl.shipping_service.clone(),
                address: dl.address.clone(),
                provider: dl.provider.clone(),
                kind: dl.kind.clone(),
                sender_warehouse_id: dl.sender_warehouse_id.clone(),
                recipient_warehouse_id: dl.recipient_warehouse_id.clone(),
                declaration_number: dl.declaration_number.clone(),
                unified_status: dl.unified_status.clone(),
                recipient: dl.recipient.as_ref().map(|r| RecipientView {
                    first_name: r.first_name.clone(),
                    second_name: r.second_name.clone(),
                    last_name: r.last_name.clone(),
                    phone: r.phone.clone(),
                }),
            },
            payment: PaymentView {
                option_id: p.option_id,
                option_name: p.option_name.clone(),
                kind: p.kind.clone(),
                status: p.status.clone(),
                status_modified: p.status_modified.clone(),
            },
            money: MoneyGroup {
                currency: currency.map(str::to_string),
                price: money(&o.total),
                full_price: money(&m.full_price),
                price_with_special_offer: money(&m.price_with_special_offer),
                special_offer_discount: money(&m.special_offer_discount),
                special_offer_promocode: m.special_offer_promocode.clone(),
                delivery_cost: money(&m.delivery_cost),
                has_order_promo_free_delivery: m.has_order_promo_free_delivery,
                cpa_commission: (m.cpa_commission.is_some() || m.cpa_commission_refunded.is_some())
                    .then(|| CommissionView {
                        amount: money(&m.cpa_commission),
                        is_refunded: m.cpa_commission_refunded,
                    }),
            },
            cancellation: (!c.is_empty()).then(|| CancellationView {
                title: c.title.clone(),
                initiator: c.initiator.clone(),
                reason: c.reason.clone(),
                text: c.text.clone(),
            }),
            utm: (!u.is_empty()).then(|| UtmView {
                medium: u.medium.clone(),
                source: u.source.clone(),
                campaign: u.campaign.clone(),
            }),
        }
    }
}
