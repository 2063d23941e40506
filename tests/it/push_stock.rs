//! The stock job against the sandbox: what Prom received, and what the store kept.

use promua_sync::jobs::run_job;
use promua_sync::report::Outcome;
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::Store;

use crate::helpers::*;

#[tokio::test]
async fn first_run_sends_everything_in_batches_of_100_and_sandbox_follows() {
    let env = Env::new(250, SandboxOptions::default(), |i| (i % 11) as i64 - 1).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();

    assert_eq!(run.record.outcome, Outcome::Ok);
    assert_eq!(
        (run.record.planned, run.record.sent, run.record.confirmed),
        (250, 250, 250)
    );
    // 3 edits, then the read-back of 5 confirmed products (verify_sample's default).
    assert_eq!(run.record.requests, 3 + 5);
    let reads = env
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/v1/products/"))
        .count();
    assert_eq!(reads, 5);
    let mut sizes = assert_edit_requests_well_formed(&env.sandbox);
    sizes.sort();
    assert_eq!(sizes, vec![50, 100, 100]);
    for (i, p) in env.catalogue.iter().enumerate() {
        let want = ((i % 11) as i64 - 1).max(0);
        let got = env.sandbox.product(p.id).unwrap();
        assert_eq!(got.quantity_in_stock, Some(want), "product {}", p.id);
        assert_eq!(
            got.presence,
            if want > 0 {
                "available"
            } else {
                "not_available"
            }
        );
    }
    // Every item got a snapshot with what was confirmed.
    assert_eq!(store.stock_snapshots().unwrap().len(), 250);
    assert_eq!(store.last_run("stock").unwrap().unwrap(), run.record);
}

#[tokio::test]
async fn a_run_with_nothing_changed_sends_no_edit_request() {
    let env = Env::new(120, SandboxOptions::default(), |i| i as i64).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(env.sandbox.edit_requests().len(), 2);

    env.sandbox.clear_requests();
    let second = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert!(
        env.sandbox.edit_requests().is_empty(),
        "{:?}",
        env.sandbox.requests()
    );
    assert!(env.sandbox.requests().is_empty(), "no read either");
    assert_eq!(
        (
            second.record.planned,
            second.record.sent,
            second.record.requests
        ),
        (0, 0, 0)
    );
    assert_eq!(second.record.outcome, Outcome::Ok);

    // One local change: exactly that item, once.
    let p = store
        .product_by_sku(env.catalogue[7].sku.as_deref().unwrap())
        .unwrap()
        .unwrap();
    store.set_stock(p.id, "main", 0).unwrap();
    let third = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(edited_ids(&env.sandbox), vec![vec![env.catalogue[7].id]]);
    assert_eq!(third.record.confirmed, 1);
    let shown = env.sandbox.product(env.catalogue[7].id).unwrap();
    assert_eq!(
        (shown.quantity_in_stock, shown.presence.as_str()),
        (Some(0), "not_available")
    );
}

#[tokio::test]
async fn a_rejected_item_fails_with_its_reason_gets_no_snapshot_and_is_resent() {
    let env = Env::new(30, SandboxOptions::default(), |_| 5).await;
    let rejected = env.catalogue[10].clone();
    env.sandbox
        .reject(rejected.id, "Кількість не може бути змінена");
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);

    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(run.record.outcome, Outcome::Partial);
    assert_eq!((run.record.sent, run.record.confirmed), (30, 29));
    assert_eq!(run.record.failed.len(), 1);
    let failure = &run.record.failed[0];
    assert_eq!(failure.prom_id, rejected.id);
    assert_eq!(failure.sku, rejected.sku.clone().unwrap());
    assert!(
        failure.reason.contains("Кількість не може бути змінена"),
        "{}",
        failure.reason
    );
    // One batch: the rejected item was in it alongside the confirmed ones.
    assert_eq!(edited_ids(&env.sandbox).len(), 1);
    let local = store
        .product_by_sku(rejected.sku.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(store.stock_snapshot(local.id).unwrap(), None);
    assert_eq!(store.stock_snapshots().unwrap().len(), 29);
    assert_eq!(
        env.sandbox.product(rejected.id).unwrap().quantity_in_stock,
        rejected.quantity_in_stock
    );

    // The next run sends the failed item again, and only it.
    env.sandbox.clear_requests();
    env.sandbox.clear_rejections();
    let again = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(edited_ids(&env.sandbox), vec![vec![rejected.id]]);
    assert_eq!(again.record.outcome, Outcome::Ok);
    assert_eq!(
        env.sandbox.product(rejected.id).unwrap().quantity_in_stock,
        Some(5)
    );
    assert!(store.stock_snapshot(local.id).unwrap().is_some());
}

#[tokio::test]
async fn a_product_unknown_to_prom_is_a_per_item_failure() {
    let env = Env::new(3, SandboxOptions::default(), |_| 1).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let orphan = store.add_product("GONE-1", "Видалений товар").unwrap();
    store.link(orphan.id, 999).unwrap();
    store.set_stock(orphan.id, "main", 2).unwrap();
    let ctx = context(&config, &store);
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(run.record.confirmed, 3);
    assert_eq!(run.record.failed.len(), 1);
    assert_eq!(run.record.failed[0].sku, "GONE-1");
    assert!(run.record.failed[0].reason.contains("Продукт не найден"));
}

#[tokio::test]
async fn a_revoked_token_fails_the_run_once_with_a_clear_error_and_writes_no_snapshot() {
    let env = Env::new(250, SandboxOptions::default(), |_| 3).await;
    let config = env.config("*/5 * * * *");
    std::fs::write(env.dir.path().join("token"), "revoked-token").unwrap();
    let config2 = promua_sync::config::load(&config.path).unwrap();
    let store = Store::open(&config2.store.path).unwrap();
    let ctx = context(&config2, &store);
    let run = run_job(&config2.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(run.record.outcome, Outcome::Failed);
    let err = run.record.error.clone().unwrap();
    assert!(err.contains("invalid or expired"), "{err}");
    assert_eq!(run.record.failed.len(), 250, "every item is reported");
    assert!(
        run.record.requests <= 2,
        "no retry loop: {} requests",
        run.record.requests
    );
    assert!(store.stock_snapshots().unwrap().is_empty());
}

#[tokio::test]
async fn update_balances_off_skips_the_run() {
    let env = Env::new(5, SandboxOptions::default(), |_| 3).await;
    let path = env.write_config("*/5 * * * *", "");
    patch_file(
        &path,
        "warehouses = [\"main\"]\n",
        "warehouses = [\"main\"]\nupdate_balances = false\n",
    );
    let config = promua_sync::config::load(&path).unwrap();
    assert!(
        config
            .warnings
            .iter()
            .any(|w| w.contains("update_balances = false"))
    );
    let store = Store::open(&config.store.path).unwrap();
    let run = run_job(
        &config.jobs[0],
        &context(&config, &store),
        promua_sync::jobs::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(run.record.outcome, Outcome::Skipped);
    assert!(env.sandbox.requests().is_empty());
}

#[tokio::test]
async fn dry_run_plans_and_sends_and_writes_nothing() {
    let env = Env::new(12, SandboxOptions::default(), |i| i as i64).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let run = run_job(
        &config.jobs[0],
        &context(&config, &store),
        promua_sync::jobs::Mode::DryRun,
    )
    .await
    .unwrap();
    assert_eq!(run.record.outcome, Outcome::DryRun);
    assert_eq!(run.record.planned, 12);
    assert!(env.sandbox.requests().is_empty());
    assert!(store.stock_snapshots().unwrap().is_empty());
    assert!(store.last_run("stock").unwrap().is_none());
}

#[tokio::test]
async fn only_items_in_processed_ids_and_not_in_errors_are_confirmed() {
    use promua_sync::sandbox::ScriptedFault;
    let env = Env::new(4, SandboxOptions::default(), |_| 3).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);

    // Listed in both: a failure with Prom's reason, no snapshot.
    env.sandbox
        .script_faults([ScriptedFault::ProcessedWithErrors]);
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!((run.record.confirmed, run.record.failed.len()), (0, 4));
    assert!(
        run.record.failed[0].reason.contains("presence"),
        "{:?}",
        run.record.failed
    );
    assert!(store.stock_snapshots().unwrap().is_empty());

    // Listed in neither: a failure that says so.
    env.sandbox.script_faults([ScriptedFault::Unconfirmed]);
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert!(
        run.record
            .failed
            .iter()
            .all(|f| f.reason.contains("missing from processed_ids"))
    );
    assert!(store.stock_snapshots().unwrap().is_empty());

    // Applied, but the answer was lost: retried (absolute values make it safe), confirmed once.
    env.sandbox
        .script_faults([ScriptedFault::DroppedAfterApply]);
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(
        (run.record.outcome, run.record.confirmed, run.record.retries),
        (Outcome::Ok, 4, 1)
    );
    assert_eq!(store.stock_snapshots().unwrap().len(), 4);
    assert!(
        env.catalogue
            .iter()
            .all(|p| env.sandbox.product(p.id).unwrap().quantity_in_stock == Some(3))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_keeps_max_concurrency_calls_in_flight_never_more() {
    // Slow answers: more batches are under way than the client has slots (one flushes
    // while another's call is out), and the calls still never exceed the slots.
    let options = SandboxOptions {
        latency: std::time::Duration::from_millis(50),
        ..SandboxOptions::default()
    };
    let env = Env::new(1000, options, |i| (i % 7) as i64 + 1).await;
    let config = env.config("*/5 * * * *");
    assert_eq!(config.prom.max_concurrency, 2);
    let store = Store::open(&config.store.path).unwrap();
    let ctx = context(&config, &store);
    let run = run_job(&config.jobs[0], &ctx, promua_sync::jobs::Mode::Apply)
        .await
        .unwrap();
    assert_eq!(run.record.outcome, Outcome::Ok);
    assert_eq!((run.record.sent, run.record.confirmed), (1000, 1000));
    assert_eq!(assert_edit_requests_well_formed(&env.sandbox).len(), 10);
    assert_eq!(
        env.sandbox.peak_in_flight(),
        2,
        "both slots used, never more"
    );
    for (i, p) in env.catalogue.iter().enumerate() {
        let got = env.sandbox.product(p.id).unwrap().quantity_in_stock;
        assert_eq!(got, Some((i % 7) as i64 + 1), "product {}", p.id);
    }
}
