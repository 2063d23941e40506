//! The kept pass of the suggestions: kept over writes the suggestions do not read.

use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::store::{Actor, StagedProduct, Store};

fn staged(prom_id: i64, name: &str) -> StagedProduct {
    StagedProduct {
        prom_id,
        sku: None,
        name: name.into(),
        other_names: vec![],
        price: None,
        currency: None,
        quantity: None,
        staged_at: Utc::now(),
    }
}

fn console(store: Store) -> Console {
    Console {
        office: crate::backoffice::BackOffice::new(store, Actor::Api, vec![]),
        token: Arc::new("t".into()),
        sessions: Arc::default(),
        suggestions: Arc::default(),
    }
}

#[tokio::test]
async fn a_stock_write_or_a_run_keeps_the_pass_and_a_link_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let a = store.add_product("TEA-1", "Чайник електричний").unwrap();
    store.add_product("CUP-9", "Чашка керамічна").unwrap();
    store
        .put_staged(&[
            staged(1, "Чайник електричний"),
            staged(2, "Чашка керамічна"),
        ])
        .unwrap();
    let console = console(store.clone());

    let first = unlinked(&console).await.unwrap();
    assert_eq!(first.ids, vec![1, 2]);
    assert_eq!(first.suggested[&1].local_sku, "TEA-1");
    store.set_stock(a.id, "main", 4).unwrap();
    let mut run = crate::jobs::runner::started_record(
        "push",
        "push_stock",
        crate::jobs::Mode::Apply,
        Utc::now(),
    );
    run.considered = 2;
    store.record_run(&run).unwrap();
    let again = unlinked(&console).await.unwrap();
    assert!(Arc::ptr_eq(&first, &again), "the pass was made again");

    store.link(a.id, 1).unwrap();
    let after = unlinked(&console).await.unwrap();
    assert!(!Arc::ptr_eq(&first, &after), "a link keeps a stale pass");
    assert_eq!(after.ids, vec![2]);
    assert_eq!(after.suggested[&2].local_sku, "CUP-9");
}
