//! Which writes move the link generation: those the link suggestions read, not a push's.

use chrono::Utc;

use super::super::{StagedProduct, Store};

fn staged(prom_id: i64) -> StagedProduct {
    StagedProduct {
        prom_id,
        sku: Some(format!("S-{prom_id}")),
        name: format!("P {prom_id}"),
        other_names: vec![],
        price: None,
        currency: None,
        quantity: None,
        staged_at: Utc::now(),
    }
}

#[test]
fn stock_snapshots_runs_and_marks_leave_the_link_generation() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let p = store.add_product("A", "P 1").unwrap();
    store.put_staged(&[staged(1), staged(2)]).unwrap();
    store.link(p.id, 1).unwrap();

    let (links, writes) = (store.link_generation(), store.write_generation());
    store.set_stock(p.id, "main", 5).unwrap();
    store.take_dirty(super::super::DIRTY_STOCK).unwrap();
    store
        .mark_dirty_ids(&[p.id], super::super::DIRTY_STOCK)
        .unwrap();
    store.mark_stock_unconfirmed(&[p.id]).unwrap();
    let mut run = crate::jobs::runner::started_record(
        "push",
        "push_stock",
        crate::jobs::Mode::Apply,
        Utc::now(),
    );
    run.considered = 1;
    store.record_run(&run).unwrap();
    store.refresh_plan_view().unwrap();
    assert!(store.write_generation() > writes, "those are writes");
    assert_eq!(store.link_generation(), links, "none the suggestions read");

    // Each write the suggestions read moves it, at its start and its end.
    let moved = |what: &str, write: &dyn Fn()| {
        let before = store.link_generation();
        write();
        assert_eq!(store.link_generation(), before + 2, "{what}");
    };
    moved("an unlink", &|| {
        store.unlink(p.id).unwrap();
    });
    moved("a link", &|| store.link(p.id, 1).unwrap());
    moved("a new product", &|| {
        store.add_product("B", "P 2").unwrap();
    });
    moved("a staged row", &|| store.put_staged(&[staged(3)]).unwrap());
    moved("a gone Prom product", &|| {
        store.mark_gone(&[2], Utc::now()).unwrap()
    });
    moved("an unlink by hand", &|| {
        store.unlink_by_hand(p.id, Utc::now()).unwrap();
    });
}

/// A pull's orders move the link generation only when a line's SKU made a link.
#[test]
fn orders_move_the_link_generation_only_with_a_link_they_make() {
    use super::super::test_fixtures::{policy, pull};
    use super::super::{LocalLine, LocalOrder};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let p = store.add_product("TEA-1", "Чайник").unwrap();
    store.record_walk(&[77]).unwrap();
    let order = |prom_id: i64, sku: Option<&str>| LocalOrder {
        prom_id,
        status: "pending".into(),
        prom_status: Some("pending".into()),
        lines: vec![LocalLine {
            prom_product_id: Some(77),
            sku: sku.map(str::to_string),
            name: "Чайник".into(),
            quantity: rust_decimal::Decimal::from(1),
            ..LocalLine::default()
        }],
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    };
    let before = store.link_generation();
    store
        .upsert_orders(&[order(1, None)], &policy(), &pull())
        .unwrap();
    assert_eq!(store.link_generation(), before, "no link made");
    store
        .upsert_orders(&[order(2, Some("TEA-1"))], &policy(), &pull())
        .unwrap();
    assert_eq!(
        store.link_of(p.id).unwrap(),
        Some(77),
        "the line's SKU linked it"
    );
    assert!(store.link_generation() > before);
}
