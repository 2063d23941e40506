use super::*;
use crate::store::codec::be;
use crate::store::migrate::BINARY_VALUES;
use crate::store::{Actor, JournalEntry, Store, StoreError};

fn at() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_nanos(1_795_000_000_123_456_789)
}

fn stock(prom_id: i64, quantity: i64, presence: &str, unconfirmed: bool) -> StockSnapshot {
    StockSnapshot {
        prom_id,
        quantity,
        presence: presence.into(),
        confirmed_at: at(),
        unconfirmed,
        hidden: false,
    }
}

fn price(prom_id: i64, price: &str, unconfirmed: bool) -> PriceSnapshot {
    PriceSnapshot {
        prom_id,
        price: price.parse().unwrap(),
        confirmed_at: at(),
        unconfirmed,
    }
}

#[test]
fn snapshots_round_trip_in_a_third_of_the_json() {
    for s in [
        stock(5_000_001, 7, "available", false),
        stock(-3, -2, "", true),
        stock(i64::MAX, 0, "під замовлення", false),
    ] {
        let v = encode_stock(&s);
        assert_eq!(decode_stock(&v).unwrap(), s);
        let c = decode_confirmed(&v).unwrap();
        assert_eq!(
            (c.prom_id, c.quantity, c.presence.as_str(), c.unconfirmed),
            (s.prom_id, s.quantity, s.presence.as_str(), s.unconfirmed)
        );
    }
    for p in [
        price(9, "1234.50", false),
        price(1, "0", true),
        price(2, "0.0001", false),
    ] {
        let v = encode_price(&p);
        let back = decode_price(&v).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            back.price.to_string(),
            p.price.to_string(),
            "the scale stays"
        );
    }
    let s = stock(5_000_001, 7, "available", false);
    let json = serde_json::to_vec(&s).unwrap().len();
    assert!(
        encode_stock(&s).len() * 2 < json,
        "{} vs {json}",
        encode_stock(&s).len()
    );
    let p = price(5_000_001, "1234.50", false);
    let json = serde_json::to_vec(&p).unwrap().len();
    assert!(
        encode_price(&p).len() * 2 < json,
        "{} vs {json}",
        encode_price(&p).len()
    );
}

#[test]
fn the_json_of_older_stores_still_reads() {
    let old = br#"{"prom_id":77,"quantity":4,"presence":"available","confirmed_at":"2026-11-01T10:00:00Z","unconfirmed":true}"#;
    let s = decode_stock(old).unwrap();
    assert_eq!((s.prom_id, s.quantity, s.unconfirmed), (77, 4, true));
    assert_eq!(decode_confirmed(old).unwrap().quantity, 4);
    let old = br#"{"prom_id":77,"price":"12.30","confirmed_at":"2026-11-01T10:00:00Z"}"#;
    let p = decode_price(old).unwrap();
    assert_eq!(
        (p.prom_id, p.price.to_string(), p.unconfirmed),
        (77, "12.30".into(), false)
    );
}

#[test]
fn damaged_binary_snapshots_are_corrupt_not_panics() {
    let good = encode_stock(&stock(1, 1, "available", false));
    for bad in [&good[..10], &[2u8; 30][..], &[][..]] {
        let err = decode_stock(bad).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Corrupt {
                    tree: "stock_snapshots",
                    ..
                }
            ),
            "{err:?}"
        );
    }
    let mut bad_text = encode_price(&price(1, "5", false));
    *bad_text.last_mut().unwrap() = b'x';
    assert!(matches!(
        decode_price(&bad_text).unwrap_err(),
        StoreError::Corrupt {
            tree: "price_snapshots",
            ..
        }
    ));
}

#[test]
fn an_older_store_s_json_snapshots_and_journal_are_rewritten_at_its_first_open() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("store");
    let s = Store::open(&path).unwrap();
    // As a store of the previous version left them: JSON values, no mark in `meta`.
    let old_stock = stock(501, 6, "available", true);
    let old_price = price(501, "99.90", false);
    s.trees
        .snapshots
        .insert(be(1), serde_json::to_vec(&old_stock).unwrap())
        .unwrap();
    s.trees
        .price_snapshots
        .insert(be(1), serde_json::to_vec(&old_price).unwrap())
        .unwrap();
    let old_entry = JournalEntry {
        seq: 3,
        at: at(),
        product_id: 1,
        sku: "A-1".into(),
        warehouse: "main".into(),
        before: 0,
        after: 6,
        delta: 6,
        actor: Actor::Csv,
        reason: Some("stock.csv".into()),
    };
    s.trees
        .journal
        .insert(be(3), serde_json::to_vec(&old_entry).unwrap())
        .unwrap();
    s.trees.meta.remove(BINARY_VALUES).unwrap();
    s.flush_blocking().unwrap();
    drop(s);

    let s = Store::open(&path).unwrap();
    let raw = s.trees.snapshots.get(be(1)).unwrap().unwrap();
    assert_eq!(raw[0], BINARY, "rewritten at open");
    assert_eq!(raw, encode_stock(&old_stock)[..]);
    let raw = s.trees.price_snapshots.get(be(1)).unwrap().unwrap();
    assert_eq!(raw, encode_price(&old_price)[..]);
    assert_eq!(s.stock_snapshot(1).unwrap(), Some(old_stock));
    assert_eq!(s.price_snapshot(1).unwrap(), Some(old_price));
    let raw = s.trees.journal.get(be(3)).unwrap().unwrap();
    assert_eq!(raw, crate::store::journal_codec::encode(&old_entry)[..]);
    assert_eq!(s.journal(None, 10).unwrap(), [old_entry]);
    assert!(s.trees.meta.get(BINARY_VALUES).unwrap().is_some());
}

/// One old value that does not decode whole (a garbled date, which the open-time check
/// does not read) is left as it is: the store still opens, the others are rewritten, and
/// the store stays unmarked so the next open tries again.
#[test]
fn an_old_value_that_does_not_decode_does_not_lock_the_store_out() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("store");
    let s = Store::open(&path).unwrap();
    let good = stock(501, 6, "available", false);
    s.trees
        .snapshots
        .insert(be(1), serde_json::to_vec(&good).unwrap())
        .unwrap();
    let garbled = br#"{"prom_id":502,"quantity":1,"presence":"available","confirmed_at":"not a date","unconfirmed":false}"#;
    s.trees.snapshots.insert(be(2), &garbled[..]).unwrap();
    s.trees.meta.remove(BINARY_VALUES).unwrap();
    s.flush_blocking().unwrap();
    drop(s);

    let s = Store::open(&path).expect("one bad value does not lock the store out");
    let raw = s.trees.snapshots.get(be(1)).unwrap().unwrap();
    assert_eq!(raw[0], BINARY, "the good one is rewritten");
    let raw = s.trees.snapshots.get(be(2)).unwrap().unwrap();
    assert_eq!(&raw[..], &garbled[..], "the bad one is left as it was");
    assert!(s.trees.meta.get(BINARY_VALUES).unwrap().is_none());
}
