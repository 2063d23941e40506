//! Whether another opener holds the store. sled 0.34 takes an exclusive `flock` on
//! `<store>/db` (through fs2) and, when that fails, returns `Error::Io` of kind `Other`
//! with the OS error only in its text, so its error cannot tell a held store from other
//! I/O trouble. We ask the OS the question sled asked, and read the answer by its kind.
//!
//! (`std::fs::File::try_lock`, stable since Rust 1.89, would replace the `flock`
//! declaration below once the crate's `rust-version` allows it.)

use std::path::Path;

/// The store at `path` is locked by another opener (another process, or another
/// `Store` of this one). Asking takes the lock for an instant when it is free.
#[cfg(unix)]
pub(super) fn held_elsewhere(path: &Path) -> bool {
    use std::ffi::c_int;
    use std::os::fd::AsRawFd;

    // The values are the same on Linux, the BSDs and macOS.
    const LOCK_EX: c_int = 2;
    const LOCK_NB: c_int = 4;
    unsafe extern "C" {
        /// flock(2): takes no pointers, so any arguments are memory-safe.
        safe fn flock(fd: c_int, operation: c_int) -> c_int;
    }

    // The file sled locks; none yet means a new store nobody holds.
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path.join("db"))
    else {
        return false;
    };
    // On success the lock is ours until `file` closes, just below.
    flock(file.as_raw_fd(), LOCK_EX | LOCK_NB) != 0
        && std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock
}

/// Elsewhere, only sled's error says it (see [`is_lock_failure`]).
#[cfg(not(unix))]
pub(super) fn held_elsewhere(_path: &Path) -> bool {
    false
}

/// sled's open failed with `e` because the store is held: an I/O error, and the lock is
/// taken (someone may have taken it between our check before opening and sled's try).
pub(super) fn is_lock_failure(path: &Path, e: &sled::Error) -> bool {
    let sled::Error::Io(io) = e else {
        return false;
    };
    if cfg!(unix) {
        held_elsewhere(path)
    } else {
        // No `flock` to ask: sled's words are all there is.
        io.to_string().contains("could not acquire lock")
    }
}
