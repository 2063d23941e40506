//! A damaged store must fail clearly, never panic: sled 0.34 can panic on damaged files
//! (index out of bounds in `segment.rs`) at open or on a read. Calls into sled that read
//! a whole store run under [`guarded`]; a sled panic anywhere else (a job's read in the
//! daemon) is reported by the panic hook as damage, and the process exits 3 rather than
//! run on.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use super::{Result, Store, StoreError, codec};

thread_local! {
    /// Inside [`guarded`]: a sled panic here is caught and turned into an error.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// The last panic on this thread came from sled's code (set by the hook).
    static SLED_PANIC: Cell<bool> = const { Cell::new(false) };
}

/// The store last opened, for the message of a sled panic outside [`guarded`].
static OPENED: Mutex<Option<PathBuf>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// The panic is in sled's own code: a path component `sled-0.34.7` (or `sled`), whether
/// the path is absolute or trimmed.
fn from_sled(info: &PanicHookInfo<'_>) -> bool {
    info.location().is_some_and(|l| {
        l.file()
            .split(['/', '\\'])
            .any(|part| part == "sled" || part.starts_with("sled-"))
    })
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic inside sled".to_string())
}

fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let sled = from_sled(info);
            SLED_PANIC.with(|s| s.set(sled));
            if !sled {
                return previous(info);
            }
            if GUARDED.with(Cell::get) > 0 {
                // Caught by `guarded`, which reports it as damage.
                return;
            }
            let path = opened_path();
            let err = StoreError::Damaged {
                path,
                detail: format!("sled failed reading it: {}", panic_text(info.payload())),
            };
            tracing::error!("{err}");
            eprintln!("error: {err}");
            // Running on would mean acting on a store that cannot be read.
            std::process::exit(3);
        }));
    });
}

/// The store this process opened last (one process works on one store).
pub(super) fn opened_path() -> PathBuf {
    OPENED
        .lock()
        .ok()
        .and_then(|p| p.clone())
        .unwrap_or_default()
}

/// Runs `f`, turning a panic inside sled into [`StoreError::Damaged`] for `path`.
pub(super) fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    install_hook();
    if let Ok(mut p) = OPENED.lock() {
        *p = Some(path.to_path_buf());
    }
    GUARDED.with(|g| g.set(g.get() + 1));
    let out = std::panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get() - 1));
    match out {
        Ok(r) => r.map_err(|e| e.at(path)),
        // Only sled's panics are damage; a bug of ours goes on unwinding as the bug it is.
        Err(payload) if SLED_PANIC.with(Cell::get) => Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("sled failed reading it: {}", panic_text(payload.as_ref())),
        }),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Trees of derived data (the order search's): an entry of the wrong shape there is built
/// again from the orders, never a reason to refuse the store.
const DERIVED: [&str; 2] = ["order_heads", "order_index"];

impl Store {
    /// Reads every entry of every tree, so that damage anywhere in the files is found now
    /// rather than in the middle of a run, and checks the fixed-width keys and values
    /// the reads take apart (JSON values are left to the reads: decoding them all would
    /// make every open as slow as an export). An entry of the wrong shape in a derived
    /// tree is no error here: `store check` names it, the open clears it.
    pub fn verify_readable(&self) -> Result<usize> {
        Ok(self.read_back()?.0)
    }

    /// [`Store::verify_readable`] at open: a derived tree with an entry of the wrong
    /// shape is built again at the first search.
    pub(super) fn verify_readable_at_open(&self) -> Result<()> {
        if let Some(e) = self.read_back()?.1 {
            tracing::warn!("store: {e}; the orders' search index is built again");
            self.forget_order_search()?;
        }
        Ok(())
    }

    /// The entries read, and the first layout error met in a derived tree.
    fn read_back(&self) -> Result<(usize, Option<StoreError>)> {
        guarded(&self.path, || {
            let mut entries = 0usize;
            let mut derived = None;
            for (name, tree) in self.trees.named() {
                for kv in tree.iter() {
                    let (k, v) = kv.map_err(|e| StoreError::from(e).at(&self.path))?;
                    match codec::check_layout(name, &k, &v) {
                        Err(e) if DERIVED.contains(&name) => {
                            derived.get_or_insert(e);
                        }
                        other => other?,
                    }
                    entries += 1;
                }
            }
            Ok((entries, derived))
        })
    }
}
