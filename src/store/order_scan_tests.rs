use chrono::{DateTime, Utc};

use super::*;
use crate::store::LocalLine;
use crate::store::test_fixtures::policy;

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    (dir, s)
}

fn order(id: i64, status: &str, lines: Vec<LocalLine>) -> LocalOrder {
    LocalOrder {
        prom_id: id,
        status: status.into(),
        prom_status: Some(status.into()),
        created_at: DateTime::parse_from_rfc3339("2025-03-01T10:20:30+02:00").ok(),
        client: format!("Покупець {id}"),
        phone: Some("+380671112233".into()),
        lines,
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    }
}

fn unknown_line(prom: i64) -> LocalLine {
    LocalLine {
        prom_product_id: Some(prom),
        sku: Some(format!("P-{prom}")),
        name: "Товар".into(),
        quantity: 1.into(),
        ..LocalLine::default()
    }
}

fn stored_head(s: &Store, id: i64) -> OrderHead<'static> {
    let v = s.trees.order_heads.get(id.to_be_bytes()).unwrap().unwrap();
    let h: OrderHead<'_> = decode_borrowed("order_heads", &v).unwrap();
    OrderHead {
        prom_id: id,
        status: Cow::Owned(h.status.into_owned()),
        prom_status: h.prom_status.map(|c| Cow::Owned(c.into_owned())),
        client: Cow::Owned(h.client.into_owned()),
        phone: h.phone.map(|c| Cow::Owned(c.into_owned())),
        email: h.email.map(|c| Cow::Owned(c.into_owned())),
        ..h
    }
}

#[test]
fn a_head_holds_what_the_order_says_and_reads_back() {
    let mut o = order(42, "pending", vec![unknown_line(7), LocalLine::default()]);
    o.lines[1].product_id = Some(3);
    o.client = "Олена \"Лі\" Коваленко".into();
    o.email = Some("olena@example.com".into());
    o.prom_status = Some("received".into());
    let h = OrderHead::of(&o);
    assert_eq!(
        h.created.unwrap().to_rfc3339(),
        "2025-03-01T08:20:30+00:00",
        "in UTC"
    );
    assert!(h.unlinked);
    let bytes = encode("order_heads", &h).unwrap();
    assert!(bytes.len() < 200, "{}", String::from_utf8_lossy(&bytes));
    let mut back: OrderHead<'_> = decode_borrowed("order_heads", &bytes).unwrap();
    back.prom_id = 42;
    assert_eq!(back, h);
}

#[test]
fn find_keeps_what_is_asked_newest_first_up_to_the_limit() {
    let (_d, s) = open();
    let orders: Vec<LocalOrder> = (1..=5)
        .map(|id| order(id, if id % 2 == 0 { "paid" } else { "pending" }, vec![]))
        .collect();
    s.upsert_orders(&orders, &policy(), &Default::default())
        .unwrap();
    let ids = |v: Vec<LocalOrder>| v.iter().map(|o| o.prom_id).collect::<Vec<_>>();
    let pending = |h: &OrderHead<'_>| h.status == "pending";
    assert_eq!(
        ids(s
            .find_orders(&OrderScope::All, pending, None, None)
            .unwrap()),
        vec![5, 3, 1]
    );
    assert_eq!(
        ids(s
            .find_orders(&OrderScope::All, pending, None, Some(2))
            .unwrap()),
        vec![5, 3]
    );
    assert!(
        s.find_orders(&OrderScope::All, |_| true, None, Some(0))
            .unwrap()
            .is_empty()
    );
    // What the filter saw is the order's own; kept orders come back whole.
    let seen: Vec<i64> = {
        let mut v = Vec::new();
        s.find_orders(
            &OrderScope::All,
            |h| {
                v.push(h.prom_id);
                false
            },
            None,
            None,
        )
        .unwrap();
        v
    };
    assert_eq!(seen, vec![5, 4, 3, 2, 1]);
    // A page after 5: what is older, the limit counting from there; before 1, none.
    let before = |id, limit| {
        ids(s
            .find_orders(&OrderScope::All, |_| true, Some(id), limit)
            .unwrap())
    };
    assert_eq!(before(5, Some(2)), vec![4, 3]);
    assert_eq!(before(3, None), vec![2, 1]);
    assert_eq!(before(99, Some(1)), vec![5]);
    assert!(before(1, None).is_empty());
    assert_eq!(
        ids(s
            .find_orders(&OrderScope::All, pending, Some(5), None)
            .unwrap()),
        vec![3, 1]
    );
    assert_eq!(
        s.find_orders(&OrderScope::All, |_| true, None, Some(1))
            .unwrap()[0],
        s.order(5).unwrap().unwrap()
    );
}

#[test]
fn heads_follow_every_write_of_their_order() {
    let (_d, s) = open();
    s.upsert_orders(
        &[order(1, "pending", vec![unknown_line(77)])],
        &policy(),
        &Default::default(),
    )
    .unwrap();
    assert!(stored_head(&s, 1).unlinked);
    s.set_order_status(1, "canceled", &policy()).unwrap();
    assert_eq!(stored_head(&s, 1).status, "canceled");
    // A link for the line's Prom product: relinking rewrites the order and its head.
    let p = s.add_product("L-1", "Місцевий").unwrap();
    s.link(p.id, 77).unwrap();
    assert_eq!(s.relink_orders(77, &policy()).unwrap(), 1);
    assert!(!stored_head(&s, 1).unlinked);
    assert_eq!(
        stored_head(&s, 1),
        OrderHead::of(&s.order(1).unwrap().unwrap())
    );
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn a_store_opened_without_orders_needs_no_build() {
    let (_d, s) = open();
    assert_eq!(
        s.trees.meta.get(HEADS_BUILT).unwrap().as_deref(),
        Some(HEADS_VERSION)
    );
}

#[test]
fn orders_stored_before_heads_existed_get_them_at_the_first_search() {
    let (_d, s) = open();
    s.upsert_orders(
        &[
            order(1, "pending", vec![]),
            order(2, "paid", vec![unknown_line(9)]),
        ],
        &policy(),
        &Default::default(),
    )
    .unwrap();
    // As a store written by the version before: orders, no heads, no mark.
    s.trees.order_heads.clear().unwrap();
    s.trees.meta.remove(HEADS_BUILT).unwrap();
    assert!(s.trees.meta.get(HEADS_BUILT).unwrap().is_none());
    assert!(
        s.check_consistency().unwrap().is_empty(),
        "not built yet: not wrong"
    );

    let found = s
        .find_orders(&OrderScope::All, |h| h.unlinked, None, None)
        .unwrap();
    assert_eq!(found.iter().map(|o| o.prom_id).collect::<Vec<_>>(), vec![2]);
    assert_eq!(s.trees.order_heads.len(), 2);
    assert!(s.trees.meta.get(HEADS_BUILT).unwrap().is_some());
    assert!(s.check_consistency().unwrap().is_empty());

    // An older head layout is built again.
    s.trees.meta.insert(HEADS_BUILT, b"0".as_slice()).unwrap();
    s.trees.order_heads.remove(2i64.to_be_bytes()).unwrap();
    assert_eq!(
        s.find_orders(&OrderScope::All, |h| h.unlinked, None, None)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.trees.meta.get(HEADS_BUILT).unwrap().as_deref(),
        Some(HEADS_VERSION)
    );

    // Once built, a head gone missing is a problem the check names.
    s.trees.order_heads.remove(1i64.to_be_bytes()).unwrap();
    let problems = s.check_consistency().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("order 1 has no search head")),
        "{problems:?}"
    );
}

#[test]
fn a_damaged_head_is_built_again_not_an_error_of_the_search() {
    let (_d, s) = open();
    s.upsert_orders(
        &[
            order(1, "pending", vec![]),
            order(2, "paid", vec![unknown_line(9)]),
        ],
        &policy(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(
        s.find_orders(&OrderScope::All, |_| true, None, None)
            .unwrap()
            .len(),
        2
    );
    // A head of flipped bytes, and one naming an order that is not stored.
    s.trees
        .order_heads
        .insert(1i64.to_be_bytes(), b"\xff\x00not json".as_slice())
        .unwrap();
    let found = s
        .find_orders(&OrderScope::All, |h| h.status == "pending", None, None)
        .unwrap();
    assert_eq!(found.iter().map(|o| o.prom_id).collect::<Vec<_>>(), vec![1]);
    let stray = stored_head(&s, 2);
    s.trees
        .order_heads
        .insert(
            7i64.to_be_bytes(),
            serde_json::to_vec(&OrderHead {
                prom_id: 7,
                ..stray
            })
            .unwrap(),
        )
        .unwrap();
    let found = s
        .find_orders(&OrderScope::All, |h| h.unlinked, None, None)
        .unwrap();
    assert_eq!(found.iter().map(|o| o.prom_id).collect::<Vec<_>>(), vec![2]);
    assert_eq!(s.trees.order_heads.len(), 2);
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn the_index_gives_the_unlinked_and_a_status_s_orders_and_follows_their_writes() {
    let (_d, s) = open();
    let mut orders: Vec<LocalOrder> = (1..=6)
        .map(|id| {
            let lines = if id % 3 == 0 {
                vec![unknown_line(77)]
            } else {
                vec![]
            };
            order(id, if id % 2 == 0 { "paid" } else { "pending" }, lines)
        })
        .collect();
    // Order 5: pending here, `Paid` on Prom (any case): it is at both, listed once.
    orders[4].prom_status = Some("Paid".into());
    s.upsert_orders(&orders, &policy(), &Default::default())
        .unwrap();
    let ids = |v: Vec<LocalOrder>| v.iter().map(|o| o.prom_id).collect::<Vec<_>>();
    let find = |scope: OrderScope, before: Option<i64>, limit: Option<usize>| {
        ids(s.find_orders(&scope, |_| true, before, limit).unwrap())
    };
    let statuses =
        |list: &[&str]| OrderScope::Statuses(list.iter().map(|s| s.to_string()).collect());
    assert_eq!(find(OrderScope::Unlinked, None, None), vec![6, 3]);
    assert_eq!(find(statuses(&["paid"]), None, None), vec![6, 5, 4, 2]);
    assert_eq!(
        find(statuses(&["paid", "pending"]), None, None),
        vec![6, 5, 4, 3, 2, 1]
    );
    assert_eq!(
        find(statuses(&["paid", "pending"]), Some(5), Some(2)),
        vec![4, 3]
    );
    assert_eq!(find(statuses(&["PAID"]), Some(5), None), vec![4, 2]);
    assert!(find(statuses(&["canceled"]), None, None).is_empty());
    assert_eq!(find(OrderScope::Unlinked, Some(6), None), vec![3]);

    // A status change and a link move the order's keys; the check finds them right.
    s.set_order_status(6, "canceled", &policy()).unwrap();
    assert_eq!(find(statuses(&["canceled"]), None, None), vec![6]);
    // Order 6 is still `paid` on Prom.ua.
    assert_eq!(find(statuses(&["paid"]), None, None), vec![6, 5, 4, 2]);
    let p = s.add_product("L-1", "Місцевий").unwrap();
    s.link(p.id, 77).unwrap();
    s.relink_orders(77, &policy()).unwrap();
    assert!(find(OrderScope::Unlinked, None, None).is_empty());
    assert!(s.check_consistency().unwrap().is_empty());

    // A key gone missing is a problem the check names; a damaged one is built again.
    s.trees.order_index.clear().unwrap();
    let problems = s.check_consistency().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("missing from the order index")),
        "{problems:?}"
    );
    s.trees.order_index.insert(b"u", b"".as_slice()).unwrap();
    assert!(find(OrderScope::Unlinked, None, None).is_empty());
    assert_eq!(find(statuses(&["canceled"]), None, None), vec![6]);
    assert!(s.check_consistency().unwrap().is_empty());
}

/// A window: at most `scan` candidates looked at, where it ended said, the rest found
/// by a search on from there; a page filled first says nothing ended.
#[test]
fn a_search_within_a_window_says_where_it_ended() {
    let (_d, s) = open();
    let orders: Vec<LocalOrder> = (1..=10)
        .map(|id| {
            let status = if id % 3 == 0 { "paid" } else { "pending" };
            order(id, status, vec![])
        })
        .collect();
    s.upsert_orders(&orders, &policy(), &Default::default())
        .unwrap();
    let paid = |h: &OrderHead<'_>| h.status == "paid";
    let within = |scope: &OrderScope, before, limit, scan| {
        let w = s
            .find_orders_within(scope, paid, before, limit, scan)
            .unwrap();
        let ids: Vec<i64> = w.orders.iter().map(|o| o.prom_id).collect();
        (ids, w.ended)
    };
    let all = OrderScope::All;
    assert_eq!(within(&all, None, None, Some(3)), (vec![9], Some(8)));
    assert_eq!(within(&all, Some(8), None, Some(3)), (vec![6], Some(5)));
    assert_eq!(within(&all, Some(5), None, Some(3)), (vec![3], Some(2)));
    assert_eq!(
        within(&all, Some(2), None, Some(3)),
        (vec![], None),
        "the end"
    );
    assert_eq!(
        within(&all, None, Some(1), Some(3)),
        (vec![9], None),
        "full"
    );
    assert_eq!(within(&all, None, None, None), (vec![9, 6, 3], None));
    // An indexed scope counts its candidates only.
    let scope = OrderScope::Statuses(vec!["paid".into()]);
    assert_eq!(within(&scope, None, None, Some(2)), (vec![9, 6], Some(6)));
    assert_eq!(within(&scope, Some(6), None, Some(2)), (vec![3], None));
}
