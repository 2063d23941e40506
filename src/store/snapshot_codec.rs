//! How snapshots sit in their trees: fixed-width binary (a tag byte, numbers big-endian,
//! the text last), a third of the JSON older stores hold, which is still read. The first
//! open of an older store rewrites its snapshots in the new layout (`migrate_snapshots`).
//!
//! | tree | value |
//! |---|---|
//! | `stock_snapshots` | 1, i64 Prom id, i64 quantity, i64 µs confirmed, flags, presence (UTF-8) |
//! | `price_snapshots` | 1, i64 Prom id, i64 µs confirmed, flags, price (decimal text) |

use std::str::FromStr;

use rust_decimal::Decimal;

use super::codec::{corrupt, decode, micros, micros_value};
use super::snapshots::{ConfirmedStock, PriceSnapshot, StockSnapshot};
use super::{Result, Store, StoreError};

/// The tag of the binary layout; JSON starts with `{`.
const BINARY: u8 = 1;
/// Flags: the snapshot is marked unconfirmed.
const UNCONFIRMED: u8 = 1;
/// Set in `meta` once every snapshot is in the binary layout.
pub(super) const SNAPSHOTS_BINARY: &[u8] = b"snapshots_binary";
const STOCK: &str = "stock_snapshots";
const PRICE: &str = "price_snapshots";

/// The fixed-width head of a binary value: (numbers, flags, the text after them).
fn split<'v, const N: usize>(tree: &'static str, v: &'v [u8]) -> Result<([i64; N], u8, &'v str)> {
    let fixed = 1 + 8 * N + 1;
    if v.len() < fixed || v[0] != BINARY {
        return Err(corrupt(
            tree,
            format!("holds a snapshot of {} bytes that does not decode", v.len()),
        ));
    }
    let mut numbers = [0i64; N];
    for (i, n) in numbers.iter_mut().enumerate() {
        let at = 1 + 8 * i;
        *n = i64::from_be_bytes(v[at..at + 8].try_into().expect("8 bytes"));
    }
    let text = std::str::from_utf8(&v[fixed..])
        .map_err(|_| corrupt(tree, "holds a snapshot whose text is not UTF-8"))?;
    Ok((numbers, v[fixed - 1], text))
}

fn join(numbers: &[i64], unconfirmed: bool, text: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + 8 * numbers.len() + text.len());
    v.push(BINARY);
    for n in numbers {
        v.extend_from_slice(&n.to_be_bytes());
    }
    v.push(if unconfirmed { UNCONFIRMED } else { 0 });
    v.extend_from_slice(text.as_bytes());
    v
}

fn is_json(v: &[u8]) -> bool {
    v.first() == Some(&b'{')
}

pub(super) fn encode_stock(s: &StockSnapshot) -> Vec<u8> {
    let at = i64::from_be_bytes(micros(s.confirmed_at));
    join(&[s.prom_id, s.quantity, at], s.unconfirmed, &s.presence)
}

pub(super) fn decode_stock(v: &[u8]) -> Result<StockSnapshot> {
    if is_json(v) {
        return decode(STOCK, v);
    }
    let ([prom_id, quantity, at], flags, presence) = split::<3>(STOCK, v)?;
    Ok(StockSnapshot {
        prom_id,
        quantity,
        presence: presence.to_string(),
        confirmed_at: micros_value(STOCK, &at.to_be_bytes())?,
        unconfirmed: flags & UNCONFIRMED != 0,
    })
}

/// The part the planner compares.
pub(super) fn decode_confirmed(v: &[u8]) -> Result<ConfirmedStock> {
    if is_json(v) {
        return decode(STOCK, v);
    }
    let ([prom_id, quantity, _], flags, presence) = split::<3>(STOCK, v)?;
    Ok(ConfirmedStock {
        prom_id,
        quantity,
        presence: presence.to_string(),
        unconfirmed: flags & UNCONFIRMED != 0,
    })
}

pub(super) fn encode_price(s: &PriceSnapshot) -> Vec<u8> {
    let at = i64::from_be_bytes(micros(s.confirmed_at));
    join(&[s.prom_id, at], s.unconfirmed, &s.price.to_string())
}

pub(super) fn decode_price(v: &[u8]) -> Result<PriceSnapshot> {
    if is_json(v) {
        return decode(PRICE, v);
    }
    let ([prom_id, at], flags, price) = split::<2>(PRICE, v)?;
    Ok(PriceSnapshot {
        prom_id,
        price: Decimal::from_str(price).map_err(|_| {
            corrupt(
                PRICE,
                format!("holds a price that is not a number: {price:?}"),
            )
        })?,
        confirmed_at: micros_value(PRICE, &at.to_be_bytes())?,
        unconfirmed: flags & UNCONFIRMED != 0,
    })
}

impl Store {
    /// Rewrites the JSON snapshots of an older store in the binary layout, once (then
    /// marked in `meta`); a store made now is marked at its first open.
    pub(super) fn migrate_snapshots(&self) -> Result<()> {
        if self.trees.meta.get(SNAPSHOTS_BINARY)?.is_some() {
            return Ok(());
        }
        let _writing = self.writing();
        rewrite(&self.trees.snapshots, |v| {
            Ok(encode_stock(&decode_stock(v)?))
        })?;
        rewrite(&self.trees.price_snapshots, |v| {
            Ok(encode_price(&decode_price(v)?))
        })?;
        self.trees.meta.insert(SNAPSHOTS_BINARY, &b"1"[..])?;
        Ok(())
    }
}

/// Rewrites a tree's JSON values with `recode`, in batches (each entry is atomic: a stop
/// half-way leaves some JSON, read as before and rewritten at the next open).
fn rewrite(tree: &sled::Tree, recode: impl Fn(&[u8]) -> Result<Vec<u8>>) -> Result<()> {
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    for kv in tree.iter() {
        let (k, v) = kv?;
        if is_json(&v) {
            batch.insert(k, recode(&v)?);
            pending += 1;
        }
        if pending == 10_000 {
            tree.apply_batch(std::mem::take(&mut batch))?;
            pending = 0;
        }
    }
    tree.apply_batch(batch).map_err(StoreError::from)
}

#[cfg(test)]
#[path = "snapshot_codec_tests.rs"]
mod tests;
