//! How snapshots sit in their trees: fixed-width binary (a tag byte, numbers big-endian,
//! the text last), a third of the JSON older stores hold, which is still read. The first
//! open of an older store rewrites its snapshots in the new layout (`migrate.rs`).
//!
//! | tree | value |
//! |---|---|
//! | `stock_snapshots` | 1, i64 Prom id, i64 quantity, i64 ns confirmed, flags (1 unconfirmed, 2 hidden by us), presence (UTF-8) |
//! | `price_snapshots` | 1, i64 Prom id, i64 ns confirmed, flags, price (decimal text) |

use std::str::FromStr;

use rust_decimal::Decimal;

use super::Result;
use super::codec::{corrupt, decode, nanos};
use super::snapshots::{ConfirmedStock, PriceSnapshot, StockSnapshot};

/// The tag of the binary layout; JSON starts with `{`.
const BINARY: u8 = 1;
/// Flags: the snapshot is marked unconfirmed.
const UNCONFIRMED: u8 = 1;
/// Flags (stock): the confirmed write hid the product (`not_on_display`, `hide_when_out`);
/// it stays set through later writes until one shows the product again.
const HIDDEN: u8 = 2;
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

fn join(numbers: &[i64], flags: u8, text: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + 8 * numbers.len() + text.len());
    v.push(BINARY);
    for n in numbers {
        v.extend_from_slice(&n.to_be_bytes());
    }
    v.push(flags);
    v.extend_from_slice(text.as_bytes());
    v
}

fn flag(set: bool, bit: u8) -> u8 {
    if set { bit } else { 0 }
}

pub(super) fn is_json(v: &[u8]) -> bool {
    v.first() == Some(&b'{')
}

pub(super) fn encode_stock(s: &StockSnapshot) -> Vec<u8> {
    join(
        &[s.prom_id, s.quantity, nanos(s.confirmed_at)],
        flag(s.unconfirmed, UNCONFIRMED) | flag(s.hidden, HIDDEN),
        &s.presence,
    )
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
        confirmed_at: chrono::DateTime::from_timestamp_nanos(at),
        unconfirmed: flags & UNCONFIRMED != 0,
        hidden: flags & HIDDEN != 0,
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
        hidden: flags & HIDDEN != 0,
    })
}

pub(super) fn encode_price(s: &PriceSnapshot) -> Vec<u8> {
    join(
        &[s.prom_id, nanos(s.confirmed_at)],
        flag(s.unconfirmed, UNCONFIRMED),
        &s.price.to_string(),
    )
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
        confirmed_at: chrono::DateTime::from_timestamp_nanos(at),
        unconfirmed: flags & UNCONFIRMED != 0,
    })
}

#[cfg(test)]
#[path = "snapshot_codec_tests.rs"]
mod tests;
