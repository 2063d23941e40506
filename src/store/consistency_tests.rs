//! The check while writers run: it sees the store between writes, never in the middle.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::super::{Actor, StockChange, Store};

#[test]
fn a_check_during_stock_moves_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("store")).unwrap();
    let ids: Vec<u64> = (0..20)
        .map(|n| s.add_product(&format!("P-{n}"), "p").unwrap().id)
        .collect();
    for id in &ids {
        s.set_stock(*id, "main", 1_000).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (s, stop, ids) = (s.clone(), stop.clone(), ids.clone());
        std::thread::spawn(move || {
            let mut moves = 0;
            while !stop.load(Ordering::Relaxed) {
                for id in &ids {
                    let change = StockChange::Adjust {
                        product_id: *id,
                        warehouse: "main".into(),
                        delta: if moves % 2 == 0 { -1 } else { 1 },
                    };
                    s.apply_stock_changes(&[change], Actor::Cli, None).unwrap();
                    moves += 1;
                }
            }
            moves
        })
    };
    let mut findings = Vec::new();
    for _ in 0..40 {
        findings.extend(s.check_consistency().unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    let moves = writer.join().unwrap();
    assert!(moves > 0, "the writer never ran");
    assert_eq!(findings, Vec::<String>::new(), "over {moves} moves");
}
