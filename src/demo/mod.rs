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
mod world;

use std::path::{Path, PathBuf};
use std::time::Instant;

use keep::KeepDir;

/// The steps the demo walks, for "Step N/7". The closing screen (how to go live) is
/// not one: it checks nothing.
const STEPS: usize = 7;

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
    /// Ctrl-C: what the demo wrote is removed.
    #[error("interrupted")]
    Interrupted,
    /// A step did not do what it should (exit 3).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Runs the demo, printing each step to stdout. Whatever way it stops short (a step
/// failed, Ctrl-C), it leaves nothing behind: the temporary directory is dropped, and
/// a `--keep` directory gets back to how it was found.
pub async fn run(opts: DemoOptions) -> Result<(), DemoError> {
    let claimed = match &opts.keep {
        Some(dir) => Some(KeepDir::claim(dir).map_err(DemoError::Usage)?),
        None => None,
    };
    let temp;
    let dir = match &claimed {
        Some(k) => k.path.clone(),
        None => {
            temp =
                tempfile::tempdir().map_err(|e| anyhow::anyhow!("a temporary directory: {e}"))?;
            temp.path().to_path_buf()
        }
    };
    // Dropping the walk on Ctrl-C drops the store and the sandbox before the
    // directory holding them is removed (here, or by `temp`'s drop).
    let walked = tokio::select! {
        r = walk(&dir, &opts) => r.map_err(DemoError::Failed),
        Ok(()) = tokio::signal::ctrl_c() => Err(DemoError::Interrupted),
    };
    if walked.is_err()
        && let Some(k) = &claimed
    {
        k.take_back();
    }
    walked
}

async fn walk(dir: &Path, opts: &DemoOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut demo = setup::Demo::start(dir, opts.products).await?;
    let config_arg = format!("--config {} ", keep::shell_quoted(&dir.join("jobs.toml")));
    let mut screen = print::Screen::new(STEPS, opts.step, config_arg);
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
    // The demo's own work: the setup and the steps, not the pauses for Enter.
    let work = started.elapsed().saturating_sub(screen.waited());
    let kept = match (&opts.keep, &walked) {
        (Some(_), Ok(())) => Some(keep::keep(&demo, dir).await),
        _ => None,
    };
    // Stopped whatever happened above; the first error is the one reported.
    demo.stop().await;
    walked?;
    let kept = kept.transpose()?;
    steps_drift::real_shop(&mut screen, kept.as_ref()).await;
    println!(
        "\nThe demo walked {STEPS} steps in {:.1} s (setting up included, pauses not).",
        work.as_secs_f64()
    );
    Ok(())
}
