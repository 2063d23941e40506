//! What push_stock's presence rules read besides stock: each product's own out-of-stock
//! presence (`presence_settings`, by product id) and what Prom.ua last showed of a
//! product's presence and status (`prom_shown`, by Prom id). Both trees are sparse: a
//! product with no setting, and a Prom product shown `available`/`not_available` and
//! `on_display`, have no entry, so a planner reads them whole at the cost of the few
//! products that need a rule.
//!
//! `prom_shown` is written by every read of Prom products (import walks, verify reads,
//! read-backs) and by push_stock's confirmed writes, in the transaction of their snapshots.
//! Its presence is one the seller set on Prom (what `keep_presence` keeps), never one we
//! sent: a read showing the presence our snapshot holds keeps the mark as it was
//! ([`ShownMarks::after_read`]), and our write keeps it only when it sent that very
//! presence (the rule kept it), so clearing a product's own setting really hands it back
//! to the rules.

use std::collections::HashMap;

use super::codec::{be, corrupt, id_key, prom_key};
use super::snapshots::StockSnapshot;
use super::trees::Tx;
use super::{Result, Store, StoreError};

const SETTINGS: &str = "presence_settings";
const SHOWN: &str = "prom_shown";

/// The presences a product's own setting may name.
pub const SETTABLE_PRESENCES: [&str; 3] = ["not_available", "order", "waiting"];

/// What Prom.ua last showed of a product, where it is not the plain case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShownMarks {
    /// `order` or `waiting`; `None`: another presence (or unknown).
    pub presence: Option<String>,
    /// Anything but `on_display`; `None`: on display (or unknown).
    pub status: Option<String>,
}

impl ShownMarks {
    /// Pure: the marks after a read showed `presence` and `status`, given the marks held
    /// (`old`) and the presence we last confirmed for the product (`ours`). A presence
    /// equal to ours is our own echo: the held mark stands.
    pub fn after_read(
        old: Option<&ShownMarks>,
        presence: Option<&str>,
        status: Option<&str>,
        ours: Option<&str>,
    ) -> ShownMarks {
        let presence = match presence.filter(|p| matches!(*p, "order" | "waiting")) {
            Some(p) if ours == Some(p) => old.and_then(|o| o.presence.clone()),
            Some(p) => Some(p.to_string()),
            None => None,
        };
        ShownMarks {
            presence,
            status: status
                .filter(|s| !s.is_empty() && *s != "on_display")
                .map(str::to_string),
        }
    }

    fn encode(&self) -> Option<Vec<u8>> {
        (self.presence.is_some() || self.status.is_some()).then(|| {
            format!(
                "{}\n{}",
                self.presence.as_deref().unwrap_or(""),
                self.status.as_deref().unwrap_or("")
            )
            .into_bytes()
        })
    }

    pub(super) fn decode(v: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(v)
            .map_err(|_| corrupt(SHOWN, "holds a value that is not UTF-8"))?;
        let Some((p, s)) = text.split_once('\n') else {
            return Err(corrupt(
                SHOWN,
                format!("holds a value without its two fields: {text:?}"),
            ));
        };
        let some = |x: &str| (!x.is_empty()).then(|| x.to_string());
        Ok(ShownMarks {
            presence: some(p),
            status: some(s),
        })
    }
}

/// A setting's value, checked.
pub(super) fn setting_value(v: &[u8]) -> Result<String> {
    std::str::from_utf8(v)
        .ok()
        .filter(|p| SETTABLE_PRESENCES.contains(p))
        .map(str::to_string)
        .ok_or_else(|| corrupt(SETTINGS, "holds a presence this program does not set"))
}

/// A product's presence and status on Prom after our confirmed write, within its
/// transaction: the presence sent, and the status sent if one was (else as it was).
pub(super) fn note_confirmed(
    tx: &Tx<'_>,
    snap: &StockSnapshot,
    status: Option<&str>,
) -> super::trees::TxResult<()> {
    let key = snap.prom_id.to_be_bytes();
    let old = match tx.prom_shown.get(key)? {
        Some(v) => ShownMarks::decode(&v)?,
        None => ShownMarks::default(),
    };
    let marks = ShownMarks {
        // Kept only when the rule kept it: a presence we chose ourselves is not the seller's.
        presence: old.presence.filter(|p| *p == snap.presence),
        status: match status {
            Some(s) => Some(s.to_string()).filter(|s| s != "on_display"),
            None => old.status,
        },
    };
    match marks.encode() {
        Some(v) => tx.prom_shown.insert(&key, v)?,
        None => tx.prom_shown.remove(&key)?,
    };
    Ok(())
}

impl Store {
    /// Sets (`Some`) or clears (`None`: the job's rules decide) a product's own
    /// out-of-stock presence. Refuses a presence it cannot hold and an unknown product.
    pub fn set_presence_setting(&self, product_id: u64, presence: Option<&str>) -> Result<()> {
        if let Some(p) = presence
            && !SETTABLE_PRESENCES.contains(&p)
        {
            return Err(StoreError::Invalid(format!(
                "`{p}` is not a presence a product can be given at stock 0 (one of: {}, or auto)",
                SETTABLE_PRESENCES.join(", ")
            )));
        }
        self.transact(|tx| {
            if tx.products.get(be(product_id))?.is_none() {
                return super::trees::abort(format!("no product with id {product_id}"));
            }
            match presence {
                Some(p) => tx.presence_settings.insert(&be(product_id), p.as_bytes())?,
                None => tx.presence_settings.remove(&be(product_id))?,
            };
            Ok(())
        })
    }

    /// A product's own out-of-stock presence, if set.
    pub fn presence_setting(&self, product_id: u64) -> Result<Option<String>> {
        self.trees
            .presence_settings
            .get(be(product_id))?
            .map(|v| setting_value(&v))
            .transpose()
    }

    /// Every product's own out-of-stock presence, by product id.
    pub fn presence_settings(&self) -> Result<HashMap<u64, String>> {
        self.trees
            .presence_settings
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((id_key(SETTINGS, &k)?, setting_value(&v)?))
            })
            .collect()
    }

    /// What a read of Prom products showed of their presence and status, (Prom id,
    /// presence, status) each: kept where not plain, forgotten where plain. Writes only
    /// what changed, in one batch.
    pub fn record_prom_shown(&self, shown: &[(i64, Option<&str>, Option<&str>)]) -> Result<()> {
        let tree = &self.trees.prom_shown;
        let mut batch = sled::Batch::default();
        let mut changed = false;
        for (prom_id, presence, status) in shown {
            let key = prom_id.to_be_bytes();
            let held = tree.get(key)?;
            let old = held.as_deref().map(ShownMarks::decode).transpose()?;
            // Our own presence is looked up only when it matters (order, waiting: rare).
            let ours = match presence {
                Some("order" | "waiting") => self.confirmed_presence(*prom_id)?,
                _ => None,
            };
            let marks = ShownMarks::after_read(old.as_ref(), *presence, *status, ours.as_deref());
            match marks.encode() {
                Some(v) if held.as_deref() != Some(v.as_slice()) => {
                    batch.insert(&key, v);
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

    /// The presence we last confirmed for the product linked to `prom_id`, if any.
    fn confirmed_presence(&self, prom_id: i64) -> Result<Option<String>> {
        let Some(v) = self.trees.links_by_prom.get(prom_id.to_be_bytes())? else {
            return Ok(None);
        };
        let product_id = super::codec::id_value("links_by_prom", &v)?;
        Ok(self
            .stock_snapshot(product_id)?
            .filter(|s| s.prom_id == prom_id)
            .map(|s| s.presence))
    }

    /// Every Prom product's marks kept, by Prom id.
    pub fn prom_shown(&self) -> Result<HashMap<i64, ShownMarks>> {
        self.trees
            .prom_shown
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok((prom_key(SHOWN, &k)?, ShownMarks::decode(&v)?))
            })
            .collect()
    }

    /// What push_stock confirmed: the snapshots, and what Prom.ua now shows of each
    /// product's presence and status (the status sent, if any), in one transaction.
    pub fn put_stock_confirmed(
        &self,
        confirmed: &[(u64, StockSnapshot, Option<&str>)],
    ) -> Result<()> {
        let values: Vec<(u64, Vec<u8>)> = confirmed
            .iter()
            .map(|(id, s, _)| (*id, super::snapshot_codec::encode_stock(s)))
            .collect();
        self.transact_aside(|tx| {
            for ((id, v), (_, snap, status)) in values.iter().zip(confirmed) {
                tx.snapshots.insert(&be(*id), v.as_slice())?;
                super::plan_view::mark_stale(tx, *id)?;
                note_confirmed(tx, snap, *status)?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
#[path = "presence_marks_tests.rs"]
mod tests;
