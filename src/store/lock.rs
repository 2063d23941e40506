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

/// sled's open failed with `e` because the store is held: an I/O error that says so, or
/// one raised while the lock is taken. The OS is asked only after sled failed: asking
/// takes the lock for an instant, which must never be what makes another opener fail.
/// sled's words are checked first because the holder may let go before we ask.
pub(super) fn is_lock_failure(path: &Path, e: &sled::Error) -> bool {
    let sled::Error::Io(io) = e else {
        return false;
    };
    io.to_string().contains("could not acquire lock") || held_elsewhere(path)
}
