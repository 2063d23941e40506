//! Step 7, a cabinet edit found and repaired by `verify`; and the last screen: how to
//! point the same configuration at a real shop.

use anyhow::{Context, ensure};
use rust_decimal::Decimal;

use super::keep::Kept;
use super::print::{Screen, command, prom_shows, say};
use super::setup::Demo;
use super::steps_catalogue::{price, qty};
use super::world;
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
    command("job run verify");
    let run = demo.job("verify", Mode::Apply).await?;
    for d in &run.record.drift {
        say(&format!(
            "  drift: {} (Prom {}) {}: back office {}, Prom {}, cause {}{}",
            d.sku,
            d.prom_id,
            d.field,
            plain(&d.local),
            plain(&d.prom),
            d.cause,
            if d.repaired { ", repaired" } else { "" }
        ));
    }
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
        qty(demo, qty_id)?,
        price(demo, price_id)?
    ));
    Ok(())
}

/// The last screen: the same configuration, a real shop.
pub async fn real_shop(screen: &mut Screen, kept: Option<&Kept>) {
    screen
        .step("Point the same configuration at your shop")
        .await;
    let file = kept.map_or_else(
        || "the jobs.toml `demo --keep DIR` leaves (the one the demo ran with)".into(),
        |k| k.config.display().to_string(),
    );
    say(&format!(
        "1. Copy {file}, or the repository's commented example jobs.toml, to /etc/promua-sync/jobs.toml."
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
    command("check-config --online");
    say("4. Walk the same steps against the shop, each job with --dry-run first:");
    command("job run catalogue --dry-run");
    say(
        "5. Then let the daemon run the jobs on their schedules: `promua-sync run`, or under systemd",
    );
    say("   (README, \"Run it under systemd\"): sudo systemctl enable --now promua-sync");
    if let Some(k) = kept {
        println!();
        say(&format!(
            "The demo's world is kept in {}: the store, the sandbox's data ({}) and jobs.toml. Explore it:",
            k.dir.display(),
            k.seed.display()
        ));
        say(&format!(
            "  $ promua-sync --config {} links list",
            k.config.display()
        ));
        say(&format!(
            "  $ promua-sync --config {} orders list",
            k.config.display()
        ));
        say(&format!(
            "  $ promua-sync sandbox --seed-file {} --listen {} --token {}   (in another terminal)",
            k.seed.display(),
            world::KEPT_LISTEN,
            world::TOKEN
        ));
        say(&format!(
            "  $ promua-sync --config {} job run verify --full --dry-run",
            k.config.display()
        ));
    }
}

/// A JSON value as a person writes it: a string without its quotes.
fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
