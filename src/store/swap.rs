//! Putting a staged store in place of the store directory (restore, compaction): with
//! the owner, group and mode of what it replaces, the old store held (locked) until the
//! new one is in, never deleted before that, and what is left where named when a step
//! fails.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::backup::{io, sibling};
use super::{Result, Store, StoreError};

/// The owner, group and mode a new store directory takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Owner {
    uid: u32,
    gid: u32,
    mode: u32,
}

impl Owner {
    /// Those of the directory at `path`, or of its nearest existing parent when there is
    /// none. (Run with
    /// sudo, a restore stages as root in a 0700 directory; renamed into a systemd
    /// `DynamicUser` state directory as is, the daemon could not open it, and systemd
    /// does not chown a directory whose top is already owned right.)
    pub(super) fn of(path: &Path) -> Result<Self> {
        let mut at = path;
        let meta = loop {
            match std::fs::metadata(at) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    at = match at.parent() {
                        Some(p) if !p.as_os_str().is_empty() => p,
                        _ => Path::new("."),
                    };
                }
                other => break other.map_err(|e| io(at, e))?,
            }
        };
        // A parent's mode is a hint only: a store holds buyers' data, so never the
        // world's bits nor the parent's special ones (a store restored under /tmp is not 1777).
        let mode = if at == path {
            meta.mode() & 0o7777
        } else {
            meta.mode() & 0o750
        };
        Ok(Self {
            uid: meta.uid(),
            gid: meta.gid(),
            mode,
        })
    }

    /// Gives everything under `dir` (and `dir`) this owner and group, and the
    /// directories this mode. Changing the owner needs the right to; without it only a
    /// tree already owned so passes.
    pub(super) fn apply(&self, dir: &Path) -> Result<()> {
        let meta = std::fs::symlink_metadata(dir).map_err(|e| io(dir, e))?;
        if meta.uid() != self.uid || meta.gid() != self.gid {
            std::os::unix::fs::lchown(dir, Some(self.uid), Some(self.gid)).map_err(|e| {
                StoreError::Open {
                    path: dir.to_path_buf(),
                    detail: format!(
                        "cannot give it the owner of the store it replaces (uid {}, gid {}): {e}",
                        self.uid, self.gid
                    ),
                }
            })?;
        }
        if meta.is_dir() {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(self.mode))
                .map_err(|e| io(dir, e))?;
            for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
                self.apply(&entry.map_err(|e| io(dir, e))?.path())?;
            }
        }
        Ok(())
    }
}

/// Where a store path really is: a symlink's target (a restore writes into the target,
/// the link stays), else the path itself.
pub(super) fn resolve_link(path: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => Ok(target),
            // A link to nothing yet: where it points, beside the link when relative.
            Err(_) => {
                let target = std::fs::read_link(path).map_err(|e| io(path, e))?;
                Ok(path.parent().unwrap_or(Path::new(".")).join(target))
            }
        },
        _ => Ok(path.to_path_buf()),
    }
}

/// Renames the staged store `staged` to `path`, where nothing is. On failure (something
/// appeared there meanwhile) the staged copy is removed: nothing is left behind.
pub(super) fn put(staged: tempfile::TempDir, path: &Path) -> Result<()> {
    let dir = staged.keep();
    std::fs::rename(&dir, path).map_err(|e| {
        let _ = std::fs::remove_dir_all(&dir);
        io(path, e)
    })
}

/// Puts `staged` in place of the store at `path`, which `held` holds open (and locked:
/// no daemon takes it, nothing writes to it) until the new store is in; the old one is
/// removed only then. On failure the old store is put back and the staged copy removed;
/// when even putting it back fails, the error names where each was left.
pub(super) fn replace(staged: tempfile::TempDir, path: &Path, held: Store) -> Result<()> {
    // Kept from here: a failure below must never delete the old store with it.
    let aside = sibling(path, "old")?.keep();
    if let Err(e) = std::fs::rename(path, &aside) {
        let _ = std::fs::remove_dir(&aside);
        return Err(io(path, e));
    }
    let dir = staged.keep();
    if let Err(e) = std::fs::rename(&dir, path) {
        return Err(match std::fs::rename(&aside, path) {
            Ok(()) => {
                let _ = std::fs::remove_dir_all(&dir);
                io(path, e)
            }
            Err(back) => StoreError::Open {
                path: path.to_path_buf(),
                detail: format!(
                    "{e}; the old store is left at {} (putting it back failed: {back}), the new one at {}",
                    aside.display(),
                    dir.display()
                ),
            },
        });
    }
    drop(held);
    if let Err(e) = std::fs::remove_dir_all(&aside) {
        tracing::warn!(
            "the old store is left at {}: cannot remove it ({e})",
            aside.display()
        );
    }
    Ok(())
}

#[cfg(test)]
#[path = "swap_tests.rs"]
mod tests;
