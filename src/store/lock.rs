//! Whether another opener holds the store. sled 0.34 takes an exclusive `flock` on
//! `<store>/db` (through fs2) and, when that fails, returns `Error::Io` of kind `Other`
//! with the OS error only in its text, so its error cannot tell a held store from other
//! I/O trouble. We ask the OS the question sled asked (`File::try_lock` is the same
//! `flock` on Unix), and read the answer by its kind.

use std::fs::TryLockError;
use std::path::Path;

/// The store at `path` is locked by another opener (another process, or another
/// `Store` of this one). Asking takes the lock for an instant when it is free.
pub(super) fn held_elsewhere(path: &Path) -> bool {
    // The file sled locks; none yet means a new store nobody holds.
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path.join("db"))
    else {
        return false;
    };
    // On success the lock is ours until `file` closes, just below.
    matches!(file.try_lock(), Err(TryLockError::WouldBlock))
}

/// sled's open failed with `e` because the store is held: an I/O error, and the lock is
/// taken (someone may have taken it between our check before opening and sled's try).
pub(super) fn is_lock_failure(path: &Path, e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(_)) && held_elsewhere(path)
}
