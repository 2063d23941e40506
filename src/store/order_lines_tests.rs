//! Order details in stored records, and lines linked by hand, on a real store.

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::test_fixtures::{policy, pull};
use super::*;

fn open() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    (d, s)
}

fn at(m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, m, 0).unwrap()
}

/// Order 1 as Prom shows it at 10:`min`: 3 of Prom product 77, then 1 of Prom product 88.
fn read(status: &str, min: u32, notes: &str) -> LocalOrder {
    let line = |prom: i64, q: i64| LocalLine {
        prom_product_id: Some(prom),
        name: format!("Товар {prom}"),
        quantity: Decimal::from(q),
        ..LocalLine::default()
    };
    let mut o = LocalOrder {
        prom_id: 1,
        status: status.into(),
        prom_status: Some(status.into()),
        created_at: Some(at(0).fixed_offset()),
        modified_at: Some(at(min).fixed_offset()),
        lines: vec![line(77, 3), line(88, 1)],
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    };
    o.details.buyer.notes = Some(notes.into());
    o
}

/// Products `A` (linked to Prom 77) and `B` (not linked), 10 each in `main`.
fn shop() -> (tempfile::TempDir, Store, u64, u64) {
    let (d, s) = open();
    let a = s.add_product("A", "a").unwrap();
    s.link(a.id, 77).unwrap();
    s.set_stock(a.id, "main", 10).unwrap();
    let b = s.add_product("B", "b").unwrap();
    s.set_stock(b.id, "main", 10).unwrap();
    (d, s, a.id, b.id)
}

fn stock(s: &Store, p: u64) -> i64 {
    s.stock_of(p).unwrap().iter().map(|(_, q)| q).sum()
}

fn consistent(s: &Store) {
    let problems = s.check_consistency().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_record_written_before_details_were_kept_still_loads() {
    let (_d, s) = open();
    // As the version before this one wrote it: no details, lines without their own.
    let old = r#"{"prom_id":5,"status":"pending","prom_status":"pending","status_pending":false,"created_at":"2026-03-14T09:21:40.176639+02:00","modified_at":null,"client":"Олена Коваль","phone":"+380501234567","email":null,"total":"1 250,50 грн","lines":[{"prom_product_id":77,"sku":"A","name":"Чайник","quantity":"2","price":"625.25 грн","product_id":null}],"reserved":[],"stock_moved":false,"shipped":[],"adopted_done":false,"imported_at":"2026-03-14T09:26:53Z","updated_at":"2026-03-14T09:26:53Z"}"#;
    s.trees.orders.insert(5_i64.to_be_bytes(), old).unwrap();
    let o = s.order(5).unwrap().unwrap();
    assert_eq!(o.details, OrderDetails::default());
    assert_eq!(o.total.unwrap().amount, Some(Decimal::new(125050, 2)));
    let l = &o.lines[0];
    assert_eq!(
        (l.hand_linked, &l.total_price, &l.url),
        (false, &None, &None)
    );
    assert_eq!(
        l.price.as_ref().unwrap().amount,
        Some(Decimal::new(62525, 2))
    );
}

#[test]
fn details_round_trip_and_a_later_read_replaces_them() {
    let (_d, s, _, _) = shop();
    s.upsert_orders(&[read("pending", 1, "після 18:00")], &policy(), &pull())
        .unwrap();
    let o = s.order(1).unwrap().unwrap();
    assert_eq!(o.details.buyer.notes.as_deref(), Some("після 18:00"));
    s.upsert_orders(&[read("pending", 2, "до 12:00")], &policy(), &pull())
        .unwrap();
    let o = s.order(1).unwrap().unwrap();
    assert_eq!(o.details.buyer.notes.as_deref(), Some("до 12:00"));
}

#[test]
fn a_hand_link_moves_the_reservation_at_once_and_survives_a_changed_order() {
    let (_d, s, a, b) = shop();
    s.upsert_orders(&[read("pending", 1, "")], &policy(), &pull())
        .unwrap();
    assert_eq!(
        (s.reserved_of(a).unwrap(), s.reserved_of(b).unwrap()),
        (3, 0)
    );
    // Line 1 is on A by its Prom product's link: linking it there by hand moves nothing
    // and records the seller's choice.
    let o = s.order(1).unwrap().unwrap();
    assert_eq!(
        (o.lines[0].product_id, o.lines[0].hand_linked),
        (Some(a), false)
    );
    let same = s.link_order_line(1, 1, a, &policy()).unwrap();
    assert!(same.unchanged && same.touched.is_empty());
    assert!(s.order(1).unwrap().unwrap().lines[0].hand_linked);
    let done = s.link_order_line(1, 1, b, &policy()).unwrap();
    assert!(!done.unchanged);
    assert_eq!(
        (s.reserved_of(a).unwrap(), s.reserved_of(b).unwrap()),
        (0, 3)
    );
    assert!(done.touched.contains(&a) && done.touched.contains(&b));
    consistent(&s);
    // The same again: nothing written.
    let again = s.link_order_line(1, 1, b, &policy()).unwrap();
    assert!(again.unchanged);
    assert_eq!(again.order, s.order(1).unwrap().unwrap());
    // Prom's lines change order and quantity: the hand link stays on B, though Prom
    // product 77 is linked to A.
    let mut changed = read("pending", 5, "");
    changed.lines.reverse();
    changed.lines[1].quantity = Decimal::from(4);
    s.upsert_orders(&[changed], &policy(), &pull()).unwrap();
    let o = s.order(1).unwrap().unwrap();
    assert_eq!(
        (o.lines[1].product_id, o.lines[1].hand_linked),
        (Some(b), true)
    );
    assert_eq!(
        (s.reserved_of(a).unwrap(), s.reserved_of(b).unwrap()),
        (0, 4)
    );
    consistent(&s);
    // The unlinked line linked by hand too: it holds from then on.
    s.link_order_line(1, 1, a, &policy()).unwrap();
    assert_eq!(s.reserved_of(a).unwrap(), 1);
    consistent(&s);
}

#[test]
fn a_hand_link_of_a_shipped_order_moves_the_shipment() {
    let (_d, s, a, b) = shop();
    s.upsert_orders(&[read("pending", 1, "")], &policy(), &pull())
        .unwrap();
    s.set_order_status(1, "delivered", &policy()).unwrap();
    assert_eq!((stock(&s, a), stock(&s, b)), (7, 10));
    s.link_order_line(1, 1, b, &policy()).unwrap();
    assert_eq!((stock(&s, a), stock(&s, b)), (10, 7), "A back, B shipped");
    assert_eq!(s.order(1).unwrap().unwrap().shipped, vec![(b, 3)]);
    consistent(&s);
}

#[test]
fn a_bad_line_or_product_changes_nothing() {
    let (_d, s, a, _) = shop();
    s.upsert_orders(&[read("pending", 1, "")], &policy(), &pull())
        .unwrap();
    let before = s.order(1).unwrap().unwrap();
    for (order, line, product) in [(1, 0, a), (1, 3, a), (1, 2, 999), (2, 1, a)] {
        let e = s
            .link_order_line(order, line, product, &policy())
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e}");
    }
    assert_eq!(s.order(1).unwrap().unwrap(), before);
    assert_eq!(s.reserved_of(a).unwrap(), 3);
}
