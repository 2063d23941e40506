//! The stock planner's and guard's unit tests.
use super::*;
use crate::domain::{AVAILABLE, NOT_AVAILABLE};

fn opts(unrecorded_as_zero: bool) -> PushStockOptions {
    PushStockOptions {
        push_unrecorded_as_zero: unrecorded_as_zero,
        ..PushStockOptions::default()
    }
}

fn row(id: u64, stock: i64, snap: Option<(i64, &str)>) -> LinkedStock {
    LinkedStock {
        recorded: true,
        product_id: id,
        sku: format!("S{id}"),
        prom_id: 1000 + id as i64,
        stock,
        reserved: 0,
        snapshot: snap.map(|(q, p)| crate::store::ConfirmedStock {
            prom_id: 1000 + id as i64,
            quantity: q,
            presence: p.to_string(),
            unconfirmed: false,
            hidden: false,
        }),
    }
}

#[test]
fn quantity_never_below_zero_and_presence_follows() {
    assert_eq!(wanted(-3), (0, NOT_AVAILABLE));
    assert_eq!(wanted(0), (0, NOT_AVAILABLE));
    assert_eq!(wanted(2), (2, AVAILABLE));
}

#[test]
fn only_changes_are_planned() {
    let rows = vec![
        row(1, 5, Some((5, AVAILABLE))),
        row(2, 5, Some((4, AVAILABLE))),
        row(3, -1, Some((0, NOT_AVAILABLE))),
        row(4, 0, None),
        row(5, 0, Some((0, AVAILABLE))),
    ];
    let p = plan(&rows, 0, &opts(false), &Facts::default());
    assert_eq!(p.considered, 5);
    let ids: Vec<u64> = p.changes.iter().map(|c| c.product_id).collect();
    assert_eq!(ids, vec![2, 4, 5]);
    assert_eq!(p.changes[0].why(), "quantity changed");
    assert_eq!(p.changes[1].why(), "never confirmed by Prom.ua");
    assert_eq!(p.changes[2].why(), "presence changed");
}

#[test]
fn unrecorded_stock_is_not_sent_unless_asked() {
    let mut r = row(1, 0, None);
    r.recorded = false;
    let p = plan(std::slice::from_ref(&r), 0, &opts(false), &Facts::default());
    assert!(p.changes.is_empty());
    assert_eq!(p.unrecorded, 1);
    assert!(
        p.unrecorded_note(&["main".into()])
            .unwrap()
            .contains("no stock recorded yet in main")
    );
    let p = plan(&[r], 0, &opts(true), &Facts::default());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        (p.changes[0].quantity, p.changes[0].presence),
        (0, NOT_AVAILABLE)
    );
}

#[test]
fn an_unconfirmed_snapshot_is_sent_again_even_when_equal() {
    let mut r = row(1, 5, Some((5, AVAILABLE)));
    r.snapshot.as_mut().unwrap().unconfirmed = true;
    let p = plan(&[r], 0, &opts(false), &Facts::default());
    assert_eq!(p.changes.len(), 1);
    assert!(p.changes[0].unconfirmed);
    assert!(p.changes[0].why().contains("not confirmed"));
}

#[test]
fn the_zero_share_guard_is_on_by_default() {
    let rows: Vec<LinkedStock> = (1..=10)
        .map(|i| row(i, if i <= 3 { 0 } else { 5 }, Some((5, AVAILABLE))))
        .collect();
    let p = plan(&rows, 0, &opts(false), &Facts::default());
    let why = guard(&p, &PushStockOptions::default()).unwrap();
    assert!(why.contains("3 of 10"), "{why}");
    let loose = PushStockOptions {
        max_zero_share_percent: Some(rust_decimal::Decimal::from(100)),
        ..PushStockOptions::default()
    };
    assert!(guard(&p, &loose).is_none());
}

#[test]
fn a_snapshot_for_another_prom_id_does_not_count() {
    let mut r = row(1, 5, Some((5, AVAILABLE)));
    r.prom_id = 42;
    assert_eq!(
        plan(&[r], 0, &opts(false), &Facts::default()).changes.len(),
        1
    );
}
