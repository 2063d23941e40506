//! `orders list|show|set-status|export`.

use super::args::OrdersCommand;
use super::files::write_file;
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
        OrdersCommand::List { filter, json } => ledger
            .list_orders(&filter.query())
            .await
            .map(|orders| print(json, &orders, |o| orders_table(o))),
        OrdersCommand::Export { file, filter } => {
            match ledger.export_orders(&filter.query()).await {
                Ok(text) if file.as_os_str() == "-" => {
                    print!("{text}");
                    Ok(())
                }
                Ok(text) => write_file(&file, text),
                Err(e) => Err(e),
            }
        }
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
