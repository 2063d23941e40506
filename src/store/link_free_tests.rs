//! The index of the unlinked against the truth, after every kind of write that moves it.

use chrono::Utc;

use super::super::{Actor, NewProduct, StagedProduct, Store};
use super::*;

fn staged(prom_id: i64, sku: Option<&str>) -> StagedProduct {
    StagedProduct {
        prom_id,
        sku: sku.map(str::to_string),
        name: format!("P {prom_id}"),
        other_names: vec![],
        price: None,
        currency: None,
        quantity: None,
        staged_at: Utc::now(),
    }
}

fn held(s: &Store) -> BTreeSet<Vec<u8>> {
    s.trees
        .link_free
        .iter()
        .keys()
        .map(|k| k.unwrap().to_vec())
        .collect()
}

/// The index is the truth, and the store check finds nothing.
fn assert_right(s: &Store, after: &str) {
    assert_eq!(held(s), s.link_free_truth().unwrap(), "after {after}");
    assert_eq!(
        s.check_consistency().unwrap(),
        Vec::<String>::new(),
        "after {after}"
    );
}

#[test]
fn every_write_of_products_links_and_staged_rows_keeps_the_index() {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    let a = s.add_product("A-1", "Чайник").unwrap();
    let more = s
        .add_products(&[
            NewProduct {
                sku: "B-2".into(),
                name: "Чашка".into(),
                price: None,
                currency: None,
            },
            NewProduct {
                sku: "C-3".into(),
                name: "Мило".into(),
                price: None,
                currency: None,
            },
        ])
        .unwrap();
    let (b, c) = (more[0].id, more[1].id);
    assert_eq!(s.unlinked_product_ids().unwrap(), vec![a.id, b, c]);
    s.put_staged(&[
        staged(10, Some(" A-1 ")),
        staged(11, None),
        staged(12, Some("B-2")),
    ])
    .unwrap();
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![10, 11, 12]);
    assert_eq!(s.staged_ids_with_sku("A-1").unwrap(), vec![10]);
    assert_right(&s, "adds and stages");

    s.link(a.id, 10).unwrap();
    s.link_many(&[(b, 11)]).unwrap();
    assert_eq!(s.unlinked_product_ids().unwrap(), vec![c]);
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![12]);
    assert_right(&s, "links");

    // A staged row refreshed with another SKU, and one linked before it was staged.
    s.link(c, 13).unwrap();
    s.put_staged(&[staged(10, Some("A-9")), staged(13, Some("C-3"))])
        .unwrap();
    assert!(s.staged_ids_with_sku("A-1").unwrap().is_empty());
    assert_eq!(s.staged_ids_with_sku("A-9").unwrap(), vec![10]);
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![12]);
    assert_right(&s, "a refresh");

    s.relink(a.id, 12).unwrap(); // its link to 10 gives way
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![10]);
    assert_right(&s, "a relink");
    s.unlink(b).unwrap();
    s.unlink_by_hand(c, Utc::now()).unwrap();
    assert_eq!(s.unlinked_product_ids().unwrap(), vec![b, c]);
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![10, 11, 13]);
    assert_right(&s, "unlinks");

    s.mark_gone(&[11], Utc::now()).unwrap();
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![10, 13]);
    assert_right(&s, "a Prom product gone");

    // A linked product removed: its staged Prom product is free again.
    let removed = s.remove_product(a.id, true, Actor::Cli, "test").unwrap();
    assert!(matches!(removed, super::super::Removal::Removed(_)));
    assert_eq!(s.unlinked_product_ids().unwrap(), vec![b, c]);
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![10, 12, 13]);
    s.remove_product(b, true, Actor::Cli, "test").unwrap();
    assert_eq!(s.unlinked_product_ids().unwrap(), vec![c]);
    assert_right(&s, "removals");

    // A backup restores it whole.
    let file = s.backup().unwrap();
    let target = d.path().join("restored");
    Store::restore(&target, &file).unwrap();
    let back = Store::open(&target).unwrap();
    assert_eq!(held(&back), held(&s));
    assert_right(&back, "a restore");
}

#[test]
fn a_store_without_the_index_builds_it_and_the_check_mends_a_wrong_one() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("db");
    {
        let s = Store::open(&path).unwrap();
        let a = s.add_product("A-1", "Чайник").unwrap();
        s.add_product("B-2", "Чашка").unwrap();
        s.put_staged(&[staged(10, Some("A-1")), staged(11, None)])
            .unwrap();
        s.link(a.id, 10).unwrap();
        // As a store from before the index: none, and no mark.
        s.trees.link_free.clear().unwrap();
        s.trees.meta.remove(FREE_BUILT).unwrap();
        s.flush_blocking().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.unlinked_staged_ids().unwrap(), vec![11]);
    assert_eq!(s.unlinked_product_ids().unwrap().len(), 1);
    assert_right(&s, "the open");

    // Damaged behind the store's back: the check says so, builds it again, and the
    // link generation moves (a kept pass is no longer current).
    s.trees.link_free.remove(staged_key(11)).unwrap();
    s.trees.link_free.insert(local_key(999), &[]).unwrap();
    let before = s.link_generation();
    let problems = s.check_consistency().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("lacked 1 and held 1"), "{problems:?}");
    assert!(s.link_generation() > before);
    assert_right(&s, "the check");
}

#[test]
fn only_the_index_keys_pass_the_open_check() {
    assert!(key_layout(&local_key(7)).is_ok());
    assert!(key_layout(&staged_key(-7)).is_ok());
    assert!(key_layout(&sku_key("арт-1", 7)).is_ok());
    for bad in [
        &b""[..],
        b"L1234567",
        b"S123456789",
        b"K\0\0\0\x09abc12345678",
        b"X12345678",
    ] {
        assert!(key_layout(bad).is_err(), "{bad:?}");
    }
}
