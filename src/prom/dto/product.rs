use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lenient::RawProduct;
pub use super::lenient::Unreadable;

/// `presence` values the jobs write.
pub use crate::domain::{AVAILABLE, NOT_AVAILABLE};

/// The group a product sits in, as products carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductGroup {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A product as `products/list` and `products/{id}` return it, read field by field
/// (`lenient.rs`): a field sent in a shape this program cannot use reads as absent and is
/// named in `unreadable`, so one odd product never fails the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawProduct")]
pub struct Product {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: Option<String>,
    /// The name per language (`ru`, `uk`); see [`Product::other_names`].
    pub name_multilang: BTreeMap<String, String>,
    pub sku: Option<String>,
    pub presence: Option<String>,
    pub presence_sure: Option<bool>,
    pub in_stock: Option<bool>,
    /// A whole number as sent (it may be negative or beyond what the ledger holds: the
    /// import judges that); a fraction or a number beyond `i64` is in `unreadable`.
    pub quantity_in_stock: Option<i64>,
    #[serde(serialize_with = "rust_decimal::serde::float_option::serialize")]
    pub price: Option<Decimal>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub selling_type: Option<String>,
    pub group: Option<ProductGroup>,
    pub date_modified: Option<String>,
    /// Fields sent that could not be read, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<String, Unreadable>,
}

/// `{"group_id": n, "products": [...]}`
#[derive(Debug, Clone, Deserialize)]
pub struct ProductsPage {
    #[serde(default)]
    pub group_id: Option<i64>,
    pub products: Vec<Product>,
}

/// `{"product": {...}}`
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProductEnvelope {
    pub product: Product,
}

/// One element of the bare-array body of `products/edit` (`Id = i64`) or
/// `products/edit_by_external_id` (`Id = String`): only the fields sent change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPatch<Id = i64> {
    pub id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_in_stock: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_sure: Option<bool>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        with = "rust_decimal::serde::float_option"
    )]
    pub price: Option<Decimal>,
    /// Only `on_display`, `draft`, `deleted`, `not_on_display` are writable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl<Id> ProductPatch<Id> {
    /// A patch that changes nothing yet.
    pub fn new(id: Id) -> Self {
        Self {
            id,
            quantity_in_stock: None,
            presence: None,
            presence_sure: None,
            price: None,
            status: None,
        }
    }
}

/// The raw answer of the edit calls: HTTP 200 even when items fail.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawEditResponse {
    #[serde(default)]
    pub processed_ids: Vec<serde_json::Value>,
    #[serde(default)]
    pub errors: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub warnings: serde_json::Value,
}

/// An edit read per item: success only via `processed_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditResult<Id = i64> {
    pub processed: Vec<Id>,
    /// id → reason, e.g. `quantity_in_stock: must be ≥ 0`.
    pub errors: BTreeMap<Id, String>,
    /// Whatever Prom.ua put in `warnings`, if anything.
    pub warnings: Option<String>,
}

impl<Id> Default for EditResult<Id> {
    fn default() -> Self {
        Self {
            processed: Vec::new(),
            errors: BTreeMap::new(),
            warnings: None,
        }
    }
}

impl<Id: FromStr + Ord> From<RawEditResponse> for EditResult<Id> {
    fn from(raw: RawEditResponse) -> Self {
        let processed = raw
            .processed_ids
            .iter()
            .filter_map(|v| match v {
                serde_json::Value::Number(n) => n.to_string().parse().ok(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            })
            .collect();
        let errors = raw
            .errors
            .into_iter()
            .filter_map(|(id, v)| Some((id.parse().ok()?, reason(&v))))
            .collect();
        let warnings = match &raw.warnings {
            serde_json::Value::Null => None,
            serde_json::Value::Object(m) if m.is_empty() => None,
            serde_json::Value::Array(a) if a.is_empty() => None,
            other => Some(reason(other)),
        };
        Self {
            processed,
            errors,
            warnings,
        }
    }
}

impl<Id: Ord + std::hash::Hash> EditResult<Id> {
    /// Why Prom.ua did not confirm `id`, or `None` when it did. An item is confirmed only
    /// when it is in `processed_ids` and not in `errors` (HTTP 200 alone proves nothing).
    pub fn refusal(&self, id: &Id) -> Option<String> {
        if let Some(reason) = self.errors.get(id) {
            return Some(reason.clone());
        }
        if self.processed.contains(id) {
            None
        } else {
            Some("not confirmed by Prom.ua (missing from processed_ids)".into())
        }
    }
}

/// Flattens `{"field": "msg"}` or `{"field": ["msg", ...]}` into `field: msg`.
pub(crate) fn reason(v: &serde_json::Value) -> String {
    fn text(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join("; "),
            other => other.to_string(),
        }
    }
    match v {
        serde_json::Value::Object(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        other => text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_response_is_read_per_item() {
        let raw: RawEditResponse = serde_json::from_str(
            r#"{"processed_ids": [1, "2"], "errors": {"3": {"id": "Продукт не найден"},
                "4": {"external_id": ["Unknown field."]}}, "warnings": {}}"#,
        )
        .unwrap();
        let r: EditResult = raw.into();
        assert_eq!(r.processed, vec![1, 2]);
        assert_eq!(r.errors[&3], "id: Продукт не найден");
        assert_eq!(r.errors[&4], "external_id: Unknown field.");
        assert_eq!(r.warnings, None);
    }

    #[test]
    fn only_processed_and_unrefused_items_are_confirmed() {
        let raw: RawEditResponse = serde_json::from_str(
            r#"{"processed_ids": [1, 2], "errors": {"2": {"presence": "bad"}}, "warnings": {}}"#,
        )
        .unwrap();
        let r: EditResult = raw.into();
        assert_eq!(r.refusal(&1), None);
        assert_eq!(r.refusal(&2).as_deref(), Some("presence: bad"));
        assert!(
            r.refusal(&3)
                .unwrap()
                .contains("missing from processed_ids")
        );
    }

    #[test]
    fn external_ids_are_strings() {
        let raw: RawEditResponse =
            serde_json::from_str(r#"{"processed_ids": ["A"], "errors": {"B": {"id": "Продукт не найден"}}, "warnings": {}}"#)
                .unwrap();
        let r: EditResult<String> = raw.into();
        assert_eq!(r.processed, vec!["A".to_string()]);
        assert_eq!(r.errors["B"], "id: Продукт не найден");
    }

    #[test]
    fn product_tolerates_unknown_and_missing_fields() {
        let p: Product = serde_json::from_str(
            r#"{"id": 5, "name": "Чайник", "price": 199.5, "whatever": {"x": 1}, "sku": null, "quantity_in_stock": 3.0}"#,
        )
        .unwrap();
        assert_eq!(p.id, 5);
        assert_eq!(p.price, Some(Decimal::new(1995, 1)));
        assert_eq!(p.sku, None);
        assert_eq!(p.quantity_in_stock, Some(3));
    }

    #[test]
    fn patch_sends_only_set_fields_and_prices_as_numbers() {
        let mut p = ProductPatch::new(1);
        p.quantity_in_stock = Some(0);
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"id":1,"quantity_in_stock":0}"#
        );
        let mut p = ProductPatch::new("ext-1".to_string());
        p.price = Some(Decimal::new(199999, 2));
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"id":"ext-1","price":1999.99}"#
        );
    }
}
