//! `orders list|show|set-status|link-line`.

use super::args::OrdersCommand;
use super::ledger;
use super::order_output::{order_text, orders_table};
use super::output::{finish, print, warn_shortfalls};
use crate::backoffice::{Access, Ledger, OrderLineLink, OrderLineLinked, OrderStatusSet};
use crate::config::Config;

pub(super) async fn orders(config: &Config, cmd: OrdersCommand) -> u8 {
    let ledger = match ledger(config, Access::ReadWrite).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        OrdersCommand::List { unlinked, json } => ledger
            .list_orders(unlinked)
            .await
            .map(|orders| print(json, &orders, |o| orders_table(o))),
        OrdersCommand::Show { id, json } => ledger
            .show_order(id)
            .await
            .map(|o| print(json, &o, order_text)),
        OrdersCommand::SetStatus { id, status, json } => ledger
            .set_order_status(id, &OrderStatusSet { status })
            .await
            .map(|o| {
                warn_shortfalls(&o.warnings);
                print(json, &o, order_text)
            }),
        OrdersCommand::LinkLine {
            id,
            line,
            sku,
            json,
        } => ledger
            .link_order_line(id, line, &OrderLineLink { sku: sku.clone() })
            .await
            .map(|done| {
                warn_shortfalls(&done.order.warnings);
                print(json, &done, |d| linked_text(d, line, &sku));
            }),
    };
    finish(result)
}

fn linked_text(done: &OrderLineLinked, line: usize, sku: &str) -> String {
    let head = if done.changed {
        format!("order {} line {line} linked to {sku}\n", done.order.prom_id)
    } else {
        format!(
            "order {} line {line} is on {sku} already: nothing changed\n",
            done.order.prom_id
        )
    };
    head + &order_text(&done.order)
}
