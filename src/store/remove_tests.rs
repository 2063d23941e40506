//! Removing a product: refusals change nothing; a removal leaves no trace but the journal.

use chrono::Utc;
use rust_decimal::Decimal;

use super::super::{
    Actor, LocalLine, LocalOrder, PriceSnapshot, Product, StockChange, StockSnapshot, Store,
};
use super::{Removal, Removed};
use crate::store::PullMark;
use crate::store::test_fixtures::policy;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

fn order(prom_id: i64, status: &str, prom_product: i64, qty: i64) -> LocalOrder {
    LocalOrder {
        prom_id,
        status: status.into(),
        prom_status: Some(status.into()),
        prom_status_unconfirmed: false,
        statuses_sent: Vec::new(),
        status_pending: false,
        created_at: None,
        modified_at: None,
        client: "Ольга".into(),
        phone: None,
        email: None,
        total: None,
        details: Default::default(),
        lines: vec![LocalLine {
            prom_product_id: Some(prom_product),
            sku: None,
            name: "x".into(),
            quantity: Decimal::from(qty),
            price: None,
            product_id: None,
            ..LocalLine::default()
        }],
        reserved: Vec::new(),
        stock_moved: false,
        shipped: Vec::new(),
        adopted_done: false,
        holds: None,
        status_changed_at: None,
        imported_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn removed(r: Removal) -> Removed {
    match r {
        Removal::Removed(r) => r,
        other => panic!("refused: {other:?}"),
    }
}

/// Every trace of `id` outside the journal and orders, as (tree, count).
fn traces(s: &Store, id: u64, sku: &str) -> Vec<(&'static str, usize)> {
    let be = id.to_be_bytes();
    [
        (
            "products",
            s.trees.products.get(be).unwrap().is_some() as usize,
        ),
        (
            "sku_index",
            s.trees.sku_index.get(sku).unwrap().is_some() as usize,
        ),
        ("stock", s.trees.stock.scan_prefix(be).count()),
        ("links", s.trees.links.get(be).unwrap().is_some() as usize),
        (
            "stock_snapshots",
            s.trees.snapshots.get(be).unwrap().is_some() as usize,
        ),
        (
            "price_snapshots",
            s.trees.price_snapshots.get(be).unwrap().is_some() as usize,
        ),
        ("dirty", s.trees.dirty.get(be).unwrap().is_some() as usize),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

#[test]
fn a_product_with_no_history_is_removed_whole() {
    let (_d, s) = open();
    let p = s.add_product("ab-1", "made by mistake").unwrap();
    let keep = s.add_product("AB-1", "the real one").unwrap();
    let r = removed(
        s.remove_product(p.id, false, Actor::Cli, "removed")
            .unwrap(),
    );
    assert_eq!(
        (r.product.sku.as_str(), r.unlinked, r.moves_kept),
        ("ab-1", None, 0)
    );
    assert_eq!(traces(&s, p.id, "ab-1"), vec![]);
    assert_eq!(s.product_by_sku("ab-1").unwrap(), None);
    assert_eq!(s.product_by_sku("AB-1").unwrap().unwrap().id, keep.id);
    assert!(s.check_consistency().unwrap().is_empty());
    // The SKU is free again.
    s.add_product("ab-1", "again").unwrap();
}

#[test]
fn a_linked_product_or_one_with_moves_is_refused_unless_forced() {
    let (_d, s) = open();
    let p = s.add_product("L-1", "linked").unwrap();
    s.link(p.id, 77).unwrap();
    s.set_stock(p.id, "main", 5).unwrap();
    s.set_stock(p.id, "shop", 0).unwrap();
    s.put_stock_snapshots(&[(
        p.id,
        StockSnapshot {
            prom_id: 77,
            quantity: 5,
            presence: "available".into(),
            confirmed_at: Utc::now(),
            unconfirmed: false,
            hidden: false,
        },
    )])
    .unwrap();
    s.put_price_snapshots(&[(
        p.id,
        PriceSnapshot {
            prom_id: 77,
            price: Decimal::from(10),
            confirmed_at: Utc::now(),
            unconfirmed: false,
        },
    )])
    .unwrap();
    assert!(s.has_dirty());
    let journal = s.journal_len();
    match s
        .remove_product(p.id, false, Actor::Cli, "removed")
        .unwrap()
    {
        Removal::Refused { blockers, .. } => {
            assert_eq!(blockers.linked, Some(77));
            assert_eq!(blockers.moves, 2);
            assert!(!blockers.absolute());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(traces(&s, p.id, "L-1").len(), 7, "nothing changed");
    let r = removed(
        s.remove_product(p.id, true, Actor::Cli, "product L-1 removed")
            .unwrap(),
    );
    assert_eq!(r.unlinked, Some(77));
    assert_eq!(r.moves_kept, 2);
    assert_eq!(
        r.stock,
        vec![("main".to_string(), 5), ("shop".to_string(), 0)]
    );
    assert_eq!(traces(&s, p.id, "L-1"), vec![]);
    assert_eq!(s.linked_to_prom(77).unwrap(), None);
    assert!(!s.has_dirty());
    // The history stays, and says where the 5 went.
    let moves = s.journal(Some(p.id), 10).unwrap();
    assert_eq!(s.journal_len(), journal + 1);
    assert_eq!(
        (moves[0].before, moves[0].after, moves[0].warehouse.as_str()),
        (5, 0, "main")
    );
    assert_eq!(moves[0].reason.as_deref(), Some("product L-1 removed"));
    assert_eq!(r.journalled, vec![moves[0].clone()]);
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn a_reservation_refuses_even_a_forced_removal() {
    let (_d, s) = open();
    let p = s.add_product("R-1", "reserved").unwrap();
    s.link(p.id, 88).unwrap();
    s.set_stock(p.id, "main", 9).unwrap();
    s.upsert_orders(
        &[order(501, "pending", 88, 3)],
        &policy(),
        &PullMark::default(),
    )
    .unwrap();
    assert_eq!(s.reserved_of(p.id).unwrap(), 3);
    let before = traces(&s, p.id, "R-1");
    for force in [false, true] {
        match s
            .remove_product(p.id, force, Actor::Cli, "removed")
            .unwrap()
        {
            Removal::Refused { blockers, .. } => {
                assert!(blockers.absolute());
                assert_eq!(
                    (blockers.reserved, blockers.reserving.clone()),
                    (3, vec![501])
                );
                assert_eq!(blockers.orders, vec![501]);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(traces(&s, p.id, "R-1"), before, "nothing changed");
    assert_eq!(s.reserved_of(p.id).unwrap(), 3);
    // Once the order is cancelled, a forced removal leaves its line unlinked.
    s.set_order_status(501, "canceled", &policy()).unwrap();
    let r = removed(s.remove_product(p.id, true, Actor::Cli, "removed").unwrap());
    assert_eq!(r.orders_unlinked, vec![501]);
    let o = s.order(501).unwrap().unwrap();
    assert_eq!(o.lines[0].product_id, None);
    assert_eq!(o.lines[0].prom_product_id, Some(88));
    assert_eq!(traces(&s, p.id, "R-1"), vec![]);
}

#[test]
fn a_shipped_order_forgets_what_it_shipped_of_a_removed_product() {
    let (_d, s) = open();
    let p = s.add_product("S-1", "shipped").unwrap();
    s.link(p.id, 99).unwrap();
    s.apply_stock_changes(
        &[StockChange::Set {
            product_id: p.id,
            warehouse: "main".into(),
            quantity: 4,
        }],
        Actor::Cli,
        None,
    )
    .unwrap();
    s.upsert_orders(
        &[order(601, "pending", 99, 1)],
        &policy(),
        &PullMark::default(),
    )
    .unwrap();
    s.set_order_status(601, "delivered", &policy()).unwrap();
    assert_eq!(s.order(601).unwrap().unwrap().shipped, vec![(p.id, 1)]);
    removed(s.remove_product(p.id, true, Actor::Cli, "removed").unwrap());
    let o = s.order(601).unwrap().unwrap();
    assert!(o.shipped.is_empty());
    // Leaving the done status puts back nothing of a product that is gone, and works.
    s.set_order_status(601, "pending", &policy()).unwrap();
    assert_eq!(s.order(601).unwrap().unwrap().reserved, vec![]);
}

#[test]
fn an_unknown_product_is_an_error() {
    let (_d, s) = open();
    assert!(
        s.remove_product(12345, true, Actor::Cli, "removed")
            .is_err()
    );
}

#[test]
fn skus_are_cleaned_and_a_blank_one_made_before_is_still_found_and_removed() {
    let (_d, s) = open();
    assert!(s.add_product("\u{200B}", "blank").is_err());
    assert!(s.add_product(" \u{FEFF}\u{a0}", "blank").is_err());
    let p = s.add_product("\u{FEFF}Z-1\u{a0}", "cleaned").unwrap();
    assert_eq!(p.sku, "Z-1");
    assert_eq!(s.product_by_sku("Z-1\u{200B}").unwrap().unwrap().id, p.id);
    // A product an older import created under a lone zero-width space.
    let legacy = Product {
        id: 4242,
        sku: "\u{200B}".into(),
        name: "Без артикула".into(),
        price: None,
        currency: None,
    };
    s.trees
        .products
        .insert(4242u64.to_be_bytes(), serde_json::to_vec(&legacy).unwrap())
        .unwrap();
    s.trees
        .sku_index
        .insert("\u{200B}", &4242u64.to_be_bytes())
        .unwrap();
    // Counted as an open of that older store would have (its count seeded from the tree).
    s.trees
        .meta
        .remove(crate::store::product_count::PRODUCT_COUNT)
        .unwrap();
    s.seed_product_count(false).unwrap();
    assert_eq!(s.product_by_sku("\u{200B}").unwrap(), Some(legacy));
    removed(
        s.remove_product(4242, false, Actor::Cli, "removed")
            .unwrap(),
    );
    assert_eq!(s.product_by_sku("\u{200B}").unwrap(), None);
    assert!(s.check_consistency().unwrap().is_empty());
}
