//! Links between local products and Prom.ua products, one to one: `links` (product id →
//! Prom id) and its reverse index `links_by_prom`, always written together.

use serde::{Deserialize, Serialize};

use super::codec::{be, i64_value, id_key, id_value};
use super::dirty::{DIRTY_PRICE, DIRTY_STOCK};
use super::trees::{Tx, TxResult, abort};
use super::{Result, Store};

/// The link between a local product and a Prom.ua product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub product_id: u64,
    pub prom_id: i64,
}

/// Inside a transaction: the Prom id `product_id` is linked to.
pub(super) fn link_of_in(tx: &Tx<'_>, product_id: u64) -> TxResult<Option<i64>> {
    let v = tx.links.get(be(product_id))?;
    Ok(v.map(|v| i64_value("links", &v)).transpose()?)
}

/// Inside a transaction: the local product linked to `prom_id`.
pub(super) fn linked_to_prom_in(tx: &Tx<'_>, prom_id: i64) -> TxResult<Option<u64>> {
    let v = tx.links_by_prom.get(prom_id.to_be_bytes())?;
    Ok(v.map(|v| id_value("links_by_prom", &v)).transpose()?)
}

/// Inside a transaction: writes a link both ways (the caller checked both ends are free).
pub(super) fn insert_link(tx: &Tx<'_>, product_id: u64, prom_id: i64) -> TxResult<()> {
    if tx
        .links
        .insert(&be(product_id), &prom_id.to_be_bytes())?
        .is_none()
    {
        super::link_count::add(tx, 1)?;
    }
    super::plan_view::mark_stale(tx, product_id)?;
    tx.links_by_prom
        .insert(&prom_id.to_be_bytes(), &be(product_id))?;
    super::link_free::linked(tx, product_id, prom_id)?;
    Ok(())
}

/// Inside a transaction: removes a link both ways, with what Prom.ua confirmed for the
/// product's stock and its dirty marks.
pub(super) fn remove_link(tx: &Tx<'_>, product_id: u64, prom_id: i64) -> TxResult<()> {
    if tx.links.remove(&be(product_id))?.is_some() {
        super::link_count::add(tx, -1)?;
    }
    tx.links_by_prom.remove(&prom_id.to_be_bytes())?;
    tx.snapshots.remove(&be(product_id))?;
    tx.dirty.remove(&be(product_id))?;
    super::plan_view::mark_stale(tx, product_id)?;
    super::link_free::unlinked(tx, product_id, prom_id)?;
    Ok(())
}

/// How a link is made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replace {
    /// Only a link to a Prom product found deleted (gone) gives way.
    Gone,
    /// By hand: the product's link gives way, whatever it is, and the Prom id is no
    /// longer taken for gone.
    Any,
}

impl Store {
    /// Links a local product to a Prom.ua product, one to one.
    pub fn link(&self, product_id: u64, prom_id: i64) -> Result<()> {
        self.link_many(&[(product_id, prom_id)])
    }

    /// Links many (local product, Prom product) pairs in one transaction, each one to one;
    /// the first conflict aborts them all. A product linked to a Prom product found
    /// deleted (gone) is linked anew. The remembered hand unlinks of the products and
    /// Prom products linked are forgotten.
    pub fn link_many(&self, pairs: &[(u64, i64)]) -> Result<()> {
        self.link_pairs_with(pairs, Replace::Gone)
    }

    /// Links a product by hand: its current link (if any) gives way, a gone mark on
    /// `prom_id` is cleared (the seller says the product is there), the remembered
    /// unlinks of both are forgotten, and the product is marked dirty (stock and price)
    /// for the on-change push, in one transaction.
    pub fn relink(&self, product_id: u64, prom_id: i64) -> Result<()> {
        self.link_pairs_with(&[(product_id, prom_id)], Replace::Any)
    }

    fn link_pairs_with(&self, pairs: &[(u64, i64)], replace: Replace) -> Result<()> {
        let forgotten = self.unlinks_forgotten_by(pairs)?;
        self.transact(|tx| {
            for &(product_id, prom_id) in pairs {
                if tx.products.get(be(product_id))?.is_none() {
                    return abort(format!("no product with id {product_id}"));
                }
                if let Some(local) = linked_to_prom_in(tx, prom_id)?
                    && local != product_id
                {
                    return abort(format!(
                        "Prom product {prom_id} is already linked to product {local}"
                    ));
                }
                if let Some(linked) = link_of_in(tx, product_id)?
                    && linked != prom_id
                {
                    let gone = tx.gone.get(linked.to_be_bytes())?.is_some();
                    if replace == Replace::Gone && !gone {
                        return abort(format!(
                            "product {product_id} is already linked to Prom product {linked}"
                        ));
                    }
                    remove_link(tx, product_id, linked)?;
                }
                if replace == Replace::Any {
                    tx.gone.remove(&prom_id.to_be_bytes())?;
                }
                insert_link(tx, product_id, prom_id)?;
                if replace == Replace::Any {
                    // Linked by hand: the on-change push sends it, as a stock change.
                    super::dirty::mark_dirty(tx, product_id, DIRTY_STOCK | DIRTY_PRICE)?;
                }
            }
            for id in &forgotten {
                tx.hand_unlinks.remove(&be(*id))?;
            }
            Ok(())
        })
    }

    /// Removes a product's link (and what Prom confirmed for its stock). Returns the Prom
    /// id it had. Not remembered: see [`Store::unlink_by_hand`].
    pub fn unlink(&self, product_id: u64) -> Result<Option<i64>> {
        self.transact(|tx| {
            let Some(prom_id) = link_of_in(tx, product_id)? else {
                return Ok(None);
            };
            remove_link(tx, product_id, prom_id)?;
            Ok(Some(prom_id))
        })
    }

    pub fn links(&self) -> Result<Vec<Link>> {
        Ok(self
            .link_pairs()?
            .into_iter()
            .map(|(product_id, prom_id)| Link {
                product_id,
                prom_id,
            })
            .collect())
    }

    /// Every link as (local product id, Prom id), in product id order.
    pub fn link_pairs(&self) -> Result<Vec<(u64, i64)>> {
        self.trees
            .links
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((id_key("links", &k)?, i64_value("links", &v)?))
            })
            .collect()
    }

    /// The Prom id a product is linked to.
    pub fn link_of(&self, product_id: u64) -> Result<Option<i64>> {
        self.trees
            .links
            .get(be(product_id))?
            .map(|v| i64_value("links", &v))
            .transpose()
    }

    /// The local product linked to a Prom product.
    pub fn linked_to_prom(&self, prom_id: i64) -> Result<Option<u64>> {
        self.trees
            .links_by_prom
            .get(prom_id.to_be_bytes())?
            .map(|v| id_value("links_by_prom", &v))
            .transpose()
    }

    pub fn link_count(&self) -> usize {
        self.trees.links.len()
    }
}
