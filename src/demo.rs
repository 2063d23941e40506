//! `demo`: the whole path on a fresh machine, with no token and no network. A sandbox
//! on a free loopback port plays Prom.ua; a throw-away store plays the back office.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::{Context, ensure};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::config::{JobConfig, JobKind, PromConfig, PushStockOptions, Schedule, SyncConfig};
use crate::jobs::{JobContext, JobRun, run_job};
use crate::prom::PromClient;
use crate::sandbox::{Sandbox, SandboxOptions, generate_products};
use crate::store::Store;

/// Runs the demo, printing each run's report to stdout.
pub async fn run(products: usize) -> anyhow::Result<()> {
    let token = format!("demo-{:016x}", rand::random::<u64>());
    let sandbox = Sandbox::new(SandboxOptions {
        token: token.clone(),
        ..SandboxOptions::default()
    });
    let running = sandbox
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("starting the sandbox")?;
    let catalogue = generate_products(products, 1_000_001, 7);
    sandbox.upsert_products(catalogue.clone());
    println!(
        "Prom.ua sandbox listening on {} with {} products",
        running.base_url(),
        products
    );

    let dir = tempfile::tempdir().context("a temporary directory for the store")?;
    let store = Store::open(&dir.path().join("store"))?;
    for (i, p) in catalogue.iter().enumerate() {
        let local = store.add_product(p.sku.as_deref().unwrap_or_default(), &p.name)?;
        store.link(local.id, p.id)?;
        // Local stock differs from what the sandbox shows for most products.
        store.set_stock(local.id, "main", (i as i64 * 7) % 23)?;
        store.set_stock(local.id, "shop", (i as i64) % 3)?;
    }
    println!(
        "store {} seeded: {} linked products in warehouses main and shop\n",
        dir.path().display(),
        products
    );

    let prom = PromClient::new(&PromConfig {
        base_url: running.base_url(),
        token: Some(SecretString::from(token)),
        token_origin: "demo".into(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(30),
        requests_per_second: 50,
        max_concurrency: 4,
        max_retries: 3,
        retry_base_delay: Duration::from_millis(100),
        stock_route: Default::default(),
    })?;
    let ctx = JobContext::new(
        store.clone(),
        Some(prom),
        SyncConfig {
            warehouses: vec!["main".into(), "shop".into()],
            local_warehouses: Vec::new(),
            update_balances: true,
            update_prices: false,
            update_statuses: false,
            push_debounce: Duration::from_secs(1),
            reserve_statuses: vec!["pending".into()],
            done_status: Some("delivered".into()),
            release_statuses: Vec::new(),
            shipped_statuses: Vec::new(),
            status_aliases: Vec::new(),
            reserve_warehouse: "main".into(),
            safety_buffer: 0,
        },
        CancellationToken::new(),
    );
    let job = JobConfig {
        name: "stock".into(),
        schedule: Schedule::parse("*/5 * * * *").map_err(anyhow::Error::msg)?,
        timezone: chrono_tz::UTC,
        catch_up: true,
        kind: JobKind::PushStock(PushStockOptions::default()),
        stale_after: Some(std::time::Duration::from_secs(900)),
    };

    println!("== run 1: first push (nothing confirmed yet, everything is sent) ==");
    let first = run_job(&job, &ctx, crate::jobs::Mode::Apply).await?;
    print!("{}", first.record);
    check_sandbox(&sandbox, &store, &ctx)?;

    println!("\n== run 2: nothing changed locally ==");
    let second = run_job(&job, &ctx, crate::jobs::Mode::Apply).await?;
    print!("{}", second.record);
    ensure!(
        second.record.sent == 0 && second.record.requests == 0,
        "the second run sent something"
    );

    println!("\n== run 3: stock of 5 products changed locally ==");
    for p in store.products()?.iter().take(5) {
        store.set_stock(p.id, "main", 100)?;
    }
    let third: JobRun = run_job(&job, &ctx, crate::jobs::Mode::Apply).await?;
    print!("{}", third.record);
    // One edit request, then the read-back of the 5 confirmed (verify_sample = 5).
    ensure!(
        third.record.confirmed == 5 && third.record.requests == 6,
        "the third run should send 5 items in 1 request and read 5 back"
    );

    let edits = sandbox.edit_requests();
    println!(
        "\nThe sandbox received {} products/edit request(s), at most {} items each.",
        edits.len(),
        edits
            .iter()
            .filter_map(|r| r.body.as_ref()?.as_array().map(Vec::len))
            .max()
            .unwrap_or(0)
    );
    ensure!(
        first.record.outcome == crate::report::Outcome::Ok,
        "the first run did not end ok: {:?}",
        first.record.error
    );
    running.stop().await;
    Ok(())
}

/// Every linked product now shows its local stock on the sandbox.
fn check_sandbox(sandbox: &Sandbox, store: &Store, ctx: &JobContext) -> anyhow::Result<()> {
    for row in store.linked_stock(&ctx.sync.warehouses)? {
        let p = sandbox
            .product(row.prom_id)
            .context("a linked product vanished")?;
        let (q, presence) = crate::jobs::push_stock::wanted(row.stock - row.reserved);
        ensure!(
            p.quantity_in_stock == Some(q) && p.presence == presence,
            "sandbox product {} shows {:?}/{} instead of {q}/{presence}",
            p.id,
            p.quantity_in_stock,
            p.presence
        );
    }
    Ok(())
}
