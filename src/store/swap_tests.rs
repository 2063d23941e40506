//! Restore and compaction as the swap sees them: the old store held until the new one is
//! in, a store appearing meanwhile left alone, owner and mode kept, links followed.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::super::backup::hook;
use super::super::{StockRouteMark, Store, StoreError};

/// A backup of a store with one product.
fn a_backup(dir: &Path) -> Vec<u8> {
    let s = Store::open(&dir.join("source")).unwrap();
    s.add_product("A", "a").unwrap();
    s.backup().unwrap()
}

fn holds_a(path: &Path) -> bool {
    Store::open(path)
        .unwrap()
        .product_by_sku("A")
        .unwrap()
        .is_some()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Nothing named for a restore or compaction is left beside `path`.
fn nothing_left_beside(path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let left: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.")))
        .collect();
    assert_eq!(left, Vec::<String>::new());
}

fn assert_locked(path: &Path) {
    match Store::open_now(path) {
        Err(StoreError::Locked { .. }) => {}
        other => panic!("the store was free to open before the swap: {other:?}"),
    }
}

#[test]
fn a_restore_holds_the_empty_store_it_replaces_until_the_swap() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path());
    let path = dir.path().join("store");
    drop(Store::open(&path).unwrap());
    hook::set(assert_locked);
    let done = Store::restore(&path, &backup);
    hook::clear();
    done.unwrap();
    assert!(holds_a(&path));
    nothing_left_beside(&path);
}

#[test]
fn a_compaction_holds_the_store_until_the_swap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    drop(Store::open(&path).unwrap().add_product("A", "a").unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o710)).unwrap();
    hook::set(assert_locked);
    let done = Store::compact(&path);
    hook::clear();
    done.unwrap();
    assert!(holds_a(&path));
    assert_eq!(mode(&path), 0o710, "the compacted store lost its mode");
    nothing_left_beside(&path);
}

/// A daemon restarted meanwhile creates a store where the restore is going: it stays,
/// and the restore fails leaving nothing behind.
#[test]
fn a_store_made_during_a_restore_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path());
    for empty_dir in [false, true] {
        let path = dir.path().join(format!("store-{empty_dir}"));
        if empty_dir {
            std::fs::create_dir(&path).unwrap();
        }
        hook::set(|path| {
            drop(Store::open(path).unwrap().add_product("LIVE", "l").unwrap());
        });
        let done = Store::restore(&path, &backup);
        hook::clear();
        assert!(done.is_err(), "restored over a store made meanwhile");
        let s = Store::open(&path).unwrap();
        assert!(s.product_by_sku("LIVE").unwrap().is_some());
        assert!(s.product_by_sku("A").unwrap().is_none());
        drop(s);
        nothing_left_beside(&path);
    }
}

#[test]
fn a_restore_takes_the_mode_of_the_directory_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path());
    let path = dir.path().join("store");
    std::fs::create_dir(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o750)).unwrap();
    Store::restore(&path, &backup).unwrap();
    assert_eq!(mode(&path), 0o750);
    // Absent: the parent's, without the world's bits or the parent's special ones.
    let parent = dir.path().join("state");
    std::fs::create_dir(&parent).unwrap();
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o751)).unwrap();
    Store::restore(&parent.join("store"), &backup).unwrap();
    assert_eq!(mode(&parent.join("store")), 0o750);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    Store::restore(&tmp.join("store"), &backup).unwrap();
    assert_eq!(mode(&tmp.join("store")), 0o750, "not 1777 under /tmp");
}

#[test]
fn a_restore_through_a_symlink_writes_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path());
    let target = dir.path().join("real");
    let link = dir.path().join("store");
    std::os::unix::fs::symlink("real", &link).unwrap();
    Store::restore(&link, &backup).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(holds_a(&target));
}

#[test]
fn a_store_with_only_meta_is_not_restored_over() {
    let dir = tempfile::tempdir().unwrap();
    let backup = a_backup(dir.path());
    let path = dir.path().join("store");
    let mark = StockRouteMark {
        since: chrono::Utc::now(),
        evidence: "read-back".into(),
    };
    assert!(
        Store::open(&path)
            .unwrap()
            .learn_stock_route(&mark)
            .unwrap()
    );
    let err = Store::restore(&path, &backup).unwrap_err().to_string();
    assert!(err.contains("stock_route"), "{err}");
    let s = Store::open(&path).unwrap();
    assert!(s.stock_route_mark().unwrap().is_some());
    assert!(s.product_by_sku("A").unwrap().is_none());
}
