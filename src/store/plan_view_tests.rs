//! The plan view against the walk it stands for: random writes with refreshes between,
//! a write racing a refresh, a store from before the view, and damage `store check` names.

use chrono::Utc;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::super::codec::be;
use super::super::test_fixtures::{policy, pull_since};
use super::super::*;

fn open() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    (d, s)
}

const SETS: [&[&str]; 3] = [&["main"], &["main", "shop"], &["shop", "other"]];

/// The view's reads equal the walks for each warehouse set, and `store check` is clean.
#[track_caller]
fn assert_view_is_walk(s: &Store) {
    for set in SETS {
        let set: Vec<String> = set.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            s.linked_stock(&set).unwrap(),
            s.linked_stock_walk(&set).unwrap(),
            "{set:?}"
        );
    }
    assert_eq!(s.linked_prices().unwrap(), s.linked_prices_walk().unwrap());
}

fn pull() -> PullMark {
    // The orders here were created in September: track them all.
    pull_since(chrono::DateTime::from_timestamp(0, 0).unwrap())
}

fn order(id: i64, prom_product: i64, status: &str, q: i64) -> LocalOrder {
    LocalOrder {
        prom_id: id,
        status: status.into(),
        prom_status: Some(status.into()),
        // Whole seconds, as Prom.ua gives them (a search head keeps no finer).
        created_at: chrono::DateTime::from_timestamp(1_790_000_000, 0).map(|t| t.fixed_offset()),
        modified_at: chrono::DateTime::from_timestamp(1_790_000_000 + id, 0)
            .map(|t| t.fixed_offset()),
        lines: vec![LocalLine {
            prom_product_id: Some(prom_product),
            name: "x".into(),
            quantity: Decimal::from(q),
            ..LocalLine::default()
        }],
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add,
    Link(usize, i64),
    Unlink(usize),
    Set(usize, usize, i64),
    Adjust(usize, usize, i64),
    Order(i64, i64, bool, i64),
    StockSnap(usize, i64),
    PriceSnap(usize, i64),
    Unconfirmed(usize),
    Price(usize, i64),
    Remove(usize),
    Gone(i64),
    Back(i64),
    Refresh,
    Rebuild,
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0usize..140;
    prop_oneof![
        3 => Just(Op::Add),
        3 => (p.clone(), 1i64..12).prop_map(|(p, q)| Op::Link(p, q)),
        1 => p.clone().prop_map(Op::Unlink),
        3 => (p.clone(), 0usize..2, -3i64..20).prop_map(|(p, w, q)| Op::Set(p, w, q)),
        2 => (p.clone(), 0usize..2, -5i64..5).prop_map(|(p, w, d)| Op::Adjust(p, w, d)),
        2 => (1i64..4, 1i64..12, any::<bool>(), 1i64..4).prop_map(|(o, m, d, q)| Op::Order(o, m, d, q)),
        2 => (p.clone(), 0i64..20).prop_map(|(p, q)| Op::StockSnap(p, q)),
        1 => (p.clone(), 0i64..500).prop_map(|(p, c)| Op::PriceSnap(p, c)),
        1 => p.clone().prop_map(Op::Unconfirmed),
        2 => (p.clone(), 0i64..500).prop_map(|(p, c)| Op::Price(p, c)),
        1 => p.prop_map(Op::Remove),
        1 => (1i64..12).prop_map(Op::Gone),
        1 => (1i64..12).prop_map(Op::Back),
        2 => Just(Op::Refresh),
        1 => Just(Op::Rebuild),
    ]
}

/// Applies `op`; a write the store refuses (a taken link, a product gone) is no matter.
fn apply(s: &Store, ids: &mut Vec<u64>, n: &mut usize, op: &Op) {
    const WH: [&str; 2] = ["main", "shop"];
    // Ids that were removed stay in `ids`: writes to them must fail and change nothing.
    let id = |i: usize| ids.get(i % ids.len().max(1)).copied().unwrap_or(u64::MAX);
    let _ = match op.clone() {
        Op::Add => {
            *n += 1;
            // Products 64 apart land in other blocks.
            if let Ok(p) = s.add_product(&format!("S{n}"), "x") {
                ids.push(p.id);
            }
            Ok(())
        }
        Op::Link(p, prom) => s.link(id(p), prom),
        Op::Unlink(p) => s.unlink(id(p)).map(drop),
        Op::Set(p, w, q) => s.set_stock(id(p), WH[w], q),
        Op::Adjust(p, w, d) => s
            .apply_stock_changes(
                &[StockChange::Adjust {
                    product_id: id(p),
                    warehouse: WH[w].into(),
                    delta: d,
                }],
                Actor::Cli,
                None,
            )
            .map(drop),
        Op::Order(o, prom, done, q) => {
            let status = if done { "delivered" } else { "pending" };
            s.upsert_orders(&[order(o, prom, status, q)], &policy(), &pull())
                .map(drop)
        }
        // Snapshots are of linked products (what Prom.ua confirmed of them).
        Op::StockSnap(p, q) => {
            let Some(prom_id) = s.link_of(id(p)).ok().flatten() else {
                return;
            };
            let snap = StockSnapshot {
                prom_id,
                quantity: q,
                presence: if q > 0 { "available" } else { "not_available" }.into(),
                confirmed_at: Utc::now(),
                unconfirmed: false,
                hidden: false,
            };
            s.put_stock_snapshots(&[(id(p), snap)])
        }
        Op::PriceSnap(p, c) => {
            let Some(prom_id) = s.link_of(id(p)).ok().flatten() else {
                return;
            };
            let snap = PriceSnapshot {
                prom_id,
                price: Decimal::new(c, 2),
                confirmed_at: Utc::now(),
                unconfirmed: false,
            };
            s.put_price_snapshots(&[(id(p), snap)])
        }
        Op::Unconfirmed(p) => s
            .mark_stock_unconfirmed(&[id(p)])
            .and_then(|_| s.mark_prices_unconfirmed(&[id(p)])),
        Op::Price(p, c) => {
            let update = ProductUpdate {
                price: Some(Decimal::new(c, 2)),
                ..ProductUpdate::default()
            };
            s.update_products(&[(id(p), update)]).map(drop)
        }
        Op::Remove(p) => s.remove_product(id(p), true, Actor::Cli, "test").map(drop),
        Op::Gone(prom) => s.mark_gone(&[prom], Utc::now()),
        Op::Back(prom) => s.record_walk(&[prom]).map(drop),
        Op::Refresh => s.refresh_plan_view().map(drop),
        Op::Rebuild => s.rebuild_plan_view().map(drop),
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_view_reads_what_the_walk_does(ops in proptest::collection::vec(op(), 1..120)) {
        let (_d, s) = open();
        let (mut ids, mut n) = (Vec::new(), 0);
        // Some products first, so that links, stock and orders find them; 70 of them
        // reach a second block.
        for _ in 0..70 {
            apply(&s, &mut ids, &mut n, &Op::Add);
        }
        for op in &ops {
            apply(&s, &mut ids, &mut n, op);
            assert_view_is_walk(&s);
        }
        s.refresh_plan_view().unwrap();
        assert!(s.trees.view_stale.is_empty());
        assert_view_is_walk(&s);
        let problems = s.check_consistency().unwrap();
        prop_assert!(problems.is_empty(), "{:?}", problems);
    }
}

/// A store with products A and B linked (A: 3 in `main`), the view refreshed.
fn linked_pair() -> (tempfile::TempDir, Store, u64, u64) {
    let (d, s) = open();
    let a = s.add_product("A", "a").unwrap().id;
    let b = s.add_product("B", "b").unwrap().id;
    s.link_many(&[(a, 7), (b, 8)]).unwrap();
    s.set_stock(a, "main", 3).unwrap();
    s.refresh_plan_view().unwrap();
    (d, s, a, b)
}

fn main_stock(s: &Store, id: u64) -> i64 {
    let rows = s.linked_stock(&["main".into()]).unwrap();
    rows.iter().find(|r| r.product_id == id).unwrap().stock
}

#[test]
fn a_write_racing_a_refresh_keeps_its_mark() {
    let (_d, s, a, _) = linked_pair();
    assert!(s.trees.view_stale.is_empty());
    s.set_stock(a, "main", 5).unwrap();
    // Between the refresh's reads (5) and its commit, another write (9).
    super::hook::once(move |s| s.set_stock(a, "main", 9).unwrap());
    assert_eq!(s.refresh_plan_view().unwrap(), 1);
    assert!(
        s.trees.view_stale.get(be(a)).unwrap().is_some(),
        "the mark of 9 stays"
    );
    assert_eq!(main_stock(&s, a), 9);
    assert_view_is_walk(&s);
    s.refresh_plan_view().unwrap();
    assert!(s.trees.view_stale.is_empty());
    assert_eq!(main_stock(&s, a), 9, "from the block now");
    assert_view_is_walk(&s);
}

#[test]
fn a_store_from_before_the_view_gets_it_at_open() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("db");
    {
        let s = Store::open(&path).unwrap();
        let a = s.add_product("A", "a").unwrap().id;
        let b = s.add_product("B", "b").unwrap().id;
        s.link_many(&[(a, 7), (b, 8)]).unwrap();
        s.set_stock(a, "main", 3).unwrap();
        s.update_products(&[(
            b,
            ProductUpdate {
                price: Some(Decimal::new(1250, 2)),
                ..Default::default()
            },
        )])
        .unwrap();
        // The layout of a store written before the view: neither tree, no marker.
        s.trees.plan_view.clear().unwrap();
        s.trees.view_stale.clear().unwrap();
        s.trees.meta.remove(super::VIEW_BUILT).unwrap();
        assert!(!s.view_built().unwrap());
        assert_eq!(
            s.linked_stock(&["main".into()]).unwrap().len(),
            2,
            "read by the walk"
        );
        s.flush_blocking().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert!(s.view_built().unwrap());
    assert_eq!(s.trees.plan_view.len(), 1, "both products in block 0");
    assert!(s.trees.view_stale.is_empty());
    assert_view_is_walk(&s);
    assert_eq!(
        s.linked_prices().unwrap()[1].price,
        Some(Decimal::new(1250, 2))
    );
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn store_check_names_a_damaged_block_and_reads_take_the_stores() {
    let (_d, s, a, _) = linked_pair();
    let block = a >> 6;
    s.trees.plan_view.insert(be(block), &[1, 9, 9][..]).unwrap();
    let problems = s.check_consistency().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`plan_view` tree") && p.contains(&format!("block {block}"))),
        "{problems:?}"
    );
    assert_view_is_walk(&s);
    // The read noted the damage: the next refresh rebuilds the view.
    s.refresh_plan_view().unwrap();
    assert!(s.check_consistency().unwrap().is_empty());
}

#[test]
fn store_check_names_a_row_that_differs_from_its_stores() {
    let (_d, s, a, _) = linked_pair();
    // A block that decodes, with A's stock other than its stores say.
    let mut row = s.plan_row(a).unwrap().unwrap();
    row.stock[0].1.quantity = 42;
    let b = s.plan_row(a + 1).unwrap().unwrap();
    s.trees
        .plan_view
        .insert(be(a >> 6), super::super::plan_block::encode(&[row, b]))
        .unwrap();
    let problems = s.check_consistency().unwrap();
    assert_eq!(
        problems,
        vec![format!(
            "the plan view's row of product {a} (block {}) differs from its stores",
            a >> 6
        )]
    );
    assert_eq!(
        main_stock(&s, a),
        42,
        "the read trusts the view: check is what finds it"
    );
}

/// A block whose products use six warehouses, none pushed yet (no snapshots: the last
/// row's warehouse index is larger than the bytes after it), reads back from the view.
#[test]
fn a_block_with_six_warehouses_and_no_snapshots_decodes() {
    let (_d, s) = open();
    let a = s.add_product("A", "a").unwrap().id;
    s.link_many(&[(a, 7)]).unwrap();
    let names: Vec<String> = (1..=6).map(|i| format!("w{i}")).collect();
    for w in &names {
        s.set_stock(a, w, 1).unwrap();
    }
    s.refresh_plan_view().unwrap();
    assert!(s.trees.view_stale.is_empty());
    let v = s.trees.plan_view.get(be(a >> 6)).unwrap().unwrap();
    let block = super::super::plan_block::decode(a >> 6, &v).expect("the block decodes");
    assert_eq!(block.rows.len(), 1);
    assert_eq!(s.linked_stock(&names).unwrap()[0].stock, 6);
    assert_eq!(
        s.linked_stock(&names).unwrap(),
        s.linked_stock_walk(&names).unwrap()
    );
    assert!(s.check_consistency().unwrap().is_empty());
}

/// Files written by a program that keeps no stale marks (an older version after a
/// rollback; here, sled straight) are not trusted: the next open rebuilds the view.
#[test]
fn an_open_of_files_this_program_did_not_close_rebuilds_the_view() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("db");
    let a;
    {
        let s = Store::open(&path).unwrap();
        a = s.add_product("A", "a").unwrap().id;
        s.link_many(&[(a, 7)]).unwrap();
        s.set_stock(a, "main", 3).unwrap();
        s.refresh_plan_view().unwrap();
        assert_eq!(main_stock(&s, a), 3);
    }
    {
        // What an older binary would do: change the stock row, write no mark.
        let db = sled::open(&path).unwrap();
        let stock = db.open_tree("stock").unwrap();
        let key = stock.scan_prefix(be(a)).keys().next().unwrap().unwrap();
        let old = stock.get(&key).unwrap().unwrap();
        let mut value = super::super::codec::StockValue::decode(&old).unwrap();
        value.quantity = 0;
        stock.insert(key, value.encode().to_vec()).unwrap();
        db.flush().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(main_stock(&s, a), 0, "the view was rebuilt from the data");
    assert_view_is_walk(&s);
}

/// Every product marked: the read takes each from its sources (outside tests, with more
/// than an eighth marked, it walks instead: the walk is what the view is checked against).
#[test]
fn a_read_with_every_product_marked_is_exact() {
    let (_d, s, a, b) = linked_pair();
    s.set_stock(a, "main", 4).unwrap();
    s.set_stock(b, "main", 5).unwrap();
    assert_eq!(s.trees.view_stale.len(), 2);
    assert_eq!(main_stock(&s, a), 4);
    assert_eq!(main_stock(&s, b), 5);
    assert_view_is_walk(&s);
}
