//! How records sit in the trees: the byte layout of keys and fixed-width values, and
//! JSON for the rest. Every read of a key or value goes through a decoder here, which
//! gives [`StoreError::Corrupt`] (naming the tree) for a record of the wrong shape:
//! damaged data is an error, never a panic.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `generation` / `orders_cursor` / `stock_route` / `shop_statuses` / `custom_status_form` | i64 / RFC 3339 text / JSON / JSON / JSON |
//! | `products` | u64 id | JSON |
//! | `journal` | u64 seq | binary (`journal_codec.rs`; JSON in older stores) |
//! | `stock_snapshots`, `price_snapshots` | u64 id | binary (`snapshot_codec.rs`; JSON in older stores) |
//! | `orders`, `staged` | i64 Prom id | JSON |
//! | `sku_index` | SKU | u64 product id |
//! | `stock` | u64 product id + warehouse name | i64, then `UNRECORDED` or nothing |
//! | `links` | u64 product id | i64 Prom id |
//! | `links_by_prom` | i64 Prom id | u64 product id |
//! | `runs` | job, 0, i64 start (µs) | JSON |
//! | `dirty` | u64 product id | one byte of flags |
//! | `warehouses` | name | empty |
//! | `reserved` | u64 product id | i64 quantity |
//! | `gone_prom` | i64 Prom id | i64 µs since the epoch |
//! | `seen_prom` | i64 Prom id | empty |
//! | `hand_unlinks` | u64 product id | i64 Prom id, i64 µs since the epoch |
//! | `prom_external_ids` | i64 Prom id | UTF-8 text, not empty |
//! | `price_extras` | u64 product id | JSON (`PriceExtras`: tiers, discount) |
//! | `extras_snapshots` | u64 product id | JSON (`ExtrasSnapshot`) |
//!
//! Numbers are big-endian, so that keys sort by id.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{Result, StoreError};

/// The 9th byte of a stock value whose count nobody recorded: only shipments moved it.
const UNRECORDED: u8 = 1;

pub(super) fn corrupt(tree: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        tree,
        detail: detail.into(),
    }
}

/// The key (or the start of the key) of a product id.
pub(super) fn be(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// "has a key of 3 bytes where 8 are expected"
fn wrong_size(tree: &'static str, what: &str, got: usize, expected: &str) -> StoreError {
    let unit = if got == 1 { "byte" } else { "bytes" };
    corrupt(
        tree,
        format!("has a {what} of {got} {unit} where {expected} expected"),
    )
}

/// Exactly 8 bytes: an id or a quantity.
fn eight(tree: &'static str, what: &str, bytes: &[u8]) -> Result<[u8; 8]> {
    bytes
        .try_into()
        .map_err(|_| wrong_size(tree, what, bytes.len(), "8 are"))
}

/// A key that is a product id (u64).
pub(super) fn id_key(tree: &'static str, key: &[u8]) -> Result<u64> {
    Ok(u64::from_be_bytes(eight(tree, "key", key)?))
}

/// A key that is a Prom id (i64).
pub(super) fn prom_key(tree: &'static str, key: &[u8]) -> Result<i64> {
    Ok(i64::from_be_bytes(eight(tree, "key", key)?))
}

/// A value that is a product id (u64).
pub(super) fn id_value(tree: &'static str, value: &[u8]) -> Result<u64> {
    Ok(u64::from_be_bytes(eight(tree, "value", value)?))
}

/// A value that is a number (a Prom id, a quantity, a generation).
pub(super) fn i64_value(tree: &'static str, value: &[u8]) -> Result<i64> {
    Ok(i64::from_be_bytes(eight(tree, "value", value)?))
}

/// The `stock` key of a product in a warehouse.
/// The orders import cursor in `meta`: an RFC 3339 date-time.
pub(super) fn cursor_value(value: &[u8]) -> Result<chrono::DateTime<chrono::Utc>> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| {
            corrupt(
                "meta",
                format!(
                    "the orders import cursor is not a date-time ({} bytes)",
                    value.len()
                ),
            )
        })
}

pub(super) fn stock_key(product_id: u64, warehouse: &str) -> Vec<u8> {
    let mut k = be(product_id).to_vec();
    k.extend_from_slice(warehouse.as_bytes());
    k
}

/// A `stock` key: the product id and the warehouse name's bytes.
pub(super) fn split_stock_key(key: &[u8]) -> Result<(u64, &[u8])> {
    if key.len() < 8 {
        return Err(wrong_size("stock", "key", key.len(), "at least 8 are"));
    }
    let (id, warehouse) = key.split_at(8);
    Ok((id_key("stock", id)?, warehouse))
}

/// A `stock` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct StockValue {
    pub quantity: i64,
    /// Somebody recorded this count (false: only shipments moved it).
    pub recorded: bool,
}

impl StockValue {
    pub(super) fn decode(value: &[u8]) -> Result<Self> {
        let (quantity, recorded) = match value {
            [q @ .., UNRECORDED] if q.len() == 8 => (q, false),
            q => (q, true),
        };
        Ok(StockValue {
            quantity: i64_value("stock", quantity)?,
            recorded,
        })
    }

    pub(super) fn encode(self) -> Vec<u8> {
        let mut value = self.quantity.to_be_bytes().to_vec();
        if !self.recorded {
            value.push(UNRECORDED);
        }
        value
    }
}

/// A time kept as i64 microseconds since the epoch.
pub(super) fn micros_value(tree: &'static str, value: &[u8]) -> Result<DateTime<Utc>> {
    let us = i64_value(tree, value)?;
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| corrupt(tree, format!("holds a time out of range ({us} µs)")))
}

/// A time to the nanosecond (as `Utc::now()` gives it) as i64 nanoseconds since the epoch,
/// read back with `DateTime::from_timestamp_nanos`; a time outside 1677–2262, which the
/// program never makes, is saturated to that range.
pub(super) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt()
        .unwrap_or_else(|| at.timestamp_micros().saturating_mul(1000))
}

pub(super) fn micros(at: DateTime<Utc>) -> [u8; 8] {
    at.timestamp_micros().to_be_bytes()
}

/// A `seen_prom` value: nothing.
fn empty_value(tree: &'static str, value: &[u8]) -> Result<()> {
    if value.is_empty() {
        Ok(())
    } else {
        Err(wrong_size(tree, "value", value.len(), "0 are"))
    }
}

/// A `prom_external_ids` value: the external id, non-empty UTF-8 text.
pub(super) fn external_id_value(value: &[u8]) -> Result<String> {
    const TREE: &str = "prom_external_ids";
    match std::str::from_utf8(value) {
        Ok(s) if !s.is_empty() => Ok(s.to_string()),
        Ok(_) => Err(corrupt(TREE, "holds an empty external id")),
        Err(_) => Err(corrupt(TREE, "holds an external id that is not UTF-8 text")),
    }
}

/// A `hand_unlinks` value: the Prom id, then the time.
pub(super) fn hand_unlink_value(value: &[u8]) -> Result<(i64, DateTime<Utc>)> {
    const TREE: &str = "hand_unlinks";
    if value.len() != 16 {
        return Err(wrong_size(TREE, "value", value.len(), "16 are"));
    }
    let (prom, at) = value.split_at(8);
    Ok((i64_value(TREE, prom)?, micros_value(TREE, at)?))
}

pub(super) fn encode_hand_unlink(prom_id: i64, at: DateTime<Utc>) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&prom_id.to_be_bytes());
    v[8..].copy_from_slice(&micros(at));
    v
}

/// A `dirty` value: one byte of flags.
pub(super) fn dirty_flags(value: &[u8]) -> Result<u8> {
    match value {
        [flags] => Ok(*flags),
        _ => Err(wrong_size("dirty", "value", value.len(), "1 is")),
    }
}

pub(super) fn encode<T: Serialize>(tree: &'static str, v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| StoreError::Encode {
        tree,
        detail: e.to_string(),
    })
}

pub(super) fn decode<T: DeserializeOwned>(tree: &'static str, v: &[u8]) -> Result<T> {
    decode_borrowed(tree, v)
}

/// As [`decode`], for a type that borrows from the stored bytes.
pub(super) fn decode_borrowed<'a, T: Deserialize<'a>>(
    tree: &'static str,
    v: &'a [u8],
) -> Result<T> {
    serde_json::from_slice(v).map_err(|e| corrupt(tree, format!("does not decode ({e})")))
}

/// Checks the fixed-width parts of one record (keys and values that are numbers), the
/// shape every read of them expects; JSON values are decoded by the reads themselves.
/// Cheap enough to run on every entry at open.
pub(super) fn check_layout(tree: &'static str, key: &[u8], value: &[u8]) -> Result<()> {
    match tree {
        "products" => {
            id_key(tree, key)?;
        }
        "journal" => {
            id_key(tree, key)?;
            super::journal_codec::product_of(value)?;
        }
        "stock_snapshots" => {
            id_key(tree, key)?;
            super::snapshot_codec::decode_confirmed(value)?;
        }
        "price_snapshots" => {
            id_key(tree, key)?;
            super::snapshot_codec::decode_price(value)?;
        }
        "orders" | "staged" | "order_heads" => {
            prom_key(tree, key)?;
        }
        "order_index" => {
            super::order_index::id_of(key)?;
            empty_value(tree, value)?;
        }
        "sku_index" => {
            id_value(tree, value)?;
        }
        "stock" => {
            split_stock_key(key)?;
            StockValue::decode(value)?;
        }
        // JSON, but small trees (only products with tiers or a discount): decoded here
        // so that a damaged one is found at open, not by the price push.
        "price_extras" => {
            id_key(tree, key)?;
            decode::<super::PriceExtras>(tree, value)?;
        }
        "extras_snapshots" => {
            id_key(tree, key)?;
            decode::<super::ExtrasSnapshot>(tree, value)?;
        }
        "links" | "reserved" => {
            id_key(tree, key)?;
            i64_value(tree, value)?;
        }
        "links_by_prom" => {
            prom_key(tree, key)?;
            id_value(tree, value)?;
        }
        "view_stale" => {
            id_key(tree, key)?;
            id_value(tree, value)?;
        }
        "plan_view" => {
            // The blocks themselves are decoded by the reads and by `store check`: a
            // damaged one is rebuilt, never a reason not to open.
            id_key(tree, key)?;
        }
        "dirty" => {
            id_key(tree, key)?;
            dirty_flags(value)?;
        }
        "gone_prom" => {
            prom_key(tree, key)?;
            micros_value(tree, value)?;
        }
        "seen_prom" => {
            prom_key(tree, key)?;
            empty_value(tree, value)?;
        }
        "link_free" => {
            super::link_free::key_layout(key)?;
            empty_value(tree, value)?;
        }
        "hand_unlinks" => {
            id_key(tree, key)?;
            hand_unlink_value(value)?;
        }
        "warned" => {
            super::warned::split_key(key)?;
            empty_value(tree, value)?;
        }
        "presence_settings" => {
            id_key(tree, key)?;
            super::presence_marks::setting_value(value)?;
        }
        "prom_shown" => {
            prom_key(tree, key)?;
            super::presence_marks::ShownMarks::decode(value)?;
        }
        "prom_external_ids" => {
            prom_key(tree, key)?;
            external_id_value(value)?;
        }
        "meta" if key == super::durability::GENERATION => {
            i64_value(tree, value)?;
        }
        "meta" if key == super::orders::CURSOR_KEY => {
            cursor_value(value)?;
        }
        "meta" if key == super::stock_route::STOCK_ROUTE_KEY.as_bytes() => {
            decode::<super::StockRouteMark>(tree, value)?;
        }
        "meta" if key == super::shop_statuses::SHOP_STATUSES_KEY.as_bytes() => {
            decode::<crate::domain::ShopStatuses>(tree, value)?;
        }
        "meta" if key == super::shop_statuses::CUSTOM_STATUS_FORM_KEY.as_bytes() => {
            decode::<crate::domain::CustomStatusForm>(tree, value)?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_fixed_fields_are_corrupt_not_panics() {
        for bad in [&b""[..], b"\x01", b"\x01\x02\x03", b"123456789"] {
            let err = id_key("links", bad).unwrap_err();
            assert!(
                matches!(err, StoreError::Corrupt { tree: "links", .. }),
                "{err:?}"
            );
            assert!(i64_value("reserved", bad).is_err());
            assert!(split_stock_key(&bad[..bad.len().min(7)]).is_err());
        }
        assert!(dirty_flags(b"").is_err());
        assert!(dirty_flags(b"\x01\x02").is_err());
        assert!(StockValue::decode(b"1234567").is_err());
        assert!(
            StockValue::decode(b"123456789").is_err(),
            "9th byte not UNRECORDED"
        );
        assert!(StockValue::decode(b"1234567890").is_err());
        assert!(hand_unlink_value(b"12345678").is_err());
        assert!(empty_value("seen_prom", b"x").is_err());
        assert!(external_id_value(b"").is_err());
        assert!(external_id_value(b"\xff").is_err());
        assert_eq!(external_id_value("арт-7".as_bytes()).unwrap(), "арт-7");
        assert!(micros_value("gone_prom", &i64::MAX.to_be_bytes()).is_err());
    }

    #[test]
    fn times_and_hand_unlinks_round_trip() {
        let at = DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap();
        assert_eq!(micros_value("gone_prom", &micros(at)).unwrap(), at);
        assert_eq!(
            hand_unlink_value(&encode_hand_unlink(-7, at)).unwrap(),
            (-7, at)
        );
    }

    #[test]
    fn every_tree_with_fixed_width_parts_is_checked_at_open() {
        let trees = super::super::trees::Trees::try_from_names(Ok::<_, ()>).unwrap();
        for (name, _) in trees.named() {
            let free_form = ["meta", "runs", "warehouses"].contains(&name);
            assert_eq!(
                check_layout(name, b"k", b"v").is_ok(),
                free_form,
                "tree {name}"
            );
        }
    }

    #[test]
    fn stock_values_round_trip() {
        for v in [
            StockValue {
                quantity: -3,
                recorded: true,
            },
            StockValue {
                quantity: 7,
                recorded: false,
            },
        ] {
            assert_eq!(StockValue::decode(&v.encode()).unwrap(), v);
        }
        assert_eq!(
            split_stock_key(&stock_key(5, "main")).unwrap(),
            (5, &b"main"[..])
        );
    }

    #[test]
    fn the_message_names_the_tree_and_says_what_to_do() {
        let err = decode::<u64>("orders", b"{not json").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`orders` tree does not decode"), "{text}");
        assert!(text.contains("restore it from a backup"), "{text}");
        assert!(err.is_damage());
    }
}
