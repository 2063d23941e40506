use super::*;
use chrono::Utc;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

#[test]
fn sku_is_trimmed_unique_and_not_blank() {
    let (_d, s) = open();
    let p = s.add_product("  A-1 ", "Чайник").unwrap();
    assert_eq!(p.sku, "A-1");
    assert!(s.add_product("A-1", "other").is_err());
    assert!(s.add_product("   ", "blank").is_err());
    assert_eq!(s.product_by_sku("A-1 ").unwrap().unwrap().id, p.id);
}

#[test]
fn links_are_one_to_one() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    let b = s.add_product("B", "b").unwrap();
    s.link(a.id, 10).unwrap();
    s.link(a.id, 10).unwrap();
    assert!(s.link(a.id, 11).is_err());
    assert!(s.link(b.id, 10).is_err());
    assert_eq!(
        s.links().unwrap(),
        vec![Link {
            product_id: a.id,
            prom_id: 10
        }]
    );
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn linked_stock_sums_chosen_warehouses_only() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    let b = s.add_product("B", "b").unwrap();
    let c = s.add_product("C", "c").unwrap();
    s.set_stock(a.id, "main", 3).unwrap();
    s.set_stock(a.id, "shop", 4).unwrap();
    s.set_stock(a.id, "returns", 100).unwrap();
    s.set_stock(b.id, "returns", 5).unwrap();
    s.set_stock(c.id, "main", 7).unwrap();
    s.link(a.id, 1).unwrap();
    s.link(b.id, 2).unwrap();
    let snap = StockSnapshot {
        prom_id: 2,
        quantity: 0,
        presence: "not_available".into(),
        confirmed_at: Utc::now(),
        unconfirmed: false,
        hidden: false,
    };
    s.put_stock_snapshots(&[(b.id, snap.clone())]).unwrap();
    let rows = s.linked_stock(&["main".into(), "shop".into()]).unwrap();
    let snap = ConfirmedStock {
        prom_id: snap.prom_id,
        quantity: snap.quantity,
        presence: snap.presence,
        unconfirmed: false,
        hidden: false,
    };
    assert_eq!(rows.len(), 2, "c is not linked");
    assert_eq!(
        (
            rows[0].sku.as_str(),
            rows[0].stock,
            rows[0].snapshot.clone()
        ),
        ("A", 7, None)
    );
    assert_eq!(
        (
            rows[1].sku.as_str(),
            rows[1].stock,
            rows[1].snapshot.clone()
        ),
        ("B", 0, Some(snap))
    );
}

#[test]
fn runs_come_back_newest_first() {
    let (_d, s) = open();
    let t0 = Utc::now();
    for i in 0..3 {
        let mut r = crate::report::RunRecord {
            job: "stock".into(),
            kind: "push_stock".into(),
            started_at: t0 + chrono::Duration::seconds(i),
            finished_at: t0 + chrono::Duration::seconds(i),
            outcome: crate::report::Outcome::Ok,
            considered: i as usize,
            planned: 0,
            sent: 0,
            confirmed: 0,
            failed: vec![],
            requests: 0,
            retries: 0,
            error: None,
            notes: vec![],
            warnings: vec![],
            drift: vec![],
            recurring: None,
        };
        s.record_run(&r).unwrap();
        r.job = "stock2".into();
        s.record_run(&r).unwrap();
    }
    let runs = s.runs_of("stock", 10).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.considered).collect::<Vec<_>>(),
        vec![2, 1, 0]
    );
    assert_eq!(s.last_run("stock").unwrap().unwrap().considered, 2);
}

#[test]
fn a_second_opener_gets_a_clear_message() {
    let (dir, _s) = open();
    let err = Store::open(&dir.path().join("db")).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("in use by another process"));
}

#[test]
fn an_io_error_that_is_not_the_lock_is_not_called_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    std::fs::write(&path, "a file where the store's folder should be").unwrap();
    let started = std::time::Instant::now();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(500),
        "not waited for as a lock"
    );
    // It says what to do about it.
    assert!(
        err.to_string()
            .contains("[store] path must name a directory"),
        "{err}"
    );
}

fn set(product_id: u64, quantity: i64) -> StockChange {
    StockChange::Set {
        product_id,
        warehouse: "main".into(),
        quantity,
    }
}

fn adjust(product_id: u64, delta: i64) -> StockChange {
    StockChange::Adjust {
        product_id,
        warehouse: "main".into(),
        delta,
    }
}

#[test]
fn quantities_are_bounded_and_a_bad_change_applies_nothing() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    let b = s.add_product("B", "b").unwrap();
    s.apply_stock_changes(&[set(a.id, 5)], Actor::Cli, None)
        .unwrap();
    let journal = s.journal(None, 100).unwrap().len();
    for (changes, actor, want) in [
        (
            vec![set(b.id, 1), set(a.id, MAX_QUANTITY + 1)],
            Actor::Api,
            "more than the most",
        ),
        (
            vec![set(b.id, 1), set(a.id, -3)],
            Actor::Csv,
            "must not be negative",
        ),
        (
            vec![set(b.id, 1), adjust(a.id, -6)],
            Actor::Cli,
            "would go below zero (5 -6 = -1)",
        ),
        (
            vec![set(b.id, 1), adjust(a.id, i64::MAX)],
            Actor::Api,
            "would overflow",
        ),
        (
            vec![set(b.id, 1), set(a.id, -1)],
            Actor::Import,
            "must not be negative",
        ),
    ] {
        let err = s.apply_stock_changes(&changes, actor, None).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
        // All or nothing: B's valid change did not apply either.
        assert_eq!(s.stock_of(a.id).unwrap(), vec![("main".to_string(), 5)]);
        assert!(s.stock_of(b.id).unwrap().is_empty());
        assert_eq!(s.journal(None, 100).unwrap().len(), journal);
    }
    // A shipment may take stock below zero: the goods left.
    s.apply_stock_changes(&[adjust(a.id, -7)], Actor::Order, None)
        .unwrap();
    assert_eq!(s.stock_of(a.id).unwrap(), vec![("main".to_string(), -2)]);
    let last = s.journal(None, 1).unwrap().remove(0);
    assert_eq!((last.before, last.after, last.delta), (5, -2, -7));
}

#[test]
fn marking_unconfirmed_makes_the_planner_send_again() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    s.link(a.id, 7).unwrap();
    s.set_stock(a.id, "main", 3).unwrap();
    let snap = StockSnapshot {
        prom_id: 7,
        quantity: 3,
        presence: "available".into(),
        confirmed_at: Utc::now(),
        unconfirmed: false,
        hidden: false,
    };
    s.put_stock_snapshots(&[(a.id, snap)]).unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert!(rows[0].recorded && !rows[0].snapshot.as_ref().unwrap().unconfirmed);
    s.mark_stock_unconfirmed(&[a.id, 999]).unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert!(rows[0].snapshot.as_ref().unwrap().unconfirmed);
    assert!(
        s.stock_snapshot(999).unwrap().is_none(),
        "no claim is invented"
    );
    // Stock in a warehouse that is not pushed is not "recorded" for the push.
    let rows = s.linked_stock(&["shop".into()]).unwrap();
    assert!(!rows[0].recorded);
}

#[test]
fn a_store_that_lost_flushed_writes_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let s = Store::open(&path).unwrap();
    s.add_product("A", "a").unwrap();
    s.flush_blocking().unwrap();
    s.flush_blocking().unwrap();
    drop(s);
    // Reopens fine; then pretend sled came back with less than it had flushed.
    drop(Store::open(&path).unwrap());
    std::fs::write(path.join(durability::SEAL_FILE), "99").unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(err.is_damage(), "{err}");
    assert!(err.to_string().contains("generation 2 of 99"), "{err}");
}

#[test]
fn a_shipment_of_unrecorded_stock_leaves_it_unrecorded_and_a_receipt_onto_negative_is_taken() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    s.link(a.id, 7).unwrap();
    s.apply_stock_changes(&[adjust(a.id, -1)], Actor::Order, None)
        .unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert_eq!((rows[0].stock, rows[0].recorded), (-1, false));
    // A person's receipt onto the negative count is taken, and records the stock.
    s.apply_stock_changes(&[adjust(a.id, 3)], Actor::Cli, None)
        .unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert_eq!((rows[0].stock, rows[0].recorded), (2, true));
    // A later shipment keeps it recorded.
    s.apply_stock_changes(&[adjust(a.id, -1)], Actor::Order, None)
        .unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert_eq!((rows[0].stock, rows[0].recorded), (1, true));
    // A person setting the same count on an unrecorded row records it.
    let b = s.add_product("B", "b").unwrap();
    s.link(b.id, 8).unwrap();
    s.apply_stock_changes(&[adjust(b.id, -2)], Actor::Order, None)
        .unwrap();
    s.apply_stock_changes(&[adjust(b.id, 2)], Actor::Order, None)
        .unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert_eq!((rows[1].stock, rows[1].recorded), (0, false));
    s.apply_stock_changes(&[set(b.id, 0)], Actor::Csv, None)
        .unwrap();
    let rows = s.linked_stock(&["main".into()]).unwrap();
    assert_eq!((rows[1].stock, rows[1].recorded), (0, true));
}

#[test]
fn lines_of_one_product_are_summed_before_rounding_and_a_negative_line_holds_nothing() {
    use crate::domain::ReservationPolicy;
    use rust_decimal::Decimal;
    let (_d, s) = open();
    let p = s.add_product("HALF", "Половина").unwrap();
    s.link(p.id, 77).unwrap();
    s.set_stock(p.id, "main", 10).unwrap();
    let line = |q: &str| LocalLine {
        prom_product_id: Some(77),
        sku: None,
        name: "x".into(),
        quantity: q.parse::<Decimal>().unwrap(),
        price: None,
        product_id: None,
        ..LocalLine::default()
    };
    let order = |id: i64, status: &str, lines: Vec<LocalLine>| LocalOrder {
        prom_id: id,
        status: status.into(),
        prom_status: Some(status.into()),
        prom_status_unconfirmed: false,
        statuses_sent: Vec::new(),
        status_pending: false,
        created_at: None,
        modified_at: None,
        client: String::new(),
        phone: None,
        email: None,
        total: None,
        details: Default::default(),
        lines,
        reserved: Vec::new(),
        stock_moved: false,
        shipped: Vec::new(),
        adopted_done: false,
        holds: None,
        status_changed_at: None,
        imported_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    };
    let policy = ReservationPolicy {
        reserve_statuses: vec!["pending".into()],
        done_status: Some("delivered".into()),
        release_statuses: Vec::new(),
        shipped_statuses: Vec::new(),
        aliases: Vec::new(),
        warehouse: "main".into(),
    };
    s.upsert_orders(
        &[
            order(1, "pending", vec![line("0.5"), line("0.5")]),
            order(2, "pending", vec![line("2"), line("-5")]),
        ],
        &policy,
        &PullMark::default(),
    )
    .unwrap();
    assert_eq!(s.reserved_of(p.id).unwrap(), 1 + 2);
}

/// The on-change push's point reads give what the catalogue walk gives for the same
/// products: unlinked and gone ones left out, stock of the chosen warehouses, snapshots,
/// reservations and prices; the count is the walk's length.
#[test]
fn point_reads_of_linked_products_agree_with_the_walk() {
    let (_d, s) = open();
    let mut ids = Vec::new();
    for i in 0..12u64 {
        let p = s.add_product(&format!("P-{i}"), "p").unwrap();
        if i % 3 != 0 {
            s.set_stock(p.id, "main", i as i64).unwrap();
        }
        s.set_stock(p.id, "returns", 50).unwrap();
        if i != 5 {
            s.link(p.id, 100 + i as i64).unwrap();
        }
        if i % 4 == 1 {
            let snap = StockSnapshot {
                prom_id: 100 + i as i64,
                quantity: 1,
                presence: "available".into(),
                confirmed_at: Utc::now(),
                unconfirmed: false,
                hidden: false,
            };
            s.put_stock_snapshots(&[(p.id, snap)]).unwrap();
        }
        ids.push(p.id);
    }
    s.mark_gone(&[107], Utc::now()).unwrap();
    let warehouses = ["main".to_string()];
    let walk = s.linked_stock(&warehouses).unwrap();
    assert_eq!(s.linked_count().unwrap(), walk.len());
    assert_eq!(walk.len(), 10, "one unlinked, one gone");
    let some: Vec<u64> = vec![ids[9], ids[1], ids[5], ids[7], ids[1], 9_999];
    let points = s.linked_stock_of(&some, &warehouses).unwrap();
    let expected: Vec<_> = walk
        .iter()
        .filter(|r| some.contains(&r.product_id))
        .cloned()
        .collect();
    assert_eq!(points, expected);
    assert_eq!(points.len(), 2, "9 and 1; 5 unlinked, 7 gone, 9999 absent");
    let prices = s.linked_prices().unwrap();
    let expected: Vec<_> = prices
        .iter()
        .filter(|r| some.contains(&r.product_id))
        .cloned()
        .collect();
    assert_eq!(s.linked_prices_of(&some).unwrap(), expected);
}

/// The link count in `meta` follows every way a link comes and goes, is seeded for a store
/// without one, and `store check` names a count that differs from the links.
#[test]
fn the_link_count_follows_the_links() {
    let (d, s) = open();
    let count = |s: &Store| s.counted_links().unwrap();
    let ids: Vec<u64> = (0..6)
        .map(|i| s.add_product(&format!("L-{i}"), "p").unwrap().id)
        .collect();
    assert_eq!(count(&s), 0);
    s.link(ids[0], 100).unwrap();
    s.link(ids[0], 100).unwrap();
    assert_eq!(count(&s), 1, "the same link twice is one link");
    s.link_many(&[(ids[1], 101), (ids[2], 102), (ids[3], 103)])
        .unwrap();
    assert_eq!(count(&s), 4);
    s.unlink(ids[1]).unwrap();
    assert_eq!(count(&s), 3);
    s.remove_product(ids[2], true, Actor::Cli, "gone").unwrap();
    assert_eq!(count(&s), 2);
    assert_eq!(s.linked_count().unwrap(), 2);
    assert!(s.check_consistency().unwrap().is_empty());
    // A store from before the count: seeded at open.
    s.trees.meta.remove(super::link_count::LINK_COUNT).unwrap();
    s.flush_blocking().unwrap();
    let path = d.path().join("db");
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(count(&s), 2);
    s.trees
        .meta
        .insert(super::link_count::LINK_COUNT, &super::codec::be(7))
        .unwrap();
    let found = s.check_consistency().unwrap();
    assert_eq!(
        found,
        [
            "the link count (7) differs from the links held (2): `store compact` (with the daemon stopped) counts them again"
        ]
    );
}
