//! Wholesale tiers and discounts of a product: set or cleared by SKU (the CLI's `prices
//! tiers` and `prices discount`, the admin API's `PUT /v1/prices/{sku}/tiers|discount`),
//! checked against the product's price in the store's transaction, nothing half-applied.

use serde::{Deserialize, Serialize};

use super::products::{product, view};
use super::{BackOffice, ProductView, Result};
use crate::domain::price_terms::{check_not_over, earliest_today};
use crate::domain::{Discount, Tier};
use crate::store::ExtrasChange;

/// A product's tiers, all of them: an empty list clears them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TiersSet {
    pub tiers: Vec<Tier>,
}

/// A product's discount: `null` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountSet {
    pub discount: Option<Discount>,
}

pub(super) async fn set(
    office: &BackOffice,
    sku: &str,
    change: ExtrasChange,
) -> Result<ProductView> {
    // A discount given now may not be over already (the store's check cannot tell: it
    // keeps ended discounts, which push_prices removes once).
    if let Some(Some(d)) = &change.discount {
        check_not_over(d, earliest_today())
            .map_err(|e| super::BackofficeError::Invalid(format!("{sku}: {e}")))?;
    }
    let store = office.store();
    let p = product(store, sku)?;
    store.set_price_extras(&[(p.id, change)])?;
    office.durable().await?;
    office.touched();
    view(store, &office.pushed_warehouses(), p)
}
