//! The soak's workload: stock and price writes through the CLI and the admin API, buyers
//! placing, changing and cancelling orders in the sandbox, the seller moving orders'
//! statuses; each change recorded with its outcome in the world's [`Record`].

use std::time::Duration;

use promua_sync::sandbox::{OrderChange, SandboxOrderLine};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::soak_world::{DONE, Door, Outcome, Placed, World, Write};
use crate::helpers::{bin, buyer_order};

/// How long one CLI command may take: far beyond a slow machine's, so that only a hang
/// trips it.
const STEP_LIMIT: Duration = Duration::from_secs(60);

/// Runs `promua-sync ARGS --config CONFIG`; a command still running after
/// [`STEP_LIMIT`] is killed and fails the soak (a hang, not a slow machine).
pub async fn cli_within(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = tokio::process::Command::from(bin());
    cmd.args(args)
        .arg("--config")
        .arg(config)
        .kill_on_drop(true);
    match tokio::time::timeout(STEP_LIMIT, cmd.output()).await {
        Ok(out) => out.unwrap(),
        Err(_) => panic!(
            "`promua-sync {}` did not finish within {STEP_LIMIT:?}",
            args.join(" ")
        ),
    }
}

/// The outcome of a CLI command.
fn cli_outcome(out: &std::process::Output) -> Outcome {
    match out.status.code() {
        Some(0) => Outcome::Acked,
        Some(2) => Outcome::Refused,
        _ => Outcome::Unknown,
    }
}

/// The outcome of an admin API call.
fn api_outcome(res: reqwest::Result<reqwest::Response>) -> Outcome {
    match res {
        Ok(r) if r.status().is_success() => Outcome::Acked,
        Ok(r) if r.status().is_client_error() => Outcome::Refused,
        _ => Outcome::Unknown,
    }
}

/// One step of the workload, drawn from `rng`: a stock or price write (CLI or admin API),
/// a buyer placing, changing or cancelling an order, or a local status change.
pub async fn step(world: &World, rng: &mut StdRng, http: &reqwest::Client) {
    let door = if rng.random_bool(0.5) {
        Door::Cli
    } else {
        Door::Api
    };
    match rng.random_range(0..100) {
        0..30 => {
            write_stock(
                world,
                rng.random_range(0..world.items.len()),
                door,
                rng,
                http,
            )
            .await
        }
        30..45 => {
            write_price(
                world,
                rng.random_range(0..world.items.len()),
                door,
                rng,
                http,
            )
            .await
        }
        45..65 => place_order(world, rng),
        65..73 => change_order(world, rng),
        _ => status_step(world, door, rng, http).await,
    }
}

async fn write_stock(
    world: &World,
    item: usize,
    door: Door,
    rng: &mut StdRng,
    http: &reqwest::Client,
) {
    let value = {
        let mut r = world.record();
        r.ceiling[item] += rng.random_range(1..=3);
        r.ceiling[item]
    };
    let sku = &world.items[item].sku;
    let outcome = match door {
        Door::Cli => cli_outcome(
            &cli_within(&world.config, &["stock", "set", sku, &value.to_string()]).await,
        ),
        Door::Api => {
            let body = serde_json::json!({"warehouse": "main", "quantity": value});
            let res = http
                .put(world.admin_url(&format!("/stock/{sku}")))
                .bearer_auth(world.admin_token())
                .json(&body)
                .send()
                .await;
            api_outcome(res)
        }
    };
    world.record().stock.push(Write {
        item,
        value,
        outcome,
    });
}

async fn write_price(
    world: &World,
    item: usize,
    door: Door,
    rng: &mut StdRng,
    http: &reqwest::Client,
) {
    let value = {
        let mut r = world.record();
        r.last_price[item] += Decimal::new(rng.random_range(1..=100), 2);
        r.last_price[item]
    };
    let sku = &world.items[item].sku;
    let outcome = match door {
        Door::Cli => cli_outcome(
            &cli_within(&world.config, &["prices", "set", sku, &value.to_string()]).await,
        ),
        Door::Api => {
            let body = serde_json::json!({"price": value.to_string()});
            let res = http
                .put(world.admin_url(&format!("/prices/{sku}")))
                .bearer_auth(world.admin_token())
                .json(&body)
                .send()
                .await;
            api_outcome(res)
        }
    };
    world.record().prices.push(Write {
        item,
        value,
        outcome,
    });
}

/// One or two lines of linked products, 1 to 3 units each.
fn lines(world: &World, rng: &mut StdRng) -> Vec<(usize, i64)> {
    let first = rng.random_range(0..world.items.len());
    let mut lines = vec![(first, rng.random_range(1..=3))];
    if rng.random_bool(0.4) {
        let second = (first + rng.random_range(1..world.items.len())) % world.items.len();
        lines.push((second, rng.random_range(1..=3)));
    }
    lines
}

fn sandbox_lines(world: &World, lines: &[(usize, i64)]) -> Vec<SandboxOrderLine> {
    let placed = buyer_order(
        "pending",
        lines
            .iter()
            .map(|(i, q)| {
                (
                    Some(world.items[*i].prom_id),
                    world.items[*i].sku.as_str(),
                    *q,
                )
            })
            .collect(),
    );
    placed.lines
}

/// Units ordered may come back to stock later (an order leaving the done status, a
/// line taken off a shipped order): the stock writes stay above them.
fn raise_ceiling(world: &World, lines: &[(usize, i64)]) {
    let mut r = world.record();
    for (i, q) in lines {
        r.ceiling[*i] += q;
    }
}

fn place_order(world: &World, rng: &mut StdRng) {
    let lines = lines(world, rng);
    raise_ceiling(world, &lines);
    let mut order = buyer_order("pending", Vec::new());
    order.lines = sandbox_lines(world, &lines);
    let placed = world.env.sandbox.place_order(order);
    let seller = rng.random_bool(0.6);
    let paths: [&[&'static str]; 5] = [
        &["received", DONE],
        &["received", "canceled"],
        &["canceled"],
        &[DONE],
        &["received"],
    ];
    let path = paths[rng.random_range(0..paths.len())].to_vec();
    world.record().orders.insert(
        placed.id,
        Placed {
            seller,
            path,
            steps: Vec::new(),
            buyer_canceled: false,
        },
    );
}

/// A buyer changes the lines of an order nobody has moved yet, or cancels one of their
/// own on Prom.ua.
fn change_order(world: &World, rng: &mut StdRng) {
    let untouched: Vec<(i64, bool)> = world
        .record()
        .orders
        .iter()
        .filter(|(_, o)| o.steps.is_empty() && !o.buyer_canceled)
        .map(|(id, o)| (*id, o.seller))
        .collect();
    if untouched.is_empty() {
        return;
    }
    let (id, seller) = untouched[rng.random_range(0..untouched.len())];
    if !seller && rng.random_bool(0.4) {
        let change = OrderChange {
            status: Some("canceled".into()),
            ..Default::default()
        };
        world.env.sandbox.change_order(id, change).unwrap();
        world.record().orders.get_mut(&id).unwrap().buyer_canceled = true;
        return;
    }
    let lines = lines(world, rng);
    raise_ceiling(world, &lines);
    let change = OrderChange {
        lines: Some(sandbox_lines(world, &lines)),
        client_notes: Some(format!("changed {}", rng.random::<u16>())),
        ..Default::default()
    };
    world.env.sandbox.change_order(id, change).unwrap();
    world.record().line_changes += 1;
}

/// The next status of an order's path, if any.
fn next_status(o: &Placed) -> Option<&'static str> {
    let done = o
        .steps
        .iter()
        .filter(|(_, out)| *out != Outcome::Refused)
        .count();
    o.path.get(done).copied()
}

/// The seller moves one of their orders to the next status of its path; now and then
/// on again soon after, while the push of the first change may be in flight.
async fn status_step(world: &World, door: Door, rng: &mut StdRng, http: &reqwest::Client) {
    let open: Vec<i64> = world
        .record()
        .orders
        .iter()
        .filter(|(_, o)| o.seller && next_status(o).is_some())
        .map(|(id, _)| *id)
        .collect();
    if open.is_empty() {
        return;
    }
    let id = open[rng.random_range(0..open.len())];
    move_order(world, id, door, http).await;
    if rng.random_bool(0.3) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(50..800))).await;
        move_order(world, id, door, http).await;
    }
}

async fn move_order(world: &World, id: i64, door: Door, http: &reqwest::Client) {
    let Some(status) = next_status(&world.record().orders[&id]) else {
        return;
    };
    let outcome = match door {
        Door::Cli => cli_outcome(
            &cli_within(
                &world.config,
                &["orders", "set-status", &id.to_string(), status],
            )
            .await,
        ),
        Door::Api => {
            let res = http
                .put(world.admin_url(&format!("/orders/{id}/status")))
                .bearer_auth(world.admin_token())
                .json(&serde_json::json!({ "status": status }))
                .send()
                .await;
            api_outcome(res)
        }
    };
    let mut r = world.record();
    r.orders.get_mut(&id).unwrap().steps.push((status, outcome));
}

/// A seeded generator for the workload and the kill times.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A pause between workload steps.
pub fn pause(rng: &mut StdRng) -> Duration {
    Duration::from_millis(rng.random_range(5..60))
}
