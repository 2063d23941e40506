//! The files the back-office commands read (CSV imports, filled-in link mappings) and
//! write (exports).

use std::path::Path;

use crate::backoffice::{BackofficeError, Result};
use crate::config::Config;

/// Reads a CSV file no larger than `[admin] max_csv_body_mb`, the size the daemon's admin
/// API accepts, so that a command behaves the same with the daemon running or stopped.
pub(super) fn read_csv_file(config: &Config, file: &Path) -> Result<Vec<u8>> {
    let limit_mb = config.admin.max_csv_body_mb;
    let size = std::fs::metadata(file)
        .map_err(|e| unreadable(file, e))?
        .len();
    if size > limit_mb << 20 {
        return Err(BackofficeError::TooLarge(format!(
            "{} is {:.1} MB; a CSV file may be at most {limit_mb} MB ([admin] max_csv_body_mb): split it, or raise the limit (and restart the daemon)",
            file.display(),
            size as f64 / (1u64 << 20) as f64
        )));
    }
    std::fs::read(file).map_err(|e| unreadable(file, e))
}

/// Writes an export.
pub(super) fn write_file(file: &Path, text: String) -> Result<()> {
    std::fs::write(file, text).map_err(|e| unreadable(file, e))
}

fn unreadable(file: &Path, e: std::io::Error) -> BackofficeError {
    BackofficeError::Invalid(format!("{}: {e}", file.display()))
}
