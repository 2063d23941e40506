//! The orders' secondary keys, so that a list of the orders with unlinked lines, or at a
//! status, reads those orders' heads and not every head: in `order_index`, written with
//! the head (`put_head`), an empty value under
//! - `u` + the order id (8 bytes, big-endian): the order has a line matching no product;
//! - `s` + the status in lower case + `0` + the order id: for its local status and for
//!   Prom.ua's.
//!
//! Derived data, only a way to candidates: every candidate is still asked of the search's
//! own test on its head, so a stale key can cost a read, never a wrong answer.

use std::iter::Peekable;

use super::Store;
use super::order_scan::OrderHead;
use super::trees::{Tx, TxResult};
use super::{Result, StoreError};

const UNLINKED: u8 = b'u';
const STATUS: u8 = b's';

/// Where a search takes its candidates from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderScope {
    /// Every order.
    All,
    /// The orders with a line that matches no local product.
    Unlinked,
    /// The orders whose local or Prom.ua status is one of these (any case).
    Statuses(Vec<String>),
}

/// A scope the index answers: [`OrderScope::All`] has no keys (its search walks the
/// heads), so it cannot be asked of the index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Indexed<'a> {
    Unlinked,
    Statuses(&'a [String]),
}

/// A status as its keys spell it: lower case, char by char (as the search compares).
fn lower(status: &str) -> String {
    status.chars().flat_map(char::to_lowercase).collect()
}

fn status_prefix(status: &str) -> Vec<u8> {
    let mut k = vec![STATUS];
    k.extend_from_slice(lower(status).as_bytes());
    k.push(0);
    k
}

/// The keys of an order with head `h`.
fn keys(h: &OrderHead<'_>, id: i64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let with_id = |mut k: Vec<u8>| {
        k.extend_from_slice(&id.to_be_bytes());
        k
    };
    if h.unlinked {
        out.push(with_id(vec![UNLINKED]));
    }
    out.push(with_id(status_prefix(&h.status)));
    if let Some(p) = &h.prom_status {
        let k = with_id(status_prefix(p));
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// Inside the transaction that writes `new` over `old` (the head stored before, if it
/// decoded): the keys `old` had and `new` has not go, `new`'s are written.
pub(super) fn put_keys(
    tx: &Tx<'_>,
    id: i64,
    old: Option<&OrderHead<'_>>,
    new: &OrderHead<'_>,
) -> TxResult<()> {
    let new_keys = keys(new, id);
    for k in old.map(|o| keys(o, id)).unwrap_or_default() {
        if !new_keys.contains(&k) {
            tx.order_index.remove(k)?;
        }
    }
    for k in new_keys {
        tx.order_index.insert(k, &[])?;
    }
    Ok(())
}

/// The order id that ends a key.
pub(super) fn id_of(key: &[u8]) -> Result<i64> {
    match key.len().checked_sub(8) {
        Some(at) if at > 0 => {
            let mut id = [0; 8];
            id.copy_from_slice(&key[at..]);
            Ok(i64::from_be_bytes(id))
        }
        _ => Err(StoreError::Corrupt {
            tree: "order_index",
            detail: format!("a key of {} bytes names no order", key.len()),
        }),
    }
}

type Ids = Box<dyn Iterator<Item = Result<i64>>>;

impl Store {
    /// The ids of the orders under `prefix` below `before`, highest first.
    fn ids_under(&self, prefix: Vec<u8>, before: Option<i64>) -> Ids {
        let iter = match before {
            Some(b) => {
                let mut end = prefix.clone();
                end.extend_from_slice(&b.to_be_bytes());
                self.trees.order_index.range(prefix..end)
            }
            None => self.trees.order_index.scan_prefix(prefix),
        };
        Box::new(iter.rev().map(|kv| id_of(&kv?.0)))
    }

    /// The candidates of an indexed scope, highest id first, each once.
    pub(super) fn indexed_ids(&self, scope: Indexed<'_>, before: Option<i64>) -> Ids {
        match scope {
            Indexed::Unlinked => self.ids_under(vec![UNLINKED], before),
            Indexed::Statuses(list) => {
                let streams = list
                    .iter()
                    .map(|s| self.ids_under(status_prefix(s), before).peekable())
                    .collect();
                Box::new(Merged {
                    streams,
                    last: None,
                })
            }
        }
    }

    /// Orders whose index keys are missing, and keys no order's head gives (`store
    /// check`): every expected key is looked up, then every key held is asked of its
    /// order's head, so a missing key and a stray one never cancel out.
    pub(super) fn order_index_problems(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        for kv in self.trees.order_heads.iter() {
            let (k, v) = kv?;
            let Some((id, head)) = head_of(&k, &v) else {
                problems.push("the order heads hold an entry that does not read".into());
                continue;
            };
            let expected = keys(&head, id);
            let mut missing = 0;
            for key in &expected {
                if self.trees.order_index.get(key)?.is_none() {
                    missing += 1;
                }
            }
            if missing > 0 {
                problems.push(format!(
                    "order {id} is missing from the order index ({missing} of its {} keys)",
                    expected.len()
                ));
            }
        }
        for k in self.trees.order_index.iter().keys() {
            let k = k?;
            let Ok(id) = id_of(&k) else {
                problems.push(format!(
                    "the order index holds a key of {} bytes naming no order",
                    k.len()
                ));
                continue;
            };
            let v = self.trees.order_heads.get(id.to_be_bytes())?;
            let gives = v
                .as_deref()
                .and_then(|v| head_of(&id.to_be_bytes(), v))
                .is_some_and(|(_, head)| keys(&head, id).contains(&k.to_vec()));
            if !gives {
                problems.push(format!(
                    "the order index holds a key of order {id} ({}) its head does not give",
                    describe(&k)
                ));
            }
        }
        Ok(problems)
    }
}

/// What a key says, in words.
fn describe(key: &[u8]) -> String {
    let body = &key[1..key.len().saturating_sub(8).max(1)];
    match key.first() {
        Some(&UNLINKED) => "unlinked".into(),
        Some(&STATUS) => format!(
            "status {}",
            String::from_utf8_lossy(body.strip_suffix(&[0]).unwrap_or(body))
        ),
        _ => format!("{key:?}"),
    }
}

/// A stored head with its id, if it reads.
fn head_of<'a>(k: &[u8], v: &'a [u8]) -> Option<(i64, OrderHead<'a>)> {
    let id = super::codec::prom_key("order_heads", k).ok()?;
    let head = super::codec::decode_borrowed("order_heads", v).ok()?;
    Some((id, head))
}

/// Several descending streams of ids as one, each id once.
struct Merged {
    streams: Vec<Peekable<Ids>>,
    last: Option<i64>,
}

impl Iterator for Merged {
    type Item = Result<i64>;

    fn next(&mut self) -> Option<Result<i64>> {
        loop {
            let mut best: Option<(usize, i64)> = None;
            for (i, s) in self.streams.iter_mut().enumerate() {
                match s.peek() {
                    Some(Err(_)) => return s.next(),
                    Some(Ok(id)) if best.is_none_or(|(_, b)| *id > b) => best = Some((i, *id)),
                    _ => {}
                }
            }
            let (i, id) = best?;
            self.streams[i].next();
            // An order at two of the statuses (its own and Prom's) comes once.
            if self.last != Some(id) {
                self.last = Some(id);
                return Some(Ok(id));
            }
        }
    }
}

#[cfg(test)]
#[path = "order_index_tests.rs"]
mod tests;
