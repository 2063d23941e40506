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

/// Writes an export whole or not at all: into a new file beside it, renamed over the
/// target once written and synced, so that an interrupted export never leaves half a
/// file nor destroys the previous one. An existing file is replaced, as `>` would; the
/// new one gets the usual permissions (0666 less the umask).
pub(super) fn write_file(file: &Path, text: String) -> Result<()> {
    use std::io::Write;
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".promua-sync-export-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(|e| unreadable(file, e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| unreadable(file, e))?;
    tmp.persist(file).map_err(|e| unreadable(file, e.error))?;
    Ok(())
}

fn unreadable(file: &Path, e: std::io::Error) -> BackofficeError {
    BackofficeError::Invalid(format!("{}: {e}", file.display()))
}
