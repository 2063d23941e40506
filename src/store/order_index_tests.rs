//! The order index's integrity: a rollback, a rebuild, damage, and what `store check`
//! counts.

use chrono::Utc;

use super::*;
use crate::store::codec::encode;
use crate::store::file_stamp;
use crate::store::order_scan::{HEADS_BUILT, OrderHead};
use crate::store::test_fixtures::policy;
use crate::store::{LocalLine, LocalOrder};

fn order(id: i64, status: &str, unlinked: bool) -> LocalOrder {
    let lines = if unlinked {
        vec![LocalLine {
            prom_product_id: Some(900 + id),
            sku: Some(format!("P-{id}")),
            name: "Товар".into(),
            quantity: 1.into(),
            ..LocalLine::default()
        }]
    } else {
        vec![]
    };
    LocalOrder {
        prom_id: id,
        status: status.into(),
        prom_status: Some("received".into()),
        client: format!("Покупець {id}"),
        lines,
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    }
}

fn ids(v: Vec<LocalOrder>) -> Vec<i64> {
    v.iter().map(|o| o.prom_id).collect()
}

fn unlinked(s: &Store) -> Vec<i64> {
    ids(s
        .find_orders(&OrderScope::Unlinked, |h| h.unlinked, None, None)
        .unwrap())
}

fn index_problems(s: &Store) -> Vec<String> {
    s.order_index_problems().unwrap()
}

#[test]
fn after_a_rollback_the_filtered_list_still_finds_what_an_older_binary_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let s = Store::open(&path).unwrap();
    s.upsert_orders(&[order(5, "pending", true)], &policy(), &Default::default())
        .unwrap();
    assert_eq!(unlinked(&s), vec![5]);
    drop(s);

    // An older binary: it stores order 7 and its head, no index key, keeps the flag...
    let s = Store::open(&path).unwrap();
    let o = order(7, "pending", true);
    s.trees
        .orders
        .insert(7i64.to_be_bytes(), encode("orders", &o).unwrap())
        .unwrap();
    let head = OrderHead::of(&o);
    s.trees
        .order_heads
        .insert(7i64.to_be_bytes(), encode("order_heads", &head).unwrap())
        .unwrap();
    drop(s);
    // ...and at its close stamps the files the way it knows (no line of this version's).
    let stamp = path.join(file_stamp::STAMP_FILE);
    let text = std::fs::read_to_string(&stamp).unwrap();
    let old: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("promua-sync."))
        .collect();
    std::fs::write(&stamp, old.join("\n")).unwrap();
    assert!(file_stamp::matches(&path), "the old binary's stamp vouches");

    let s = Store::open(&path).unwrap();
    assert_eq!(unlinked(&s), vec![7, 5]);
    assert!(index_problems(&s).is_empty());
    drop(s);
    // Closed by this version: trusted again, nothing rebuilt.
    let s = Store::open(&path).unwrap();
    assert_eq!(
        s.trees.meta.get(HEADS_BUILT).unwrap().as_deref(),
        Some(&b"2"[..])
    );
    drop(s);

    // An older binary that crashed (its open took the stamp away, nothing stamped since).
    let s = Store::open(&path).unwrap();
    let o = order(9, "pending", true);
    s.trees
        .orders
        .insert(9i64.to_be_bytes(), encode("orders", &o).unwrap())
        .unwrap();
    drop(s);
    std::fs::remove_file(&stamp).unwrap();
    let s = Store::open(&path).unwrap();
    assert_eq!(unlinked(&s), vec![9, 7, 5]);
}

#[test]
fn a_crash_of_this_version_keeps_the_index_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let s = Store::open(&path).unwrap();
    s.upsert_orders(&[order(5, "pending", true)], &policy(), &Default::default())
        .unwrap();
    // What its open left, as a crash would leave it (the close never stamps).
    let left = std::fs::read_to_string(path.join(file_stamp::STAMP_FILE)).unwrap();
    drop(s);
    std::fs::write(path.join(file_stamp::STAMP_FILE), left).unwrap();
    assert!(!file_stamp::matches(&path), "the files are read back");
    let s = Store::open(&path).unwrap();
    assert_eq!(
        s.trees.meta.get(HEADS_BUILT).unwrap().as_deref(),
        Some(&b"2"[..])
    );
    assert_eq!(unlinked(&s), vec![5]);
}

#[test]
fn a_rebuild_clears_leftover_keys_and_the_repair_puts_missing_ones_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let s = Store::open(&path).unwrap();
    let orders = [order(1, "pending", true), order(2, "paid", false)];
    s.upsert_orders(&orders, &policy(), &Default::default())
        .unwrap();
    assert_eq!(unlinked(&s), vec![1]);
    // A key no head gives (left by a head that did not decode), and the flag gone.
    let mut stray = status_prefix("shipped");
    stray.extend_from_slice(&2i64.to_be_bytes());
    s.trees.order_index.insert(&stray, b"".as_slice()).unwrap();
    s.trees.meta.remove(HEADS_BUILT).unwrap();
    assert_eq!(unlinked(&s), vec![1]);
    assert!(s.trees.order_index.get(&stray).unwrap().is_none());
    assert!(index_problems(&s).is_empty());

    // A key gone missing, the flag still set: the check names it, the repair mends it.
    let mut key = vec![UNLINKED];
    key.extend_from_slice(&1i64.to_be_bytes());
    s.trees.order_index.remove(&key).unwrap();
    assert!(unlinked(&s).is_empty(), "trusted while flagged");
    let problems = s.check_consistency().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("order 1") && p.contains("store check --repair")),
        "{problems:?}"
    );
    s.rebuild_order_search().unwrap();
    assert_eq!(unlinked(&s), vec![1]);
    assert!(s.check_consistency().unwrap().is_empty());

    // A compacted store builds the index again too (not closed by this program).
    s.trees.order_index.remove(&key).unwrap();
    s.trees.order_index.insert(&stray, b"".as_slice()).unwrap();
    assert_eq!(s.check_consistency().unwrap().len(), 2);
    drop(s);
    Store::compact(&path).unwrap();
    let s = Store::open(&path).unwrap();
    assert_eq!(unlinked(&s), vec![1]);
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn two_rebuilds_at_once_leave_a_whole_index_and_a_search_meanwhile_finds_all() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let orders: Vec<LocalOrder> = (1..=2_500)
        .map(|id| order(id, "pending", id % 2 == 0))
        .collect();
    s.upsert_orders(&orders, &policy(), &Default::default())
        .unwrap();
    for round in 0..4 {
        if round % 2 == 0 {
            s.trees.meta.remove(HEADS_BUILT).unwrap();
        }
        std::thread::scope(|t| {
            t.spawn(|| s.rebuild_order_search().unwrap());
            for _ in 0..3 {
                // A search during a rebuild never reads an index half cleared.
                t.spawn(|| assert_eq!(unlinked(&s).len(), 1_250));
            }
            t.spawn(|| s.rebuild_order_search().unwrap());
        });
        assert!(index_problems(&s).is_empty());
        assert_eq!(unlinked(&s).len(), 1_250);
    }
}

#[test]
fn a_malformed_index_key_is_cleared_at_open_not_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s");
    let s = Store::open(&path).unwrap();
    s.upsert_orders(&[order(3, "pending", true)], &policy(), &Default::default())
        .unwrap();
    s.trees.order_index.insert(b"u", b"".as_slice()).unwrap();
    s.trees
        .order_heads
        .insert(b"abc", b"{}".as_slice())
        .unwrap();
    drop(s);
    // Unstamped: the open reads every entry back.
    std::fs::remove_file(path.join(file_stamp::STAMP_FILE)).unwrap();
    let s = Store::open(&path).unwrap();
    assert!(s.trees.meta.get(HEADS_BUILT).unwrap().is_none());
    assert_eq!(unlinked(&s), vec![3]);
    assert!(s.check_consistency().unwrap().is_empty());
    // Damage in an order itself still refuses.
    s.trees.orders.insert(b"abc", b"{}".as_slice()).unwrap();
    drop(s);
    std::fs::remove_file(path.join(file_stamp::STAMP_FILE)).unwrap();
    let refused = Store::open(&path).unwrap_err().to_string();
    assert!(refused.contains("orders"), "{refused}");
}

#[test]
fn the_check_counts_every_missing_key_and_every_stray_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    // Order 1 has three keys: unlinked, `pending`, `received`.
    let orders = [order(1, "pending", true), order(2, "paid", false)];
    s.upsert_orders(&orders, &policy(), &Default::default())
        .unwrap();
    assert!(index_problems(&s).is_empty());
    // One key missing (not the first of order 1's), one stray of order 2's: no cancelling.
    let mut missing = status_prefix("received");
    missing.extend_from_slice(&1i64.to_be_bytes());
    s.trees.order_index.remove(&missing).unwrap();
    let mut stray = status_prefix("shipped");
    stray.extend_from_slice(&2i64.to_be_bytes());
    s.trees.order_index.insert(&stray, b"".as_slice()).unwrap();
    let problems = index_problems(&s);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("order 1"), "{problems:?}");
    assert!(
        problems[1].contains("order 2") && problems[1].contains("shipped"),
        "{problems:?}"
    );
    // Only the missing one: no stray reported.
    s.trees.order_index.remove(&stray).unwrap();
    let problems = index_problems(&s);
    assert_eq!(problems.len(), 1, "{problems:?}");
    // A malformed key is a finding, not an error of the check.
    s.trees.order_index.insert(b"s", b"".as_slice()).unwrap();
    assert_eq!(index_problems(&s).len(), 2);
}
