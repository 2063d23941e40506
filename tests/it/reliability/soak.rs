//! Soak with chaos (issue 17, item 1): the daemon binary runs every job kind on
//! schedules of seconds against a sandbox failing at random (20 % HTTP 500, 10 % 429, 5 %
//! dropped connections, 5 % answers lost after the call was applied), while a workload
//! changes stock and prices through the CLI and the admin API, buyers place and change
//! orders, and the seller moves orders' statuses; the daemon is killed with SIGKILL at
//! random moments (a seeded generator) and started again each time (after the last kill,
//! the convergence pass's commands open the store it left). Then the faults stop, the jobs
//! run in rounds (`job run`, the store opened by each command) until the invariants of
//! `soak_checks.rs` hold (at most `MAX_ROUNDS`), and every one is asserted.
//! `SOAK_SEED=N` replays another run; `SOAK_DEBUG=1` prints what differed when the faults
//! stopped and the workload's record.

use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use promua_sync::sandbox::FaultRates;
use promua_sync::store::Store;
use rand::Rng;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use super::soak_checks::{Findings, check};
use super::soak_workload::{pause, rng, step};
use super::soak_world::{Outcome, World};
use super::{figure, sized};
use crate::helpers::*;

const PART: &str = "soak";

/// The jobs of one convergence round, in an order that lets each see the one before:
/// orders in, statuses out, their echo read back, then the figures that depend on them.
const ROUND: [&str; 5] = ["orders", "statuses", "orders", "stock", "prices"];
const MAX_ROUNDS: usize = 8;

fn sigkill(mut child: Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();
}

/// The findings with the daemon stopped (the store is ours to open).
async fn findings(world: &Arc<World>) -> Findings {
    let world = world.clone();
    tokio::task::spawn_blocking(move || {
        let store = Store::open(&world.env.store_path()).unwrap();
        check(&world, &store)
    })
    .await
    .unwrap()
}

fn listed(what: &str, found: &[String]) -> String {
    let shown: Vec<&str> = found.iter().take(20).map(String::as_str).collect();
    format!(
        "{} {what}:\n  {}\n(seed: SOAK_SEED={})",
        found.len(),
        shown.join("\n  "),
        seed()
    )
}

fn seed() -> u64 {
    std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(17)
}

/// What the run itself measured.
struct Run {
    seed: u64,
    kills: usize,
    soak_secs: f64,
    steps: usize,
    rounds: usize,
    converge_secs: f64,
}

/// Prints the run's figures.
fn figures(world: &World, found: &Findings, run: &Run) {
    let record = world.record();
    let unknown = record
        .stock
        .iter()
        .filter(|w| w.outcome == Outcome::Unknown)
        .count()
        + record
            .prices
            .iter()
            .filter(|w| w.outcome == Outcome::Unknown)
            .count()
        + record
            .orders
            .values()
            .flat_map(|o| &o.steps)
            .filter(|(_, o)| *o == Outcome::Unknown)
            .count();
    figure(PART, "seed", run.seed);
    figure(PART, "kills survived", run.kills);
    figure(
        PART,
        "soak seconds (faults on)",
        format!("{:.1}", run.soak_secs),
    );
    figure(PART, "workload steps", run.steps);
    figure(PART, "updates acknowledged", record.acked());
    figure(PART, "updates cut by a kill (outcome unknown)", unknown);
    figure(PART, "updates lost", found.lost.len());
    figure(PART, "orders placed", record.orders.len());
    figure(PART, "order line changes", record.line_changes);
    figure(PART, "duplicate orders", found.duplicate_orders.len());
    figure(PART, "double-applied statuses", found.double_applied.len());
    figure(
        PART,
        "double-shipped order lines",
        found.double_shipped.len(),
    );
    figure(PART, "convergence rounds", run.rounds);
    figure(
        PART,
        "time to converge (s)",
        format!("{:.1}", run.converge_secs),
    );
    figure(PART, "API calls", world.env.sandbox.requests().len());
    for (kind, n) in world.env.sandbox.faults_injected() {
        figure(PART, &format!("calls faulted: {kind:?}"), n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_kind_through_faults_and_sigkills_keeps_every_promise() {
    let seed = seed();
    let kills: usize = sized(3, 20);
    let world = World::new(sized(12, 30)).await;
    world.env.sandbox.set_faults(FaultRates {
        server_error: 0.20,
        rate_limited: 0.10,
        dropped: 0.05,
        dropped_after_apply: 0.05,
        retry_after_secs: 1,
        seed,
    });
    // The workload holds the gate for each step; a restart takes it whole, so no CLI
    // command opens the store while the daemon is down. A kill does not wait for it:
    // a step in flight meets the kill.
    let gate = Arc::new(RwLock::new(()));
    let stop = CancellationToken::new();
    let mut daemon = world.env.start_daemon(&world.config).await;
    let workload = tokio::spawn({
        let (world, gate, stop) = (world.clone(), gate.clone(), stop.clone());
        async move {
            let mut rng = rng(seed ^ 0x5eed);
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap();
            let mut steps = 0usize;
            loop {
                {
                    let _open = gate.read().await;
                    if stop.is_cancelled() {
                        break;
                    }
                    step(&world, &mut rng, &http).await;
                }
                steps += 1;
                tokio::time::sleep(pause(&mut rng)).await;
            }
            steps
        }
    });
    let mut rng = rng(seed);
    let soak_started = Instant::now();
    for k in 1..=kills {
        let ms = rng.random_range(sized(1500..4000, 1500..6000));
        tokio::time::sleep(Duration::from_millis(ms)).await;
        tokio::task::spawn_blocking(move || sigkill(daemon))
            .await
            .unwrap();
        let closed = gate.write().await;
        if k == kills {
            stop.cancel();
            drop(closed);
            break;
        }
        daemon = world.env.start_daemon(&world.config).await;
        drop(closed);
    }
    let steps = workload.await.unwrap();
    let soak_secs = soak_started.elapsed().as_secs_f64();

    // Faults off; the jobs run until everything holds.
    world.env.sandbox.set_faults(FaultRates::default());
    let converging = Instant::now();
    let mut rounds = 0;
    let mut found = findings(&world).await;
    figure(
        PART,
        "differences when the faults stopped",
        found.all().len(),
    );
    if std::env::var_os("SOAK_DEBUG").is_some() {
        eprintln!("{:#?}\n{:#?}", found, world.record());
    }
    while !found.all().is_empty() && rounds < MAX_ROUNDS {
        rounds += 1;
        for job in ROUND {
            let out = cli_async(&world.config, &["job", "run", job]).await;
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "job {job} in convergence round {rounds}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        found = findings(&world).await;
    }
    let converge_secs = converging.elapsed().as_secs_f64();
    // A full verify finds nothing left to repair.
    let verify = cli_async(&world.config, &["job", "run", "verify", "--full"]).await;

    figures(
        &world,
        &found,
        &Run {
            seed,
            kills,
            soak_secs,
            steps,
            rounds,
            converge_secs,
        },
    );
    let calls = world.env.sandbox.requests().len();

    assert!(
        found.lost.is_empty(),
        "{}",
        listed("acknowledged changes lost", &found.lost)
    );
    assert!(
        found.duplicate_orders.is_empty(),
        "{}",
        listed("duplicate or stray orders", &found.duplicate_orders)
    );
    assert!(
        found.double_applied.is_empty(),
        "{}",
        listed(
            "orders with status changes applied twice or never made",
            &found.double_applied
        )
    );
    assert!(
        found.double_shipped.is_empty(),
        "{}",
        listed(
            "order lines whose stock moves do not add up to one shipment",
            &found.double_shipped
        )
    );
    assert!(
        found.ledger.is_empty(),
        "{}",
        listed("ledger findings", &found.ledger)
    );
    assert!(
        found.behind.is_empty(),
        "{}",
        listed(
            &format!("differences left after {rounds} convergence rounds"),
            &found.behind
        )
    );
    assert_eq!(
        verify.status.code(),
        Some(0),
        "a full verify after convergence: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    // The checks can fail: a quantity changed in the cabinet and an order cancelled
    // there are named.
    let item = &world.items[0];
    let mut p = world.env.sandbox.product(item.prom_id).unwrap();
    p.quantity_in_stock = Some(p.quantity_in_stock.unwrap_or(0) + 1_000);
    world.env.sandbox.upsert_products([p]);
    let order = *world.record().orders.keys().next().unwrap();
    let cancel = promua_sync::sandbox::OrderChange {
        status: Some("draft".into()),
        ..Default::default()
    };
    world.env.sandbox.change_order(order, cancel).unwrap();
    let planted = findings(&world).await.behind;
    for needle in [item.sku.clone(), format!("order {order}:")] {
        assert!(
            planted.iter().any(|f| f.contains(&needle)),
            "{needle} not named in {planted:#?}"
        );
    }
    // The soak proves something only if the chaos happened.
    let record = world.record();
    assert!(
        record.acked() >= 10 && record.orders.len() >= 5,
        "too little workload: {record:?}"
    );
    let faulted: u64 = world.env.sandbox.faults_injected().values().sum();
    assert!(faulted >= 10, "only {faulted} calls faulted of {calls}");
}
