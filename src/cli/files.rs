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
/// file nor destroys the previous one. What is there is replaced as `>` would replace it:
/// a symlink keeps pointing where it did (the file it names is replaced), the old file's
/// permissions are kept (a 0600 file of buyers' phones stays 0600), and a pipe or a
/// device (`/dev/stdout`) is written through. A new file gets 0666 less the umask.
pub(super) fn write_file(file: &Path, text: String) -> Result<()> {
    write_with_mode(file, text.as_bytes(), 0o666)
}

/// As [`write_file`], a new file readable by its owner only (a store backup holds
/// buyers' names and phones).
pub(super) fn write_private_file(file: &Path, bytes: &[u8]) -> Result<()> {
    write_with_mode(file, bytes, 0o600)
}

fn write_with_mode(file: &Path, text: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    let err = |e| unreadable(file, e);
    // `metadata` follows symlinks: what is at the end of them.
    let existing = std::fs::metadata(file).ok();
    let dangling = existing.is_none()
        && std::fs::symlink_metadata(file).is_ok_and(|m| m.file_type().is_symlink());
    if dangling || existing.as_ref().is_some_and(|m| !m.is_file()) {
        return std::fs::write(file, text).map_err(err);
    }
    let target = match &existing {
        Some(_) => std::fs::canonicalize(file).map_err(err)?,
        None => file.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".promua-sync-export-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(mode));
    #[cfg(not(unix))]
    let _ = mode;
    let mut tmp = builder.tempfile_in(&dir).map_err(err)?;
    tmp.write_all(text).map_err(err)?;
    if let Some(m) = &existing {
        tmp.as_file()
            .set_permissions(m.permissions())
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(&target).map_err(|e| err(e.error))?;
    Ok(())
}

fn unreadable(file: &Path, e: std::io::Error) -> BackofficeError {
    BackofficeError::Invalid(format!("{}: {e}", file.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_export_keeps_the_old_files_permissions_and_its_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("orders.csv");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_file(&real, "new".into()).unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(mode(&real), 0o600, "buyers' data stays private");

        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_file(&link, "through the link".into()).unwrap();
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_symlink(), "the link is kept");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "through the link");
        assert_eq!(mode(&real), 0o600);
        // Nothing left beside it.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_device_is_written_through_not_replaced() {
        write_file(Path::new("/dev/null"), "discarded".into()).unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }
}
