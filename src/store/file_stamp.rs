//! A stamp of sled's files as this program left them, so that an open need not read the
//! whole store back when nothing else touched it since.
//!
//! Reading every entry at open (`damage.rs`) is what finds damage before anything runs on
//! it, and at 100,000 products it was most of a one-shot command's time (0.75 s of a
//! 1.2 s no-op push). Files this program closed cleanly and nobody changed since hold only
//! what sled wrote, and sled read back what it needed: the stamp (each file's inode,
//! length, and modify and change times, as finely as the file system keeps them: a few
//! milliseconds on Linux) is noted when the last handle
//! on the store drops, and an open whose files match it skips the full read. Anything
//! else (a crash, a copy, a restore, a file cut short or edited, `touch`: the change time
//! cannot be set back) leaves files that do not match, and the open reads it all as
//! before. An open takes the stamp away, so one left by an earlier close never vouches
//! for files a crashed process wrote since. `store check` always reads everything.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Beside sled's files: their stamp at the last clean close.
pub(super) const STAMP_FILE: &str = "promua-sync.closed";

/// One line per file of sled's (`conf`, `db`, `snap.*`, `blobs/*`), sorted; `None` when
/// a file cannot be read (then no stamp vouches for the store).
fn stamp(path: &Path) -> Option<String> {
    let mut lines = Vec::new();
    add_files(path, "", &mut lines)?;
    let blobs = path.join("blobs");
    if blobs.is_dir() {
        add_files(&blobs, "blobs/", &mut lines)?;
    }
    lines.sort();
    // Which program stamped them: files another version closed (a rollback, then the
    // upgrade again) are read back whole and their counts taken again (`mod.rs`): that
    // version may not keep what this one keeps.
    lines.insert(0, format!("promua-sync {}", env!("CARGO_PKG_VERSION")));
    Some(lines.join("\n"))
}

fn add_files(dir: &Path, prefix: &str, lines: &mut Vec<String>) -> Option<()> {
    for entry in std::fs::read_dir(dir).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata().ok()?;
        // Our own notes (the seal, this stamp) are not sled's data.
        if !meta.is_file() || name.starts_with("promua-sync.") {
            continue;
        }
        lines.push(format!(
            "{prefix}{name} {} {} {}.{} {}.{}",
            meta.ino(),
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        ));
    }
    Some(())
}

/// The inode of the store's `db` file: which store a handle opened (a restore or a
/// compaction puts another in its place while the old one is still held).
fn db_inode(path: &Path) -> Option<u64> {
    std::fs::metadata(path.join("db")).ok().map(|m| m.ino())
}

/// The stamp's last line, written only by a version that keeps the `order_index` with
/// every order it writes: alone at its open (so that a crash of this version keeps the
/// index trusted), after the files' lines at its clean close. An older binary (a
/// rollback) takes the stamp away at its open and stamps its close without the line, so
/// an index it left behind unkept is never trusted (`order_scan.rs`); so does a store
/// written by anything else (a restore's raw copy). Not a line of sled's files: those
/// are never named `promua-sync.*`.
const KEEPS_ORDER_INDEX: &str = "promua-sync.keeps order_index";

/// What the stamp left at the last clean close says.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Noted {
    /// The files are as the stamp noted them.
    pub files_match: bool,
    /// The order index was kept by every process that wrote the files since: this
    /// version closed them as they are, or opened them last and did not close them (a
    /// crash). A binary older than the stamp, which leaves it in place, is caught only
    /// in the first case: its writes change the files.
    pub keeps_order_index: bool,
}

/// Reads the stamp. Asked before sled opens the files: sled's recovery writes to them at
/// every open.
pub(super) fn noted(path: &Path) -> Noted {
    let Ok(text) = std::fs::read_to_string(path.join(STAMP_FILE)) else {
        return Noted::default();
    };
    let (files, keeps) = match text.strip_suffix(KEEPS_ORDER_INDEX) {
        Some(files) => (files.strip_suffix('\n').unwrap_or(files), true),
        None => (text.as_str(), false),
    };
    let files_match = stamp(path).is_some_and(|now| now == files);
    Noted {
        files_match,
        keeps_order_index: keeps && (files_match || files.is_empty()),
    }
}

/// Whether the files are as the stamp noted them.
#[cfg(test)]
pub(super) fn matches(path: &Path) -> bool {
    noted(path).files_match
}

/// Takes the stamp away once the store is open (sled's lock held): from now on this
/// process writes the files, and only its own clean close may vouch for them again.
/// Whether this call removed it: only then did it vouch for the files this open found
/// (not removed, e.g. a read-only directory: the files' times move with any write anyway).
pub(super) fn take(path: &Path) -> bool {
    std::fs::remove_file(path.join(STAMP_FILE)).is_ok()
}

/// Once the stamp is taken: notes that this version writes the store now. A stamp of
/// no files, which vouches for none (the next open reads them all back).
pub(super) fn note_open(path: &Path) {
    // Not written: the next open builds the order index again, as after a rollback.
    let _ = std::fs::write(path.join(STAMP_FILE), KEEPS_ORDER_INDEX);
}

/// Held by every clone of a `Store` (its last field, so dropped after sled's handles):
/// when the last one goes, sled has written all it will, and the files are stamped.
/// Armed only once an open succeeded: a store that failed its checks is never stamped.
#[derive(Default)]
pub(super) struct Closer {
    armed: std::sync::OnceLock<(PathBuf, u64)>,
}

impl Closer {
    /// The store at `path` opened sound (read back, or matching its stamp).
    pub(super) fn arm(&self, path: &Path) {
        if let Some(inode) = db_inode(path) {
            let _ = self.armed.set((path.to_path_buf(), inode));
        }
    }
}

impl Drop for Closer {
    fn drop(&mut self) {
        self.stamp_now();
    }
}

impl Closer {
    /// Stamps the files now, if the store opened sound and is still in its place.
    fn stamp_now(&self) {
        let Some((path, inode)) = self.armed.get() else {
            return;
        };
        // Another store was put in this one's place: its files are not ours to vouch for.
        if db_inode(path) != Some(*inode) {
            return;
        }
        if let Some(text) = stamp(path) {
            // Not written: the next open reads the store back, as without a stamp.
            let _ = std::fs::write(
                path.join(STAMP_FILE),
                format!("{text}\n{KEEPS_ORDER_INDEX}"),
            );
        }
    }
}

impl super::Store {
    /// For a one-shot command about to exit: makes what it wrote durable, stamps the
    /// files, and leaves sled's handles undropped. Dropping sled's page cache frees its
    /// page table entry by entry (50 ms of a 0.7 s no-op push at 100,000 linked products,
    /// growing with the store), which the process's exit does at once. Call it last:
    /// anything written after it is durable only if flushed, and unstamps the store (its
    /// next open then reads it all back, which is safe).
    pub async fn close_at_exit(&self) -> super::Result<()> {
        // sled's own flush, not `Store::flush`: that bumps the generation, a write a dry
        // run must not make. A run's own writes were sealed and flushed by the run.
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| sled::Error::ReportableBug(e.to_string()))??;
        std::mem::forget(self.clone());
        self.closer.stamp_now();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_clean_close_stamps_the_files_and_any_change_to_them_unstamps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let s = Store::open(&path).unwrap();
        s.add_product("A", "a").unwrap();
        s.flush_blocking().unwrap();
        let clone = s.clone();
        drop(s);
        assert!(!matches(&path), "a clone still holds it");
        drop(clone);
        assert!(path.join(STAMP_FILE).exists());
        assert!(matches(&path));
        let s = Store::open(&path).unwrap();
        assert!(!matches(&path), "an open takes it away");
        assert!(noted(&path).keeps_order_index, "this version writes it now");
        drop(s);

        // Stamped again, then one byte of sled's log changed in place (same length).
        assert!(matches(&path));
        let db = path.join("db");
        let mut bytes = std::fs::read(&db).unwrap();
        bytes[0] ^= 0xFF;
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&db, &bytes).unwrap();
        bytes[0] ^= 0xFF;
        std::fs::write(&db, &bytes).unwrap();
        assert!(!matches(&path), "a write by anyone else unstamps");
    }

    #[test]
    fn files_stamped_by_another_version_are_not_vouched_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        drop(Store::open(&path).unwrap());
        assert!(matches(&path));
        let ours = std::fs::read_to_string(path.join(STAMP_FILE)).unwrap();
        let theirs = ours.replacen(env!("CARGO_PKG_VERSION"), "0.0.1-older", 1);
        assert_ne!(ours, theirs, "the stamp names the version");
        std::fs::write(path.join(STAMP_FILE), theirs).unwrap();
        assert!(!matches(&path));
    }

    #[tokio::test]
    async fn a_close_at_exit_stamps_what_it_flushed_and_sled_writes_nothing_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let s = Store::open(&path).unwrap();
        s.add_product("A", "a").unwrap();
        s.close_at_exit().await.unwrap();
        drop(s);
        assert!(matches(&path));
        // sled's flusher runs every 500 ms: it finds nothing to write.
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert!(matches(&path), "sled wrote after the stamp");
    }
}
