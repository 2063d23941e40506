//! What push_stock's presence rules read besides stock: each product's own out-of-stock
//! presence (`presence_settings`, by product id) and what Prom.ua last showed of a
//! product's presence and status (`prom_shown`, by Prom id). Both trees are sparse: a
//! product with no setting, and a Prom product shown `available`/`not_available` and
//! `on_display`, have no entry, so a planner reads them whole at the cost of the few
//! products that need a rule.
//!
//! `prom_shown` is written by every read of Prom products (import walks, verify reads,
//! read-backs) and by push_stock's sends and confirmed writes, in the transaction of their
//! snapshots. Keyed by Prom id, not by product, so an unlink, a relink or a product
//! removed and created again finds it (a product we hid is still ours to show).
//!
//! Its presence is one the seller set on Prom (what `keep_presence` keeps), never one we
//! sent: a read showing a presence we sent (confirmed in the snapshot, or sent and not yet
//! confirmed) is our own echo and leaves the mark as it was ([`ShownMarks::after_read`]);
//! our confirmed write keeps it when it sent `available` (stock came back: the seller's
//! `order` stands for the next sell-out) or that very presence, and drops it when a
//! product setting chose another.
//!
//! A hide is ours from before it is sent: `hide_pending` is on disk before the request
//! leaves, so a hide applied and never confirmed (a crash, a lost answer, the
//! presence-only route) is not later read as the seller's.

use std::collections::HashMap;

use super::codec::{be, corrupt, id_key, prom_key};
use super::snapshots::StockSnapshot;
use super::trees::Tx;
use super::{Result, Store, StoreError};

const SETTINGS: &str = "presence_settings";
const ON_DISPLAY: &str = "on_display";
const NOT_ON_DISPLAY: &str = "not_on_display";
const DRAFT: &str = "draft";
const DELETED: &str = "deleted";
use crate::domain::AVAILABLE;

/// The presences a seller may set that `keep_presence` can keep.
use crate::domain::KEPT_PRESENCES as SELLER_PRESENCES;
const SHOWN: &str = "prom_shown";

/// The presences a product's own setting may name.
pub use crate::domain::OUT_OF_STOCK_PRESENCES as SETTABLE_PRESENCES;

/// What Prom.ua last showed of a product, where it is not the plain case, and what we
/// hid or sent there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShownMarks {
    /// `order` or `waiting` set by the seller; `None`: another presence (or unknown).
    pub presence: Option<String>,
    /// Anything but `on_display`; `None`: on display (or unknown).
    pub status: Option<String>,
    /// This program hid the product (a confirmed write of `not_on_display`).
    pub hidden_by_us: bool,
    /// A hide was sent and is not confirmed yet: ours if Prom shows it.
    pub hide_pending: bool,
    /// The presence of a write sent and not confirmed yet: a read of it is our echo.
    pub sent: Option<String>,
}

impl ShownMarks {
    /// Pure: the marks after a read showed `presence` and `status`, given the marks held
    /// (`old`) and the presence we last confirmed for the product (`ours`). A presence
    /// equal to ours (or to one sent and not confirmed) is our own echo: the held mark
    /// stands. Any other presence is the seller's: `order`/`waiting` is kept, another
    /// (e.g. `not_available` set in the cabinet) ends the mark.
    pub fn after_read(
        old: Option<&ShownMarks>,
        presence: Option<&str>,
        status: Option<&str>,
        ours: Option<&str>,
    ) -> ShownMarks {
        let held = old.cloned().unwrap_or_default();
        let echo = |p: &str| ours == Some(p) || held.sent.as_deref() == Some(p);
        let presence = match presence {
            Some(p) if echo(p) => held.presence.clone(),
            Some(p) if SELLER_PRESENCES.contains(&p) => Some(p.to_string()),
            _ => None,
        };
        let status = status
            .filter(|s| !s.is_empty() && *s != ON_DISPLAY)
            .map(str::to_string);
        let (mut hidden_by_us, mut hide_pending) = (held.hidden_by_us, held.hide_pending);
        if hide_pending {
            match status.as_deref() {
                // Our hide took: ours, as if confirmed.
                Some(NOT_ON_DISPLAY) => (hidden_by_us, hide_pending) = (true, false),
                // It did not take (on display), or the seller drafted or deleted it.
                None | Some(DRAFT | DELETED) => hide_pending = false,
                // Under moderation: not known yet.
                Some(_) => {}
            }
        }
        ShownMarks {
            presence,
            status,
            hidden_by_us,
            hide_pending,
            sent: held.sent,
        }
    }

    fn encode(&self) -> Option<Vec<u8>> {
        let plain = self.presence.is_none()
            && self.status.is_none()
            && !self.hidden_by_us
            && !self.hide_pending
            && self.sent.is_none();
        if plain {
            return None;
        }
        let mut text = format!(
            "{}\n{}",
            self.presence.as_deref().unwrap_or(""),
            self.status.as_deref().unwrap_or("")
        );
        // The two-field form of the first version, unless there is more to say.
        if self.hidden_by_us || self.hide_pending || self.sent.is_some() {
            let flags = match (self.hidden_by_us, self.hide_pending) {
                (true, true) => "hp",
                (true, false) => "h",
                (false, true) => "p",
                (false, false) => "",
            };
            text += &format!("\n{flags}\n{}", self.sent.as_deref().unwrap_or(""));
        }
        Some(text.into_bytes())
    }

    pub(super) fn decode(v: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(v)
            .map_err(|_| corrupt(SHOWN, "holds a value that is not UTF-8"))?;
        let fields: Vec<&str> = text.split('\n').collect();
        let bad = || corrupt(SHOWN, format!("holds a value without its fields: {text:?}"));
        let (p, s, flags, sent) = match fields[..] {
            [p, s] => (p, s, "", ""),
            [p, s, f, x] => (p, s, f, x),
            _ => return Err(bad()),
        };
        if !flags.chars().all(|c| c == 'h' || c == 'p') {
            return Err(bad());
        }
        let some = |x: &str| (!x.is_empty()).then(|| x.to_string());
        Ok(ShownMarks {
            presence: some(p),
            status: some(s),
            hidden_by_us: flags.contains('h'),
            hide_pending: flags.contains('p'),
            sent: some(sent),
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

fn held_in(tx: &Tx<'_>, key: &[u8; 8]) -> super::trees::TxResult<ShownMarks> {
    Ok(match tx.prom_shown.get(key)? {
        Some(v) => ShownMarks::decode(&v)?,
        None => ShownMarks::default(),
    })
}

fn put_in(tx: &Tx<'_>, key: &[u8; 8], marks: &ShownMarks) -> super::trees::TxResult<()> {
    match marks.encode() {
        Some(v) => tx.prom_shown.insert(key, v)?,
        None => tx.prom_shown.remove(key)?,
    };
    Ok(())
}

/// A product's presence and status on Prom after our confirmed write, within its
/// transaction: the presence sent, the status sent if one was (else as it was), and
/// whether we hid it (`snap.hidden`).
pub(super) fn note_confirmed(
    tx: &Tx<'_>,
    snap: &StockSnapshot,
    status: Option<&str>,
) -> super::trees::TxResult<()> {
    let key = snap.prom_id.to_be_bytes();
    let old = held_in(tx, &key)?;
    let marks = ShownMarks {
        // The seller's mark outlives a restock (we sent `available`) and a rule that kept
        // it; a product setting that chose another presence ends it.
        presence: old
            .presence
            .filter(|p| snap.presence == AVAILABLE || *p == snap.presence),
        status: match status {
            Some(s) => Some(s.to_string()).filter(|s| s != ON_DISPLAY),
            None => old.status,
        },
        hidden_by_us: snap.hidden,
        hide_pending: false,
        sent: None,
    };
    put_in(tx, &key, &marks)
}

/// One stock write about to be sent: what the store must know before it leaves.
#[derive(Debug, Clone)]
pub struct StockSending {
    pub product_id: u64,
    pub prom_id: i64,
    pub presence: String,
    /// The write hides the product.
    pub hides: bool,
}

impl Store {
    /// Before a stock push is sent, in one transaction: the snapshots stop claiming the
    /// old values (unconfirmed), and `prom_shown` holds the presence sent and, for a
    /// hide, that it is pending (a read showing either is our echo). The caller flushes
    /// before sending.
    pub fn mark_stock_sending(&self, sending: &[StockSending]) -> Result<()> {
        self.transact_aside(|tx| {
            for s in sending {
                super::snapshots::mark_stock_unconfirmed_in(tx, s.product_id)?;
                let key = s.prom_id.to_be_bytes();
                let mut marks = held_in(tx, &key)?;
                marks.sent = Some(s.presence.clone());
                marks.hide_pending |= s.hides;
                put_in(tx, &key, &marks)?;
            }
            Ok(())
        })
    }

    /// Forgets that we hid these products (Prom id each, with the product whose snapshot
    /// holds the mark too): the seller drafted or deleted them, or Prom did not take our
    /// hide. Nothing is sent.
    pub fn forget_hidden(&self, products: &[(u64, i64)]) -> Result<()> {
        self.transact_aside(|tx| {
            for (product_id, prom_id) in products {
                let key = prom_id.to_be_bytes();
                let mut marks = held_in(tx, &key)?;
                (marks.hidden_by_us, marks.hide_pending) = (false, false);
                put_in(tx, &key, &marks)?;
                super::snapshots::clear_stock_hidden_in(tx, *product_id)?;
            }
            Ok(())
        })
    }

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
            // What Prom.ua should show may have changed: the on-change push looks now,
            // not at the next scheduled run.
            super::dirty::mark_dirty(tx, product_id, super::DIRTY_STOCK)?;
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
    pub fn record_prom_shown<S: AsRef<str>>(
        &self,
        shown: &[(i64, Option<S>, Option<S>)],
    ) -> Result<()> {
        let tree = &self.trees.prom_shown;
        let mut batch = sled::Batch::default();
        let mut changed = false;
        for (prom_id, presence, status) in shown {
            let (presence, status) = (
                presence.as_ref().map(S::as_ref),
                status.as_ref().map(S::as_ref),
            );
            let key = prom_id.to_be_bytes();
            let held = tree.get(key)?;
            let old = held.as_deref().map(ShownMarks::decode).transpose()?;
            // Our own presence is looked up only when it matters (order, waiting, or a
            // seller's mark held: rare).
            let matters = presence.is_some_and(|p| SELLER_PRESENCES.contains(&p))
                || old.as_ref().is_some_and(|o| o.presence.is_some());
            let ours = match matters {
                true => self.confirmed_presence(*prom_id)?,
                false => None,
            };
            let marks = ShownMarks::after_read(old.as_ref(), presence, status, ours.as_deref());
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

    /// As [`Store::record_prom_shown`], for a walk of the catalogue that started at
    /// `walk_started` and ran without `stock_lock`: a product whose stock push was
    /// confirmed since, or is sent and not confirmed, is skipped (the walk's read may be
    /// older than our write: it would plant a stale status, or take our own presence for
    /// the seller's). The next read records it.
    pub fn record_prom_shown_walked<S: AsRef<str>>(
        &self,
        shown: &[(i64, Option<S>, Option<S>)],
        walk_started: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let pending = self.prom_shown()?;
        let mut fresh = Vec::with_capacity(shown.len());
        for row in shown {
            if pending
                .get(&row.0)
                .is_some_and(|m| m.sent.is_some() || m.hide_pending)
            {
                continue;
            }
            if self
                .confirmed_snapshot(row.0)?
                .is_some_and(|s| s.confirmed_at > walk_started)
            {
                continue;
            }
            fresh.push((row.0, row.1.as_ref(), row.2.as_ref()));
        }
        self.record_prom_shown(&fresh)
    }

    /// The stock snapshot of the product linked to `prom_id`, if it is that product's.
    fn confirmed_snapshot(&self, prom_id: i64) -> Result<Option<StockSnapshot>> {
        let Some(v) = self.trees.links_by_prom.get(prom_id.to_be_bytes())? else {
            return Ok(None);
        };
        let product_id = super::codec::id_value("links_by_prom", &v)?;
        Ok(self
            .stock_snapshot(product_id)?
            .filter(|s| s.prom_id == prom_id))
    }

    /// The presence we last confirmed for the product linked to `prom_id`, if any.
    fn confirmed_presence(&self, prom_id: i64) -> Result<Option<String>> {
        Ok(self.confirmed_snapshot(prom_id)?.map(|s| s.presence))
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
