//! Shared by the benches: a store holding a sandbox catalogue, every product linked.

use promua_sync::sandbox::SandboxProduct;
use promua_sync::store::{Actor, NewProduct, StockChange, Store};

/// Adds a local product per Prom product (the same SKU; `X-<id>` where it has none), sets
/// its stock to 1..=7 in `main`, links it to its Prom product, and flushes.
pub async fn link_catalogue(store: &Store, catalogue: &[SandboxProduct]) {
    let mut pairs = Vec::with_capacity(catalogue.len());
    for chunk in catalogue.chunks(10_000) {
        let new: Vec<NewProduct> = chunk
            .iter()
            .map(|p| NewProduct {
                sku: p.sku.clone().unwrap_or_else(|| format!("X-{}", p.id)),
                name: p.name.clone(),
                price: None,
                currency: None,
            })
            .collect();
        let made = store.add_products(&new).unwrap();
        let changes: Vec<StockChange> = made
            .iter()
            .zip(chunk)
            .enumerate()
            .map(|(k, (local, prom))| {
                pairs.push((local.id, prom.id));
                StockChange::Set {
                    product_id: local.id,
                    warehouse: "main".into(),
                    quantity: (k % 7) as i64 + 1,
                }
            })
            .collect();
        store
            .apply_stock_changes(&changes, Actor::System, None)
            .unwrap();
    }
    store.link_many(&pairs).unwrap();
    store.flush().await.unwrap();
}
