//! Records of the wrong shape, written straight into a tree through sled: every public
//! read (and write) that meets one gives `StoreError::Corrupt` naming the tree, never a
//! panic; a store holding one does not open. (Written behind the transactions, a record
//! is not in the plan view: the planners' walks, which `store check` runs, meet it.)

use super::codec::be;
use super::test_fixtures::policy;
use super::*;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

/// A store with product A (linked to Prom 7, 3 in `main`) and product B (unlinked).
fn with_products() -> (tempfile::TempDir, Store, u64, u64) {
    let (d, s) = open();
    let a = s.add_product("A", "a").unwrap().id;
    let b = s.add_product("B", "b").unwrap().id;
    s.link(a, 7).unwrap();
    s.set_stock(a, "main", 3).unwrap();
    (d, s, a, b)
}

#[track_caller]
fn assert_corrupt<T: std::fmt::Debug>(r: Result<T>, tree: &str) {
    match &r {
        Err(e @ StoreError::Corrupt { tree: t, detail }) if *t == tree => {
            let text = e.to_string();
            assert!(text.contains(&format!("`{tree}` tree {detail}")), "{text}");
        }
        other => panic!("expected a corrupt `{tree}` record, got {other:?}"),
    }
}

#[test]
fn a_short_key_in_stock() {
    let (_d, s, _, _) = with_products();
    s.trees
        .stock
        .insert([1, 2, 3], &5i64.to_be_bytes())
        .unwrap();
    assert_corrupt(s.linked_stock_walk(&["main".into()]), "stock");
    assert_corrupt(s.check_consistency(), "stock");
}

#[test]
fn a_short_value_in_stock() {
    let (_d, s, a, _) = with_products();
    s.trees
        .stock
        .insert(codec::stock_key(a, "main"), &[9])
        .unwrap();
    assert_corrupt(s.linked_stock(&["main".into()]), "stock");
    assert_corrupt(s.stock_of(a), "stock");
    let journal = s.journal_len();
    let change = StockChange::Adjust {
        product_id: a,
        warehouse: "main".into(),
        delta: 1,
    };
    assert_corrupt(s.apply_stock_changes(&[change], Actor::Cli, None), "stock");
    assert_eq!(s.journal_len(), journal, "nothing applied");
}

#[test]
fn bad_keys_and_values_in_links() {
    let (_d, s, a, b) = with_products();
    s.trees.links.insert(be(b), &[1, 2, 3]).unwrap();
    assert_corrupt(s.link_of(b), "links");
    assert_corrupt(s.unlink(b), "links");
    assert_corrupt(s.links(), "links");
    assert_corrupt(s.linked_stock_walk(&["main".into()]), "links");
    assert_corrupt(s.linked_prices_walk(), "links");
    assert_corrupt(s.link(b, 8), "links");

    let (_d, s, _, _) = with_products();
    s.trees.links.insert([0, 1], &7i64.to_be_bytes()).unwrap();
    assert_corrupt(s.link_pairs(), "links");
    assert_corrupt(s.linked_stock_walk(&["main".into()]), "links");
    assert_corrupt(s.linked_prices_walk(), "links");

    let (_d, s, _, _) = with_products();
    s.trees
        .links_by_prom
        .insert(7i64.to_be_bytes(), &[1])
        .unwrap();
    assert_corrupt(s.linked_to_prom(7), "links_by_prom");
    assert_corrupt(s.link(a, 7), "links_by_prom");
}

#[test]
fn a_link_to_a_missing_product() {
    let (_d, s, _, _) = with_products();
    s.trees.links.insert(be(999), &9i64.to_be_bytes()).unwrap();
    assert_corrupt(s.linked_stock_walk(&["main".into()]), "links");
    assert_corrupt(s.linked_prices_walk(), "links");
}

#[test]
fn an_unreadable_orders_cursor() {
    let (_d, s) = open();
    s.trees
        .meta
        .insert(orders::CURSOR_KEY, &b"yesterday"[..])
        .unwrap();
    assert_corrupt(s.orders_cursor(), "meta");
    // Never overwritten as if there were none: the import stops instead.
    let now = chrono::Utc::now();
    assert_corrupt(
        s.upsert_orders(
            &[],
            &policy(),
            &PullMark {
                cursor: Some(now),
                ..PullMark::default()
            },
        ),
        "meta",
    );
    assert_eq!(
        s.trees.meta.get(orders::CURSOR_KEY).unwrap().unwrap(),
        b"yesterday"[..]
    );
}

#[test]
fn garbage_json_in_products_and_snapshots() {
    let (_d, s, a, _) = with_products();
    s.trees
        .price_snapshots
        .insert(be(a), "{".as_bytes())
        .unwrap();
    assert_corrupt(s.linked_prices(), "price_snapshots");
    assert_corrupt(s.price_snapshot(a), "price_snapshots");
    assert_corrupt(s.mark_prices_unconfirmed(&[a]), "price_snapshots");

    s.trees.snapshots.insert(be(a), "{}".as_bytes()).unwrap();
    assert_corrupt(s.linked_stock(&["main".into()]), "stock_snapshots");
    assert_corrupt(s.mark_stock_unconfirmed(&[a]), "stock_snapshots");
    assert_corrupt(s.stock_snapshots(), "stock_snapshots");

    s.trees
        .products
        .insert(be(a), "not json".as_bytes())
        .unwrap();
    assert_corrupt(s.product(a), "products");
    assert_corrupt(s.products(), "products");
    assert_corrupt(s.linked_stock(&["main".into()]), "products");
    assert_corrupt(s.set_stock(a, "main", 1), "products");
}

#[test]
fn garbage_json_in_orders() {
    let (_d, s) = open();
    s.trees
        .orders
        .insert(5i64.to_be_bytes(), "{\"prom_id\":".as_bytes())
        .unwrap();
    assert_corrupt(s.order(5), "orders");
    assert_corrupt(s.orders(), "orders");
    assert_corrupt(s.set_order_status(5, "delivered", &policy()), "orders");
    assert_corrupt(
        s.confirm_order_statuses(&[(5, "a".into(), "b".into())]),
        "orders",
    );
    assert_corrupt(
        s.mark_statuses_unconfirmed(&[(5, "paid".into(), "paid".into())]),
        "orders",
    );
    // A link's relinking reads only the orders the index lists with unlinked lines; this
    // record was written around the index (no head), so it is not among them: `store
    // check`, which reads every entry, names it.
    assert_eq!(s.relink_orders(1, &policy()).unwrap(), 0);
    assert_corrupt(s.check_consistency(), "orders");
}

#[test]
fn bad_fixed_width_values_elsewhere() {
    let (_d, s, a, b) = with_products();
    s.trees.reserved.insert(be(a), &[0, 1]).unwrap();
    assert_corrupt(s.reserved_of(a), "reserved");
    assert_corrupt(s.linked_stock(&["main".into()]), "reserved");

    s.trees.dirty.insert(be(a), &[]).unwrap();
    assert_corrupt(s.mark_dirty_ids(&[a], DIRTY_STOCK), "dirty");
    assert_corrupt(s.set_stock(a, "main", 4), "dirty");
    assert_corrupt(s.take_dirty(DIRTY_STOCK), "dirty");
    s.trees.dirty.insert(be(a), &[DIRTY_STOCK]).unwrap();
    s.trees.dirty.insert([1], &[DIRTY_STOCK]).unwrap();
    assert_corrupt(s.take_dirty(DIRTY_STOCK), "dirty");

    s.trees.sku_index.insert("B", &[1, 2]).unwrap();
    assert_corrupt(s.product_by_sku("B"), "sku_index");
    assert_corrupt(s.check_consistency(), "sku_index");
    let again = NewProduct {
        sku: "B".into(),
        name: "b".into(),
        price: None,
        currency: None,
    };
    assert_corrupt(s.upsert_products(&[again], true), "sku_index");
    assert!(s.product(b).unwrap().is_some());

    // A flush is about the store's files: its errors say the store is damaged.
    s.trees.meta.insert("generation", &[1]).unwrap();
    let err = s.flush_blocking().unwrap_err();
    assert!(err.is_damage(), "{err:?}");
    assert!(
        err.to_string()
            .contains("`meta` tree has a value of 1 byte where 8 are expected"),
        "{err}"
    );
}

#[test]
fn a_take_that_meets_a_bad_mark_gives_back_what_it_took() {
    let (_d, s, a, _) = with_products();
    assert_eq!(s.dirty_count(), 1, "the stock set at start");
    // Sorts after A's mark: the take clears A's first, then meets it.
    s.trees.dirty.insert(be(u64::MAX), &[]).unwrap();
    assert_corrupt(s.take_dirty(DIRTY_STOCK), "dirty");
    s.trees.dirty.remove(be(u64::MAX)).unwrap();
    assert_eq!(s.take_dirty(DIRTY_STOCK).unwrap(), vec![a]);
}

#[test]
fn a_store_holding_a_bad_record_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    drop(Store::open(&path).unwrap());
    // Written by something else than the store (it never writes such a record): the files
    // are no longer as the store closed them, so the open reads every entry back.
    let db = sled::open(&path).unwrap();
    let stock = db.open_tree("stock").unwrap();
    stock.insert([1, 2, 3], &5i64.to_be_bytes()).unwrap();
    db.flush().unwrap();
    drop((stock, db));
    let err = Store::open(&path).unwrap_err();
    assert!(err.is_damage(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("is damaged") && text.contains("`stock` tree has a key of 3 bytes"),
        "{text}"
    );
}

#[test]
fn a_bad_record_the_open_did_not_read_is_found_by_store_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let s = Store::open(&path).unwrap();
    s.trees
        .stock
        .insert([1, 2, 3], &5i64.to_be_bytes())
        .unwrap();
    s.flush_blocking().unwrap();
    drop(s);
    // Closed cleanly: the open trusts its stamp; a full read (as `store check`) finds it.
    let s = Store::open(&path).unwrap();
    let err = s.verify_readable().unwrap_err();
    assert!(err.is_damage(), "{err:?}");
    assert!(
        err.to_string()
            .contains("`stock` tree has a key of 3 bytes"),
        "{err}"
    );
}
