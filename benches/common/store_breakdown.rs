//! Shared by the benches: where a store's bytes go, tree by tree, beside sled's size on
//! disk, both per linked product.

use promua_sync::store::{Store, dir_size};

pub fn kb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1000.0)
}

/// Prints every tree's figures, the files' size on disk, and both per linked product;
/// returns sled's size on disk per linked product, in bytes.
pub fn breakdown(phase: &str, store: &Store) -> f64 {
    let linked = store.link_count().max(1) as u64;
    let sizes = store.tree_sizes().unwrap();
    let payload: u64 = sizes.iter().map(|t| t.bytes()).sum();
    let disk = store.size_on_disk().unwrap();
    println!("\n== {phase}: {linked} linked ==");
    println!(
        "{:<20} {:>9} {:>10} {:>11} {:>10}",
        "tree", "entries", "key KB", "value KB", "B/linked"
    );
    for t in sizes.iter().filter(|t| t.entries > 0) {
        println!(
            "{:<20} {:>9} {:>10} {:>11} {:>10.0}",
            t.name,
            t.entries,
            kb(t.key_bytes),
            kb(t.value_bytes),
            t.bytes() as f64 / linked as f64
        );
    }
    println!(
        "payload {} KB ({:.0} B/linked); sled size_on_disk {} KB ({:.0} B/linked), files {} KB; overhead {:.2}x",
        kb(payload),
        payload as f64 / linked as f64,
        kb(disk),
        disk as f64 / linked as f64,
        kb(dir_size(store.path())),
        disk as f64 / payload.max(1) as f64
    );
    disk as f64 / linked as f64
}
