//! The external id of each Prom product, as Prom.ua last showed it (in a catalogue walk or
//! a read of one product): the id `products/edit_by_external_id` takes when stock has to
//! go that way (`stock_route.rs`). Keyed by Prom id, so a relink needs nothing here.

use std::collections::HashMap;

use super::codec::{external_id_value, prom_key};
use super::{Result, Store};

const TREE: &str = "prom_external_ids";

impl Store {
    /// What Prom.ua showed of these products' external ids: an id replaces the one kept,
    /// none (or a blank one) forgets it, as the seller may have removed it. Writes only
    /// what changed, in one batch.
    pub fn record_external_ids(&self, shown: &[(i64, Option<&str>)]) -> Result<()> {
        let tree = &self.trees.external_ids;
        let mut batch = sled::Batch::default();
        let mut changed = false;
        for (prom_id, ext) in shown {
            let key = prom_id.to_be_bytes();
            let held = tree.get(key)?;
            match ext.filter(|e| !e.is_empty()) {
                Some(e) if held.as_deref() != Some(e.as_bytes()) => {
                    batch.insert(&key, e.as_bytes());
                    changed = true;
                }
                None if held.is_some() => {
                    batch.remove(&key);
                    changed = true;
                }
                _ => {}
            }
        }
        if changed {
            let _writing = self.writing_aside();
            tree.apply_batch(batch)?;
        }
        Ok(())
    }

    /// The external ids known for these Prom ids (those without one are left out).
    pub fn external_ids_of(
        &self,
        prom_ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashMap<i64, String>> {
        let mut out = HashMap::new();
        for id in prom_ids {
            if let Some(v) = self.trees.external_ids.get(id.to_be_bytes())? {
                out.insert(id, external_id_value(&v)?);
            }
        }
        Ok(out)
    }

    /// Every Prom id → external id kept.
    pub fn external_ids(&self) -> Result<HashMap<i64, String>> {
        self.trees
            .external_ids
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((prom_key(TREE, &k)?, external_id_value(&v)?))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_ids_replace_and_absent_ones_forget() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s")).unwrap();
        s.record_external_ids(&[(1, Some("A-1")), (2, Some("007")), (3, None)])
            .unwrap();
        s.record_external_ids(&[(1, Some("A-2")), (2, None), (4, Some(""))])
            .unwrap();
        let held = s.external_ids().unwrap();
        assert_eq!(held, HashMap::from([(1, "A-2".to_string())]));
        assert_eq!(s.external_ids_of([1, 2, 9]).unwrap().len(), 1);
    }
}
