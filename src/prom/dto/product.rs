use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lenient::RawProduct;
pub use super::lenient::Unreadable;
use super::listed::{ListItem, Listed};
pub use super::price_patch::{PromDiscount, PromTier, ShownDiscount, ShownTier};

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
    /// The wholesale tiers shown (`None`: not sent, or `null`). Not serialized: kept
    /// records of products (staging) stay as they were.
    #[serde(skip_serializing)]
    pub prices: Option<Vec<ShownTier>>,
    /// The discount shown (`None`: not sent; `Removed`: `null`).
    #[serde(skip_serializing)]
    pub discount: Option<ShownDiscount>,
    /// Fields sent that could not be read, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<String, Unreadable>,
}

/// `{"group_id": n, "products": [...]}`, read item by item (`listed.rs`): a product
/// without a readable id is skipped and named in `notes`, never failing the page.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawProductsPage")]
pub struct ProductsPage {
    pub group_id: Option<i64>,
    pub products: Vec<Product>,
    /// Products on the page that could not be read (each named in `notes`).
    pub skipped: usize,
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
struct RawProductsPage {
    #[serde(default, deserialize_with = "super::lenient::optional_id")]
    group_id: Option<i64>,
    products: Listed<Product>,
}

impl From<RawProductsPage> for ProductsPage {
    fn from(raw: RawProductsPage) -> Self {
        Self {
            group_id: raw.group_id,
            products: raw.products.items,
            skipped: raw.products.skipped,
            notes: raw.products.notes,
        }
    }
}

impl ListItem for Product {
    const WHAT: &'static str = "a product";
    const WHAT_PLURAL: &'static str = "products";
}

/// `{"product": {...}}`
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProductEnvelope {
    pub product: Product,
}

/// One element of the bare-array body of `products/edit` (`Id = i64`) or
/// `products/edit_by_external_id` (`Id = String`): only the fields sent change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductPatch<Id = i64> {
    pub id: Id,
    pub quantity_in_stock: Option<i64>,
    pub presence: Option<String>,
    /// Left `None`, a patch that sets `presence` sends `presence_sure: true` with it, as
    /// Prom's public clients do (prom-api.md §7, §10): the seller vouches for the presence.
    pub presence_sure: Option<bool>,
    #[serde(default, with = "rust_decimal::serde::float_option")]
    pub price: Option<Decimal>,
    /// Only `on_display`, `draft`, `deleted`, `not_on_display` are writable.
    pub status: Option<String>,
    /// The wholesale tiers, all of them (an empty list clears them).
    #[serde(skip)]
    pub prices: Option<Vec<PromTier>>,
    /// `Some(None)` sends `discount: null`, which removes the discount.
    #[serde(skip)]
    pub discount: Option<Option<PromDiscount>>,
}

impl<Id: Serialize> Serialize for ProductPatch<Id> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// What goes on the wire: only the fields set, prices as JSON numbers.
        #[derive(Serialize)]
        struct Wire<'a, Id> {
            id: &'a Id,
            #[serde(skip_serializing_if = "Option::is_none")]
            quantity_in_stock: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            presence: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            presence_sure: Option<bool>,
            #[serde(
                skip_serializing_if = "Option::is_none",
                serialize_with = "rust_decimal::serde::float_option::serialize"
            )]
            price: Option<Decimal>,
            #[serde(skip_serializing_if = "Option::is_none")]
            status: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            prices: Option<&'a [PromTier]>,
            #[serde(skip_serializing_if = "Option::is_none")]
            discount: Option<Option<&'a PromDiscount>>,
        }
        Wire {
            id: &self.id,
            quantity_in_stock: self.quantity_in_stock,
            presence: self.presence.as_deref(),
            presence_sure: self.presence_sure.or(self.presence.as_ref().map(|_| true)),
            price: self.price,
            status: self.status.as_deref(),
            prices: self.prices.as_deref(),
            discount: self.discount.as_ref().map(Option::as_ref),
        }
        .serialize(s)
    }
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
            prices: None,
            discount: None,
        }
    }

    /// The same patch addressed by another id (a Prom id patch sent by external id).
    pub fn with_id<J>(self, id: J) -> ProductPatch<J> {
        ProductPatch {
            id,
            quantity_in_stock: self.quantity_in_stock,
            presence: self.presence,
            presence_sure: self.presence_sure,
            price: self.price,
            status: self.status,
            prices: self.prices,
            discount: self.discount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn presence_goes_with_presence_sure_unless_the_patch_says_otherwise() {
        let mut p = ProductPatch::new(1);
        p.quantity_in_stock = Some(3);
        p.presence = Some(AVAILABLE.to_string());
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"id":1,"quantity_in_stock":3,"presence":"available","presence_sure":true}"#
        );
        p.presence_sure = Some(false);
        assert!(
            serde_json::to_string(&p)
                .unwrap()
                .contains(r#""presence_sure":false"#)
        );
        let mut price_only = ProductPatch::new(2);
        price_only.price = Some(Decimal::from(5));
        assert_eq!(
            serde_json::to_string(&price_only).unwrap(),
            r#"{"id":2,"price":5.0}"#,
            "no presence, no presence_sure"
        );
    }
}
