use std::path::{Path, PathBuf};

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store {path} is in use by another process (is the daemon running? stop it, or use a command that goes through it)"
    )]
    Locked { path: PathBuf },
    #[error("cannot open the store {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    /// The files of the store are damaged: sled reported corruption or panicked reading them.
    #[error(
        "the store {path} is damaged and cannot be read ({detail}). Nothing was changed. \
         Stop the daemon, move {path} aside, and restore it from a backup \
         (`promua-sync store restore FILE` restores into the empty path); without a backup, start with an \
         empty store and link again by SKU (an import_products job with mode = \"link_only\")"
    )]
    Damaged { path: PathBuf, detail: String },
    /// The disk (or a file size limit) refused a write: what the failed call wrote is
    /// not acknowledged, and sled's log recovers without it.
    #[error(
        "cannot write the store {path}: the disk is full or a file size limit was reached \
         ({detail}). Nothing of this command was applied: free space on the disk (or raise \
         the limit), then try again"
    )]
    Full { path: PathBuf, detail: String },
    #[error("store error: {0}")]
    Sled(sled::Error),
    /// A record does not have the shape of its tree (see `codec.rs`): its files read
    /// back, but what they hold was written wrong or damaged.
    #[error(
        "the store holds unreadable data: a record in its `{tree}` tree {detail}. \
         Stop the daemon, move the store aside, and restore it from a backup \
         (`promua-sync store restore FILE` restores into the empty path); without a backup, start with an \
         empty store and link again by SKU (an import_products job with mode = \"link_only\")"
    )]
    Corrupt { tree: &'static str, detail: String },
    /// A value could not be encoded for its tree: a bug, as every stored type encodes.
    #[error("cannot encode a record for the store's `{tree}` tree: {detail}")]
    Encode { tree: &'static str, detail: String },
    #[error("{0}")]
    Invalid(String),
}

impl From<sled::Error> for StoreError {
    /// sled's corruption is damage to the store this process opened.
    fn from(e: sled::Error) -> Self {
        if is_full(&e) {
            StoreError::Full {
                path: super::damage::opened_path(),
                detail: io_detail(&e),
            }
        } else if matches!(e, sled::Error::Corruption { .. }) {
            StoreError::Damaged {
                path: super::damage::opened_path(),
                detail: damage_detail(&e.to_string()),
            }
        } else {
            StoreError::Sled(e)
        }
    }
}

impl StoreError {
    pub(crate) fn from_open(path: &Path, e: sled::Error) -> Self {
        let text = e.to_string();
        if super::lock::is_lock_failure(path, &e) {
            StoreError::Locked {
                path: path.to_path_buf(),
            }
        } else if is_full(&e) {
            StoreError::Full {
                path: path.to_path_buf(),
                detail: io_detail(&e),
            }
        } else if matches!(e, sled::Error::Corruption { .. })
            || text.contains("corrupt")
            || text.contains("failed to fill whole buffer")
        {
            StoreError::Damaged {
                path: path.to_path_buf(),
                detail: damage_detail(&text),
            }
        } else {
            StoreError::Open {
                path: path.to_path_buf(),
                detail: format!("{text}{}", open_advice(path, &e)),
            }
        }
    }

    /// Whether this error means the store's files are damaged (exit 3, do not run on them).
    /// sled's corruption errors become `Damaged` as they are converted (`From` above).
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StoreError::Damaged { .. } | StoreError::Corrupt { .. }
        )
    }

    /// The same error, said as damage to the store at `path` when it is damage.
    pub fn at(self, path: &Path) -> Self {
        match self {
            StoreError::Damaged { detail, .. } => StoreError::Damaged {
                path: path.to_path_buf(),
                detail,
            },
            StoreError::Corrupt { tree, detail } => StoreError::Damaged {
                path: path.to_path_buf(),
                detail: format!("a record in its `{tree}` tree {detail}"),
            },
            StoreError::Full { detail, .. } => StoreError::Full {
                path: path.to_path_buf(),
                detail,
            },
            other => other,
        }
    }
}

/// The OS error of a write the disk refused: no space, over quota, over the process's
/// file size limit.
fn is_full(e: &sled::Error) -> bool {
    use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
    let full = matches!(e, sled::Error::Io(io) if matches!(io.kind(), FileTooLarge | StorageFull | QuotaExceeded));
    if full {
        super::full::note();
    }
    full
}

/// An I/O error's own words ("File too large (os error 27)"), without sled's wrapping.
fn io_detail(e: &sled::Error) -> String {
    match e {
        // sled wraps the OS error in a custom one that prints as its Debug form.
        sled::Error::Io(io) if io.raw_os_error().is_some() => io.to_string(),
        sled::Error::Io(io) => io.kind().to_string(),
        other => other.to_string(),
    }
}

/// What to do about a store that cannot be opened, when the OS said why.
fn open_advice(path: &Path, e: &sled::Error) -> String {
    let sled::Error::Io(io) = e else {
        return String::new();
    };
    match io.kind() {
        std::io::ErrorKind::NotADirectory => format!(
            ": [store] path must name a directory (made at first use), and {} or a folder \
             above it is a file: point [store] path elsewhere, or move the file away",
            path.display()
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            ": the user running promua-sync (uid {}) must be able to read and write it: give \
             that user the directory (e.g. `chown -R USER {}`), or run as its owner",
            current_uid(),
            path.display()
        ),
        _ => String::new(),
    }
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// sled's corruption text ("Read corrupted data at file offset Some(Inline(19897672))
/// backtrace ()") without its debugging noise.
fn damage_detail(text: &str) -> String {
    let text = text.split(" backtrace").next().unwrap_or(text).trim();
    if text.starts_with("Read corrupted data") {
        let offset: String = text
            .split("Inline(")
            .nth(1)
            .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        if offset.is_empty() {
            "sled found corrupted data".to_string()
        } else {
            format!("sled found corrupted data at offset {offset}")
        }
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(raw: i32) -> [sled::Error; 2] {
        let e = sled::Error::Io(std::io::Error::from_raw_os_error(raw));
        // sled hands each later caller a clone: a custom error keeping only the kind.
        let cloned = e.clone();
        [e, cloned]
    }

    #[test]
    fn a_full_disk_or_quota_is_a_refused_write_in_either_form() {
        // ENOSPC, EDQUOT (Linux), EFBIG; raw as the OS gave it, cloned as sled repeats it.
        for (raw, words) in [
            (libc::ENOSPC, ["No space left on device", "storage"]),
            (libc::EDQUOT, ["quota exceeded", "quota"]),
            (libc::EFBIG, ["too large", "too large"]),
        ] {
            for (e, word) in refused(raw).into_iter().zip(words) {
                let shown = format!("{e:?}");
                match StoreError::from(e) {
                    StoreError::Full { detail, .. } => assert!(
                        detail.to_lowercase().contains(&word.to_lowercase()),
                        "{shown}: {detail}"
                    ),
                    other => panic!("{shown} became {other:?}"),
                }
            }
        }
        let denied = sled::Error::Io(std::io::Error::from_raw_os_error(libc::EACCES));
        assert!(matches!(StoreError::from(denied), StoreError::Sled(_)));
        // The daemon is told, to stop (see `full.rs`).
        assert!(crate::store::full::refused_so_far());
        // Other tests of this binary may run a daemon: it must not stop on this one's note.
        crate::store::full::forget();
    }
}
