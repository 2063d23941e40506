//! Edge cases of the order rules (issue 12) that only the store reaches: records written
//! by an earlier version, settling again under changed settings, and what a status push
//! still sends after its plan.

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::test_fixtures::pull;
use super::*;
use crate::domain::ReservationPolicy;

const CUSTOM: &str = "awaiting_prepayment";

fn open() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    (d, s)
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

/// Order `id` as Prom.ua shows it: one line of Prom product 77, modified at 10:`min`.
fn read(id: i64, status: &str, q: i64, min: u32) -> LocalOrder {
    LocalOrder {
        prom_id: id,
        status: status.into(),
        prom_status: Some(status.into()),
        created_at: Some(at(9, 0).fixed_offset()),
        modified_at: Some(at(10, min).fixed_offset()),
        lines: vec![LocalLine {
            prom_product_id: Some(77),
            sku: None,
            name: "x".into(),
            quantity: Decimal::from(q),
            price: None,
            product_id: None,
            ..LocalLine::default()
        }],
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    }
}

fn policy() -> ReservationPolicy {
    ReservationPolicy {
        reserve_statuses: vec!["pending".into(), "received".into(), "paid".into()],
        done_status: Some("delivered".into()),
        release_statuses: Vec::new(),
        shipped_statuses: Vec::new(),
        aliases: Vec::new(),
        warehouse: "main".into(),
    }
}

/// A store with product `A` (10 in `main`) linked to Prom product 77.
fn with_product() -> (tempfile::TempDir, Store, u64) {
    let (d, s) = open();
    let p = s.add_product("A", "a").unwrap();
    s.link(p.id, 77).unwrap();
    s.set_stock(p.id, "main", 10).unwrap();
    (d, s, p.id)
}

fn stock(s: &Store, p: u64) -> i64 {
    s.stock_of(p).unwrap().iter().map(|(_, q)| q).sum()
}

fn consistent(s: &Store) {
    let problems = s.check_consistency().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

/// Rewrites order `id` as a version from before `holds` wrote it: no `holds`, no
/// `status_changed_at`.
fn strip_holds(s: &Store, id: i64) {
    let raw = s.trees.orders.get(id.to_be_bytes()).unwrap().unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("holds");
    o.remove("status_changed_at");
    s.trees
        .orders
        .insert(id.to_be_bytes(), serde_json::to_vec(&v).unwrap())
        .unwrap();
    assert_eq!(s.order(id).unwrap().unwrap().holds, None);
}

#[test]
fn a_record_stored_without_holds_keeps_its_reservation_at_an_unknown_status() {
    let (_d, s, p) = with_product();
    s.upsert_orders(&[read(1, "pending", 3, 0)], &policy(), &pull())
        .unwrap();
    assert_eq!(s.reserved_of(p).unwrap(), 3);
    strip_holds(&s, 1);
    consistent(&s);
    // Prom.ua moves it to a shop's own status: it keeps holding (R4).
    let ups = s
        .upsert_orders(&[read(1, CUSTOM, 3, 5)], &policy(), &pull())
        .unwrap();
    assert_eq!(ups[0].unknown_status.as_deref(), Some(CUSTOM));
    assert_eq!(s.reserved_of(p).unwrap(), 3);
    assert_eq!(stock(&s, p), 10);
    let o = s.order(1).unwrap().unwrap();
    assert_eq!((o.holds, o.reserved.clone()), (Some(true), vec![(p, 3)]));
    consistent(&s);
    // And a change of its lines at that status moves the reservation with them.
    s.upsert_orders(&[read(1, CUSTOM, 4, 6)], &policy(), &pull())
        .unwrap();
    assert_eq!(s.reserved_of(p).unwrap(), 4);
    consistent(&s);
}

#[test]
fn a_record_stored_without_holds_at_a_releasing_status_stays_released() {
    let (_d, s, p) = with_product();
    s.upsert_orders(&[read(1, "canceled", 3, 0)], &policy(), &pull())
        .unwrap();
    assert_eq!(s.reserved_of(p).unwrap(), 0);
    strip_holds(&s, 1);
    s.upsert_orders(&[read(1, CUSTOM, 3, 5)], &policy(), &pull())
        .unwrap();
    assert_eq!(s.reserved_of(p).unwrap(), 0);
    consistent(&s);
}

/// Everything settling can change, for comparing before and after.
fn snapshot(s: &Store, p: u64) -> (i64, i64, Vec<LocalOrder>) {
    let mut orders = s.orders().unwrap();
    for o in &mut orders {
        // Stamped by every write; not what settling decides.
        o.updated_at = DateTime::<Utc>::MIN_UTC;
    }
    (stock(s, p), s.reserved_of(p).unwrap(), orders)
}

#[test]
fn resettling_orders_is_idempotent() {
    let (_d, s, p) = with_product();
    let pol = policy();
    // Holding (pending, 1), shipped (delivered, 2), holding at a custom status (3),
    // released (5).
    s.upsert_orders(
        &[
            read(1, "pending", 1, 0),
            read(2, "delivered", 2, 0),
            read(3, CUSTOM, 3, 0),
            read(5, "canceled", 5, 0),
        ],
        &pol,
        &pull(),
    )
    .unwrap();
    assert_eq!((stock(&s, p), s.reserved_of(p).unwrap()), (8, 4));
    // The first time the settings are seen: nothing to change.
    assert_eq!(s.resettle_orders(&pol).unwrap(), 0);
    consistent(&s);
    assert_eq!((stock(&s, p), s.reserved_of(p).unwrap()), (8, 4));

    // The custom status named in release_statuses: order 3 lets go.
    let released = ReservationPolicy {
        release_statuses: vec![CUSTOM.into()],
        ..pol.clone()
    };
    assert_eq!(s.resettle_orders(&released).unwrap(), 1);
    consistent(&s);
    let after = snapshot(&s, p);
    assert_eq!((after.0, after.1), (8, 1));
    assert_eq!(s.resettle_orders(&released).unwrap(), 0);
    consistent(&s);
    assert_eq!(snapshot(&s, p), after);

    // Named in reserve_statuses instead: order 3 holds again.
    let reserved = ReservationPolicy {
        reserve_statuses: vec![
            "pending".into(),
            "received".into(),
            "paid".into(),
            CUSTOM.into(),
        ],
        ..pol.clone()
    };
    assert_eq!(s.resettle_orders(&reserved).unwrap(), 1);
    consistent(&s);
    let after = snapshot(&s, p);
    assert_eq!((after.0, after.1), (8, 4));
    assert_eq!(s.resettle_orders(&reserved).unwrap(), 0);
    consistent(&s);
    assert_eq!(snapshot(&s, p), after);
}

#[test]
fn a_status_push_marks_only_orders_still_waiting_with_the_planned_status() {
    let (_d, s, _p) = with_product();
    let pol = policy();
    s.upsert_orders(
        &[
            read(1, "pending", 1, 0),
            read(2, "pending", 1, 0),
            read(3, "pending", 1, 0),
        ],
        &pol,
        &pull(),
    )
    .unwrap();
    // 1 and 2 set to `paid`, 3 to `received`: all waiting to be sent.
    s.set_order_status(1, "paid", &pol).unwrap();
    s.set_order_status(2, "paid", &pol).unwrap();
    s.set_order_status(3, "received", &pol).unwrap();
    // The push planned them; then, before it sends, 2 is changed again locally and 3
    // is superseded by a pull (Prom's later `canceled`).
    let planned: Vec<(i64, String, String)> =
        [(1, "paid"), (2, "paid"), (3, "received"), (9, "paid")]
            .map(|(id, s)| (id, s.to_string(), s.to_string()))
            .to_vec();
    s.set_order_status(2, "canceled", &pol).unwrap();
    let mut superseding = read(3, "canceled", 1, 0);
    superseding.modified_at = Some((Utc::now() + chrono::Duration::seconds(5)).fixed_offset());
    let ups = s.upsert_orders(&[superseding], &pol, &pull()).unwrap();
    assert_eq!(ups[0].conflict.as_ref().unwrap().winner, Winner::Prom);

    let still = s.mark_statuses_unconfirmed(&planned).unwrap();
    assert_eq!(still, vec![1]);
    let o = |id| s.order(id).unwrap().unwrap();
    assert!(o(1).prom_status_unconfirmed && o(1).status_pending);
    // Not marked: Prom's status is still known for them.
    assert!(!o(2).prom_status_unconfirmed);
    assert_eq!(
        (o(2).status.as_str(), o(2).status_pending),
        ("canceled", true)
    );
    assert!(!o(3).prom_status_unconfirmed);
    assert_eq!(
        (o(3).status.as_str(), o(3).status_pending),
        ("canceled", false)
    );
    // Marking again is harmless: still only 1.
    assert_eq!(s.mark_statuses_unconfirmed(&planned).unwrap(), vec![1]);
    consistent(&s);
}

#[test]
fn a_confirmed_push_takes_the_shops_title_as_the_label_never_the_old_one() {
    use crate::domain::ShopStatus;
    let (_d, s, _p) = with_product();
    let pol = policy();
    let labelled = |id: i64| {
        let mut o = read(id, "pending", 1, 0);
        o.details.status_name = Some("Новий".into());
        o
    };
    s.upsert_orders(&[labelled(1), labelled(2), labelled(3)], &pol, &pull())
        .unwrap();
    let option = |id, name: &str, title: &str| ShopStatus {
        id: Some(id),
        name: Some(name.into()),
        title: Some(title.into()),
    };
    s.keep_shop_statuses(
        Ok(vec![
            option(0, "pending", "Новий"),
            option(1001, "custom-1001", "Чекає на передоплату"),
        ]),
        Utc::now(),
    )
    .unwrap();
    s.confirm_order_statuses(&[
        (1, "custom-1001".into(), "custom-1001".into()),
        // A status the list lacks: no label rather than the old status's.
        (2, "custom-2002".into(), "custom-2002".into()),
        // The status Prom.ua already showed: its label stays.
        (3, "pending".into(), "pending".into()),
    ])
    .unwrap();
    let label = |id| s.order(id).unwrap().unwrap().details.status_name;
    assert_eq!(label(1).as_deref(), Some("Чекає на передоплату"));
    assert_eq!(label(2), None);
    assert_eq!(label(3).as_deref(), Some("Новий"));
    consistent(&s);
}

#[test]
fn set_here_to_what_prom_shows_it_as_nothing_waits_to_be_sent() {
    let (_d, s, _p) = with_product();
    let mut pol = policy();
    pol.aliases = vec![("Відправлено".into(), "custom-1002".into())];
    s.upsert_orders(&[read(1, "custom-1002", 1, 0)], &pol, &pull())
        .unwrap();
    let o = s.set_order_status(1, "Відправлено", &pol).unwrap();
    assert_eq!(
        (o.status.as_str(), o.status_pending),
        ("Відправлено", false)
    );
    let o = s.set_order_status(1, "pending", &pol).unwrap();
    assert!(o.status_pending);
}
