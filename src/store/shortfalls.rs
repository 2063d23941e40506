//! Products short of stock: their stock in the pushed warehouses below what open orders
//! reserve, or below 0. Here, below the back office and the jobs, so that a stock write
//! (the back office) and an order pull (a job) check it the same way.

use super::{Result, Store};

/// A product whose stock in the pushed warehouses is below what open orders reserve for
/// it, or below 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortStock {
    pub product_id: u64,
    pub sku: String,
    /// Summed over the warehouses asked about (stock never recorded counts as 0).
    pub stock: i64,
    /// What open orders reserve (the `reserved` tree).
    pub reserved: i64,
}

impl ShortStock {
    /// One line for a warning: the CLI's, the admin API's log and a run's.
    pub fn message(&self) -> String {
        describe(&self.sku, self.stock, self.reserved)
    }
}

/// The words of a shortfall.
pub fn describe(sku: &str, stock: i64, reserved: i64) -> String {
    let below = if reserved > 0 && stock < reserved {
        "what open orders reserve"
    } else {
        "0"
    };
    format!(
        "{sku}: stock {stock} in the pushed warehouses is below {below} (reserved {reserved}, available {})",
        stock.saturating_sub(reserved)
    )
}

/// Stock is short of the reservations, or below 0 (whatever is reserved).
fn is_short(stock: i64, reserved: i64) -> bool {
    stock < reserved || stock < 0
}

impl Store {
    /// Of `product_ids`, those short of stock in `warehouses` (the pushed ones), each
    /// once, in the order first named; ids of products that do not exist are passed
    /// over. Point reads per id: meant for the few products a write touched.
    pub fn short_of_stock(
        &self,
        product_ids: &[u64],
        warehouses: &[String],
    ) -> Result<Vec<ShortStock>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for &id in product_ids {
            if !seen.insert(id) {
                continue;
            }
            let stock = self
                .stock_of(id)?
                .into_iter()
                .filter(|(w, _)| warehouses.contains(w))
                .fold(0i64, |t, (_, q)| t.saturating_add(q));
            let reserved = self.reserved_of(id)?;
            if !is_short(stock, reserved) {
                continue;
            }
            if let Some(p) = self.product(id)? {
                out.push(ShortStock {
                    product_id: id,
                    sku: p.sku,
                    stock,
                    reserved,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::be;
    use super::*;

    #[test]
    fn short_below_the_reservations_or_0_counting_only_the_warehouses_asked() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("db")).unwrap();
        let a = s.add_product("A", "a").unwrap();
        let b = s.add_product("B", "b").unwrap();
        s.set_stock(a.id, "main", 2).unwrap();
        // A warehouse not asked about does not cover the reservation.
        s.set_stock(a.id, "returns", 50).unwrap();
        s.set_stock(b.id, "main", 3).unwrap();
        for (id, q) in [(a.id, 3i64), (b.id, 3)] {
            s.trees.reserved.insert(be(id), &q.to_be_bytes()).unwrap();
        }
        let short = s
            .short_of_stock(&[a.id, b.id, a.id, 999], &["main".into()])
            .unwrap();
        assert_eq!(
            short,
            vec![ShortStock {
                product_id: a.id,
                sku: "A".into(),
                stock: 2,
                reserved: 3
            }],
            "B holds exactly what is reserved; A once; 999 does not exist"
        );
        assert!(is_short(-1, 0) && is_short(2, 3));
        assert!(!is_short(0, 0) && !is_short(3, 3));
    }
}
