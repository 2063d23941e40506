//! Orders imported from Prom.ua, their reservations and the import cursor. An order
//! carries what it reserves, so changing it (or the policy) adjusts the per-product
//! totals exactly, inside one transaction.

use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::codec::{be, cursor_value, decode, encode, i64_value, id_value};
use super::dirty::{DIRTY_STOCK, mark_dirty};
use super::ledger::apply_move;
use super::links::{insert_link, link_of_in, linked_to_prom_in};
use super::trees::{Tx, TxResult, abort};
use super::{Actor, Result, StockChange, Store};
use crate::domain::{Money, ReservationPolicy};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalLine {
    pub prom_product_id: Option<i64>,
    pub sku: Option<String>,
    pub name: String,
    pub quantity: Decimal,
    #[serde(default)]
    pub price: Option<Money>,
    /// The local product, once linked.
    pub product_id: Option<u64>,
}

/// An order as the back office keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalOrder {
    pub prom_id: i64,
    /// The back office's status: the one that reserves, ships, and is pushed to Prom.ua.
    pub status: String,
    /// Prom.ua's status as last read or confirmed.
    pub prom_status: Option<String>,
    /// A status was sent and not (yet durably) confirmed: Prom.ua may show it rather
    /// than `prom_status`. Cleared by a confirmation or by reading the order again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prom_status_unconfirmed: bool,
    /// The local status was changed here and Prom.ua has not confirmed it yet.
    pub status_pending: bool,
    pub created_at: Option<DateTime<FixedOffset>>,
    pub modified_at: Option<DateTime<FixedOffset>>,
    pub client: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub total: Option<Money>,
    pub lines: Vec<LocalLine>,
    /// What this order reserves now: (product id, quantity).
    #[serde(default)]
    pub reserved: Vec<(u64, i64)>,
    /// The order is at the done status: it reserves nothing.
    #[serde(default)]
    pub stock_moved: bool,
    /// What its done status moved out of stock: (product id, quantity). Leaving the done
    /// status puts it back.
    #[serde(default)]
    pub shipped: Vec<(u64, i64)>,
    /// First seen already done (history): its stock left before the back office knew it.
    #[serde(default)]
    pub adopted_done: bool,
    pub imported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LocalOrder {
    /// A line matches no local product.
    pub fn has_unlinked_lines(&self) -> bool {
        self.lines.iter().any(|l| l.product_id.is_none())
    }
}

/// What an order upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderUpsert {
    pub created: bool,
    pub changed: bool,
    pub newly_linked_lines: usize,
}

pub(super) const CURSOR_KEY: &[u8] = b"orders_cursor";

/// Whole units reserved for a fractional quantity: never sell what is not there.
/// At most `MAX_QUANTITY`, so that sums over lines and orders never overflow.
fn units(q: Decimal) -> i64 {
    q.ceil()
        .to_i64()
        .unwrap_or(i64::MAX)
        .clamp(0, crate::domain::MAX_QUANTITY)
}

/// What an order's linked lines hold, per product: the quantities of a product's lines
/// summed first, then rounded up (two lines of 0.5 hold 1, not 2). A negative line
/// quantity holds nothing and takes nothing off the others.
fn linked_units(order: &LocalOrder) -> Vec<(u64, i64)> {
    let mut sums: Vec<(u64, Decimal)> = Vec::new();
    for l in &order.lines {
        if let Some(id) = l.product_id {
            let q = l.quantity.max(Decimal::ZERO);
            match sums.iter_mut().find(|(p, _)| *p == id) {
                Some((_, sum)) => *sum = sum.saturating_add(q),
                None => sums.push((id, q)),
            }
        }
    }
    sums.into_iter().map(|(id, q)| (id, units(q))).collect()
}

fn reservations(order: &LocalOrder, policy: &ReservationPolicy) -> Vec<(u64, i64)> {
    if order.stock_moved || !policy.reserve_statuses.contains(&order.status) {
        return Vec::new();
    }
    linked_units(order)
}

/// Inside a transaction: the stored order `prom_id`.
pub(super) fn order_in(tx: &Tx<'_>, prom_id: i64) -> TxResult<Option<LocalOrder>> {
    let v = tx.orders.get(prom_id.to_be_bytes())?;
    Ok(v.map(|v| decode("orders", &v)).transpose()?)
}

pub(super) fn put_order(tx: &Tx<'_>, prom_id: i64, order: &LocalOrder) -> TxResult<()> {
    tx.orders
        .insert(&prom_id.to_be_bytes(), encode("orders", order)?)?;
    Ok(())
}

/// Inside a transaction: links the order's unlinked lines, through the product link,
/// else by identical SKU when that local product is not linked elsewhere (creating the
/// link). Returns how many lines got a new link.
fn link_lines(tx: &Tx<'_>, order: &mut LocalOrder) -> TxResult<usize> {
    let mut newly_linked = 0;
    for line in &mut order.lines {
        let (None, Some(pid)) = (line.product_id, line.prom_product_id) else {
            continue;
        };
        if let Some(local) = linked_to_prom_in(tx, pid)? {
            line.product_id = Some(local);
            continue;
        }
        let sku = line.sku.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some(local) = sku
            .map(|s| tx.sku_index.get(s.as_bytes()))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        let id = id_value("sku_index", &local)?;
        if link_of_in(tx, id)?.is_none() {
            insert_link(tx, id, pid)?;
            line.product_id = Some(id);
            newly_linked += 1;
        }
    }
    Ok(newly_linked)
}

/// Applies the policy to an order: moves stock out at the done status (once), and
/// replaces the order's reservations (`before` → what it reserves now) in the totals.
fn settle(
    tx: &Tx<'_>,
    order: &mut LocalOrder,
    before: &[(u64, i64)],
    policy: &ReservationPolicy,
    now: DateTime<Utc>,
) -> TxResult<()> {
    let done = policy.done_status.as_deref() == Some(order.status.as_str());
    let warehouse = policy.warehouse.clone();
    if done && !order.adopted_done {
        // Ship what is linked and not shipped yet (a line linked later ships then).
        let reason = format!("order {} {}", order.prom_id, order.status);
        for (product_id, q) in linked_units(order) {
            let already: i64 = order
                .shipped
                .iter()
                .filter(|(p, _)| *p == product_id)
                .map(|(_, q)| q)
                .sum();
            if q > already {
                apply_move(
                    tx,
                    &StockChange::Adjust {
                        product_id,
                        warehouse: warehouse.clone(),
                        delta: -(q - already),
                    },
                    Actor::Order,
                    Some(&reason),
                    now,
                )?;
                order.shipped.retain(|(p, _)| *p != product_id);
                order.shipped.push((product_id, q));
            }
        }
        order.stock_moved = true;
    } else if done {
        order.stock_moved = true;
    } else if order.stock_moved {
        // Left the done status: what it shipped comes back.
        let reason = format!(
            "order {} left {}",
            order.prom_id,
            policy.done_status.as_deref().unwrap_or("done")
        );
        for (product_id, q) in std::mem::take(&mut order.shipped) {
            apply_move(
                tx,
                &StockChange::Adjust {
                    product_id,
                    warehouse: warehouse.clone(),
                    delta: q,
                },
                Actor::Order,
                Some(&reason),
                now,
            )?;
        }
        order.stock_moved = false;
        order.adopted_done = false;
    }
    let after = reservations(order, policy);
    let mut touched: Vec<u64> = before.iter().chain(&after).map(|(p, _)| *p).collect();
    touched.sort_unstable();
    touched.dedup();
    for p in touched {
        let was: i64 = before
            .iter()
            .filter(|(id, _)| *id == p)
            .map(|(_, q)| q)
            .sum();
        let now_q: i64 = after
            .iter()
            .filter(|(id, _)| *id == p)
            .map(|(_, q)| q)
            .sum();
        if was == now_q {
            continue;
        }
        let held = tx.reserved.get(be(p))?;
        let held = held.map_or(Ok(0), |v| i64_value("reserved", &v))?;
        let total = held - was + now_q;
        if total <= 0 {
            tx.reserved.remove(&be(p))?;
        } else {
            tx.reserved.insert(&be(p), &total.to_be_bytes())?;
        }
        mark_dirty(tx, p, DIRTY_STOCK)?;
    }
    order.reserved = after;
    Ok(())
}

impl Store {
    /// Stores orders (new or changed) in one transaction: links their lines (through the
    /// product link, else by identical SKU, creating the link), keeps what Prom says of
    /// the status unless a local change is pending, re-computes reservations, and on the
    /// done status moves the stock out once. Then, and only then, moves the cursor to
    /// `cursor` if given.
    pub fn upsert_orders(
        &self,
        incoming: &[LocalOrder],
        policy: &ReservationPolicy,
        cursor: Option<DateTime<Utc>>,
    ) -> Result<Vec<OrderUpsert>> {
        self.upsert_orders_with(incoming, policy, cursor, false)
    }

    /// `relink`: re-link the stored orders named by `incoming` (read again inside the
    /// transaction, so that nothing newer is overwritten) instead of storing `incoming`.
    fn upsert_orders_with(
        &self,
        incoming: &[LocalOrder],
        policy: &ReservationPolicy,
        cursor: Option<DateTime<Utc>>,
        relink: bool,
    ) -> Result<Vec<OrderUpsert>> {
        let now = Utc::now();
        self.transact(|tx| {
            let mut out = Vec::with_capacity(incoming.len());
            for new in incoming {
                let old = order_in(tx, new.prom_id)?;
                let mut order = match (&old, relink) {
                    (Some(o), true) => o.clone(),
                    (None, true) => continue,
                    (_, false) => new.clone(),
                };
                let newly_linked = link_lines(tx, &mut order)?;
                if old.is_none() && policy.done_status.as_deref() == Some(order.status.as_str()) {
                    // Already shipped before we knew it: do not take its stock out again.
                    order.stock_moved = true;
                    order.adopted_done = true;
                }
                if let Some(old) = &old {
                    order.imported_at = old.imported_at;
                    order.stock_moved = old.stock_moved;
                    order.shipped = old.shipped.clone();
                    order.adopted_done = old.adopted_done;
                    // A local status change waiting for Prom wins over what Prom says.
                    if old.status_pending {
                        order.status = old.status.clone();
                        order.status_pending = true;
                    }
                    // Lines linked earlier stay linked.
                    for (line, was) in order.lines.iter_mut().zip(&old.lines) {
                        if line.product_id.is_none() && line.prom_product_id == was.prom_product_id
                        {
                            line.product_id = was.product_id;
                        }
                    }
                }
                order.updated_at = now;
                let changed = old.as_ref().is_none_or(|o| {
                    o.status != order.status
                        || o.lines != order.lines
                        || o.modified_at != order.modified_at
                });
                settle(
                    tx,
                    &mut order,
                    old.as_ref().map(|o| o.reserved.as_slice()).unwrap_or(&[]),
                    policy,
                    now,
                )?;
                put_order(tx, order.prom_id, &order)?;
                out.push(OrderUpsert {
                    created: old.is_none(),
                    changed,
                    newly_linked_lines: newly_linked,
                });
            }
            if let Some(c) = cursor {
                let current = tx.meta.get(CURSOR_KEY)?;
                let current = current.map(|v| cursor_value(&v)).transpose()?;
                let keep = current.is_some_and(|cur| cur >= c);
                if !keep {
                    tx.meta.insert(CURSOR_KEY, c.to_rfc3339().as_bytes())?;
                }
            }
            Ok(out)
        })
    }

    /// Changes an order's local status (to be pushed to Prom.ua), with its reservations.
    pub fn set_order_status(
        &self,
        prom_id: i64,
        status: &str,
        policy: &ReservationPolicy,
    ) -> Result<LocalOrder> {
        let now = Utc::now();
        self.transact(|tx| {
            let Some(mut order) = order_in(tx, prom_id)? else {
                return abort(format!("no order {prom_id}"));
            };
            if order.status == status {
                return Ok(order);
            }
            order.status = status.to_string();
            // Unless Prom.ua's status is known, the status is sent whatever it was.
            order.status_pending =
                order.prom_status_unconfirmed || order.prom_status.as_deref() != Some(status);
            order.updated_at = now;
            let before = order.reserved.clone();
            settle(tx, &mut order, &before, policy, now)?;
            put_order(tx, prom_id, &order)?;
            Ok(order)
        })
    }

    /// Records that Prom.ua confirmed these orders' statuses: (order, the local status that
    /// was sent, the Prom status it became). A local status changed since stays pending.
    pub fn confirm_order_statuses(&self, confirmed: &[(i64, String, String)]) -> Result<()> {
        self.transact(|tx| {
            for (id, sent, status) in confirmed {
                if let Some(mut o) = order_in(tx, *id)? {
                    o.prom_status = Some(status.clone());
                    o.prom_status_unconfirmed = false;
                    o.status_pending = o.status != *sent;
                    put_order(tx, *id, &o)?;
                }
            }
            Ok(())
        })
    }

    /// Marks these orders' Prom statuses unconfirmed before a status push is sent.
    pub fn mark_statuses_unconfirmed(&self, ids: &[i64]) -> Result<()> {
        self.transact(|tx| {
            for id in ids {
                if let Some(mut o) = order_in(tx, *id)?
                    && !o.prom_status_unconfirmed
                {
                    o.prom_status_unconfirmed = true;
                    put_order(tx, *id, &o)?;
                }
            }
            Ok(())
        })
    }

    pub fn order(&self, prom_id: i64) -> Result<Option<LocalOrder>> {
        self.trees
            .orders
            .get(prom_id.to_be_bytes())?
            .map(|v| decode("orders", &v))
            .transpose()
    }

    /// Orders, newest (highest id) first.
    pub fn orders(&self) -> Result<Vec<LocalOrder>> {
        self.trees
            .orders
            .iter()
            .values()
            .rev()
            .map(|v| decode("orders", &v?))
            .collect()
    }

    pub fn order_count(&self) -> usize {
        self.trees.orders.len()
    }

    /// Re-links stored orders' lines for `prom_product_id` (after a new link), with
    /// their reservations.
    pub fn relink_orders(&self, prom_product_id: i64, policy: &ReservationPolicy) -> Result<usize> {
        let affected: Vec<LocalOrder> = self
            .orders()?
            .into_iter()
            .filter(|o| {
                o.lines
                    .iter()
                    .any(|l| l.product_id.is_none() && l.prom_product_id == Some(prom_product_id))
            })
            .collect();
        let n = affected.len();
        if n > 0 {
            self.upsert_orders_with(&affected, policy, None, true)?;
        }
        Ok(n)
    }

    /// Quantity reserved by open orders for a product.
    pub fn reserved_of(&self, product_id: u64) -> Result<i64> {
        self.trees
            .reserved
            .get(be(product_id))?
            .map_or(Ok(0), |v| i64_value("reserved", &v))
    }

    /// Where the last import stopped (UTC).
    pub fn orders_cursor(&self) -> Result<Option<DateTime<Utc>>> {
        self.trees
            .meta
            .get(CURSOR_KEY)?
            .map(|v| cursor_value(&v))
            .transpose()
    }
}
