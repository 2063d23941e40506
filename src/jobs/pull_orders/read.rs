//! A Prom.ua order as the back office keeps it: the figures that move stock, and every
//! detail a seller fulfils it from. Blank text is absent, as `null` is.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::prom::dto::{Order, OrderLine};
use crate::store::{
    Buyer, Cancellation, Delivery, LocalLine, LocalOrder, OrderDetails, OrderMoney, Payment,
    Recipient, Utm,
};

/// Text as sent; blank text is absent.
fn text(t: &Option<String>) -> Option<String> {
    t.as_ref().filter(|t| !t.trim().is_empty()).cloned()
}

/// Prom's order as the back office keeps it (before its lines are linked).
pub fn to_local(o: &Order, now: DateTime<Utc>) -> LocalOrder {
    let status = o
        .status
        .as_ref()
        .map_or_else(|| "pending".to_string(), |s| s.as_str().to_string());
    let client = [
        &o.client_first_name,
        &o.client_second_name,
        &o.client_last_name,
    ]
    .iter()
    .filter_map(|p| p.as_deref())
    .filter(|p| !p.trim().is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    LocalOrder {
        prom_id: o.id,
        prom_status: Some(status.clone()),
        prom_status_unconfirmed: false,
        statuses_sent: Vec::new(),
        status,
        status_pending: false,
        status_changed_at: None,
        created_at: o.date_created,
        modified_at: o.date_modified,
        client,
        phone: text(&o.phone),
        email: text(&o.email),
        total: o.price.clone(),
        details: details(o),
        lines: o.products.iter().map(line).collect(),
        reserved: Vec::new(),
        stock_moved: false,
        shipped: Vec::new(),
        adopted_done: false,
        holds: None,
        imported_at: now,
        updated_at: now,
    }
}

fn line(l: &OrderLine) -> LocalLine {
    LocalLine {
        prom_product_id: l.id,
        sku: l.sku.clone(),
        name: l.name.clone().unwrap_or_default(),
        quantity: l.quantity.unwrap_or(Decimal::ONE),
        price: l.price.clone(),
        product_id: None,
        hand_linked: false,
        external_id: text(&l.external_id),
        measure_unit: text(&l.measure_unit),
        total_price: l.total_price.clone(),
        image: text(&l.image),
        url: text(&l.url),
    }
}

fn details(o: &Order) -> OrderDetails {
    let option = o.delivery_option.clone().unwrap_or_default();
    let provider = o.delivery_provider_data.clone().unwrap_or_default();
    let payment = o.payment_option.clone().unwrap_or_default();
    let paid = o.payment_data.clone().unwrap_or_default();
    let cpa = o.cpa_commission.clone().unwrap_or_default();
    let cancel = o.cancellation.clone().unwrap_or_default();
    let utm = o.utm.clone().unwrap_or_default();
    let recipient = o.delivery_recipient.as_ref().map(|r| Recipient {
        first_name: text(&r.first_name),
        second_name: text(&r.second_name),
        last_name: text(&r.last_name),
        phone: text(&r.phone),
    });
    OrderDetails {
        buyer: Buyer {
            first_name: text(&o.client_first_name),
            second_name: text(&o.client_second_name),
            last_name: text(&o.client_last_name),
            client_id: o.client_id,
            notes: text(&o.client_notes),
            dont_call_back: o.dont_call_customer_back,
        },
        delivery: Delivery {
            option_id: option.id,
            option_name: text(&option.name),
            shipping_service: text(&option.shipping_service),
            address: text(&o.delivery_address),
            provider: provider.provider.map(|p| p.as_str().to_string()),
            kind: text(&provider.kind),
            sender_warehouse_id: text(&provider.sender_warehouse_id),
            recipient_warehouse_id: text(&provider.recipient_warehouse_id),
            declaration_number: text(&provider.declaration_number),
            unified_status: text(&provider.unified_status),
            recipient: recipient.filter(|r| *r != Recipient::default()),
        },
        payment: Payment {
            option_id: payment.id,
            option_name: text(&payment.name),
            kind: text(&paid.kind),
            status: text(&paid.status),
            status_modified: text(&paid.status_modified),
        },
        money: OrderMoney {
            full_price: o.full_price.clone(),
            price_with_special_offer: o.price_with_special_offer.clone(),
            special_offer_discount: o.special_offer_discount.clone(),
            special_offer_promocode: text(&o.special_offer_promocode),
            delivery_cost: o.delivery_cost.clone(),
            has_order_promo_free_delivery: o.has_order_promo_free_delivery,
            cpa_commission: cpa.amount,
            cpa_commission_refunded: cpa.is_refunded,
        },
        cancellation: Cancellation {
            title: text(&cancel.title),
            initiator: text(&cancel.initiator),
            reason: text(&o.cancellation_reason),
            text: text(&o.cancellation_text),
        },
        source: text(&o.source),
        status_name: text(&o.status_name),
        utm: Utm {
            medium: text(&utm.medium),
            source: text(&utm.source),
            campaign: text(&utm.campaign),
        },
    }
}
