//! `store backup|restore|check|compact`: care of the store. A backup and a check go
//! through the daemon's admin API when it holds the store; a restore and a compaction
//! need the store free (they replace its directory) and refuse while it is held.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::files::write_private_file;
use super::{EXIT_ERROR, EXIT_FAILED_ITEMS, EXIT_USAGE, fail, ledger};
use crate::backoffice::{Access, Ledger};
use crate::config::Config;
use crate::store::{Store, StoreError};

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Write a consistent copy of the whole store to FILE (through the daemon when it runs).
    Backup { file: PathBuf },
    /// Restore a backup into the configured store path, which must be absent or empty
    /// (never over a store with data, nor one the daemon holds).
    Restore { file: PathBuf },
    /// Check that the store agrees with itself (indexes, links, reservations, journal);
    /// exit 1 with the findings.
    Check {
        #[arg(long)]
        json: bool,
        /// First build again what is derived from the orders (the order search's heads
        /// and index), then check (through the daemon when it runs).
        #[arg(long)]
        repair: bool,
    },
    /// Rewrite the store to reclaim space (the daemon must be stopped).
    Compact,
}

pub(super) async fn store(config: &Config, cmd: StoreCommand) -> u8 {
    match cmd {
        StoreCommand::Backup { file } => backup(config, &file).await,
        StoreCommand::Restore { file } => restore(config, file).await,
        StoreCommand::Check { json, repair } => check(config, json, repair).await,
        StoreCommand::Compact => compact(config).await,
    }
}

async fn backup(config: &Config, file: &Path) -> u8 {
    let ledger = match ledger(config, Access::ReadOnly).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let bytes = match ledger.backup_store().await {
        Ok(b) => b,
        Err(e) => return fail(EXIT_ERROR, &format!("backup failed: {e}")),
    };
    // What came (perhaps over the network) is checked before it is kept.
    let header = match crate::store::read_backup_header(&bytes) {
        Ok(h) => h,
        Err(e) => {
            return fail(
                EXIT_ERROR,
                &format!("backup failed: the copy received does not check out: {e}"),
            );
        }
    };
    if let Err(e) = write_private_file(file, &bytes) {
        return fail(EXIT_ERROR, &format!("backup failed: {e}"));
    }
    let entries: u64 = header.trees.iter().map(|t| t.entries).sum();
    println!(
        "backed up {entries} entries of {} trees to {} ({} bytes)",
        header.trees.len(),
        file.display(),
        bytes.len()
    );
    0
}

async fn restore(config: &Config, file: PathBuf) -> u8 {
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) => return fail(EXIT_USAGE, &format!("{}: {e}", file.display())),
    };
    let path = config.store.path.clone();
    let done = blocking(move || Store::restore(&path, &bytes)).await;
    match done {
        Ok(r) => {
            println!(
                "restored {} entries from {} into {} ({} bytes on disk)",
                r.entries,
                file.display(),
                config.store.path.display(),
                r.bytes
            );
            0
        }
        Err(e) => fail(refusal_code(&e), &format!("{}: {e}", file.display())),
    }
}

async fn check(config: &Config, json: bool, repair: bool) -> u8 {
    let ledger = match ledger(config, Access::ReadOnly).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let findings = if repair {
        ledger.repair_store().await
    } else {
        ledger.check_store().await
    };
    let findings = match findings {
        Ok(f) => f,
        Err(e) => return fail(EXIT_ERROR, &format!("store check failed: {e}")),
    };
    if json {
        super::output::print(true, &findings, |_| String::new());
    } else if findings.is_empty() {
        println!("the store {} is consistent", config.store.path.display());
    } else {
        println!(
            "the store {} has {} problem(s):",
            config.store.path.display(),
            findings.len()
        );
        for f in &findings {
            println!("  {f}");
        }
    }
    if findings.is_empty() {
        0
    } else {
        EXIT_FAILED_ITEMS
    }
}

async fn compact(config: &Config) -> u8 {
    let path = config.store.path.clone();
    match blocking(move || Store::compact(&path)).await {
        Ok(c) => {
            println!(
                "compacted {} ({} entries): {} bytes before, {} after",
                config.store.path.display(),
                c.entries,
                c.bytes_before,
                c.bytes_after
            );
            0
        }
        Err(e) => fail(refusal_code(&e), &e.to_string()),
    }
}

/// A refusal (a store in use or with data, a file that is not a good backup) is the
/// caller's to fix: exit 2; anything else stopped the command: exit 3.
fn refusal_code(e: &StoreError) -> u8 {
    match e {
        StoreError::Invalid(_) | StoreError::Locked { .. } => EXIT_USAGE,
        _ => EXIT_ERROR,
    }
}

/// Runs store work on the blocking pool (it reads and writes whole stores).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Invalid(format!("the work did not run: {e}"))),
    }
}
