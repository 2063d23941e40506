//! Gone Prom ids, seen Prom ids and hand unlinks at the store's level.

use super::*;
use chrono::Utc;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

fn snapshot(prom_id: i64) -> StockSnapshot {
    StockSnapshot {
        prom_id,
        quantity: 3,
        presence: "available".into(),
        confirmed_at: Utc::now(),
        unconfirmed: false,
        hidden: false,
    }
}

#[test]
fn a_gone_link_is_skipped_replaced_by_a_new_link_and_cleared_by_a_walk() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    let b = s.add_product("B", "b").unwrap();
    s.link(a.id, 10).unwrap();
    s.link(b.id, 20).unwrap();
    for p in [&a, &b] {
        s.set_stock(p.id, "main", 3).unwrap();
    }
    s.put_stock_snapshots(&[(a.id, snapshot(10)), (b.id, snapshot(20))])
        .unwrap();
    s.put_staged(&[StagedProduct {
        prom_id: 10,
        sku: Some("A".into()),
        name: "a".into(),
        other_names: Vec::new(),
        price: None,
        currency: None,
        quantity: None,
        staged_at: Utc::now(),
    }])
    .unwrap();
    s.mark_gone(&[10], Utc::now()).unwrap();
    assert!(s.gone_since(10).unwrap().is_some());
    assert_eq!(s.staged_count(), 0, "unstaged");
    let pushed: Vec<u64> = s
        .linked_stock(&["main".into()])
        .unwrap()
        .iter()
        .map(|r| r.product_id)
        .collect();
    assert_eq!(pushed, vec![b.id]);
    assert_eq!(s.linked_prices().unwrap().len(), 1);
    let gone = s.gone_links().unwrap();
    assert_eq!((gone[0].sku.as_str(), gone[0].prom_id), ("A", 10));
    // A live link is not replaced; a gone one is.
    assert!(s.link(b.id, 30).is_err());
    s.link(a.id, 11).unwrap();
    assert_eq!(s.link_of(a.id).unwrap(), Some(11));
    assert_eq!(s.linked_to_prom(10).unwrap(), None);
    assert!(
        s.stock_snapshot(a.id).unwrap().is_none(),
        "the old claim goes"
    );
    assert!(s.gone_links().unwrap().is_empty());
    // A walk that shows 10 again clears it, and sees what it showed.
    assert!(!s.knows_prom_id(12).unwrap());
    assert_eq!(s.record_walk(&[10, 12, 20]).unwrap(), vec![10]);
    assert_eq!(s.gone_since(10).unwrap(), None);
    assert!(s.knows_prom_id(12).unwrap());
    assert_eq!(s.record_walk(&[10, 12, 20]).unwrap(), Vec::<i64>::new());
    assert_eq!(s.seen_count(), 3);
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn a_hand_unlink_is_remembered_until_either_side_is_linked_by_hand() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    let b = s.add_product("B", "b").unwrap();
    s.link(a.id, 10).unwrap();
    s.link(b.id, 20).unwrap();
    let at = Utc::now();
    assert_eq!(s.unlink_by_hand(a.id, at).unwrap(), Some(10));
    assert_eq!(s.unlink_by_hand(a.id, at).unwrap(), None);
    assert_eq!(s.unlink_by_hand(b.id, at).unwrap(), Some(20));
    let remembered = s.hand_unlinks().unwrap();
    assert_eq!(
        remembered
            .iter()
            .map(|u| (u.product_id, u.prom_id))
            .collect::<Vec<_>>(),
        vec![(a.id, 10), (b.id, 20)]
    );
    assert_eq!(remembered[0].at.timestamp_micros(), at.timestamp_micros());
    // Linking Prom product 20 (to A) forgets B's unlink, and A's.
    s.relink(a.id, 20).unwrap();
    assert!(s.hand_unlinks().unwrap().is_empty());
    // `relink` replaces a live link and clears a gone mark.
    s.mark_gone(&[30], Utc::now()).unwrap();
    s.relink(a.id, 30).unwrap();
    assert_eq!(s.link_of(a.id).unwrap(), Some(30));
    assert_eq!(s.gone_since(30).unwrap(), None);
    assert!(s.relink(b.id, 30).is_err(), "one to one");
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn unlinking_from_a_deleted_product_is_not_remembered() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    let b = s.add_product("B", "b").unwrap();
    s.link(a.id, 10).unwrap();
    s.link(b.id, 20).unwrap();
    s.mark_gone(&[10], Utc::now()).unwrap();
    // A dead link cleared, as the pushes advise: nothing to remember.
    assert_eq!(s.unlink_by_hand(a.id, Utc::now()).unwrap(), Some(10));
    // A live link unlinked by hand: remembered.
    assert_eq!(s.unlink_by_hand(b.id, Utc::now()).unwrap(), Some(20));
    let remembered: Vec<(u64, i64)> = s
        .hand_unlinks()
        .unwrap()
        .iter()
        .map(|u| (u.product_id, u.prom_id))
        .collect();
    assert_eq!(remembered, vec![(b.id, 20)]);
}
