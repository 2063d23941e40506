//! Starts the demo's world: the sandbox seeded with the shop, a `jobs.toml` pointing at
//! it, the store opened as a CLI command opens it, and the back office's products and
//! stock recorded through that same ledger.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use anyhow::{Context, bail, ensure};
use tokio_util::sync::CancellationToken;

use super::world::{self, TOKEN, WAREHOUSE};
use crate::backoffice::{Access, BackOffice, Connection, Ledger, StockSet};
use crate::config::{self, Config};
use crate::jobs::{JobContext, JobRun, Mode, RunOptions, run_job_with};
use crate::prom::PromClient;
use crate::sandbox::{RunningSandbox, Sandbox, SandboxOptions};
use crate::store::NewProduct;

/// Everything the steps work on.
pub struct Demo {
    pub sandbox: Sandbox,
    running: Option<RunningSandbox>,
    pub config: Config,
    /// The ledger a CLI command gets (the store, opened here).
    pub office: BackOffice,
    /// What `job run` builds to run a job in this process.
    pub ctx: JobContext,
    /// Plain products (`KT-1..`).
    pub plain: usize,
    /// The orders the buyer placed (step 4).
    pub orders: Vec<i64>,
}

impl Demo {
    pub async fn start(dir: &Path, plain: usize) -> anyhow::Result<Self> {
        let sandbox = Sandbox::new(SandboxOptions {
            token: TOKEN.into(),
            ..SandboxOptions::default()
        });
        sandbox.upsert_products(world::prom_catalogue(plain));
        let running = sandbox
            .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .context("starting the sandbox")?;
        let config_path = world::write_config(dir, &running.base_url())
            .with_context(|| format!("writing the configuration in {}", dir.display()))?;
        // Without the environment: a `PROMUA_SYNC__PROM__TOKEN` or `PROMUA_SYNC__STORE__PATH`
        // exported for the real shop must not reach the demo (nor its data the real store).
        let no_env: [(&str, &str); 0] = [];
        let mut config = match config::load_with_env(&config_path, no_env) {
            Ok(c) => c,
            Err(errors) => bail!("the demo's configuration: {}", errors.render(false)),
        };
        ensure!(
            config.prom.base_url == running.base_url(),
            "the demo's configuration points at {}, not at its sandbox {}",
            config.prom.base_url,
            running.base_url()
        );
        ensure!(
            config.store.path.starts_with(dir),
            "the demo's store {} is outside {}",
            config.store.path.display(),
            dir.display()
        );
        // The file paces requests for Prom.ua; the loopback sandbox takes them faster.
        // Only the pace: every rule and guard is the file's.
        config.prom.requests_per_second = 500;
        config.prom.retry_base_delay = std::time::Duration::from_millis(20);
        let office = match crate::backoffice::connect(&config, Access::ReadWrite).await? {
            Connection::Store(office) => office,
            _ => bail!(
                "the demo's store {} is held by another process",
                config.store.path.display()
            ),
        };
        let mut ctx = JobContext::new(
            office.store().clone(),
            Some(PromClient::new(&config.prom)?),
            config.sync.clone(),
            CancellationToken::new(),
        );
        ctx.config_path = Some(config_path.clone());
        ctx.stock_route = config.prom.stock_route;
        let demo = Self {
            sandbox,
            running: Some(running),
            config,
            office,
            ctx,
            plain,
            orders: Vec::new(),
        };
        demo.seed_back_office().await?;
        println!(
            "A Prom.ua sandbox plays the shop at {} with {} products; the back office (a store in {}) has {} products with stock in `{WAREHOUSE}`. They do not know each other yet.",
            demo.base_url(),
            demo.sandbox.products().len(),
            dir.display(),
            world::local_products(plain).len()
        );
        Ok(demo)
    }

    /// The seller's back office as it was before promua-sync: products with prices
    /// (`products add`) and counted stock (`stock set`).
    async fn seed_back_office(&self) -> anyhow::Result<()> {
        for p in world::local_products(self.plain) {
            self.office
                .add_product(&NewProduct {
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    price: Some(p.price),
                    currency: Some("UAH".into()),
                })
                .await
                .with_context(|| format!("products add {}", p.sku))?;
            self.office
                .set_stock(
                    &p.sku,
                    &StockSet {
                        warehouse: WAREHOUSE.into(),
                        quantity: p.stock,
                        reason: Some("counted".into()),
                    },
                )
                .await
                .with_context(|| format!("stock set {}", p.sku))?;
        }
        Ok(())
    }

    pub fn base_url(&self) -> String {
        self.config.prom.base_url.clone()
    }

    /// `job run NAME [--dry-run]`: the configured job, run as the CLI runs it with the
    /// daemon stopped. A real run must end ok.
    pub async fn job(&self, name: &str, mode: Mode) -> anyhow::Result<JobRun> {
        let job = self
            .config
            .jobs
            .iter()
            .find(|j| j.name == name)
            .with_context(|| format!("no job {name} in the demo's configuration"))?;
        let run = run_job_with(job, &self.ctx, mode, &RunOptions::default())
            .await
            .with_context(|| format!("job run {name}"))?;
        let wanted = match mode {
            Mode::Apply => crate::report::Outcome::Ok,
            Mode::DryRun => crate::report::Outcome::DryRun,
        };
        ensure!(
            run.record.outcome == wanted,
            "job run {name} ended {}: {}",
            run.record.outcome,
            run.record
                .error
                .clone()
                .or_else(|| {
                    run.record
                        .failed
                        .first()
                        .map(|f| format!("{} (Prom id {}): {}", f.sku, f.prom_id, f.reason))
                })
                .unwrap_or_default()
        );
        if mode == Mode::Apply {
            // What `job run` prints, indented under the command.
            for line in run.record.to_string().lines() {
                println!("    {line}");
            }
        }
        Ok(run)
    }

    /// Prom's quantity of a product, as text.
    pub fn qty(&self, prom_id: i64) -> anyhow::Result<String> {
        let p = self
            .sandbox
            .product(prom_id)
            .with_context(|| format!("Prom product {prom_id} is gone"))?;
        Ok(p.quantity_in_stock
            .map_or_else(|| "no quantity".into(), |q| q.to_string()))
    }

    /// Prom's price of a product, as text.
    pub fn price(&self, prom_id: i64) -> anyhow::Result<String> {
        let p = self
            .sandbox
            .product(prom_id)
            .with_context(|| format!("Prom product {prom_id} is gone"))?;
        Ok(format!("{:.2} {}", p.price, p.currency))
    }

    /// Stops the sandbox and makes the store durable (what a command does at its end).
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        if let Err(e) = self.office.store().flush().await {
            eprintln!("warning: flushing the demo's store: {e}");
        }
    }
}
