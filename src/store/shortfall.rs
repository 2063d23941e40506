//! Products whose stock is below what open orders hold, or below zero: sold what is
//! not there. Said after every change that can cause it, never silently.

use serde::Serialize;

use super::{Result, Store};

/// A product short of stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    pub product_id: u64,
    pub sku: String,
    /// The stock of the warehouses Prom.ua is shown.
    pub stock: i64,
    pub reserved: i64,
}

impl Shortfall {
    pub fn message(&self) -> String {
        if self.stock < 0 {
            format!(
                "{}: stock is {} (below zero), {} reserved by open orders",
                self.sku, self.stock, self.reserved
            )
        } else {
            format!(
                "{}: stock {} is below the {} reserved by open orders",
                self.sku, self.stock, self.reserved
            )
        }
    }
}

impl Store {
    /// Of `products`, those whose stock in `warehouses` is below zero or below what
    /// open orders reserve.
    pub fn shortfalls(&self, products: &[u64], warehouses: &[String]) -> Result<Vec<Shortfall>> {
        let mut out = Vec::new();
        for &id in products {
            let stock: i64 = self
                .stock_of(id)?
                .into_iter()
                .filter(|(w, _)| warehouses.contains(w))
                .map(|(_, q)| q)
                .sum();
            let reserved = self.reserved_of(id)?;
            if stock < 0 || stock < reserved {
                let sku = self.product(id)?.map(|p| p.sku).unwrap_or_default();
                out.push(Shortfall {
                    product_id: id,
                    sku,
                    stock,
                    reserved,
                });
            }
        }
        Ok(out)
    }
}
