//! `orders list|show|set-status|statuses|link-line|export`.

use super::args::OrdersCommand;
use super::files::write_file;
use super::ledger;
use super::order_output::{order_text, orders_table};
use super::output::{finish, print, warn_shortfalls};
use crate::backoffice::{
    Access, Ledger, OrderLineLink, OrderLineLinked, OrderStatusSet, OrderStatusesView,
};
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
        OrdersCommand::SetStatus {
            id,
            status,
            force,
            json,
        } => {
            // Said only when forced: what the configuration knows, asked before the change.
            let unknown = match force {
                true => ledger
                    .order_statuses()
                    .await
                    .is_ok_and(|v| !v.known.iter().any(|k| k == status.trim())),
                false => false,
            };
            ledger
                .set_order_status(id, &OrderStatusSet { status, force })
                .await
                .map(|o| {
                    if unknown {
                        eprintln!(
                            "note: `{}` is not an order status the configuration knows: set anyway (--force); push_statuses sends it only if a status_map names it",
                            o.status
                        );
                    }
                    warn_shortfalls(&o.warnings);
                    print(json, &o, order_text)
                })
        }
        OrdersCommand::Statuses { json } => ledger
            .order_statuses()
            .await
            .map(|v| print(json, &v, statuses_text)),
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

/// The shop's statuses as a table, and when they were read.
fn statuses_text(v: &OrderStatusesView) -> String {
    let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut s = match v.read_at {
        Some(t) => format!("The shop's order statuses, read at {}:\n", at(t)),
        None => "The shop's order statuses were never read: run pull_orders (it reads them) or `check-config --online`.\n".to_string(),
    };
    if let (Some(e), Some(t)) = (&v.last_error, v.tried_at) {
        s.push_str(&format!("The last read, at {}, failed: {e}\n", at(t)));
    }
    if !v.statuses.is_empty() {
        s.push_str(&format!(
            "{:<20} {:>8}  {:<30} {:<10} MAPPED FROM\n",
            "NAME", "ID", "TITLE", "MEANS"
        ));
        for o in &v.statuses {
            s.push_str(&format!(
                "{:<20} {:>8}  {:<30} {:<10} {}\n",
                o.name.as_deref().unwrap_or("-"),
                o.id.map_or("-".into(), |i| i.to_string()),
                o.title.as_deref().unwrap_or("-"),
                o.means,
                if o.mapped_from.is_empty() {
                    "-".to_string()
                } else {
                    o.mapped_from.join(", ")
                }
            ));
        }
    }
    if !v.statuses.is_empty() {
        s.push_str("MEANS: what an order at it does with its stock ([sync] and the status maps); unnamed: named nowhere, it keeps what it held and pulls warn\n");
    }
    s.push_str(&format!(
        "`orders set-status` takes: {}\n",
        v.known.join(", ")
    ));
    s
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
