//! Finding orders without reading every one whole: beside each stored order, the
//! `order_heads` tree keeps its [`OrderHead`] (the fields a search filters on, about a
//! tenth of the order), written by `put_order` in the same transaction. A search scans
//! the heads and reads in full only the orders it keeps. Orders stored before the heads
//! existed get theirs at the first search.

use std::borrow::Cow;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::codec::{decode, decode_borrowed, encode, prom_key};
use super::order_index::{Indexed, OrderScope, put_keys};
use super::orders::{LocalOrder, order_in};
use super::trees::{Tx, TxResult};
use super::{Result, Store, StoreError};

/// What an order search looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderHead<'a> {
    /// From the key.
    #[serde(skip)]
    pub prom_id: i64,
    #[serde(borrow)]
    pub status: Cow<'a, str>,
    #[serde(borrow, default)]
    pub prom_status: Option<Cow<'a, str>>,
    /// In UTC, as µs since the epoch: compared without parsing a date.
    #[serde(default, with = "chrono::serde::ts_microseconds_option")]
    pub created: Option<DateTime<Utc>>,
    #[serde(borrow)]
    pub client: Cow<'a, str>,
    #[serde(borrow, default)]
    pub phone: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub email: Option<Cow<'a, str>>,
    /// A line matches no local product.
    #[serde(default)]
    pub unlinked: bool,
}

impl<'a> OrderHead<'a> {
    pub fn of(o: &'a LocalOrder) -> Self {
        Self {
            prom_id: o.prom_id,
            status: Cow::Borrowed(&o.status),
            prom_status: o.prom_status.as_deref().map(Cow::Borrowed),
            created: o.created_at.map(|t| t.with_timezone(&Utc)),
            client: Cow::Borrowed(&o.client),
            phone: o.phone.as_deref().map(Cow::Borrowed),
            email: o.email.as_deref().map(Cow::Borrowed),
            unlinked: o.has_unlinked_lines(),
        }
    }
}

/// What a search found within its window.
#[derive(Debug, Default)]
pub struct Window {
    pub orders: Vec<LocalOrder>,
    /// The window was looked through before the page filled: the last id looked at (a
    /// search on starts before it). `None`: the search went as far as it needed.
    pub ended: Option<i64>,
    last_looked: Option<i64>,
}

/// How far a search goes.
struct Bounds {
    before: Option<i64>,
    limit: Option<usize>,
    scan: usize,
}

/// Set in `meta` to [`HEADS_VERSION`] once every stored order has its head.
pub(super) const HEADS_BUILT: &[u8] = b"order_heads_built";
/// Bumped when [`OrderHead`] gains a field (or the `order_index` a key), so that the
/// heads are built again.
const HEADS_VERSION: &[u8] = b"2";

/// Searches hold it for reading, a build of the heads and index for writing: a search
/// never reads an index half cleared, and two builds never interleave (one's clear would
/// drop batches the other wrote, and the other would then mark a partial index built).
/// One for the process: a process works on one store.
static BUILD: RwLock<()> = RwLock::new(());

/// Inside the transaction that stores `order`: its head and its index keys.
pub(super) fn put_head(tx: &Tx<'_>, prom_id: i64, order: &LocalOrder) -> TxResult<()> {
    let key = prom_id.to_be_bytes();
    let new = OrderHead::of(order);
    let stored = tx.order_heads.get(key)?;
    // A head that does not decode is derived data: its keys may stay behind, harmless.
    let old: Option<OrderHead<'_>> = stored
        .as_deref()
        .and_then(|v| decode_borrowed("order_heads", v).ok());
    put_keys(tx, prom_id, old.as_ref(), &new)?;
    tx.order_heads.insert(&key, encode("order_heads", &new)?)?;
    Ok(())
}

impl Store {
    /// The orders of `scope` that `keep` accepts, newest (highest id) first, at most
    /// `limit` of them; with `before`, only those with a lower id (the next page of a
    /// list). The scope only narrows what is read (`order_index.rs`): `keep` decides.
    /// The heads and the index are derived data: a damaged entry (or one naming an order
    /// that is not stored) is not an error of the search; they are built again from the
    /// orders and the search runs once more.
    pub fn find_orders(
        &self,
        scope: &OrderScope,
        keep: impl FnMut(&OrderHead<'_>) -> bool,
        before: Option<i64>,
        limit: Option<usize>,
    ) -> Result<Vec<LocalOrder>> {
        Ok(self
            .find_orders_within(scope, keep, before, limit, None)?
            .orders)
    }

    /// [`find_orders`](Self::find_orders) looking at no more than `scan` candidates (the
    /// console's search, which has no index for a name or a phone): when they run out
    /// before `limit` orders are found, [`Window::ended`] is the id of the last one looked
    /// at, for a search on before it.
    pub fn find_orders_within(
        &self,
        scope: &OrderScope,
        mut keep: impl FnMut(&OrderHead<'_>) -> bool,
        before: Option<i64>,
        limit: Option<usize>,
        scan: Option<usize>,
    ) -> Result<Window> {
        let bounds = Bounds {
            before,
            limit,
            scan: scan.unwrap_or(usize::MAX).max(1),
        };
        match self.scan_heads(scope, &mut keep, &bounds) {
            Err(StoreError::Corrupt {
                tree: tree @ ("order_heads" | "order_index"),
                detail,
            }) => {
                tracing::warn!("the orders' {tree} is damaged ({detail}): building it again");
                self.rebuild_order_search()?;
                self.scan_heads(scope, &mut keep, &bounds)
            }
            other => other,
        }
    }

    fn scan_heads(
        &self,
        scope: &OrderScope,
        keep: &mut impl FnMut(&OrderHead<'_>) -> bool,
        b: &Bounds,
    ) -> Result<Window> {
        // Read under the build lock, with the heads built: never an index half cleared.
        let _reading = loop {
            self.build_order_heads()?;
            let reading = BUILD.read().unwrap_or_else(|e| e.into_inner());
            if self.heads_built()? {
                break reading;
            }
        };
        let mut w = Window::default();
        // Ids are positive: nothing is before 1.
        if b.limit == Some(0) || b.before.is_some_and(|b| b <= 1) {
            return Ok(w);
        }
        let full = |w: &Window| b.limit.is_some_and(|n| w.orders.len() >= n);
        let mut looked = 0;
        // Before each candidate: a full page or a window looked through ends the search.
        let stop = |w: &mut Window, id: i64, looked: usize| {
            if full(w) {
                return true;
            }
            if looked == b.scan {
                w.ended = w.last_looked;
                return true;
            }
            w.last_looked = Some(id);
            false
        };
        let indexed = match scope {
            OrderScope::All => None,
            OrderScope::Unlinked => Some(Indexed::Unlinked),
            OrderScope::Statuses(list) => Some(Indexed::Statuses(list)),
        };
        if let Some(indexed) = indexed {
            for id in self.indexed_ids(indexed, b.before) {
                let id = id?;
                // A key whose order's head is gone is stale: no candidate.
                if let Some(v) = self.trees.order_heads.get(id.to_be_bytes())? {
                    if stop(&mut w, id, looked) {
                        break;
                    }
                    looked += 1;
                    self.consider(id, &v, keep, &mut w.orders)?;
                }
            }
        } else {
            // Keys are the ids big-endian: their byte order is the ids' (Prom's are positive).
            let heads = match b.before {
                Some(id) => self.trees.order_heads.range(..id.to_be_bytes()),
                None => self.trees.order_heads.iter(),
            };
            for kv in heads.rev() {
                let (k, v) = kv?;
                let id = prom_key("order_heads", &k)?;
                if stop(&mut w, id, looked) {
                    break;
                }
                looked += 1;
                self.consider(id, &v, keep, &mut w.orders)?;
            }
        }
        w.last_looked = None;
        Ok(w)
    }

    /// The order of head `v` into `found` when `keep` takes it.
    fn consider(
        &self,
        id: i64,
        v: &[u8],
        keep: &mut impl FnMut(&OrderHead<'_>) -> bool,
        found: &mut Vec<LocalOrder>,
    ) -> Result<()> {
        let mut head: OrderHead<'_> = decode_borrowed("order_heads", v)?;
        head.prom_id = id;
        if !keep(&head) {
            return Ok(());
        }
        let order =
            self.trees
                .orders
                .get(id.to_be_bytes())?
                .ok_or_else(|| StoreError::Corrupt {
                    tree: "order_heads",
                    detail: format!("names order {id}, which is not stored"),
                })?;
        found.push(decode("orders", &order)?);
        Ok(())
    }

    fn heads_built(&self) -> Result<bool> {
        Ok(self.trees.meta.get(HEADS_BUILT)?.as_deref() == Some(HEADS_VERSION))
    }

    /// At open: heads and index not `trusted` (the files were not closed cleanly by a
    /// version that keeps the index: an older binary may have stored orders without
    /// their keys) are built again at the first search. A store without orders has
    /// every head it needs (its orders will get theirs as they are stored): no search
    /// rebuilds them.
    pub(super) fn open_order_search(&self, trusted: bool) -> Result<()> {
        if !trusted && self.trees.meta.get(HEADS_BUILT)?.is_some() {
            self.forget_order_search()?;
        }
        if self.trees.orders.is_empty() && !self.heads_built()? {
            let _writing = self.writing();
            self.trees.order_heads.clear()?;
            self.trees.order_index.clear()?;
            self.trees.meta.insert(HEADS_BUILT, HEADS_VERSION)?;
        }
        Ok(())
    }

    /// The heads and index are to be built again (at the next search).
    pub(super) fn forget_order_search(&self) -> Result<()> {
        let _writing = self.writing();
        self.trees.meta.remove(HEADS_BUILT)?;
        Ok(())
    }

    /// Gives every stored order its head and keys, once: the first caller builds, the
    /// others wait for it and find them built.
    fn build_order_heads(&self) -> Result<()> {
        if self.heads_built()? {
            return Ok(());
        }
        let _one = BUILD.write().unwrap_or_else(|e| e.into_inner());
        if self.heads_built()? {
            return Ok(());
        }
        self.build_order_search_now()
    }

    /// Builds the orders' heads and index again from the orders, whatever they hold now
    /// (a damaged entry, a key missing or left over): the repair of `store check`'s
    /// findings on them.
    pub fn rebuild_order_search(&self) -> Result<()> {
        let _one = BUILD.write().unwrap_or_else(|e| e.into_inner());
        self.build_order_search_now()
    }

    /// Under [`BUILD`] held for writing. Both trees are cleared (heads first: a head
    /// written between the two clears then loses only keys the build writes back), so
    /// nothing of a head that did not decode survives. Each batch reads its orders again
    /// in its transaction, so a head never lags an order written meanwhile (an order
    /// stored after the listing gets its head from `put_order`).
    fn build_order_search_now(&self) -> Result<()> {
        {
            let _writing = self.writing();
            self.trees.meta.remove(HEADS_BUILT)?;
            self.trees.order_heads.clear()?;
            self.trees.order_index.clear()?;
        }
        let ids: Vec<i64> = self
            .trees
            .orders
            .iter()
            .keys()
            .map(|k| prom_key("orders", &k?))
            .collect::<Result<_>>()?;
        for batch in ids.chunks(1_000) {
            self.transact(|tx| {
                for id in batch {
                    if let Some(order) = order_in(tx, *id)? {
                        put_head(tx, *id, &order)?;
                    }
                }
                Ok(())
            })?;
        }
        let _writing = self.writing();
        self.trees.meta.insert(HEADS_BUILT, HEADS_VERSION)?;
        Ok(())
    }

    /// Orders whose head is missing or differs from the order (for `check_consistency`).
    pub(super) fn order_head_problems(&self) -> Result<Vec<String>> {
        if !self.heads_built()? {
            return Ok(Vec::new());
        }
        let mut problems = Vec::new();
        for v in self.trees.orders.iter().values() {
            let order: LocalOrder = decode("orders", &v?)?;
            let id = order.prom_id;
            let Some(stored) = self.trees.order_heads.get(id.to_be_bytes())? else {
                problems.push(format!("order {id} has no search head"));
                continue;
            };
            let mut head: OrderHead<'_> = decode_borrowed("order_heads", &stored)?;
            head.prom_id = id;
            if head != OrderHead::of(&order) {
                problems.push(format!("order {id}: its search head differs from it"));
            }
        }
        if self.trees.order_heads.len() != self.trees.orders.len() {
            problems.push("order heads and orders differ in number".into());
        }
        problems.extend(self.order_index_problems()?);
        // Derived data: `rebuild_order_search` builds them again from the orders.
        Ok(problems
            .into_iter()
            .map(|p| format!("{p} (to repair: `promua-sync store check --repair`)"))
            .collect())
    }
}

#[cfg(test)]
#[path = "order_scan_tests.rs"]
mod tests;
