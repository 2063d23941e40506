//! What keeps stored orders right between pulls: when order tracking started (and the
//! orders open then), the re-links a pull's new links owe to other stored orders, and
//! settling every stored order again when the status settings change.

use chrono::{DateTime, Utc};

use super::codec::{cursor_value, decode, encode};
use super::order_merge::Tracking;
use super::order_stock::settle;
use super::orders::{order_in, put_order};
use super::trees::{Tx, TxResult};
use super::{Result, Store};
use crate::domain::ReservationPolicy;

/// When the back office started tracking orders (UTC, RFC 3339).
const TRACKED_KEY: &[u8] = b"orders_tracked_since";
/// The orders open when tracking started that the first pull reported (JSON ids).
const OPEN_AT_START_KEY: &[u8] = b"orders_open_at_start";
/// Prom ids linked by an order line whose other stored orders are not re-linked yet.
const RELINK_KEY: &[u8] = b"orders_relink";
/// The status settings the stored orders were last settled under.
pub(super) const POLICY_KEY: &[u8] = b"orders_policy";

/// Inside a transaction: the store's tracking, or `start`, written if the store has none.
pub(super) fn tracking_in(tx: &Tx<'_>, start: &Tracking) -> TxResult<Tracking> {
    if let Some(v) = tx.meta.get(TRACKED_KEY)? {
        let open = tx.meta.get(OPEN_AT_START_KEY)?;
        return Ok(Tracking {
            since: cursor_value(&v)?,
            open_at_start: open
                .map(|v| decode("meta", &v))
                .transpose()?
                .unwrap_or_default(),
        });
    }
    let mut start = start.clone();
    start.open_at_start.sort_unstable();
    start.open_at_start.dedup();
    tx.meta
        .insert(TRACKED_KEY, start.since.to_rfc3339().as_bytes())?;
    if !start.open_at_start.is_empty() {
        tx.meta
            .insert(OPEN_AT_START_KEY, encode("meta", &start.open_at_start)?)?;
    }
    Ok(start)
}

/// Inside a transaction: queues re-links for these Prom ids.
pub(super) fn queue_relinks(tx: &Tx<'_>, prom_ids: &[i64]) -> TxResult<()> {
    if prom_ids.is_empty() {
        return Ok(());
    }
    let queued = tx.meta.get(RELINK_KEY)?;
    let mut ids: Vec<i64> = queued
        .map(|v| decode("meta", &v))
        .transpose()?
        .unwrap_or_default();
    ids.extend_from_slice(prom_ids);
    ids.sort_unstable();
    ids.dedup();
    tx.meta.insert(RELINK_KEY, encode("meta", &ids)?)?;
    Ok(())
}

impl Store {
    /// When order tracking started, and the orders open then. `None` until a pull.
    pub fn orders_tracking(&self) -> Result<Option<Tracking>> {
        let Some(v) = self.trees.meta.get(TRACKED_KEY)? else {
            return Ok(None);
        };
        let open = self.trees.meta.get(OPEN_AT_START_KEY)?;
        Ok(Some(Tracking {
            since: cursor_value(&v)?,
            open_at_start: open
                .map(|v| decode("meta", &v))
                .transpose()?
                .unwrap_or_default(),
        }))
    }

    /// When order tracking started: orders created since that are first seen delivered
    /// still move stock. `None` until the first pull.
    pub fn orders_tracked_since(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.orders_tracking()?.map(|t| t.since))
    }

    /// Links the stored orders' lines for the Prom ids that order lines linked (queued
    /// by `upsert_orders` in its own transaction, so a crash in between only delays
    /// this to the next pull). Returns how many orders got a line linked.
    pub fn finish_relinks(&self, policy: &ReservationPolicy) -> Result<usize> {
        let Some(v) = self.trees.meta.get(RELINK_KEY)? else {
            return Ok(0);
        };
        let ids: Vec<i64> = decode("meta", &v)?;
        let mut n = 0;
        for id in &ids {
            n += self.relink_orders(*id, policy)?;
        }
        // Only what was read: a pull queueing more meanwhile keeps its ids.
        let _writing = self.writing();
        self.trees
            .meta
            .compare_and_swap(RELINK_KEY, Some(v), None as Option<&[u8]>)?
            .ok();
        Ok(n)
    }

    /// After the status settings changed (`reserve_statuses`, `done_status`,
    /// `release_statuses`, the status maps): settles every stored order again under
    /// them, a few hundred per transaction; then remembers the settings. Returns how
    /// many orders changed what they hold or shipped. Nothing to do (no scan) when the
    /// settings are those of the last time.
    pub fn resettle_orders(&self, policy: &ReservationPolicy) -> Result<usize> {
        let fingerprint = policy.fingerprint();
        if self.trees.meta.get(POLICY_KEY)?.as_deref() == Some(fingerprint.as_bytes()) {
            return Ok(0);
        }
        let ids: Vec<i64> = self
            .trees
            .orders
            .iter()
            .keys()
            .map(|k| {
                let k = k?;
                let id: [u8; 8] =
                    k.as_ref()
                        .try_into()
                        .map_err(|_| super::StoreError::Corrupt {
                            tree: "orders",
                            detail: format!("a key of {} bytes", k.len()),
                        })?;
                Ok(i64::from_be_bytes(id))
            })
            .collect::<Result<_>>()?;
        let now = Utc::now();
        let mut changed = 0;
        for chunk in ids.chunks(500) {
            changed += self.transact(|tx| {
                let mut changed = 0;
                for id in chunk {
                    let Some(mut order) = order_in(tx, *id)? else {
                        continue;
                    };
                    order.holds = Some(order.holding(policy));
                    let before = order.reserved.clone();
                    let touched = settle(tx, &mut order, &before, policy, now)?;
                    if !touched.is_empty() {
                        changed += 1;
                    }
                    put_order(tx, *id, &order)?;
                }
                Ok(changed)
            })?;
        }
        let _writing = self.writing();
        self.trees.meta.insert(POLICY_KEY, fingerprint.as_bytes())?;
        Ok(changed)
    }
}
