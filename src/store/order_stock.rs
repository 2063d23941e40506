//! What an order does to stock: what it holds while open, what its done status ships
//! (once, and the difference when its lines change afterwards), and what comes back
//! when it leaves the done status. Each change lands in the per-product totals of the
//! `reserved` tree inside the transaction that stores the order.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::codec::{be, i64_value};
use super::dirty::{DIRTY_STOCK, mark_dirty};
use super::ledger::apply_move;
use super::plan_view::mark_stale_if_linked;
use super::trees::{Tx, TxResult};
use super::{Actor, LocalOrder, StockChange};
use crate::domain::{ReservationPolicy, StatusClass};

/// Whole units for a fractional quantity: never sell what is not there. At most
/// `MAX_QUANTITY`, so that sums over lines and orders never overflow.
fn units(q: Decimal) -> i64 {
    q.ceil()
        .to_i64()
        .unwrap_or(i64::MAX)
        .clamp(0, crate::domain::MAX_QUANTITY)
}

/// What an order's linked lines hold, per product: the quantities of a product's lines
/// summed first, then rounded up (two lines of 0.5 hold 1, not 2). A negative line
/// quantity holds nothing and takes nothing off the others (a pull refuses such an
/// order before it gets here).
pub(super) fn linked_units(order: &LocalOrder) -> Vec<(u64, i64)> {
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

fn sum_of(list: &[(u64, i64)], product: u64) -> i64 {
    list.iter()
        .filter(|(p, _)| *p == product)
        .map(|(_, q)| q)
        .sum()
}

/// Products whose stock or reservation a settlement changed (for the shortfall check
/// after a pull).
pub(super) type Touched = Vec<u64>;

/// Applies the policy to an order: at the done status ships what its linked lines hold
/// and was not shipped yet (or returns what its lines no longer hold); leaving the done
/// status returns what it shipped; and replaces its reservations (`before` → what it
/// holds now) in the per-product totals. A status nobody named keeps the order's
/// previous state: holding, or shipped. A history order (first seen done, from before
/// tracking) never moves stock.
pub(super) fn settle(
    tx: &Tx<'_>,
    order: &mut LocalOrder,
    before: &[(u64, i64)],
    policy: &ReservationPolicy,
    now: DateTime<Utc>,
) -> TxResult<Touched> {
    let mut moved = Vec::new();
    let class = policy.class(&order.status);
    let warehouse = &policy.warehouse;
    let mut move_stock = |tx: &Tx<'_>, product_id: u64, delta: i64, reason: &str| {
        moved.push(product_id);
        apply_move(
            tx,
            &StockChange::Adjust {
                product_id,
                warehouse: warehouse.clone(),
                delta,
            },
            Actor::Order,
            Some(reason),
            now,
        )
    };
    // A shop's own status after delivery (e.g. "completed") is still shipped: it ships
    // the difference of a line edit as the done status does.
    let shipped_state =
        class == StatusClass::Done || (class == StatusClass::Unknown && order.stock_moved);
    match class {
        _ if shipped_state && !order.adopted_done => {
            // Ship what is linked and not shipped yet (a line linked later ships then),
            // and take back what an edit removed from a shipped order.
            let reason = format!("order {} {}", order.prom_id, order.status);
            let wanted = linked_units(order);
            let mut products: Vec<u64> = wanted
                .iter()
                .chain(&order.shipped)
                .map(|(p, _)| *p)
                .collect();
            products.sort_unstable();
            products.dedup();
            let mut shipped = Vec::new();
            for product_id in products {
                let q = sum_of(&wanted, product_id);
                let already = sum_of(&order.shipped, product_id);
                if q != already {
                    move_stock(tx, product_id, already - q, &reason)?;
                }
                if q > 0 {
                    shipped.push((product_id, q));
                }
            }
            order.shipped = shipped;
            order.stock_moved = true;
            order.holds = Some(false);
        }
        _ if shipped_state => {
            order.stock_moved = true;
            order.holds = Some(false);
        }
        _ if order.stock_moved => {
            // Left the done status: what it shipped comes back.
            let reason = format!(
                "order {} left {}",
                order.prom_id,
                policy.done_status.as_deref().unwrap_or("done")
            );
            for (product_id, q) in std::mem::take(&mut order.shipped) {
                move_stock(tx, product_id, q, &reason)?;
            }
            // A history order stays history: it shipped nothing here, so coming back
            // to the done status ships nothing either.
            order.stock_moved = false;
            order.holds = Some(class == StatusClass::Holds);
        }
        StatusClass::Holds => order.holds = Some(true),
        StatusClass::Releases => order.holds = Some(false),
        // `Done` is a shipped state, taken above.
        StatusClass::Unknown | StatusClass::Done => order.holds = Some(order.holding(policy)),
    }
    let after = if order.holding(policy) {
        linked_units(order)
    } else {
        Vec::new()
    };
    let mut touched: Vec<u64> = before.iter().chain(&after).map(|(p, _)| *p).collect();
    touched.sort_unstable();
    touched.dedup();
    for p in touched {
        let (was, now_q) = (sum_of(before, p), sum_of(&after, p));
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
        mark_stale_if_linked(tx, p)?;
        moved.push(p);
    }
    order.reserved = after;
    moved.sort_unstable();
    moved.dedup();
    Ok(moved)
}
