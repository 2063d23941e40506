//! Backup, restore, compaction and the store check, on real stores.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::test_fixtures::policy;
use super::*;

type Dump = BTreeMap<&'static str, Vec<(Vec<u8>, Vec<u8>)>>;

/// Every tree's entries; `meta` without its flush counter (a restore flushes anew).
/// Every tree but the plan view's, which are derived: a store opened from files this
/// program did not close (restored, compacted) rebuilds them from the data.
fn data(s: &Store) -> Dump {
    // A restored or compacted store was not closed by this program: its order search is
    // built again at the first search, and must come out as the original's.
    s.find_orders(&super::OrderScope::All, |_| true, None, Some(1))
        .unwrap();
    let mut d = dump(s);
    d.remove("plan_view");
    d.remove("view_stale");
    d
}

fn dump(s: &Store) -> Dump {
    s.trees
        .named()
        .into_iter()
        .map(|(name, tree)| {
            let kvs = tree
                .iter()
                .map(|kv| kv.unwrap())
                .filter(|(k, _)| !(name == "meta" && &k[..] == durability::GENERATION))
                .map(|(k, v)| (k.to_vec(), v.to_vec()))
                .collect();
            (name, kvs)
        })
        .collect()
}

/// A store with products, stock (and so a journal), a link, an open order holding
/// stock, and a run.
fn shop(path: &std::path::Path) -> Store {
    let s = Store::open(path).unwrap();
    let a = s.add_product("A", "Чайник").unwrap();
    let b = s.add_product("B", "Кавник").unwrap();
    s.set_stock(a.id, "main", 10).unwrap();
    s.set_stock(b.id, "shop", 4).unwrap();
    s.link(a.id, 77).unwrap();
    let line = LocalLine {
        prom_product_id: Some(77),
        name: "Чайник".into(),
        quantity: Decimal::from(3),
        ..LocalLine::default()
    };
    let order = LocalOrder {
        prom_id: 1,
        status: "pending".into(),
        prom_status: Some("pending".into()),
        lines: vec![line],
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    };
    let pull = PullMark {
        cursor: None,
        tracking: Tracking {
            since: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            open_at_start: Vec::new(),
        },
    };
    s.upsert_orders(&[order], &policy(), &pull).unwrap();
    let run = crate::report::RunRecord {
        job: "stock".into(),
        kind: "push_stock".into(),
        started_at: Utc::now(),
        finished_at: Utc::now(),
        outcome: crate::report::Outcome::Ok,
        considered: 2,
        planned: 1,
        sent: 1,
        confirmed: 1,
        failed: vec![],
        requests: 1,
        retries: 0,
        error: None,
        notes: vec![],
        warnings: vec![],
        drift: vec![],
        recurring: None,
    };
    s.record_run(&run).unwrap();
    s.flush_blocking().unwrap();
    s
}

#[test]
fn a_backup_restores_every_tree_whole() {
    let d = tempfile::tempdir().unwrap();
    let s = shop(&d.path().join("db"));
    assert_eq!(s.reserved_of(1).unwrap(), 3, "the order holds stock");
    let file = s.backup().unwrap();
    let target = d.path().join("restored");
    let r = Store::restore(&target, &file).unwrap();
    let back = Store::open(&target).unwrap();
    let want = dump(&s);
    assert_eq!(data(&back), data(&s));
    assert_view_reads_are_the_walks(&back);
    assert_eq!(r.entries, want.values().map(Vec::len).sum::<usize>() + 1);
    for tree in [
        "products", "stock", "journal", "links", "orders", "runs", "reserved",
    ] {
        assert!(!want[tree].is_empty(), "{tree} is part of the comparison");
    }
    assert!(back.check_consistency().unwrap().is_empty());
    // Into an empty directory too.
    let empty = d.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    Store::restore(&empty, &file).unwrap();
    assert_eq!(data(&Store::open(&empty).unwrap()), data(&s));
}

/// Only the target and the store beside it: no half-restored directory left.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn a_restore_refuses_a_store_with_data_and_a_damaged_file() {
    let d = tempfile::tempdir().unwrap();
    let s = shop(&d.path().join("db"));
    let file = s.backup().unwrap();
    let other = d.path().join("other");
    {
        let o = Store::open(&other).unwrap();
        o.add_product("X", "x").unwrap();
        o.flush_blocking().unwrap();
    }
    let err = Store::restore(&other, &file).unwrap_err().to_string();
    assert!(err.contains("holds data"), "{err}");
    // A directory of other files is not replaced either.
    let papers = d.path().join("papers");
    std::fs::create_dir(&papers).unwrap();
    std::fs::write(papers.join("invoice.pdf"), "keep me").unwrap();
    let err = Store::restore(&papers, &file).unwrap_err().to_string();
    assert!(err.contains("`invoice.pdf`"), "{err}");
    assert_eq!(names(&papers), ["invoice.pdf"]);
    std::fs::remove_dir_all(&papers).unwrap();
    assert!(
        Store::open(&other)
            .unwrap()
            .product_by_sku("X")
            .unwrap()
            .is_some()
    );
    // The live store itself, held open here: refused as in use.
    let err = Store::restore(&d.path().join("db"), &file)
        .unwrap_err()
        .to_string();
    assert!(err.contains("holds the store"), "{err}");

    let mut bad = file.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    let target = d.path().join("new");
    let err = Store::restore(&target, &bad).unwrap_err().to_string();
    assert!(err.contains("checksum"), "{err}");
    assert!(!target.exists(), "nothing written");
    assert_eq!(names(d.path()), ["db", "other"]);
}

#[test]
fn a_backup_taken_during_writes_is_consistent() {
    let d = tempfile::tempdir().unwrap();
    let s = shop(&d.path().join("db"));
    let a = s.product_by_sku("A").unwrap().unwrap().id;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (s, stop) = (s.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut q = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                q = (q + 1) % 50;
                s.set_stock(a, "main", q).unwrap();
                s.mark_dirty_ids(&[a], DIRTY_STOCK).unwrap();
            }
        })
    };
    for i in 0..5 {
        let file = s.backup().unwrap();
        let target = d.path().join(format!("r{i}"));
        Store::restore(&target, &file).unwrap();
        let problems = Store::open(&target).unwrap().check_consistency().unwrap();
        assert!(problems.is_empty(), "backup {i}: {problems:?}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
}

#[test]
fn compaction_keeps_everything_and_refuses_a_held_store() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("db");
    let s = shop(&path);
    for q in 0..300 {
        s.set_stock(1, "main", q % 7).unwrap();
    }
    s.flush_blocking().unwrap();
    let err = Store::compact(&path).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    let want = data(&s);
    drop(s);
    let c = Store::compact(&path).unwrap();
    assert!(c.bytes_after > 0 && c.bytes_before > 0, "{c:?}");
    let back = Store::open(&path).unwrap();
    assert_eq!(data(&back), want);
    assert_view_reads_are_the_walks(&back);
    assert_eq!(names(d.path()), ["db"]);
}

#[test]
fn the_check_names_each_injected_inconsistency() {
    let d = tempfile::tempdir().unwrap();
    let s = shop(&d.path().join("db"));
    assert_eq!(s.check_consistency().unwrap(), Vec::<String>::new());
    let b = s.product_by_sku("B").unwrap().unwrap().id;
    // Stock changed behind the journal's back, an index entry of nobody, a reverse link
    // without its link.
    s.trees
        .stock
        .insert(codec::stock_key(b, "shop"), &9_i64.to_be_bytes())
        .unwrap();
    s.trees.sku_index.insert("GHOST", &codec::be(999)).unwrap();
    s.trees
        .links_by_prom
        .insert(88_i64.to_be_bytes(), &codec::be(b))
        .unwrap();
    // A presence setting of a product that is not there.
    s.trees
        .presence_settings
        .insert(codec::be(777), "order")
        .unwrap();
    let problems = s.check_consistency().unwrap();
    let has = |text: &str| problems.iter().any(|p| p.contains(text));
    assert!(
        has("has 9 in shop, its journal adds up to 4"),
        "{problems:?}"
    );
    assert!(has("sends GHOST to product 999"), "{problems:?}");
    assert!(has("Prom product 88 points back"), "{problems:?}");
    assert!(
        has("presence setting of missing product 777"),
        "{problems:?}"
    );
}

#[test]
#[ignore = "a measurement: cargo test --lib measure_backup -- --ignored --nocapture"]
fn measure_backup() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("db");
    let s = Store::open(&path).unwrap();
    let n = 20_000u64;
    for i in 0..n {
        let p = s
            .add_product(&format!("SKU-{i:06}"), &format!("Товар номер {i}"))
            .unwrap();
        s.set_stock(p.id, "main", (i % 50) as i64).unwrap();
        s.link(p.id, 5_000_000 + i as i64).unwrap();
    }
    s.flush_blocking().unwrap();
    let t = std::time::Instant::now();
    let file = s.backup().unwrap();
    eprintln!("backup: {} bytes in {:?}", file.len(), t.elapsed());
    let t = std::time::Instant::now();
    let problems = s.check_consistency().unwrap();
    eprintln!("check: {} problems in {:?}", problems.len(), t.elapsed());
    drop(s);
    let t = std::time::Instant::now();
    let r = Store::restore(&d.path().join("r"), &file).unwrap();
    eprintln!("restore: {r:?} in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let c = Store::compact(&path).unwrap();
    eprintln!("compact: {c:?} in {:?}", t.elapsed());
}

#[test]
fn a_backup_from_before_the_plan_view_restores_with_one() {
    let d = tempfile::tempdir().unwrap();
    let s = shop(&d.path().join("db"));
    s.refresh_plan_view().unwrap();
    assert_eq!(s.trees.plan_view.len(), 1);
    let (_, trees) = backup_file::decode(&s.backup().unwrap(), &Store::tree_names()).unwrap();
    // The file an older build wrote: neither tree of the view, nothing of it in `meta`.
    let old: Vec<(&str, backup_file::Entries)> = trees
        .iter()
        .filter(|(name, _)| !["plan_view", "view_stale"].contains(&name.as_str()))
        .map(|(name, entries)| {
            let kept = entries
                .iter()
                .filter(|(k, _)| !k.starts_with(b"plan_view") && !k.starts_with(b"view_seq"))
                .cloned()
                .collect();
            (name.as_str(), kept)
        })
        .collect();
    let target = d.path().join("restored");
    Store::restore(&target, &backup_file::encode(&old, Utc::now())).unwrap();
    let back = Store::open(&target).unwrap();
    assert!(back.view_built().unwrap());
    assert_eq!(
        dump(&back)["plan_view"],
        dump(&s)["plan_view"],
        "built anew, the same"
    );
    let main = ["main".to_string()];
    assert_eq!(
        back.linked_stock(&main).unwrap(),
        s.linked_stock_walk(&main).unwrap()
    );
    assert!(back.check_consistency().unwrap().is_empty());
}

#[track_caller]
fn assert_view_reads_are_the_walks(s: &Store) {
    assert!(s.view_built().unwrap());
    assert!(s.trees.view_stale.is_empty(), "rebuilt at open");
    for set in [vec!["main".to_string()], vec!["main".into(), "shop".into()]] {
        assert_eq!(
            s.linked_stock(&set).unwrap(),
            s.linked_stock_walk(&set).unwrap()
        );
    }
    assert_eq!(s.linked_prices().unwrap(), s.linked_prices_walk().unwrap());
}
