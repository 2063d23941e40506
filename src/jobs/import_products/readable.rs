//! What of a Prom.ua product the import can take: a product whose SKU, name, price or
//! currency could not be read is a hard case of its own (nothing is done with it, the
//! rest of the catalogue is imported), and a quantity that is not a stock (negative,
//! fractional, beyond `MAX_QUANTITY`) is never stored as one.

use super::plan::{HardCase, HardCaseKind};
use crate::domain::MAX_QUANTITY;
use crate::prom::dto::Product as PromProduct;

/// The fields the import uses besides the quantity.
const USED: [&str; 4] = ["sku", "name", "price", "currency"];

/// The hard case of a product with a used field that could not be read.
pub fn unreadable(p: &PromProduct) -> Option<HardCase> {
    let bad: Vec<String> = p
        .unreadable
        .iter()
        .filter(|(field, _)| USED.contains(&field.as_str()))
        .map(|(field, u)| format!("{field} {} ({})", u.sent, u.why))
        .collect();
    (!bad.is_empty()).then(|| HardCase {
        prom_id: p.id,
        kind: HardCaseKind::UnreadableField,
        detail: format!(
            "unreadable {}: nothing imported for this product; correct it on Prom.ua",
            bad.join(", ")
        ),
    })
}

/// Made to order (`presence = order`): a quantity of 0 there is no count.
pub fn to_order(p: &PromProduct) -> bool {
    p.presence.as_deref() == Some("order")
}

/// Prom's quantity when it is a stock the ledger can hold (0 to `MAX_QUANTITY`).
pub fn stock(p: &PromProduct) -> Option<i64> {
    p.quantity_in_stock
        .filter(|q| (0..=MAX_QUANTITY).contains(q))
}

/// The hard case of a quantity that is not a stock, if Prom's is one.
pub fn bad_quantity(p: &PromProduct) -> Option<HardCase> {
    let shown = match (p.quantity_in_stock, p.unreadable.get("quantity_in_stock")) {
        (_, Some(u)) => format!("{} ({})", u.sent, u.why),
        (Some(q), None) if stock(p).is_none() => q.to_string(),
        _ => return None,
    };
    Some(HardCase {
        prom_id: p.id,
        kind: HardCaseKind::BadQuantity,
        detail: format!(
            "Prom.ua's quantity {shown} is not a stock the ledger can hold (a whole number from 0 to {MAX_QUANTITY}): not imported as stock"
        ),
    })
}
