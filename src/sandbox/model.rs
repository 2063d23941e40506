//! What the sandbox holds, and how it renders it in Prom.ua's JSON shapes.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::order_details::SandboxOrderDetails;
use crate::domain::AVAILABLE;

/// The company's root group: not listed by `groups/list`.
pub const ROOT_GROUP_ID: i64 = 1;

/// A product as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxProduct {
    pub id: i64,
    #[serde(default)]
    pub external_id: Option<String>,
    pub name: String,
    /// What `name_multilang` says, as is (any JSON, to try odd shapes); `None`: the name
    /// in both `uk` and `ru`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_multilang: Option<Value>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default = "default_presence")]
    pub presence: String,
    #[serde(default)]
    pub quantity_in_stock: Option<i64>,
    #[serde(default)]
    pub price: Decimal,
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default = "default_status")]
    pub status: String,
    #[serde(default = "root")]
    pub group_id: i64,
}

fn default_presence() -> String {
    AVAILABLE.into()
}
fn default_currency() -> String {
    "UAH".into()
}
fn default_status() -> String {
    "on_display".into()
}
fn root() -> i64 {
    ROOT_GROUP_ID
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxGroup {
    pub id: i64,
    pub name: String,
    /// `None` for a group directly under the root.
    #[serde(default)]
    pub parent_group_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxOrderLine {
    /// The Prom product id (it may name a product the shop no longer has).
    pub product_id: Option<i64>,
    #[serde(default)]
    pub external_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    pub price: Decimal,
    pub quantity: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxOrder {
    #[serde(default)]
    pub id: i64,
    #[serde(default = "Utc::now")]
    pub date_created: DateTime<Utc>,
    #[serde(default = "Utc::now")]
    pub date_modified: DateTime<Utc>,
    pub client_first_name: String,
    pub client_last_name: String,
    #[serde(default)]
    pub client_second_name: Option<String>,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default = "pending")]
    pub status: String,
    #[serde(default)]
    pub delivery_provider: Option<String>,
    #[serde(default)]
    pub delivery_cost: Decimal,
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// The comment, delivery, payment and promotion details (Prom's names, flattened).
    #[serde(default, flatten)]
    pub details: SandboxOrderDetails,
    pub lines: Vec<SandboxOrderLine>,
}

fn pending() -> String {
    "pending".into()
}

/// A status change `orders/set_status` made to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub order_id: i64,
    pub from: String,
    pub to: String,
    pub at: DateTime<Utc>,
}

/// A change to an order, as a buyer (or the cabinet) would make it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderChange {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub lines: Option<Vec<SandboxOrderLine>>,
    /// The buyer edits their comment.
    #[serde(default)]
    pub client_notes: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// The seller attaches a waybill.
    #[serde(default)]
    pub declaration_number: Option<String>,
    /// Prom's payment changes state (`paid`, `refunded`, ...).
    #[serde(default)]
    pub payment_status: Option<String>,
}

impl OrderChange {
    pub(crate) fn apply(self, order: &mut SandboxOrder) {
        if let Some(s) = self.status {
            order.status = s;
        }
        if let Some(p) = self.phone {
            order.phone = p;
        }
        if let Some(l) = self.lines {
            order.lines = l;
        }
        if let Some(e) = self.email {
            order.email = Some(e);
        }
        let d = &mut order.details;
        for (to, from) in [
            (&mut d.client_notes, self.client_notes),
            (&mut d.delivery_address, self.delivery_address),
            (&mut d.declaration_number, self.declaration_number),
            (&mut d.payment_status, self.payment_status),
        ] {
            if from.is_some() {
                *to = from;
            }
        }
    }
}

/// The localised label Prom.ua puts in `status_name`.
pub(crate) fn status_title(status: &str) -> &str {
    match status {
        "pending" => "Новий",
        "received" => "Прийнято",
        "delivered" => "Виконано",
        "canceled" => "Скасовано",
        "paid" => "Оплачено",
        "draft" => "Чернетка",
        _ => "Власний статус",
    }
}

/// Dates as Prom.ua writes them: microseconds and an offset.
pub(crate) fn prom_date(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// Order money as Prom.ua writes it: `"3 990 грн"`, grouped with non-breaking spaces.
pub(crate) fn order_money(amount: Decimal) -> String {
    let rounded = amount.round_dp(2);
    let int = rounded.trunc().abs().to_string();
    let frac = (rounded.fract().abs() * Decimal::from(100)).trunc();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_zero() {
        format!("{sign}{grouped}\u{a0}грн")
    } else {
        format!("{sign}{grouped},{frac:02}\u{a0}грн")
    }
}

/// A decimal as a JSON number, as Prom.ua sends prices and quantities.
pub(crate) fn num(d: Decimal) -> Value {
    d.normalize()
        .to_string()
        .parse::<serde_json::Number>()
        .map_or(Value::Null, Value::Number)
}

pub(crate) fn product_json(p: &SandboxProduct, group_name: &str) -> Value {
    json!({
        "id": p.id,
        "external_id": p.external_id,
        "name": p.name,
        "name_multilang": p.name_multilang.clone().unwrap_or_else(|| json!({"uk": p.name, "ru": p.name})),
        "sku": p.sku,
        "keywords": "",
        "description": "",
        "selling_type": "retail",
        "presence": p.presence,
        "presence_sure": true,
        "in_stock": p.quantity_in_stock.is_some_and(|q| q > 0),
        "quantity_in_stock": p.quantity_in_stock,
        "regions": [],
        "price": num(p.price),
        "minimum_order_quantity": null,
        "currency": p.currency,
        "discount": null,
        "prices": [],
        "group": {"id": p.group_id, "name": group_name, "name_multilang": {"uk": group_name, "ru": group_name}},
        "category": null,
        "main_image": null,
        "images": [],
        "status": p.status,
        "measure_unit": "шт.",
        "is_variation": false,
        "variation_base_id": null,
        "variation_group_id": null,
    })
}

pub(crate) fn group_json(g: &SandboxGroup) -> Value {
    json!({
        "id": g.id,
        "name": g.name,
        "name_multilang": {"uk": g.name, "ru": g.name},
        "description": null,
        "description_multilang": null,
        "image": null,
        "parent_group_id": g.parent_group_id,
    })
}

pub(crate) fn order_json(o: &SandboxOrder) -> Value {
    let total: Decimal = o.lines.iter().map(|l| l.price * l.quantity).sum();
    let d = &o.details;
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            json!({
                "id": l.product_id,
                "external_id": l.external_id,
                "name": l.name,
                "name_multilang": {"uk": l.name, "ru": l.name},
                "sku": l.sku,
                "price": order_money(l.price),
                "quantity": num(l.quantity),
                "measure_unit": "шт.",
                "image": l.product_id.map(|id| format!("https://images.prom.ua/{id}_w200_h200.jpg")),
                "url": l.product_id.map(|id| format!("https://prom.ua/p{id}-product.html")),
                "total_price": order_money(l.price * l.quantity),
                "cpa_commission": {"amount": "0.00"},
            })
        })
        .collect();
    let mut order = json!({
        "id": o.id,
        "date_created": prom_date(&o.date_created),
        "date_modified": prom_date(&o.date_modified),
        "client_first_name": o.client_first_name,
        "client_second_name": o.client_second_name,
        "client_last_name": o.client_last_name,
        "client_id": d.client_id.unwrap_or(70_000 + o.id % 1000),
        "client_notes": d.client_notes,
        "phone": o.phone,
        "email": o.email,
        "price": order_money(total),
        "full_price": order_money(total + o.delivery_cost),
        "delivery_cost": num(o.delivery_cost),
        "delivery_option": {"id": 13013, "name": "Нова Пошта", "shipping_service": o.delivery_provider},
        "delivery_address": d.delivery_address.as_deref().unwrap_or("Київ, Відділення №1"),
        "delivery_provider_data": o.delivery_provider.as_ref().map(|p| json!({
            "provider": p,
            "type": d.delivery_type.as_deref().unwrap_or("W2W"),
            "sender_warehouse_id": d.sender_warehouse_id,
            "recipient_warehouse_id": d.recipient_warehouse_id.as_deref().unwrap_or("1ec09d88-e1c2-11e3-8c4a-0050568002cf"),
            "declaration_number": d.declaration_number,
            "unified_status": null,
        })),
        "delivery_recipient": d.delivery_recipient,
        "payment_option": {"id": 7547964, "name": d.payment_option.as_deref().unwrap_or("Оплата при отриманні")},
        "payment_data": d.payment_status.as_ref().map(|s| json!({
            "type": "evopay",
            "status": s,
            "status_modified": prom_date(&o.date_modified),
        })),
        "status": o.status,
        "status_name": status_title(&o.status),
        "source": d.source.as_deref().unwrap_or("portal"),
        "price_with_special_offer": d.special_offer_discount.map(|off| order_money(total - off)),
        "special_offer_discount": d.special_offer_discount.map(order_money),
        "special_offer_promocode": d.special_offer_promocode,
        "has_order_promo_free_delivery": false,
        "cpa_commission": {"amount": "0.00", "is_refunded": false},
        "utm": d.utm,
        "dont_call_customer_back": d.dont_call_customer_back,
        "ps_promotion": null,
        "cancellation": o.cancellation_reason.as_ref().map(|r| json!({
            "title": d.cancellation_text.as_deref().unwrap_or(r),
            "initiator": "seller",
        })),
        "products": lines,
    });
    if let Value::Object(fields) = &mut order {
        fields.extend(d.raw.clone());
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_money_groups_with_non_breaking_spaces() {
        assert_eq!(order_money(Decimal::new(3990, 0)), "3\u{a0}990\u{a0}грн");
        assert_eq!(order_money(Decimal::ZERO), "0\u{a0}грн");
        assert_eq!(
            order_money(Decimal::new(123456789, 2)),
            "1\u{a0}234\u{a0}567,89\u{a0}грн"
        );
        let back = crate::domain::Money::parse(&order_money(Decimal::new(123456789, 2)));
        assert_eq!(back.amount, Some(Decimal::new(123456789, 2)));
    }
}
