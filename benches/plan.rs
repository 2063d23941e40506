//! Planning a stock push over a large linked catalogue (DESIGN §4: 100,000 linked
//! products under 100 ms; 1,000,000 under 1 s). Run: `cargo bench --bench plan`
//! (`BENCH_N=1000000` for the large one). Prints the time of the store read, by the walk
//! of the sources (`linked_stock_walk`) and by the plan view (`linked_stock`), and of the
//! pure plan, best of 5; the price reads; a read with 1,000 products marked stale and the
//! refresh that folds them in; then the on-change push's read of 100 dirty products
//! (point reads) and the linked count its guards divide by.

use std::time::Instant;

use chrono::Utc;
use promua_sync::jobs::push_stock;
use promua_sync::store::{Actor, NewProduct, StockChange, StockSnapshot, Store};

/// This thread's time on a CPU so far, in ms (Linux's schedstat; 0 elsewhere): on a
/// machine shared with other work the wall clock also counts waits for a core.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e6)
}

fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let seeded = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let new: Vec<NewProduct> = chunk
            .iter()
            .map(|i| NewProduct {
                sku: format!("SKU-{i:07}"),
                name: format!("Товар {i}"),
                price: None,
                currency: None,
            })
            .collect();
        let products = store.add_products(&new).unwrap();
        let pairs: Vec<(u64, i64)> = products
            .iter()
            .enumerate()
            .map(|(k, p)| (p.id, 10_000_000 + (chunk[k] as i64)))
            .collect();
        store.link_many(&pairs).unwrap();
        let changes: Vec<StockChange> = products
            .iter()
            .flat_map(|p| {
                [
                    StockChange::Set {
                        product_id: p.id,
                        warehouse: "main".into(),
                        quantity: (p.id % 17) as i64,
                    },
                    StockChange::Set {
                        product_id: p.id,
                        warehouse: "shop".into(),
                        quantity: (p.id % 5) as i64,
                    },
                ]
            })
            .collect();
        store
            .apply_stock_changes(&changes, Actor::System, None)
            .unwrap();
        // Half of them confirmed at their current value: the plan sends the other half.
        let snaps: Vec<(u64, StockSnapshot)> = products
            .iter()
            .zip(&pairs)
            .filter(|(p, _)| p.id % 2 == 0)
            .map(|(p, (_, prom))| {
                let q = (p.id % 17 + p.id % 5) as i64;
                (
                    p.id,
                    StockSnapshot {
                        prom_id: *prom,
                        quantity: q,
                        presence: if q > 0 { "available" } else { "not_available" }.into(),
                        confirmed_at: Utc::now(),
                        unconfirmed: false,
                        hidden: false,
                    },
                )
            })
            .collect();
        store.put_stock_snapshots(&snaps).unwrap();
    }
    eprintln!(
        "seeded {n} linked products in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    let warehouses = vec!["main".to_string(), "shop".to_string()];
    // What the end of the seeding job run does: every product was marked, so the view is
    // rebuilt from the walk.
    let t = Instant::now();
    let folded = store.refresh_plan_view().unwrap();
    println!(
        "view refresh after seeding:  {:.0} ms ({folded} marks, a rebuild)",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let best = |read: &dyn Fn() -> Vec<promua_sync::store::LinkedStock>| {
        let (mut best_read, mut best_plan, mut planned) = (f64::MAX, f64::MAX, 0);
        let mut best_cpu = f64::MAX;
        for _ in 0..5 {
            let (t, cpu) = (Instant::now(), cpu_ms());
            let rows = read();
            let read_ms = t.elapsed().as_secs_f64() * 1000.0;
            best_read = best_read.min(read_ms);
            let t = Instant::now();
            let plan =
                push_stock::plan(&rows, 0, &Default::default(), &push_stock::Facts::default());
            best_plan = best_plan.min(t.elapsed().as_secs_f64() * 1000.0);
            best_cpu = best_cpu.min(cpu_ms() - cpu);
            planned = plan.changes.len();
            assert_eq!(plan.considered, n);
        }
        (best_read, best_plan, planned, best_cpu)
    };
    // The view first: the walk fills sled's cache with the source trees, which at a
    // million products pushes the view's pages out (a daemon plans from the view alone).
    let (view_read, view_plan, view_planned, view_cpu) =
        best(&|| store.linked_stock(&warehouses).unwrap());
    let (walk_read, walk_plan, planned, walk_cpu) =
        best(&|| store.linked_stock_walk(&warehouses).unwrap());
    assert_eq!(view_planned, planned);
    println!("linked products: {n}");
    println!("store read, walk (linked_stock_walk): {walk_read:.1} ms");
    println!("store read, view (linked_stock):      {view_read:.1} ms");
    println!("plan (pure):                          {view_plan:.1} ms");
    println!(
        "read + plan, walk:                    {:.1} ms (CPU {walk_cpu:.1} ms)",
        walk_read + walk_plan
    );
    println!(
        "read + plan, view:                    {:.1} ms (CPU {view_cpu:.1} ms)",
        view_read + view_plan
    );
    println!("changes planned:                      {planned}");
    let time = |f: &dyn Fn() -> usize| {
        let mut best_ms = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            assert!(f() > 0);
            best_ms = best_ms.min(t.elapsed().as_secs_f64() * 1000.0);
        }
        best_ms
    };
    println!(
        "price read, walk / view:              {:.1} / {:.1} ms",
        time(&|| store.linked_prices_walk().unwrap().len()),
        time(&|| store.linked_prices().unwrap().len())
    );
    // 1,000 products changed since the last refresh: the read takes them by point reads
    // over their blocks, then a refresh folds them in.
    let changed: Vec<StockChange> = store
        .linked_stock(&warehouses)
        .unwrap()
        .iter()
        .step_by((n / 1000).max(1))
        .map(|r| StockChange::Adjust {
            product_id: r.product_id,
            warehouse: "main".into(),
            delta: 1,
        })
        .collect();
    store
        .apply_stock_changes(&changed, Actor::System, None)
        .unwrap();
    println!(
        "view read with 1,000 marked:          {:.1} ms",
        time(&|| store.linked_stock(&warehouses).unwrap().len())
    );
    let t = Instant::now();
    let folded = store.refresh_plan_view().unwrap();
    println!(
        "view refresh of {folded} marks:            {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );

    // The on-change push: 100 dirty products by point reads, and the linked count the
    // guards divide by (it was a walk of the whole catalogue, the read above).
    let all = store.linked_stock(&warehouses).unwrap();
    let dirty: Vec<u64> = all
        .iter()
        .step_by((n / 100).max(1))
        .take(100)
        .map(|r| r.product_id)
        .collect();
    let (mut best_points, mut best_count) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        let t = Instant::now();
        let rows = store.linked_stock_of(&dirty, &warehouses).unwrap();
        best_points = best_points.min(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(rows.len(), dirty.len());
        let t = Instant::now();
        assert_eq!(store.linked_count().unwrap(), n);
        best_count = best_count.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("on-change read of 100 dirty: {best_points:.2} ms");
    println!("linked count (guards):       {best_count:.1} ms");
}
