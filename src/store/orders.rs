//! Orders imported from Prom.ua, their reservations, the import cursor and when order
//! tracking started. An order carries what it reserves, so changing it (or the policy)
//! adjusts the per-product totals exactly, inside one transaction. How a read order
//! merges into the stored one is `order_merge.rs`; what it does to stock, `order_stock.rs`.

use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::codec::{be, cursor_value, decode, encode, i64_value, id_value};
use super::links::{insert_link, link_of_in, linked_to_prom_in};
use super::order_details::OrderDetails;
use super::order_merge::{StatusConflict, Tracking, merge_order};
use super::order_stock::settle;
use super::order_upkeep::{queue_relinks, tracking_in};
use super::trees::{Tx, TxResult, abort};
use super::{Result, Store};
use crate::domain::{Money, ReservationPolicy, StatusClass};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalLine {
    pub prom_product_id: Option<i64>,
    pub sku: Option<String>,
    pub name: String,
    pub quantity: Decimal,
    #[serde(default)]
    pub price: Option<Money>,
    /// The local product, once linked.
    pub product_id: Option<u64>,
    /// Linked by hand (`orders link-line`): a later pull keeps the line on that product,
    /// whatever the Prom product's own link says (`order_merge.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hand_linked: bool,
    /// The line's details as Prom.ua sent them; absent in records stored before they
    /// were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An order as the back office keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalOrder {
    pub prom_id: i64,
    /// The back office's status: the one that reserves, ships, and is pushed to Prom.ua.
    pub status: String,
    /// Prom.ua's status as last read or confirmed.
    pub prom_status: Option<String>,
    /// A status was sent and not (yet durably) confirmed: Prom.ua may show it rather
    /// than `prom_status`. Cleared by a confirmation, or by a read that ends the wait
    /// (Prom shows the local status, or a later change there supersedes it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prom_status_unconfirmed: bool,
    /// Every Prom.ua status a push sent since the last confirmation (as Prom shows it,
    /// after the status map): Prom.ua showing one is our own change read back (its
    /// answer lost), not a later change on Prom.ua. All of them, not the last: an
    /// earlier push may be the one that landed. Kept, like `prom_status_unconfirmed`,
    /// while the local change waits (`order_merge.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses_sent: Vec<String>,
    /// The local status was changed here and Prom.ua has not confirmed it yet.
    pub status_pending: bool,
    /// When the local status was last set here: in a conflict with Prom.ua's status,
    /// the later change wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<FixedOffset>>,
    pub modified_at: Option<DateTime<FixedOffset>>,
    pub client: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub total: Option<Money>,
    /// The buyer's comment, the delivery, the payment, the other sums, the
    /// cancellation: what a seller fulfils the order from.
    #[serde(default)]
    pub details: OrderDetails,
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
    /// First seen already done and created before order tracking started (history):
    /// its stock left before the back office knew it.
    #[serde(default)]
    pub adopted_done: bool,
    /// The order holds its lines' stock. Set by its status; a status nobody named
    /// (neither reserving nor releasing) keeps what it was. `None`: stored before this
    /// was kept ([`LocalOrder::holding`] tells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<bool>,
    pub imported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LocalOrder {
    /// Whether the order holds its lines' stock; for a record stored before that was
    /// kept, what its status and its reservations say.
    pub fn holding(&self, policy: &ReservationPolicy) -> bool {
        self.holds.unwrap_or_else(|| {
            !self.stock_moved
                && (policy.class(&self.status) == StatusClass::Holds || !self.reserved.is_empty())
        })
    }

    /// A line matches no local product.
    pub fn has_unlinked_lines(&self) -> bool {
        self.lines.iter().any(|l| l.product_id.is_none())
    }
}

/// What an order upsert did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderUpsert {
    pub prom_id: i64,
    pub created: bool,
    pub changed: bool,
    /// Lines that match no local product once stored.
    pub unlinked_lines: usize,
    /// Prom ids a line linked by SKU (a new product link: other stored orders' lines
    /// for them can be linked now too).
    pub new_links: Vec<i64>,
    /// A local status change and Prom's status disagreed, and how it was settled.
    pub conflict: Option<StatusConflict>,
    /// First seen at the done status and created before tracking started: moved nothing.
    pub history: bool,
    /// The order's status is neither reserving, releasing nor done: it kept its holding
    /// state (`holds`).
    pub unknown_status: Option<String>,
    /// Lines whose SKU names a local product, left unlinked because no catalogue read
    /// ever showed their Prom product: (line number from 1, SKU, Prom product id).
    pub unseen_lines: Vec<(usize, String, i64)>,
    /// Products whose stock (shipped or returned) or reservation the order changed.
    pub touched: Vec<u64>,
}

pub(super) const CURSOR_KEY: &[u8] = b"orders_cursor";

/// What a pull writes besides its orders, in the same transaction.
#[derive(Debug, Clone, Default)]
pub struct PullMark {
    /// Where the next pull starts (it only moves forward).
    pub cursor: Option<DateTime<Utc>>,
    /// When tracking started, kept if the store does not know it yet.
    pub tracking: Tracking,
}

/// Inside a transaction: the stored order `prom_id`.
pub(super) fn order_in(tx: &Tx<'_>, prom_id: i64) -> TxResult<Option<LocalOrder>> {
    let v = tx.orders.get(prom_id.to_be_bytes())?;
    Ok(v.map(|v| decode("orders", &v)).transpose()?)
}

pub(super) fn put_order(tx: &Tx<'_>, prom_id: i64, order: &LocalOrder) -> TxResult<()> {
    tx.orders
        .insert(&prom_id.to_be_bytes(), encode("orders", order)?)?;
    // What a search filters on, kept with it (`order_scan.rs`).
    super::order_scan::put_head(tx, prom_id, order)?;
    Ok(())
}

/// What linking an order's lines did.
#[derive(Default)]
struct Linked {
    /// Prom ids newly linked by SKU.
    newly: Vec<i64>,
    unseen: Vec<(usize, String, i64)>,
}

/// Inside a transaction: links the order's unlinked lines, through the product link,
/// else by identical SKU when that local product is not linked elsewhere (creating the
/// link), but only to a Prom product a catalogue read has shown and Prom.ua has not
/// answered 404 for: a link to an id the shop never had would fail every push.
fn link_lines(tx: &Tx<'_>, order: &mut LocalOrder) -> TxResult<Linked> {
    let mut out = Linked::default();
    for (i, line) in order.lines.iter_mut().enumerate() {
        let (None, Some(pid)) = (line.product_id, line.prom_product_id) else {
            continue;
        };
        if let Some(local) = linked_to_prom_in(tx, pid)? {
            line.product_id = Some(local);
            continue;
        }
        let sku = line.sku.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some((sku, local)) = sku
            .map(|s| tx.sku_index.get(s.as_bytes()).map(|v| v.map(|v| (s, v))))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        let id = id_value("sku_index", &local)?;
        if link_of_in(tx, id)?.is_some() {
            continue;
        }
        let key = pid.to_be_bytes();
        if tx.seen_prom.get(key)?.is_none() || tx.gone.get(key)?.is_some() {
            out.unseen.push((i + 1, sku.to_string(), pid));
            continue;
        }
        insert_link(tx, id, pid)?;
        line.product_id = Some(id);
        out.newly.push(pid);
    }
    Ok(out)
}

impl Store {
    /// Stores orders read from Prom.ua (new or changed) in one transaction: merges each
    /// into its stored copy (`order_merge.rs`: status conflicts, orders first seen
    /// done), links their lines (through the product link, else by identical SKU to a
    /// Prom product a catalogue read showed, creating the link), re-computes
    /// reservations and moves the stock of the done status once. Then, and only then,
    /// moves the cursor (`pull.cursor`, forward only). The tracking start is kept if
    /// the store does not know it yet; the links lines made are queued for
    /// [`Store::finish_relinks`] in the same transaction.
    pub fn upsert_orders(
        &self,
        incoming: &[LocalOrder],
        policy: &ReservationPolicy,
        pull: &PullMark,
    ) -> Result<Vec<OrderUpsert>> {
        self.upsert_orders_with(incoming, policy, Some(pull))
    }

    /// `pull`: when storing orders read from Prom.ua; `None` re-links the stored orders
    /// named by `incoming` (read again inside the transaction, so that nothing newer is
    /// overwritten) instead of storing `incoming`.
    pub(super) fn upsert_orders_with(
        &self,
        incoming: &[LocalOrder],
        policy: &ReservationPolicy,
        pull: Option<&PullMark>,
    ) -> Result<Vec<OrderUpsert>> {
        let now = Utc::now();
        // Aside, but a line's identical SKU can make a product link (`link_lines`): then
        // the link generation moves once it is committed.
        let upserts = self.transact_aside(|tx| {
            let tracking = match pull {
                Some(p) => Some(tracking_in(tx, &p.tracking)?),
                None => None,
            };
            let mut out = Vec::with_capacity(incoming.len());
            for new in incoming {
                let old = order_in(tx, new.prom_id)?;
                let mut up = OrderUpsert {
                    prom_id: new.prom_id,
                    created: old.is_none(),
                    ..OrderUpsert::default()
                };
                let mut order = match (&old, &tracking) {
                    (Some(o), None) => {
                        let mut o = o.clone();
                        o.holds = Some(o.holding(policy));
                        o
                    }
                    (None, None) => continue,
                    (_, Some(tracking)) => {
                        let merged = merge_order(old.as_ref(), new, tracking, policy);
                        up.conflict = merged.conflict;
                        up.history = merged.history;
                        merged.order
                    }
                };
                let linked = link_lines(tx, &mut order)?;
                up.new_links = linked.newly;
                up.unlinked_lines = order
                    .lines
                    .iter()
                    .filter(|l| l.product_id.is_none())
                    .count();
                up.unseen_lines = linked.unseen;
                order.updated_at = now;
                up.changed = old.as_ref().is_none_or(|o| {
                    o.status != order.status
                        || o.lines != order.lines
                        || o.modified_at != order.modified_at
                });
                if policy.class(&order.status) == StatusClass::Unknown {
                    up.unknown_status = Some(order.status.clone());
                }
                let before = old.as_ref().map(|o| o.reserved.clone()).unwrap_or_default();
                up.touched = settle(tx, &mut order, &before, policy, now)?;
                put_order(tx, order.prom_id, &order)?;
                out.push(up);
            }
            let new_links: Vec<i64> = out.iter().flat_map(|u| u.new_links.clone()).collect();
            queue_relinks(tx, &new_links)?;
            if let Some(c) = pull.and_then(|p| p.cursor) {
                let current = tx.meta.get(CURSOR_KEY)?;
                let current = current.map(|v| cursor_value(&v)).transpose()?;
                let keep = current.is_some_and(|cur| cur >= c);
                if !keep {
                    tx.meta.insert(CURSOR_KEY, c.to_rfc3339().as_bytes())?;
                }
            }
            Ok(out)
        })?;
        if upserts.iter().any(|u| !u.new_links.is_empty()) {
            self.links_written();
        }
        Ok(upserts)
    }

    /// Changes an order's local status (to be pushed to Prom.ua), with its reservations.
    pub fn set_order_status(
        &self,
        prom_id: i64,
        status: &str,
        policy: &ReservationPolicy,
    ) -> Result<LocalOrder> {
        let now = Utc::now();
        self.transact_aside(|tx| {
            let Some(mut order) = order_in(tx, prom_id)? else {
                return abort(format!("no order {prom_id}"));
            };
            if order.status == status {
                return Ok(order);
            }
            order.holds = Some(order.holding(policy));
            order.status = status.to_string();
            order.status_changed_at = Some(now);
            // Unless Prom.ua's status is known, the status is sent whatever it was; Prom.ua
            // showing what it is sent as (a title's name, a mapped status) needs nothing.
            order.status_pending = order.prom_status_unconfirmed
                || !order
                    .prom_status
                    .as_deref()
                    .is_some_and(|p| policy.agrees(status, p));
            order.updated_at = now;
            let before = order.reserved.clone();
            settle(tx, &mut order, &before, policy, now)?;
            put_order(tx, prom_id, &order)?;
            Ok(order)
        })
    }

    /// Records that Prom.ua confirmed these orders' statuses: (order, the local status that
    /// was sent, the Prom status it became). A local status changed since stays pending.
    /// Prom's label of the status (`status_name`) follows: the shop's title for the new
    /// status from the list kept, else none (never the old status's label).
    pub fn confirm_order_statuses(&self, confirmed: &[(i64, String, String)]) -> Result<()> {
        let shop = self.shop_statuses()?;
        let title = |status: &str| {
            let option = shop.as_ref().and_then(|s| s.find(status));
            option
                .filter(|o| o.code().as_deref() == Some(status))
                .and_then(|o| o.title.clone())
                .filter(|t| !t.trim().is_empty())
        };
        self.transact_aside(|tx| {
            for (id, sent, status) in confirmed {
                if let Some(mut o) = order_in(tx, *id)? {
                    if o.prom_status.as_deref() != Some(status.as_str()) {
                        o.details.status_name = title(status);
                    }
                    o.prom_status = Some(status.clone());
                    o.prom_status_unconfirmed = false;
                    o.statuses_sent.clear();
                    o.status_pending = o.status != *sent;
                    put_order(tx, *id, &o)?;
                }
            }
            Ok(())
        })
    }

    /// Marks these orders' Prom statuses unconfirmed before a status push is sent.
    /// `planned`: (order, the local status the push planned to send, the Prom.ua status
    /// it is sent as). Returns the orders still waiting with that status: a status
    /// changed since, or superseded by a pull, is not sent.
    pub fn mark_statuses_unconfirmed(&self, planned: &[(i64, String, String)]) -> Result<Vec<i64>> {
        self.transact_aside(|tx| {
            let mut still = Vec::new();
            for (id, status, target) in planned {
                let Some(mut o) = order_in(tx, *id)? else {
                    continue;
                };
                if !o.status_pending || o.status != *status {
                    continue;
                }
                still.push(*id);
                // Each status at most once in the list, whatever state a record came in.
                if !o.prom_status_unconfirmed || !o.statuses_sent.contains(target) {
                    o.prom_status_unconfirmed = true;
                    if !o.statuses_sent.contains(target) {
                        o.statuses_sent.push(target.clone());
                    }
                    put_order(tx, *id, &o)?;
                }
            }
            Ok(still)
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
        // Only an order with an unlinked line can gain a link: the order index lists them
        // (a link in the console must not read every order).
        let affected: Vec<LocalOrder> = self
            .find_orders(&super::OrderScope::Unlinked, |_| true, None, None)?
            .into_iter()
            .filter(|o| {
                o.lines
                    .iter()
                    .any(|l| l.product_id.is_none() && l.prom_product_id == Some(prom_product_id))
            })
            .collect();
        let n = affected.len();
        if n > 0 {
            self.upsert_orders_with(&affected, policy, None)?;
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
