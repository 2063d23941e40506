//! The admin API token: generated at the daemon's first start into a file only its user
//! can read; read from there by the CLI.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Reads the token, or creates the file with a new random token (mode 0600).
pub fn load_or_create(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    "{} is readable by others (mode {:o}); chmod 600 it",
                    path.display(),
                    mode & 0o777
                );
            }
            return Ok(t.trim().to_string());
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            std::fs::create_dir_all(parent)?;
            parent
        }
        None => Path::new("."),
    };
    let token: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    replace_with(dir, path, &token)?;
    tracing::info!("admin API token created in {}", path.display());
    Ok(token)
}

/// Writes `token` to a new file made 0600 in `dir`, then renames it over `path`: what
/// was at `path` (an empty file left open to others, which someone may hold open; a
/// symlink; a file owned by another user) is replaced whole, never written through, and
/// a failure leaves it as it was.
fn replace_with(dir: &Path, path: &Path, token: &str) -> std::io::Result<()> {
    let name = path.file_name().map_or_else(
        || "admin-token".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    forget_leftovers(dir, &name);
    let temp = dir.join(format!(".{name}.{:016x}.new", rand::random::<u64>()));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        // `mode` is masked by the umask, which can only narrow it: 0600 or less.
        f.write_all(token.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    // The rename itself is durable once the directory is synced; the token is in place
    // either way, so a directory that cannot be synced is worth a warning, not a refusal.
    if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not sync the admin token's directory");
    }
    Ok(())
}

/// Removes temporary token files a killed earlier start left (`.NAME.<hex>.new`): each
/// holds a token nobody uses.
fn forget_leftovers(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if let Some(middle) = file
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".new"))
            && middle.len() == 16
            && middle.bytes().all(|b| b.is_ascii_hexdigit())
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The client side reads the same file (`backoffice`'s admin API client).
pub use crate::backoffice::read_admin_token as read;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/admin-token");
        let t = load_or_create(&path).unwrap();
        assert_eq!(t.len(), 64);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(load_or_create(&path).unwrap(), t);
        assert_eq!(read(&path).unwrap(), t);
    }

    #[test]
    fn a_temporary_token_file_a_killed_start_left_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-token");
        let left = dir.path().join(".admin-token.00000000deadbeef.new");
        let other = dir.path().join(".admin-token.notours.new");
        std::fs::write(&left, "old token\n").unwrap();
        std::fs::write(&other, "x").unwrap();
        load_or_create(&path).unwrap();
        assert!(!left.exists(), "the leftover token file stays");
        assert!(other.exists(), "a file not of our making was removed");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    /// Found by the reliability suite (issue 17): an empty token file readable by all
    /// got the new token and kept its mode.
    #[test]
    fn an_empty_file_left_open_to_others_is_narrowed_before_the_token_goes_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-token");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = load_or_create(&path).unwrap();
        assert_eq!(t.len(), 64);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    /// A process that opened the loose empty file before the daemon started must not
    /// read the token through it: the token goes into a new file renamed over the path.
    #[test]
    fn a_reader_of_the_loose_empty_file_never_sees_the_token() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin-token");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut held = std::fs::File::open(&path).unwrap();
        let t = load_or_create(&path).unwrap();
        let mut seen = String::new();
        held.read_to_string(&mut seen).unwrap();
        assert_eq!(seen, "", "the old file holds no token");
        assert!(
            held.metadata().unwrap().permissions().mode() & 0o777 == 0o644,
            "the old file is left as it was"
        );
        assert_eq!(read(&path).unwrap(), t);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["admin-token"], "no temporary file left");
    }

    /// A symlink at the path is replaced, not followed: the file it points to keeps
    /// its mode and gets no token.
    #[test]
    fn a_symlink_at_the_path_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = dir.path().join("admin-token");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let t = load_or_create(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
        assert_eq!(
            std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o644
        );
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_file(), "a file of its own");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(read(&path).unwrap(), t);
    }
}
