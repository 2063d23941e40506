//! `demo`: the whole integration on a fresh machine, offline, in seconds. A sandbox on a
//! free loopback port plays the Prom.ua shop; a store in a temporary directory (or the
//! `--keep` one) plays the back office. Every step goes through the code the CLI runs
//! (the `Ledger` a command gets from `backoffice::connect`, and `run_job` with the
//! configuration loaded from a `jobs.toml`), checks its effect on the sandbox and the
//! store, and fails the demo when it did not happen.
//!
//! `world` holds the data and the configuration, `setup` starts them, the `steps_*`
//! files walk the story, `print` speaks, `keep` leaves the result for the user.

mod keep;
mod print;
mod setup;
mod steps_catalogue;
mod steps_drift;
mod steps_orders;
pub mod world;

use std::path::PathBuf;

pub use keep::check_keep_dir;

/// The steps the demo walks, for "Step N/8".
const STEPS: usize = 8;

/// What `demo` was asked.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Plain products in the shop besides the hard cases (each with a local product of
    /// the same SKU).
    pub products: usize,
    /// Pause between steps for Enter.
    pub step: bool,
    /// Leave the store, the sandbox's data and a `jobs.toml` here.
    pub keep: Option<PathBuf>,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Bad usage (exit 2): nothing was written.
    #[error("{0}")]
    Usage(String),
    /// A step did not do what it should (exit 3).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Runs the demo, printing each step to stdout.
pub async fn run(opts: DemoOptions) -> Result<(), DemoError> {
    if let Some(dir) = &opts.keep {
        check_keep_dir(dir).map_err(DemoError::Usage)?;
    }
    let started = std::time::Instant::now();
    let temp;
    let dir = match &opts.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp =
                tempfile::tempdir().map_err(|e| anyhow::anyhow!("a temporary directory: {e}"))?;
            temp.path().to_path_buf()
        }
    };
    let mut demo = setup::Demo::start(&dir, opts.products).await?;
    let mut screen = print::Screen::new(STEPS, opts.step);
    let walked = async {
        steps_catalogue::stage(&mut demo, &mut screen).await?;
        steps_catalogue::link_by_sku(&mut demo, &mut screen).await?;
        steps_catalogue::link_by_hand(&mut demo, &mut screen).await?;
        steps_orders::pull_orders(&mut demo, &mut screen).await?;
        steps_orders::reservation(&mut demo, &mut screen).await?;
        steps_orders::status_and_price(&mut demo, &mut screen).await?;
        steps_drift::cabinet_edit(&mut demo, &mut screen).await?;
        anyhow::Ok(())
    }
    .await;
    let kept = match (&opts.keep, &walked) {
        (Some(dir), Ok(())) => Some(keep::keep(&demo, dir).await?),
        _ => None,
    };
    let elapsed = started.elapsed();
    demo.stop().await;
    walked?;
    steps_drift::real_shop(&mut screen, kept.as_ref()).await;
    println!(
        "\nThe demo walked {STEPS} steps in {:.1} s.",
        elapsed.as_secs_f64()
    );
    Ok(())
}
