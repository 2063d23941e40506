//! The index of what no link holds (tree `link_free`): the local products with no link,
//! the staged Prom products with no link, and the staged products by cleaned SKU. Kept in
//! the transactions that write products, links and staged rows, so that the link
//! suggestions read the few unlinked instead of every product, link and staged row.
//! Built at open when missing (a store from before it) and again when `store check`
//! finds it wrong.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::codec::{be, decode, i64_value, id_value};
use super::trees::{Tx, TxResult};
use super::{Result, Store};
use crate::domain::sku;

/// `meta` key: the layout of the index this store holds (absent: build it).
pub(super) const FREE_BUILT: &[u8] = b"link_free_built";
const FREE_LAYOUT: &[u8] = b"1";

const LOCAL: u8 = b'L';
const STAGED: u8 = b'S';
const SKU: u8 = b'K';

fn local_key(id: u64) -> [u8; 9] {
    let mut k = [LOCAL; 9];
    k[1..].copy_from_slice(&be(id));
    k
}

fn staged_key(prom_id: i64) -> [u8; 9] {
    let mut k = [STAGED; 9];
    k[1..].copy_from_slice(&prom_id.to_be_bytes());
    k
}

/// `K`, the SKU's length, the SKU: a prefix no other SKU's key starts with.
fn sku_prefix(clean: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(5 + clean.len() + 8);
    k.push(SKU);
    k.extend_from_slice(&(clean.len() as u32).to_be_bytes());
    k.extend_from_slice(clean.as_bytes());
    k
}

fn sku_key(clean: &str, prom_id: i64) -> Vec<u8> {
    let mut k = sku_prefix(clean);
    k.extend_from_slice(&prom_id.to_be_bytes());
    k
}

/// Whether `key` is one of the index's: `L` or `S` and 8 bytes, or `K`, a length, that
/// many bytes of SKU and 8.
pub(super) fn key_layout(key: &[u8]) -> Result<()> {
    let fits = match key.first() {
        Some(&LOCAL | &STAGED) => key.len() == 9,
        Some(&SKU) if key.len() >= 5 => {
            let n = u32::from_be_bytes([key[1], key[2], key[3], key[4]]) as usize;
            key.len() == 5 + n + 8
        }
        _ => false,
    };
    match fits {
        true => Ok(()),
        false => Err(super::codec::corrupt(
            "link_free",
            format!("a key of {} bytes is none of the index's", key.len()),
        )),
    }
}

/// Only the SKU of a staged row.
#[derive(Deserialize)]
struct SkuOnly {
    sku: Option<String>,
}

/// The cleaned SKU of an encoded staged row.
pub(super) fn staged_sku(row: &[u8]) -> Result<Option<String>> {
    let s: SkuOnly = decode("staged", row)?;
    Ok(s.sku.as_deref().and_then(sku::clean).map(str::to_string))
}

/// Inside a transaction: a new product, with no link.
pub(super) fn product_added(tx: &Tx<'_>, id: u64) -> TxResult<()> {
    tx.link_free.insert(&local_key(id), &[])?;
    Ok(())
}

/// Inside a transaction: a product removed (its link, if any, with it: `prom_id`).
pub(super) fn product_removed(tx: &Tx<'_>, id: u64, prom_id: Option<i64>) -> TxResult<()> {
    tx.link_free.remove(&local_key(id))?;
    if let Some(prom_id) = prom_id
        && tx.staged.get(prom_id.to_be_bytes())?.is_some()
    {
        tx.link_free.insert(&staged_key(prom_id), &[])?;
    }
    Ok(())
}

/// Inside a transaction: a link made.
pub(super) fn linked(tx: &Tx<'_>, product_id: u64, prom_id: i64) -> TxResult<()> {
    tx.link_free.remove(&local_key(product_id))?;
    tx.link_free.remove(&staged_key(prom_id))?;
    Ok(())
}

/// Inside a transaction: a link removed; both ends are free, if they are there.
pub(super) fn unlinked(tx: &Tx<'_>, product_id: u64, prom_id: i64) -> TxResult<()> {
    if tx.products.get(be(product_id))?.is_some() {
        tx.link_free.insert(&local_key(product_id), &[])?;
    }
    if tx.staged.get(prom_id.to_be_bytes())?.is_some() {
        tx.link_free.insert(&staged_key(prom_id), &[])?;
    }
    Ok(())
}

/// Inside a transaction: a staged row written (`old`: the row it replaces, encoded).
pub(super) fn staged_put(
    tx: &Tx<'_>,
    prom_id: i64,
    old: Option<&[u8]>,
    new_sku: Option<&str>,
) -> TxResult<()> {
    if let Some(old) = old.map(staged_sku).transpose()?.flatten() {
        tx.link_free.remove(sku_key(&old, prom_id))?;
    }
    if let Some(new) = new_sku.and_then(sku::clean) {
        tx.link_free.insert(sku_key(new, prom_id), &[])?;
    }
    if tx.links_by_prom.get(prom_id.to_be_bytes())?.is_none() {
        tx.link_free.insert(&staged_key(prom_id), &[])?;
    }
    Ok(())
}

/// Inside a transaction: a staged row removed (`old`: it, encoded).
pub(super) fn staged_removed(tx: &Tx<'_>, prom_id: i64, old: &[u8]) -> TxResult<()> {
    if let Some(old) = staged_sku(old)? {
        tx.link_free.remove(sku_key(&old, prom_id))?;
    }
    tx.link_free.remove(&staged_key(prom_id))?;
    Ok(())
}

impl Store {
    /// The local products with no link, in id order (from the index: no walk).
    pub fn unlinked_product_ids(&self) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for k in self.trees.link_free.scan_prefix([LOCAL]).keys() {
            out.push(id_value("link_free", &k?[1..])?);
        }
        Ok(out)
    }

    /// The Prom ids of the staged products no local product is linked to, in order (from
    /// the index: no walk; the console pages through them, reading a page's rows).
    pub fn unlinked_staged_ids(&self) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for k in self.trees.link_free.scan_prefix([STAGED]).keys() {
            out.push(i64_value("link_free", &k?[1..])?);
        }
        Ok(out)
    }

    /// The staged products whose cleaned SKU is `clean`.
    pub fn staged_ids_with_sku(&self, clean: &str) -> Result<Vec<i64>> {
        let prefix = sku_prefix(clean);
        let mut out = Vec::new();
        for k in self.trees.link_free.scan_prefix(&prefix).keys() {
            out.push(i64_value("link_free", &k?[prefix.len()..])?);
        }
        Ok(out)
    }

    /// What the index holds when right, from the products, links and staged rows.
    fn link_free_truth(&self) -> Result<BTreeSet<Vec<u8>>> {
        let t = &self.trees;
        let mut out = BTreeSet::new();
        for k in t.products.iter().keys() {
            let k = k?;
            if !t.links.contains_key(&k)? {
                out.insert(local_key(id_value("products", &k)?).to_vec());
            }
        }
        for kv in t.staged.iter() {
            let (k, v) = kv?;
            let prom_id = i64_value("staged", &k)?;
            if !t.links_by_prom.contains_key(&k)? {
                out.insert(staged_key(prom_id).to_vec());
            }
            if let Some(s) = staged_sku(&v)? {
                out.insert(sku_key(&s, prom_id));
            }
        }
        Ok(out)
    }

    /// At open: builds the index of a store that has none (or an older layout).
    pub(super) fn build_link_free_once(&self) -> Result<()> {
        if self.trees.meta.get(FREE_BUILT)?.as_deref() != Some(FREE_LAYOUT) {
            let _paused = self.pause_writes();
            self.build_link_free_paused()?;
        }
        Ok(())
    }

    /// Writes the index from the truth; the caller holds the writes' pause, so that no
    /// link or product is written between the reads and the index.
    fn build_link_free_paused(&self) -> Result<()> {
        let truth = self.link_free_truth()?;
        let t = &self.trees;
        t.link_free.clear()?;
        let mut batch = sled::Batch::default();
        for k in truth {
            batch.insert(k, &[]);
        }
        t.link_free.apply_batch(batch)?;
        t.meta.insert(FREE_BUILT, FREE_LAYOUT)?;
        // A pass kept from before holds what the old index said.
        self.link_writes
            .fetch_add(2, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// For `store check`: what differs from the truth, if anything, and then the index
    /// built again. The caller holds the writes' pause.
    pub(super) fn link_free_problems_paused(&self) -> Result<Vec<String>> {
        let truth = self.link_free_truth()?;
        let mut held = BTreeSet::new();
        for k in self.trees.link_free.iter().keys() {
            held.insert(k?.to_vec());
        }
        let (missing, extra) = (
            truth.difference(&held).count(),
            held.difference(&truth).count(),
        );
        if missing == 0 && extra == 0 {
            return Ok(Vec::new());
        }
        self.build_link_free_paused()?;
        Ok(vec![format!(
            "the index of the unlinked (link_free) lacked {missing} and held {extra} wrong entries: built again"
        )])
    }
}

#[cfg(test)]
#[path = "link_free_tests.rs"]
mod tests;
