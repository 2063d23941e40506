//! `store check` and the open judge the extras trees: a value that does not decode
//! keeps the store from opening; extras of a product the store does not hold are a
//! finding.

use crate::store::Store;
use crate::store::codec::be;

#[test]
fn a_damaged_extras_record_keeps_the_store_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    drop(Store::open(&path).unwrap());
    let db = sled::open(&path).unwrap();
    let tree = db.open_tree("price_extras").unwrap();
    tree.insert(be(1), &b"{\"tiers\": 7}"[..]).unwrap();
    db.flush().unwrap();
    drop((tree, db));
    let err = Store::open(&path).unwrap_err();
    assert!(err.is_damage(), "{err:?}");
    assert!(err.to_string().contains("`price_extras` tree"), "{err}");
}

#[test]
fn extras_of_a_missing_product_are_found_by_store_check() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("db")).unwrap();
    let a = s.add_product("A", "a").unwrap().id;
    assert!(s.check_consistency().unwrap().is_empty());
    s.trees
        .price_extras
        .insert(be(a + 100), &b"{}"[..])
        .unwrap();
    s.trees
        .extras_snapshots
        .insert(
            be(a + 101),
            &br#"{"prom_id":7,"confirmed_at":"2026-11-29T00:00:00Z"}"#[..],
        )
        .unwrap();
    // (The id counter's finding comes with them: these ids are above it.)
    let found: Vec<String> = s
        .check_consistency()
        .unwrap()
        .into_iter()
        .filter(|f| f.contains("does not exist"))
        .collect();
    assert_eq!(
        found,
        vec![
            format!(
                "tiers or a discount of product {}, which does not exist",
                a + 100
            ),
            format!(
                "an extras snapshot of product {}, which does not exist",
                a + 101
            ),
        ]
    );
}
