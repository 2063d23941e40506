//! The daemon end to end: scheduler → job → client → sandbox, and stopping cleanly.

use std::time::{Duration, Instant};

use promua_sync::daemon::{Control, run};
use promua_sync::report::Outcome;
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::Store;
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_pushes_a_local_stock_change_on_its_schedule() {
    // One product in ten at 0: under the default zero-share guard (20 %).
    let env = Env::new(230, SandboxOptions::default(), |i| {
        if i % 10 == 0 { 0 } else { (i % 4) as i64 + 1 }
    })
    .await;
    let config = env.config("* * * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let shutdown = CancellationToken::new();
    let (_reload_tx, reload) = tokio::sync::mpsc::channel(1);
    let daemon = tokio::spawn(run(
        config,
        store.clone(),
        Control {
            shutdown: shutdown.clone(),
            reload,
        },
    ));

    // The first tick sends everything.
    wait_for("the first push", Duration::from_secs(20), || {
        store.stock_snapshots().unwrap().len() == 230
    })
    .await;

    // A local change reaches the sandbox on a later tick.
    let target = &env.catalogue[17];
    let local = store
        .product_by_sku(target.sku.as_deref().unwrap())
        .unwrap()
        .unwrap();
    store.set_stock(local.id, "main", 41).unwrap();
    let other = &env.catalogue[18];
    let other_local = store
        .product_by_sku(other.sku.as_deref().unwrap())
        .unwrap()
        .unwrap();
    store.set_stock(other_local.id, "main", -2).unwrap();
    wait_for("the change on the sandbox", Duration::from_secs(20), || {
        let t = env.sandbox.product(target.id).unwrap();
        let o = env.sandbox.product(other.id).unwrap();
        t.quantity_in_stock == Some(41)
            && t.presence == "available"
            && o.quantity_in_stock == Some(0)
            && o.presence == "not_available"
    })
    .await;

    shutdown.cancel();
    daemon.await.unwrap().unwrap();

    let sizes = assert_edit_requests_well_formed(&env.sandbox);
    assert_eq!(
        sizes.iter().sum::<usize>(),
        230 + 2,
        "each item sent once: {sizes:?}"
    );
    let runs = store.runs_of("stock", 100).unwrap();
    assert!(runs.len() >= 2);
    assert!(runs.iter().all(|r| r.outcome == Outcome::Ok), "{runs:?}");
    assert!(store.check_consistency().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_job_never_overlaps_itself() {
    let opts = SandboxOptions {
        latency: Duration::from_millis(700),
        ..SandboxOptions::default()
    };
    let env = Env::new(150, opts, |i| i as i64).await;
    let config = env.config("* * * * * *");
    let mut config = config;
    config.prom.max_concurrency = 1;
    let store = Store::open(&config.store.path).unwrap();
    let shutdown = CancellationToken::new();
    let (_reload_tx, reload) = tokio::sync::mpsc::channel(1);
    let daemon = tokio::spawn(run(
        config,
        store.clone(),
        Control {
            shutdown: shutdown.clone(),
            reload,
        },
    ));
    wait_for("two runs", Duration::from_secs(20), || {
        store.runs_of("stock", 10).unwrap().len() >= 2
    })
    .await;
    shutdown.cancel();
    daemon.await.unwrap().unwrap();
    let mut runs = store.runs_of("stock", 10).unwrap();
    runs.reverse();
    for w in runs.windows(2) {
        assert!(w[1].started_at >= w[0].finished_at, "runs overlap: {w:?}");
    }
    // The first run took two slow requests, longer than one tick: ticks were skipped, not stacked.
    assert!(runs[0].duration_ms() >= 1_400, "{}", runs[0].duration_ms());
    assert_eq!(runs[0].sent, 150);
}

/// SIGTERM while a job runs: exit 0 within the grace period, a consistent store, and
/// the next run converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_run_exits_zero_and_leaves_a_consistent_store() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let opts = SandboxOptions {
        latency: Duration::from_millis(400),
        ..SandboxOptions::default()
    };
    let env = Env::new(1000, opts, |i| (i % 9) as i64).await;
    let path = env.write_config_any_admin_port("* * * * * *", "");
    patch_file(&path, "max_concurrency = 2\n", "max_concurrency = 1\n");

    let mut child = bin()
        .args(["run", "--config"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the job to be sending", Duration::from_secs(20), || {
        !env.sandbox.edit_requests().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_at = Instant::now();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        (status, err)
    });
    let (status, stderr) = tokio::time::timeout(Duration::from_secs(15), status)
        .await
        .expect("exited")
        .unwrap();
    let took = sent_at.elapsed();
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?} (grace 10 s)");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");

    // The store opens, is consistent, and holds snapshots only for what Prom has.
    let store = Store::open(&env.store_path()).unwrap();
    assert_eq!(store.check_consistency().unwrap(), Vec::<String>::new());
    let snaps = store.stock_snapshots().unwrap();
    assert!(
        !snaps.is_empty() && snaps.len() < 1000,
        "interrupted mid-run: {} snapshots",
        snaps.len()
    );
    for (_, s) in &snaps {
        let p = env.sandbox.product(s.prom_id).unwrap();
        assert_eq!(p.quantity_in_stock, Some(s.quantity));
        assert_eq!(p.presence, s.presence);
    }
    let last = store
        .last_run("stock")
        .unwrap()
        .expect("the interrupted run is recorded");
    assert_eq!(last.outcome, Outcome::Cancelled, "{last:?}");
    assert_eq!(last.confirmed, snaps.len());

    // The next run sends the rest and converges.
    let config = promua_sync::config::load(&path).unwrap();
    let run = promua_sync::jobs::run_job(
        &config.jobs[0],
        &context(&config, &store),
        promua_sync::jobs::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(run.record.outcome, Outcome::Ok);
    assert_eq!(run.record.sent, 1000 - snaps.len());
    assert_eq!(store.stock_snapshots().unwrap().len(), 1000);
}

/// SIGHUP (here: the reload channel) applies a new jobs.toml; a bad one is refused and
/// the running configuration stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_applies_a_good_config_and_keeps_the_old_one_on_a_bad_one() {
    let env = Env::new(20, SandboxOptions::default(), |i| i as i64).await;
    // Once a year: nothing runs until the reload.
    let config = env.config("0 0 1 1 *");
    let store = Store::open(&config.store.path).unwrap();
    let shutdown = CancellationToken::new();
    let (reload_tx, reload) = tokio::sync::mpsc::channel(1);
    let daemon = tokio::spawn(run(
        config,
        store.clone(),
        Control {
            shutdown: shutdown.clone(),
            reload,
        },
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(env.sandbox.requests().is_empty());

    env.write_config_any_admin_port("* * * * * *", "");
    reload_tx.send(()).await.unwrap();
    wait_for("a run on the new schedule", Duration::from_secs(10), || {
        store.last_run("stock").unwrap().is_some()
    })
    .await;

    // A broken file: refused, the every-second job keeps running.
    std::fs::write(env.dir.path().join("jobs.toml"), "[[job]]\nname = 1\n").unwrap();
    reload_tx.send(()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = store.runs_of("stock", 1000).unwrap().len();
    wait_for("runs to go on", Duration::from_secs(10), || {
        store.runs_of("stock", 1000).unwrap().len() > before + 1
    })
    .await;

    shutdown.cancel();
    daemon.await.unwrap().unwrap();
}
