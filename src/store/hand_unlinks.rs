//! Unlinks made by hand, remembered (`hand_unlinks`: product id → the Prom id and when),
//! so that automatic linking (an import matching SKUs) never undoes them: neither the
//! local product nor the Prom product is linked again automatically until one of them is
//! linked by hand, which forgets the unlink.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::codec::{be, encode_hand_unlink, hand_unlink_value, id_key};
use super::links::{link_of_in, remove_link};
use super::{Result, Store};

/// A local product unlinked by hand from a Prom product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandUnlink {
    pub product_id: u64,
    pub prom_id: i64,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Removes a product's link by hand and remembers it, in one transaction. Returns
    /// the Prom id it had.
    pub fn unlink_by_hand(&self, product_id: u64, at: DateTime<Utc>) -> Result<Option<i64>> {
        self.transact(|tx| {
            let Some(prom_id) = link_of_in(tx, product_id)? else {
                return Ok(None);
            };
            remove_link(tx, product_id, prom_id)?;
            // Unlinking from a product Prom.ua deleted clears a dead link (as the pushes
            // advise): no choice to remember, so a re-created product links again.
            if tx.gone.get(prom_id.to_be_bytes())?.is_none() {
                tx.hand_unlinks
                    .insert(&be(product_id), &encode_hand_unlink(prom_id, at))?;
            }
            Ok(Some(prom_id))
        })
    }

    /// Every remembered unlink, in product id order.
    pub fn hand_unlinks(&self) -> Result<Vec<HandUnlink>> {
        self.trees
            .hand_unlinks
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                let (prom_id, at) = hand_unlink_value(&v)?;
                Ok(HandUnlink {
                    product_id: id_key("hand_unlinks", &k)?,
                    prom_id,
                    at,
                })
            })
            .collect()
    }

    /// The remembered unlinks that linking `pairs` forgets: those of the products or of
    /// the Prom products linked (the tree holds only hand unlinks, so a scan is cheap).
    pub(super) fn unlinks_forgotten_by(&self, pairs: &[(u64, i64)]) -> Result<Vec<u64>> {
        if self.trees.hand_unlinks.is_empty() {
            return Ok(Vec::new());
        }
        let products: HashSet<u64> = pairs.iter().map(|p| p.0).collect();
        let proms: HashSet<i64> = pairs.iter().map(|p| p.1).collect();
        Ok(self
            .hand_unlinks()?
            .into_iter()
            .filter(|u| products.contains(&u.product_id) || proms.contains(&u.prom_id))
            .map(|u| u.product_id)
            .collect())
    }
}
