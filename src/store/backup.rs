//! Backup, restore and compaction of the whole store (the file format is in
//! `backup_file.rs`).
//!
//! A backup is a point-in-time copy: sled's `export` is not one across trees while
//! writes go on, so the backup reads every tree while holding the store's write pause
//! ([`Store::pause_writes`]), which every writer of this store takes for reading.
//! A restore writes into a new directory beside the target and renames it into place
//! only once it has read back whole, so a failure leaves nothing half-restored (the swap
//! itself is `swap.rs`).

use std::path::{Path, PathBuf};

use super::backup_file::{self, BadBackup, Entries};
use super::{Result, Store, StoreError, swap, trees};

/// What a restore or a compaction made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Entries written, over every tree.
    pub entries: usize,
    /// The store's size on disk after it, in bytes.
    pub bytes: u64,
}

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    pub entries: usize,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// The header of a whole backup file, once the file checks out (length, checksum,
/// entries against counts, trees this build knows).
pub fn read_backup_header(
    bytes: &[u8],
) -> std::result::Result<backup_file::BackupHeader, BadBackup> {
    backup_file::decode(bytes, &Store::tree_names()).map(|(h, _)| h)
}

impl Store {
    /// Stops this store's writers until the guard drops (writers take it for reading).
    pub(super) fn pause_writes(&self) -> std::sync::RwLockWriteGuard<'_, ()> {
        self.quiet.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The whole store as a backup file (see `backup_file.rs`), every tree read while
    /// writes are paused.
    pub fn backup(&self) -> Result<Vec<u8>> {
        let trees = super::damage::guarded(&self.path, || {
            let _paused = self.pause_writes();
            self.trees
                .named()
                .into_iter()
                .map(|(name, tree)| {
                    let entries = tree
                        .iter()
                        .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())))
                        .collect::<std::result::Result<Entries, _>>()?;
                    Ok((name, entries))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(backup_file::encode(&trees, chrono::Utc::now()))
    }

    /// Every tree's name, in the store's order.
    pub fn tree_names() -> Vec<&'static str> {
        trees::Trees::try_from_names(Ok::<_, ()>)
            .map(|t| t.named().map(|(name, _)| name).to_vec())
            .unwrap_or_default()
    }

    /// Restores `backup` (a whole backup file) as the store at `path` (a symlink's
    /// target), which must be absent, an empty directory, or a store holding nothing; a
    /// store with data or in use is refused ([`StoreError::Invalid`]), as is a file that
    /// does not check out. The file is checked whole before anything is written; an
    /// empty store there is held (locked) until the restored one replaces it.
    pub fn restore(path: &Path, backup: &[u8]) -> Result<Restored> {
        let (_, trees) = backup_file::decode(backup, &Self::tree_names())
            .map_err(|BadBackup(why)| StoreError::Invalid(format!("cannot restore: {why}")))?;
        let path = &swap::resolve_link(path)?;
        let target = target_is_clear(path)?;
        let owner = swap::Owner::of(path)?;
        let staged = stage(path, &trees)?;
        owner.apply(staged.dir.path())?;
        let entries = staged.entries;
        match target {
            Target::Absent => swap::put(staged.dir, path)?,
            Target::EmptyDir => {
                // Fails if anything appeared there meanwhile (a daemon's new store).
                std::fs::remove_dir(path).map_err(|e| io(path, e))?;
                swap::put(staged.dir, path)?;
            }
            Target::EmptyStore(held) => swap::replace(staged.dir, path, *held)?,
        }
        Ok(Restored {
            entries,
            bytes: dir_size(path),
        })
    }

    /// Rewrites the store at `path` (a symlink's target) to reclaim space: a backup of
    /// it restored beside it, then swapped in. The store is held open (locked) from the
    /// copy to the swap, so nothing writes to it meanwhile. Refused while another
    /// process (the daemon) holds it.
    pub fn compact(path: &Path) -> Result<Compacted> {
        let path = &swap::resolve_link(path)?;
        if !path.join("db").exists() {
            return Err(StoreError::Invalid(format!(
                "there is no store at {}",
                path.display()
            )));
        }
        if let Some(name) = foreign_entry(path) {
            return Err(StoreError::Invalid(format!(
                "cannot compact {}: it holds `{name}`, which is not part of a store (the directory is replaced whole)",
                path.display()
            )));
        }
        let bytes_before = dir_size(path);
        let held = Self::open_now(path)?;
        let backup = held.backup()?;
        let (_, trees) = backup_file::decode(&backup, &Self::tree_names())
            .map_err(|BadBackup(why)| StoreError::Invalid(why))?;
        let owner = swap::Owner::of(path)?;
        let staged = stage(path, &trees)?;
        owner.apply(staged.dir.path())?;
        let entries = staged.entries;
        swap::replace(staged.dir, path, held)?;
        Ok(Compacted {
            entries,
            bytes_before,
            bytes_after: dir_size(path),
        })
    }
}

#[derive(Debug)]
enum Target {
    Absent,
    EmptyDir,
    /// Held open (locked) until it is replaced.
    EmptyStore(Box<Store>),
}

/// `meta` keys a store writes for itself, with no data of the seller's: a store holding
/// only these is empty.
const BOOKKEEPING: [&[u8]; 8] = [
    super::link_count::LINK_COUNT,
    super::product_count::PRODUCT_COUNT,
    super::durability::GENERATION,
    super::order_scan::HEADS_BUILT,
    super::order_upkeep::POLICY_KEY,
    super::migrate::BINARY_VALUES,
    super::plan_view::VIEW_BUILT,
    super::link_free::FREE_BUILT,
];

/// Whether a restore may write `path`: nothing there, an empty directory, or a store
/// that holds nothing (only the bookkeeping `meta` a fresh open writes).
fn target_is_clear(path: &Path) -> Result<Target> {
    let refuse = |why: String| {
        Err(StoreError::Invalid(format!(
            "cannot restore into {}: {why}; restore into an absent or empty store path (move it aside first)",
            path.display()
        )))
    };
    match std::fs::read_dir(path).map(|mut entries| entries.next().is_none()) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::Absent),
        Err(e) => return refuse(e.to_string()),
        Ok(true) => return Ok(Target::EmptyDir),
        Ok(false) => {}
    }
    // The directory is replaced whole: never one holding anything but a store.
    if let Some(name) = foreign_entry(path) {
        return refuse(format!("it holds `{name}`, which is not part of a store"));
    }
    // `open` waits a moment for a lock: sled lets go of a store just closed (a command
    // that ended) a little after its handle drops.
    let store = match Store::open(path) {
        Ok(s) => s,
        Err(StoreError::Locked { .. }) => {
            return refuse("a running process (the daemon?) holds the store there".into());
        }
        Err(e) => {
            return refuse(format!(
                "it holds something that is not an empty store ({e})"
            ));
        }
    };
    for (name, tree) in store.trees.named() {
        if name != "meta" && !tree.is_empty() {
            return refuse(format!("the store there holds data (its `{name}` tree)"));
        }
    }
    for key in store.trees.meta.iter().keys() {
        let key = key?;
        if !BOOKKEEPING.contains(&&key[..]) {
            return refuse(format!(
                "the store there holds data (`{}` in its `meta` tree)",
                String::from_utf8_lossy(&key)
            ));
        }
    }
    Ok(Target::EmptyStore(Box::new(store)))
}

struct Staged {
    dir: tempfile::TempDir,
    entries: usize,
}

/// Writes `trees` into a new store in a directory beside `path`, then opens it as a
/// store (which reads every entry back) and flushes it. Dropped before it is kept, the
/// directory goes away.
fn stage(path: &Path, trees: &[(String, Entries)]) -> Result<Staged> {
    // A refused write (a full disk) names the store being made, not the last one opened.
    stage_into(path, trees).map_err(|e| e.at(path))
}

fn stage_into(path: &Path, trees: &[(String, Entries)]) -> Result<Staged> {
    let dir = sibling(path, "restore")?;
    let mut entries = 0;
    {
        let db = super::cache::sled_config(dir.path())
            .open()
            .map_err(|e| StoreError::from_open(dir.path(), e))?;
        for (name, kvs) in trees {
            let tree = db.open_tree(name)?;
            for (k, v) in kvs {
                tree.insert(&k[..], &v[..])?;
            }
            entries += kvs.len();
        }
        db.flush()?;
    }
    let store = Store::open(dir.path())?;
    store.flush_blocking()?;
    drop(store);
    #[cfg(test)]
    hook::after_stage(path);
    Ok(Staged { dir, entries })
}

/// A new directory beside `path`, named for what it is for.
pub(super) fn sibling(path: &Path, what: &str) -> Result<tempfile::TempDir> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "store".into());
    tempfile::Builder::new()
        .prefix(&format!(".{name}.{what}-"))
        .tempdir_in(&parent)
        .map_err(|e| io(&parent, e))
}

pub(super) fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Open {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

/// The first entry of the directory `path` that is not one of a store's files (sled's
/// `conf`, `db`, `blobs`, `snap.*`, and our generation note and stamp).
fn foreign_entry(path: &Path) -> Option<String> {
    let entries = std::fs::read_dir(path).ok()?;
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| {
            !([
                "conf",
                "db",
                "blobs",
                super::durability::SEAL_FILE,
                super::file_stamp::STAMP_FILE,
            ]
            .contains(&name.as_str())
                || name.starts_with("snap."))
        })
}

/// The bytes of the files under `path` (the store's size on disk).
pub fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Tests run code between the staging and the swap (as a daemon restarting would).
#[cfg(test)]
pub(super) mod hook {
    use std::cell::RefCell;
    use std::path::Path;

    type Hook = Box<dyn Fn(&Path)>;

    thread_local! {
        static AFTER_STAGE: RefCell<Option<Hook>> = RefCell::new(None);
    }

    /// Runs `hook` (on this thread) after each staging, until [`clear`].
    pub fn set(hook: impl Fn(&Path) + 'static) {
        AFTER_STAGE.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }

    pub fn clear() {
        AFTER_STAGE.with(|h| *h.borrow_mut() = None);
    }

    pub(super) fn after_stage(path: &Path) {
        AFTER_STAGE.with(|h| {
            if let Some(hook) = h.borrow().as_ref() {
                hook(path);
            }
        });
    }
}
