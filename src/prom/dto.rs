//! Prom.ua's JSON shapes (prom-api.md sections 2 and 3). Every field that the spec does
//! not promise is optional, and unknown fields are tolerated.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `presence` values; others are kept as text.
pub const AVAILABLE: &str = "available";
pub const NOT_AVAILABLE: &str = "not_available";

/// A product as `products/list` and `products/{id}` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub presence: Option<String>,
    #[serde(default)]
    pub quantity_in_stock: Option<i64>,
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `{"group_id": n, "products": [...]}`
#[derive(Debug, Clone, Deserialize)]
pub struct ProductsPage {
    #[serde(default)]
    pub group_id: Option<i64>,
    pub products: Vec<Product>,
}

/// One element of the bare-array body of `products/edit`: only the fields sent change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPatch {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_in_stock: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence: Option<String>,
}

/// The raw answer of `products/edit`: HTTP 200 even when items fail.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawEditResponse {
    #[serde(default)]
    pub processed_ids: Vec<serde_json::Value>,
    #[serde(default)]
    pub errors: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub warnings: serde_json::Value,
}

/// `products/edit` read per item: success only via `processed_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditResult {
    pub processed: Vec<i64>,
    /// Prom id → reason, e.g. `quantity_in_stock: must be ≥ 0`.
    pub errors: BTreeMap<i64, String>,
}

impl From<RawEditResponse> for EditResult {
    fn from(raw: RawEditResponse) -> Self {
        let processed = raw
            .processed_ids
            .iter()
            .filter_map(|v| match v {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .collect();
        let errors = raw
            .errors
            .into_iter()
            .filter_map(|(id, v)| Some((id.trim().parse().ok()?, reason(&v))))
            .collect();
        Self { processed, errors }
    }
}

/// Flattens `{"field": "msg"}` or `{"field": ["msg", ...]}` into `field: msg`.
fn reason(v: &serde_json::Value) -> String {
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
        let r = EditResult::from(raw);
        assert_eq!(r.processed, vec![1, 2]);
        assert_eq!(r.errors[&3], "id: Продукт не найден");
        assert_eq!(r.errors[&4], "external_id: Unknown field.");
    }

    #[test]
    fn product_tolerates_unknown_and_missing_fields() {
        let p: Product = serde_json::from_str(
            r#"{"id": 5, "name": "Чайник", "price": 199.5, "whatever": {"x": 1}, "sku": null}"#,
        )
        .unwrap();
        assert_eq!(p.id, 5);
        assert_eq!(p.price, Some(Decimal::new(1995, 1)));
        assert_eq!(p.sku, None);
    }

    #[test]
    fn patch_sends_only_set_fields() {
        let p = ProductPatch {
            id: 1,
            quantity_in_stock: Some(0),
            presence: None,
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"id":1,"quantity_in_stock":0}"#
        );
    }
}
