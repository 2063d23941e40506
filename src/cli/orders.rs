//! `orders list|show|set-status`.

use super::args::OrdersCommand;
use super::ledger;
use super::output::{finish, order_text, orders_table, print, warn_shortfalls};
use crate::backoffice::{Access, Ledger, OrderStatusSet};
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
    };
    finish(result)
}
