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
        csv_limit: 1 << 20,
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

    // The first visit: the rows at once, no suggestion yet; the pass in the background.
    let none_yet = unlinked(&console).await.unwrap();
    assert!(!none_yet.current && none_yet.all.suggested.is_empty());
    assert_eq!(none_yet.all.ids, vec![1, 2]);
    let first = fresh(&console).await;
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
    assert!(
        again.current && Arc::ptr_eq(&first, &again.all),
        "the pass was made again"
    );

    // A link: the page at once from the pass it has (said so), a new pass made meanwhile.
    store.link(a.id, 1).unwrap();
    let stale = unlinked(&console).await.unwrap();
    assert!(!stale.current && Arc::ptr_eq(&first, &stale.all));
    let after = fresh(&console).await;
    assert!(!Arc::ptr_eq(&first, &after), "a link keeps a stale pass");
    assert_eq!(after.ids, vec![2]);
    assert_eq!(after.suggested[&2].local_sku, "CUP-9");
}

/// The pass once the one made in the background is kept.
async fn fresh(console: &Console) -> Arc<Unlinked> {
    for _ in 0..500 {
        let pass = unlinked(console).await.unwrap();
        if pass.current {
            return pass.all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no new pass made in 5 s");
}

#[tokio::test]
async fn a_page_from_an_older_pass_offers_no_product_linked_since() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    store.add_product("TEA-1", "Чайник електричний").unwrap();
    let cup = store.add_product("CUP-9", "Чашка керамічна").unwrap();
    store
        .put_staged(&[
            staged(1, "Чайник електричний"),
            staged(2, "Чашка керамічна"),
            staged(3, "Щось інше"),
        ])
        .unwrap();
    let console = console(store.clone());
    fresh(&console).await;
    let rows = page_of(&console, None).await.unwrap();
    assert!(rows.current);
    assert_eq!(rows.rows[1].1.as_ref().unwrap().local_sku, "CUP-9");
    // CUP-9 linked to Prom product 3 elsewhere (the CLI): the kept pass still pairs it
    // with 2, but the page offers it no more, and 3 has left the page.
    store.link(cup.id, 3).unwrap();
    let rows = page_of(&console, None).await.unwrap();
    assert!(!rows.current);
    let shown: Vec<(i64, Option<String>)> = rows
        .rows
        .iter()
        .map(|(s, g)| (s.staged.prom_id, g.as_ref().map(|g| g.local_sku.clone())))
        .collect();
    assert_eq!(
        shown,
        [(1, Some("TEA-1".to_string())), (2, None)],
        "no gear to a product linked since"
    );
}

#[test]
fn a_slow_pass_of_an_older_generation_never_replaces_a_newer_one() {
    let pass = |id: i64| {
        Arc::new(Unlinked {
            ids: vec![id],
            suggested: HashMap::new(),
        })
    };
    let cache = SuggestionCache::default();
    cache.keep(7, pass(7));
    cache.keep(5, pass(5));
    assert_eq!(cache.current(7).unwrap().ids, [7]);
    assert!(cache.current(5).is_none());
    cache.keep(9, pass(9));
    assert_eq!(cache.current(9).unwrap().ids, [9]);
}

#[tokio::test]
async fn a_failed_pass_is_shown_and_not_made_again_until_the_store_moves() {
    let d = tempfile::tempdir().unwrap();
    let store = Store::open(&d.path().join("db")).unwrap();
    store.put_staged(&[staged(101, "Чайник")]).unwrap();
    let c = console(store.clone());
    let generation = store.link_generation();
    *c.suggestions.failed.lock().unwrap() = Some((generation, "disk on fire".into()));
    let pass = unlinked(&c).await.unwrap();
    assert_eq!(pass.failed.as_deref(), Some("disk on fire"));
    assert!(
        c.suggestions.computing.try_lock().is_ok(),
        "no pass started"
    );
    // A write: a new pass, which succeeds and clears the failure.
    store.put_staged(&[staged(102, "Чашка")]).unwrap();
    let all = fresh(&c).await;
    assert_eq!(all.ids, vec![101, 102]);
    assert!(c.suggestions.failure(store.link_generation()).is_none());
}
