//! The on-change pushes: what Prom receives between scheduled runs, and what stays marked
//! for the next push when Prom does not confirm.

use std::collections::BTreeSet;

use promua_sync::jobs::{Mode, on_change, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{SandboxOptions, ScriptedFault};
use promua_sync::store::{DIRTY_STOCK, Store};

use crate::helpers::*;

/// A store whose `n` linked products Prom.ua has confirmed, then each product's stock
/// changed to `i + 1000`: every product is dirty.
async fn all_changed(n: usize) -> (Env, Store, promua_sync::config::Config) {
    let env = Env::new(n, SandboxOptions::default(), |i| i as i64).await;
    let config = env.config("0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let run = run_job(&config.jobs[0], &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    assert_eq!(run.record.confirmed, n);
    store.take_dirty(DIRTY_STOCK).unwrap();
    for p in &env.catalogue {
        let local = store
            .product_by_sku(p.sku.as_deref().unwrap())
            .unwrap()
            .unwrap();
        let i = env.catalogue.iter().position(|c| c.id == p.id).unwrap();
        store.set_stock(local.id, "main", i as i64 + 1000).unwrap();
    }
    assert_eq!(store.dirty_count(), n);
    env.sandbox.clear_requests();
    (env, store, config)
}

/// Prom ids whose quantity on the sandbox is not what the back office holds.
fn behind(env: &Env) -> BTreeSet<i64> {
    env.catalogue
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            env.sandbox.product(p.id).unwrap().quantity_in_stock != Some(*i as i64 + 1000)
        })
        .map(|(_, p)| p.id)
        .collect()
}

#[tokio::test]
async fn the_on_change_push_sends_in_the_jobs_batch_size() {
    let (env, store, config) = all_changed(25).await;
    let mut ctx = context(&config, &store);
    ctx.on_change_guard.batch_size = 10;
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    assert_eq!((r.outcome, r.sent, r.confirmed), (Outcome::Ok, 25, 25));
    let mut sizes = assert_edit_requests_well_formed(&env.sandbox);
    sizes.sort();
    assert_eq!(sizes, vec![5, 10, 10], "batches of the job's batch_size");
    assert!(behind(&env).is_empty());
    assert_eq!(store.dirty_count(), 0);
}

#[tokio::test]
async fn the_on_change_push_keeps_its_dirty_marks_when_sending_fails_midway() {
    let (env, store, config) = all_changed(250).await;
    let ctx = context(&config, &store);
    // One batch is refused for the whole run (403): the push stops there.
    env.sandbox.script_faults([ScriptedFault::Forbidden]);
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    assert_eq!(r.outcome, Outcome::Failed, "{r:?}");
    assert!(r.confirmed < 250 && !r.failed.is_empty(), "{r:?}");
    let lagging = behind(&env);
    assert_eq!(
        lagging.len(),
        250 - r.confirmed,
        "what Prom did not apply is what the run did not confirm"
    );
    assert_eq!(
        store.dirty_count(),
        lagging.len(),
        "every product Prom.ua does not show yet is still marked"
    );
    let taken = store.take_dirty(DIRTY_STOCK).unwrap();
    let dirty: BTreeSet<i64> = taken
        .iter()
        .map(|id| store.link_of(*id).unwrap().unwrap())
        .collect();
    assert_eq!(dirty, lagging);
    store.mark_dirty_ids(&taken, DIRTY_STOCK).unwrap();

    // The next on-change push sends exactly those, and then nothing is left.
    env.sandbox.clear_requests();
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    assert_eq!((r.outcome, r.confirmed), (Outcome::Ok, dirty.len()));
    let sent: BTreeSet<i64> = edited_ids(&env.sandbox).into_iter().flatten().collect();
    assert_eq!(sent, dirty);
    assert!(behind(&env).is_empty());
    assert_eq!(store.dirty_count(), 0);
}

/// The zero-share guard of an on-change push judges against the whole linked catalogue
/// (which it counts only when a change zeroes stock): one product of ten run out (10 %)
/// goes out; three more (30 % > the default 20 %) stop the push, and Prom keeps its stock.
#[tokio::test]
async fn the_on_change_zero_guard_judges_against_the_whole_catalogue() {
    let env = Env::new(10, SandboxOptions::default(), |_| 5).await;
    let config = env.config("0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let run = run_job(&config.jobs[0], &ctx, Mode::Apply).await.unwrap();
    assert_eq!(run.record.confirmed, 10);
    store.take_dirty(DIRTY_STOCK).unwrap();
    let local = |k: usize| {
        store
            .product_by_sku(env.catalogue[k].sku.as_deref().unwrap())
            .unwrap()
            .unwrap()
            .id
    };
    store.set_stock(local(0), "main", 0).unwrap();
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    assert_eq!(
        (r.outcome, r.sent, r.confirmed),
        (Outcome::Ok, 1, 1),
        "{r:?}"
    );
    assert_eq!(
        env.sandbox
            .product(env.catalogue[0].id)
            .unwrap()
            .quantity_in_stock,
        Some(0)
    );
    for k in 1..4 {
        store.set_stock(local(k), "main", 0).unwrap();
    }
    let r = on_change::push_stock(&ctx).await.unwrap().unwrap();
    assert_eq!(r.outcome, Outcome::Guarded, "{r:?}");
    assert!(
        r.error
            .as_deref()
            .unwrap()
            .contains("3 of 10 linked products"),
        "{r:?}"
    );
    for k in 1..4 {
        let on_prom = env.sandbox.product(env.catalogue[k].id).unwrap();
        assert_eq!(on_prom.quantity_in_stock, Some(5), "held back");
    }
    assert_eq!(store.dirty_count(), 3, "marked again for the next push");
}
