//! The cross-tree invariants, checked on demand: what a transaction keeps true, seen
//! from outside.

use super::codec::{be, id_value, split_stock_key};
use super::{Result, Store};

impl Store {
    /// Checks the cross-tree invariants: every link, stock row, snapshot and presence
    /// setting names an existing product; links are one to one; the SKU index matches the products; each
    /// product's reservation is the sum over its orders; each order's search head is
    /// its own; the plan view holds what the stores do. Writes wait meanwhile: the check reads tree after tree, and a write
    /// between two reads (a stock move between the journal and the stock) would show
    /// as a finding.
    pub fn check_consistency(&self) -> Result<Vec<String>> {
        let _paused = self.pause_writes();
        let trees = &self.trees;
        let mut problems = Vec::new();
        let (links, counted) = (trees.links.len() as u64, self.counted_links()?);
        if links != counted {
            problems.push(format!(
                "the link count ({counted}) differs from the links held ({links}): `store compact` (with the daemon stopped) counts them again"
            ));
        }
        let (products, counted) = (trees.products.len() as u64, self.counted_products()?);
        if products != counted {
            problems.push(format!(
                "the product count ({counted}) differs from the products held ({products}): `store compact` (with the daemon stopped) counts them again"
            ));
        }
        let (held, counter) = self.ids_held()?;
        if held > counter {
            problems.push(format!(
                "the id counter ({counter}) is behind the largest id the store holds ({held}): a new product or stock move would overwrite an old one (opening the store again sets it right)"
            ));
        }
        let exists = |id: u64| -> Result<bool> { Ok(trees.products.get(be(id))?.is_some()) };
        for p in self.products()? {
            let indexed = trees.sku_index.get(p.sku.as_bytes())?;
            let indexed = indexed.map(|v| id_value("sku_index", &v)).transpose()?;
            if indexed != Some(p.id) {
                problems.push(format!(
                    "product {} ({}) is missing from the SKU index",
                    p.id, p.sku
                ));
            }
        }
        for l in self.links()? {
            if !exists(l.product_id)? {
                problems.push(format!("link of missing product {}", l.product_id));
            }
            if self.linked_to_prom(l.prom_id)? != Some(l.product_id) {
                problems.push(format!(
                    "link {} -> {} has no reverse entry",
                    l.product_id, l.prom_id
                ));
            }
        }
        if trees.links_by_prom.len() != trees.links.len() {
            problems.push("links and their reverse index differ in size".into());
        }
        for k in trees.stock.iter().keys() {
            let (id, _) = split_stock_key(&k?)?;
            if !exists(id)? {
                problems.push(format!("stock row of missing product {id}"));
            }
        }
        // A product's own presence goes with it (`remove.rs`). `prom_shown` is not
        // checked: it is keyed by Prom id and outlives links on purpose (a seller's mark
        // read by an import walk, our hide kept across an unlink).
        for id in self.presence_settings()?.keys() {
            if !exists(*id)? {
                problems.push(format!("presence setting of missing product {id}"));
            }
        }
        for (id, s) in self.stock_snapshots()? {
            if self.link_of(id)? != Some(s.prom_id) {
                problems.push(format!("snapshot of product {id} does not match its link"));
            }
        }
        // Each product's reservation is the sum of what its orders hold.
        let mut held = std::collections::BTreeMap::<u64, i64>::new();
        for o in self.orders()? {
            for (p, q) in &o.reserved {
                *held.entry(*p).or_default() += q;
            }
        }
        held.retain(|_, q| *q != 0);
        for kv in trees.reserved.iter() {
            let (k, v) = kv?;
            let id = id_value("reserved", &k)?;
            let total = super::codec::i64_value("reserved", &v)?;
            let want = held.remove(&id).unwrap_or(0);
            if total != want {
                problems.push(format!(
                    "product {id} has {total} reserved, its orders hold {want}"
                ));
            }
        }
        for (id, want) in held {
            problems.push(format!(
                "product {id} has nothing reserved, its orders hold {want}"
            ));
        }
        problems.extend(self.order_head_problems()?);
        problems.extend(self.reverse_index_problems()?);
        problems.extend(self.journal_problems()?);
        problems.extend(self.check_plan_view()?);
        problems.extend(self.link_free_problems_paused()?);
        problems.extend(self.extras_problems()?);
        self.check_runs()?;
        Ok(problems)
    }

    /// The reverse direction of the indexes: every SKU index entry names a product with
    /// that SKU, every reverse link a link back.
    fn reverse_index_problems(&self) -> Result<Vec<String>> {
        let trees = &self.trees;
        let mut problems = Vec::new();
        for kv in trees.sku_index.iter() {
            let (k, v) = kv?;
            let sku = String::from_utf8_lossy(&k);
            let id = id_value("sku_index", &v)?;
            match self.product(id)? {
                Some(p) if p.sku == sku => {}
                Some(p) => problems.push(format!(
                    "the SKU index sends {sku} to product {id}, whose SKU is {}",
                    p.sku
                )),
                None => problems.push(format!(
                    "the SKU index sends {sku} to product {id}, which does not exist"
                )),
            }
        }
        for kv in trees.links_by_prom.iter() {
            let (k, v) = kv?;
            let prom_id = super::codec::prom_key("links_by_prom", &k)?;
            let id = id_value("links_by_prom", &v)?;
            if self.link_of(id)? != Some(prom_id) {
                problems.push(format!(
                    "Prom product {prom_id} points back to product {id}, which is not linked to it"
                ));
            }
        }
        Ok(problems)
    }

    /// Each stock row is what its journal adds up to (the moves of a product that has
    /// stock rows, per warehouse).
    fn journal_problems(&self) -> Result<Vec<String>> {
        use std::collections::BTreeMap;
        let mut summed = BTreeMap::<(u64, String), i64>::new();
        for v in self.trees.journal.iter().values() {
            let e = super::journal_codec::decode_entry(&v?)?;
            *summed.entry((e.product_id, e.warehouse)).or_default() += e.delta;
        }
        let mut problems = Vec::new();
        for kv in self.trees.stock.iter() {
            let (k, v) = kv?;
            let (id, warehouse) = split_stock_key(&k)?;
            let warehouse = String::from_utf8_lossy(warehouse).into_owned();
            let held = super::codec::StockValue::decode(&v)?.quantity;
            let sum = summed.remove(&(id, warehouse.clone())).unwrap_or(0);
            if held != sum {
                problems.push(format!(
                    "product {id} has {held} in {warehouse}, its journal adds up to {sum}"
                ));
            }
        }
        // Moves of a product without a stock row there add up to 0 (a removed product's
        // journal is kept, its stock zeroed by a last move).
        for ((id, warehouse), sum) in summed {
            if sum != 0 && self.product(id)?.is_some() {
                problems.push(format!(
                    "product {id} has no stock in {warehouse}, its journal adds up to {sum}"
                ));
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
#[path = "consistency_tests.rs"]
mod tests;
