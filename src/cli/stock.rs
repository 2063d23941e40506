//! `stock set|adjust|journal`.

use super::args::StockCommand;
use super::ledger;
use super::output::{finish, journal_text, moved_text, print, warn_shortfalls};
use crate::backoffice::{Access, Ledger, StockAdjust, StockSet};
use crate::config::Config;

/// The warehouse given, else the first of `[sync] warehouses`.
fn default_warehouse(config: &Config, given: Option<String>) -> String {
    given.unwrap_or_else(|| config.sync.warehouses[0].clone())
}

pub(super) async fn stock(config: &Config, cmd: StockCommand) -> u8 {
    let ledger = match ledger(config, Access::ReadWrite).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        StockCommand::Set {
            sku,
            quantity,
            warehouse,
            reason,
            json,
        } => {
            let req = StockSet {
                warehouse: default_warehouse(config, warehouse),
                quantity,
                reason,
            };
            ledger.set_stock(&sku, &req).await.map(|e| {
                print(json, &e, moved_text);
                warn_shortfalls(e.as_ref().map_or(&[], |m| &m.warnings));
            })
        }
        StockCommand::Adjust {
            sku,
            delta,
            warehouse,
            reason,
            json,
        } => {
            let req = StockAdjust {
                warehouse: default_warehouse(config, warehouse),
                delta,
                reason,
            };
            ledger.adjust_stock(&sku, &req).await.map(|e| {
                print(json, &e, moved_text);
                warn_shortfalls(e.as_ref().map_or(&[], |m| &m.warnings));
            })
        }
        StockCommand::Journal { sku, limit, json } => ledger
            .journal(sku.as_deref(), limit)
            .await
            .map(|e| print(json, &e, |e| journal_text(e))),
    };
    finish(result)
}
