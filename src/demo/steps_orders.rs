//! Steps 4 to 6: a buyer's orders come in (one line for a product the back office does
//! not know, linked by hand), their reservation lowers the stock Prom shows, and a status
//! and a price go out through their rules.

use anyhow::{Context, ensure};
use rust_decimal::Decimal;

use super::print::{Screen, prom_shows, say};
use super::setup::Demo;
use super::world::{self, MUG_SKU, OLD_LISTING, PADDED, WAREHOUSE};
use crate::backoffice::{Ledger, OrderLineLink, OrderQuery, OrderStatusSet, PriceSet};
use crate::config::JobKind;
use crate::jobs::Mode;

/// The line (counted from 1, as `orders link-line` counts) of the second order that
/// names a product the back office does not know.
const UNKNOWN_LINE: usize = 2;

pub async fn pull_orders(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("Take the orders in (pull_orders), and link an unknown line")
        .await;
    demo.orders = world::buyer_orders()
        .into_iter()
        .map(|o| demo.sandbox.place_order(o).id)
        .collect();
    let [first, second] = [demo.orders[0], demo.orders[1]];
    say(&format!(
        "A buyer places two orders on the shop: {first} (2 × {}, 1 × {}) and {second} (a mug, and the mug's old listing {OLD_LISTING}, which the catalogue no longer shows).",
        world::plain_sku(1),
        world::plain_sku(2)
    ));
    screen.command("job run orders");
    demo.job("orders", Mode::Apply).await?;
    for id in [first, second] {
        demo.office
            .show_order(id)
            .await
            .with_context(|| format!("step 4: the pull did not store order {id}"))?;
    }
    screen.command("orders list --unlinked");
    let unlinked = demo
        .office
        .list_orders(&OrderQuery {
            unlinked: true,
            ..OrderQuery::default()
        })
        .await?;
    let ids: Vec<i64> = unlinked.iter().map(|o| o.prom_id).collect();
    ensure!(
        ids == [second],
        "step 4: orders with unlinked lines: {ids:?}, expected [{second}]"
    );
    let line = &unlinked[0].lines[UNKNOWN_LINE - 1];
    ensure!(
        line.product_id.is_none() && line.prom_product_id == Some(OLD_LISTING),
        "step 4: line {UNKNOWN_LINE} of order {second} is not the unknown product's"
    );
    say(&format!(
        "Order {second}, line {UNKNOWN_LINE}: \"{}\" (Prom product {OLD_LISTING}) is linked to nothing. It is the same mug: ship it from {MUG_SKU}.",
        line.name
    ));
    screen.command(&format!(
        "orders link-line {second} {UNKNOWN_LINE} {MUG_SKU}"
    ));
    let linked = demo
        .office
        .link_order_line(
            second,
            UNKNOWN_LINE,
            &OrderLineLink {
                sku: MUG_SKU.into(),
            },
        )
        .await
        .context("step 4: orders link-line")?;
    let mug = demo.office.show_product(MUG_SKU).await?;
    ensure!(
        linked.order.lines[UNKNOWN_LINE - 1].product_id == Some(mug.product.id),
        "step 4: the line is not linked to {MUG_SKU}"
    );
    ensure!(
        mug.reserved == 2,
        "step 4: {MUG_SKU} reserves {} instead of 2 (one per order line)",
        mug.reserved
    );
    let k1 = demo.office.show_product(&world::plain_sku(1)).await?;
    ensure!(
        k1.reserved == 2,
        "step 4: {} reserves {} instead of 2",
        world::plain_sku(1),
        k1.reserved
    );
    say(&format!(
        "Both orders are pending and hold their stock: {} holds 2, {MUG_SKU} holds 2.",
        world::plain_sku(1)
    ));
    let on_prom = |id: i64| demo.sandbox.order(id).map(|o| o.status).unwrap_or_default();
    prom_shows(&format!(
        "order {first} {}, order {second} {}; {} still shows {} in stock (nothing pushed yet).",
        on_prom(first),
        on_prom(second),
        world::plain_sku(1),
        demo.qty(world::plain_prom_id(1))?
    ));
    Ok(())
}

pub async fn reservation(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("A reservation lowers the stock Prom shows (push_stock)")
        .await;
    let sku = world::plain_sku(1);
    screen.command(&format!("products show {sku}"));
    let k1 = demo.office.show_product(&sku).await?;
    say(&format!(
        "{sku}: {} counted in {WAREHOUSE}, {} held by order {}, {} available.",
        k1.total_stock, k1.reserved, demo.orders[0], k1.available
    ));
    screen.command("job run stock");
    let run = demo.job("stock", Mode::Apply).await?;
    // Every linked product, not only KT-1: a reservation must lower its own product
    // and no other.
    let rows = demo
        .office
        .store()
        .linked_stock(&demo.config.sync.warehouses)?;
    for row in &rows {
        let shown = demo
            .sandbox
            .product(row.prom_id)
            .with_context(|| format!("step 5: Prom product {} vanished", row.prom_id))?;
        let wanted = (row.stock - row.reserved).max(0);
        ensure!(
            shown.quantity_in_stock == Some(wanted),
            "step 5: Prom product {} ({}) shows {:?} instead of {wanted} ({} in stock less {} reserved)",
            row.prom_id,
            row.sku,
            shown.quantity_in_stock,
            row.stock,
            row.reserved
        );
    }
    say(&format!(
        "{} linked products pushed: {} sent in {} request(s), {} confirmed by Prom.",
        rows.len(),
        run.record.sent,
        run.record.requests,
        run.record.confirmed
    ));
    prom_shows(&format!(
        "{sku} {} in stock ({} − {} reserved); {MUG_SKU} {} (10 − 2).",
        demo.qty(world::plain_prom_id(1))?,
        k1.total_stock,
        k1.reserved,
        demo.qty(PADDED)?
    ));
    Ok(())
}

pub async fn status_and_price(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("A status and a price go out (push_statuses, push_prices)")
        .await;
    let order = demo.orders[0];
    screen.command(&format!("orders set-status {order} received"));
    demo.office
        .set_order_status(
            order,
            &OrderStatusSet {
                status: "received".into(),
                force: false,
            },
        )
        .await
        .context("step 6: orders set-status")?;
    screen.command("job run statuses");
    demo.job("statuses", Mode::Apply).await?;
    let on_prom = demo
        .sandbox
        .order(order)
        .context("step 6: the order vanished")?;
    ensure!(
        on_prom.status == "received",
        "step 6: Prom shows order {order} {}, not received",
        on_prom.status
    );
    let local = demo.office.show_order(order).await?;
    ensure!(
        !local.status_pending,
        "step 6: the status push is not confirmed"
    );
    let sku = world::plain_sku(3);
    let new_price = Decimal::new(16000, 2);
    screen.command(&format!("prices set {sku} {new_price}"));
    demo.office
        .set_price(
            &sku,
            &PriceSet {
                price: new_price,
                currency: None,
            },
        )
        .await
        .context("step 6: prices set")?;
    let rules = demo
        .config
        .jobs
        .iter()
        .find_map(|j| match &j.kind {
            JobKind::PushPrices(o) if j.name == "prices" => Some(o.rules()),
            _ => None,
        })
        .context("no prices job")?;
    let wanted = crate::jobs::push_prices::price_for(new_price, &rules);
    say(&format!(
        "The prices job adds {} %, rounds to {}, ends in {}: {new_price} becomes {wanted} on Prom.",
        rules.markup_percent,
        rules.round_step.unwrap_or_default(),
        rules.ending.unwrap_or_default()
    ));
    screen.command("job run prices");
    let run = demo.job("prices", Mode::Apply).await?;
    let shown = demo
        .sandbox
        .product(world::plain_prom_id(3))
        .context("step 6: the product vanished")?;
    ensure!(
        shown.price == wanted,
        "step 6: Prom shows {sku} at {}, not {wanted}",
        shown.price
    );
    say(&format!(
        "The first price push sends every linked price through the rules: {} confirmed.",
        run.record.confirmed
    ));
    prom_shows(&format!(
        "order {order} received; {sku} at {}.",
        demo.price(world::plain_prom_id(3))?
    ));
    Ok(())
}
