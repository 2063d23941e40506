use super::*;

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
    };
    s.put_stock_snapshots(&[(b.id, snap.clone())]).unwrap();
    let rows = s.linked_stock(&["main".into(), "shop".into()]).unwrap();
    let snap = ConfirmedStock {
        prom_id: snap.prom_id,
        quantity: snap.quantity,
        presence: snap.presence,
        unconfirmed: false,
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
