//! Step 7, a cabinet edit found and repaired by `verify`; and the closing screen: how to
//! point the same configuration at a real shop.

use anyhow::{Context, ensure};
use rust_decimal::Decimal;

use super::keep::{Kept, shell_quoted};
use super::print::{Screen, prom_shows, say};
use super::setup::Demo;
use super::world;

/// The real shop's configuration, where the last screen tells to put it.
const SHOP_CONFIG: &str = "/etc/promua-sync/jobs.toml";
use crate::backoffice::Ledger;
use crate::jobs::Mode;

pub async fn cabinet_edit(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("A cabinet edit is found and repaired (verify, repair = true)")
        .await;
    let (qty_sku, qty_id) = (world::plain_sku(4), world::plain_prom_id(4));
    let (price_sku, price_id) = (world::plain_sku(5), world::plain_prom_id(5));
    let before_qty = demo.sandbox.product(qty_id).context("step 7: no product")?;
    let before_price = demo
        .sandbox
        .product(price_id)
        .context("step 7: no product")?;
    // The seller edits two products in Prom's cabinet, behind the back office's back.
    let mut edited_qty = before_qty.clone();
    edited_qty.quantity_in_stock = Some(99);
    let mut edited_price = before_price.clone();
    edited_price.price = Decimal::new(13900, 2);
    demo.sandbox.upsert_products([edited_qty, edited_price]);
    say(&format!(
        "In Prom's cabinet the seller sets {qty_sku}'s quantity to 99 (the back office says {}) and {price_sku}'s price to 139.00 (the rules say {:.2}).",
        before_qty.quantity_in_stock.unwrap_or_default(),
        before_price.price
    ));
    screen.command("job run verify");
    let run = demo.job("verify", Mode::Apply).await?;
    let found = |sku: &str, field: &str| {
        run.record
            .drift
            .iter()
            .any(|d| d.sku == sku && d.field == field && d.repaired)
    };
    ensure!(
        found(&qty_sku, "quantity_in_stock"),
        "step 7: verify did not find and repair {qty_sku}'s quantity"
    );
    ensure!(
        found(&price_sku, "price"),
        "step 7: verify did not find and repair {price_sku}'s price"
    );
    let after_qty = demo.sandbox.product(qty_id).context("step 7: no product")?;
    let after_price = demo
        .sandbox
        .product(price_id)
        .context("step 7: no product")?;
    ensure!(
        after_qty.quantity_in_stock == before_qty.quantity_in_stock,
        "step 7: Prom shows {qty_sku} at {:?} after the repair, not {:?}",
        after_qty.quantity_in_stock,
        before_qty.quantity_in_stock
    );
    ensure!(
        after_price.price == before_price.price,
        "step 7: Prom shows {price_sku} at {} after the repair, not {}",
        after_price.price,
        before_price.price
    );
    ensure!(
        !run.record.drift.is_empty() && run.record.drift.iter().all(|d| d.repaired),
        "step 7: verify left drift unrepaired"
    );
    let local = demo.office.show_product(&qty_sku).await?;
    ensure!(
        local.total_stock == before_qty.quantity_in_stock.unwrap_or_default() + local.reserved,
        "step 7: the repair changed the back office's stock of {qty_sku}"
    );
    say(&format!(
        "{} drifted field(s) found, every one sent back and confirmed: the back office wins.",
        run.record.drift.len()
    ));
    prom_shows(&format!(
        "{qty_sku} {} in stock again, {price_sku} at {} again.",
        demo.qty(qty_id)?,
        demo.price(price_id)?
    ));
    Ok(())
}

/// The screen after the steps: the same configuration, a real shop. Its commands name
/// the real shop's file, so that none of them can be mistaken for the demo's.
pub async fn real_shop(screen: &mut Screen, kept: Option<&Kept>) {
    screen
        .closing("Then: point the same configuration at your shop")
        .await;
    let file = kept.map_or_else(
        || "the jobs.toml `demo --keep DIR` leaves (the one the demo ran with)".into(),
        |k| shell_quoted(&k.config),
    );
    say(&format!(
        "1. Copy {file}, or the repository's commented example jobs.toml, to {SHOP_CONFIG}."
    ));
    say(
        "2. In [prom], base_url = \"https://my.prom.ua/api/v1\" (the default) instead of the sandbox's, and",
    );
    say(
        "   token_file = \"/etc/promua-sync/prom-token\": a file (mode 600) holding the API token made in Prom's",
    );
    say(
        "   cabinet (Налаштування → Управління API-токенами). [store] path = \"/var/lib/promua-sync/store\";",
    );
    say("   [sync] your warehouses and order statuses; the jobs' schedules.");
    say("3. Check the file and prove the token works:");
    say(&format!(
        "  $ promua-sync --config {SHOP_CONFIG} check-config --online"
    ));
    say("4. Walk the same steps against the shop, each job with --dry-run first:");
    say(&format!(
        "  $ promua-sync --config {SHOP_CONFIG} job run catalogue --dry-run"
    ));
    say(
        "5. Then let the daemon run the jobs on their schedules: `promua-sync run`, or under systemd",
    );
    say("   (README, \"Run it under systemd\"): sudo systemctl enable --now promua-sync");
    if let Some(k) = kept {
        let config = shell_quoted(&k.config);
        println!();
        say(&format!(
            "The demo's world is kept in {}: the store, the sandbox's data ({}) and jobs.toml. Explore it:",
            shell_quoted(&k.dir),
            shell_quoted(&k.seed)
        ));
        say(&format!("  $ promua-sync --config {config} links list"));
        say(&format!("  $ promua-sync --config {config} orders list"));
        say(&format!(
            "  $ promua-sync sandbox --seed-file {} --listen {} --token {}   (in another terminal)",
            shell_quoted(&k.seed),
            world::KEPT_LISTEN,
            world::TOKEN
        ));
        say(&format!(
            "  $ promua-sync --config {config} job run verify --full --dry-run"
        ));
    }
}
