//! Ids after reopens, restores and compactions: never one the store already holds.

use std::collections::BTreeSet;
use std::path::Path;

use super::super::{Actor, Store};

/// A store reopened between its adds (sled's own counter jumps at each reopen), each
/// product with stock (and so a journal entry). Returns the ids.
fn reopened_store(path: &Path) -> Vec<u64> {
    let mut ids = Vec::new();
    for sku in ["A", "B", "C"] {
        let s = Store::open(path).unwrap();
        let p = s.add_product(sku, "товар").unwrap();
        s.set_stock(p.id, "main", 5).unwrap();
        s.flush_blocking().unwrap();
        ids.push(p.id);
    }
    ids
}

/// Adds a product with stock to the store at `path`, and checks that it took an id and
/// a journal key nobody held, and that the old products are untouched.
fn add_after(path: &Path, old: &[u64]) {
    let s = Store::open(path).unwrap();
    let journal_before = s.journal_len();
    let seqs: BTreeSet<u64> = s
        .journal(None, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    let p = s.add_product("NEW", "новий").unwrap();
    assert!(!old.contains(&p.id), "id {} reused (held: {old:?})", p.id);
    s.set_stock(p.id, "main", 7).unwrap();
    assert_eq!(
        s.journal_len(),
        journal_before + 1,
        "a journal entry was overwritten"
    );
    let entry = &s.journal(Some(p.id), 1).unwrap()[0];
    assert!(
        !seqs.contains(&entry.seq),
        "journal key {} reused",
        entry.seq
    );
    for (id, sku) in old.iter().zip(["A", "B", "C"]) {
        assert_eq!(s.product_by_sku(sku).unwrap().unwrap().id, *id);
        assert_eq!(s.stock_of(*id).unwrap(), vec![("main".to_string(), 5)]);
    }
    assert_eq!(s.product_count(), old.len() + 1);
    assert_eq!(s.check_consistency().unwrap(), Vec::<String>::new());
}

#[test]
fn a_reopened_store_hands_out_new_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let ids = reopened_store(&path);
    add_after(&path, &ids);
}

#[test]
fn a_restored_store_hands_out_no_id_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let ids = reopened_store(&path);
    let backup = Store::open(&path).unwrap().backup().unwrap();
    let restored = dir.path().join("restored");
    Store::restore(&restored, &backup).unwrap();
    add_after(&restored, &ids);
}

#[test]
fn a_compacted_store_hands_out_no_id_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let ids = reopened_store(&path);
    Store::compact(&path).unwrap();
    add_after(&path, &ids);
}

#[test]
fn a_removed_products_id_is_not_handed_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let gone = {
        let s = Store::open(&path).unwrap();
        s.add_product("A", "a").unwrap();
        let p = s.add_product("B", "b").unwrap();
        s.remove_product(p.id, false, Actor::Cli, "removed")
            .unwrap();
        s.flush_blocking().unwrap();
        p.id
    };
    let backup = Store::open(&path).unwrap().backup().unwrap();
    let restored = dir.path().join("restored");
    Store::restore(&restored, &backup).unwrap();
    let s = Store::open(&restored).unwrap();
    assert!(s.add_product("C", "c").unwrap().id > gone);
}

/// A store whose ids came from sled (before the store kept its own counter) gets a
/// counter above them at open.
#[test]
fn a_store_without_a_counter_counts_on_from_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let ids = reopened_store(&path);
    {
        let s = Store::open(&path).unwrap();
        s.trees.meta.remove(super::LAST_ID).unwrap();
        s.flush_blocking().unwrap();
    }
    add_after(&path, &ids);
}

/// `store check` names a counter behind the data (what a store restored before the
/// counter existed, or a hand edit, would hold); opening the store again sets it right.
#[test]
fn the_check_names_a_counter_behind_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    {
        let s = Store::open(&path).unwrap();
        s.add_product("A", "a").unwrap();
        s.add_product("B", "b").unwrap();
        assert!(s.check_consistency().unwrap().is_empty());
        s.trees.meta.insert(super::LAST_ID, &super::be(1)).unwrap();
        let found = s.check_consistency().unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("the id counter (1) is behind the largest id"),
            "{found:?}"
        );
        s.flush_blocking().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert!(s.check_consistency().unwrap().is_empty());
}
