//! What the back-office commands print: JSON (`--json`, the admin API's shapes) or text
//! tables, and the exit code of an answer.

use serde::Serialize;

use super::{EXIT_ERROR, EXIT_USAGE, fail};
use crate::backoffice::{
    BackofficeError, JobStatus, LinkView, ProductRemoved, ProductView, ProductsPage, Shortfall,
    StagedView, StockMove, StockMoved, Suggestion,
};

/// The exit code of a refusal: the caller's mistake (2) or an error that stopped it (3).
pub(super) fn code(e: &BackofficeError) -> u8 {
    match e {
        BackofficeError::NotFound(_)
        | BackofficeError::Invalid(_)
        | BackofficeError::Conflict(_)
        | BackofficeError::Rows(_)
        | BackofficeError::TooLarge(_)
        | BackofficeError::Busy(_) => EXIT_USAGE,
        BackofficeError::Remote(_) | BackofficeError::Store(_) | BackofficeError::JobFailed(_) => {
            EXIT_ERROR
        }
    }
}

/// The exit code of a back-office command. Every write has already reached the disk
/// before its call returned (`BackOffice` flushes what it acknowledges), and a command
/// that only reads writes nothing at all.
pub(super) fn finish(result: crate::backoffice::Result<()>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) => fail(code(&e), &e.to_string()),
    }
}

/// Prints `value` as pretty JSON, or as the text `text` makes of it.
pub(super) fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("serializable")
        );
    } else {
        print!("{}", text(value));
    }
}

/// The first 40 (or `n`) characters of a name, for a table's column.
fn cut(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

pub(super) fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

pub(super) fn products_table(page: &ProductsPage) -> String {
    let mut s = format!(
        "{:<20} {:<40} {:>10} {:>8} {:>8} {:>9} {:>12}\n",
        "SKU", "NAME", "PRICE", "STOCK", "RESERVED", "AVAILABLE", "PROM ID"
    );
    for v in &page.products {
        let p = &v.product;
        s += &format!(
            "{:<20} {:<40} {:>10} {:>8} {:>8} {:>9} {:>12}\n",
            p.sku,
            cut(&p.name, 40),
            or_dash(p.price),
            v.total_stock,
            v.reserved,
            v.available,
            or_dash(v.prom_id)
        );
    }
    if let Some(n) = page.next_after {
        s += &format!("more: --after {n}\n");
    }
    s
}

pub(super) fn product_text(v: &ProductView) -> String {
    let p = &v.product;
    let mut s = format!("SKU:        {}\nname:       {}\n", p.sku, p.name);
    s += &format!(
        "price:      {}\n",
        p.price.map_or("-".into(), |d| format!(
            "{d} {}",
            p.currency.clone().unwrap_or_default()
        ))
    );
    if !v.tiers.is_empty() {
        s += &format!(
            "tiers:      {}\n",
            crate::domain::price_terms::tiers_text(&v.tiers)
        );
    }
    if let Some(d) = &v.discount {
        s += &format!("discount:   {d}\n");
    }
    s += &format!(
        "Prom id:    {}\n",
        v.prom_id.map_or("not linked".into(), |i| i.to_string())
    );
    for (w, q) in &v.stock {
        s += &format!("stock:      {q} in {w}\n");
    }
    s += &format!("total:      {}\n", v.total_stock);
    s += &format!("reserved:   {}\n", v.reserved);
    s += &format!(
        "available:  {}  (stock in the pushed warehouses less reserved){}\n",
        v.available,
        if v.available < 0 { "  OVERSOLD" } else { "" }
    );
    for h in v.held_by.iter().flatten() {
        s += &format!(
            "held by:    order {} ({}): {}\n",
            h.prom_id, h.status, h.quantity
        );
    }
    if let Some(c) = &v.prom_confirmed {
        s += &format!(
            "on Prom.ua: {} {} (confirmed {})\n",
            c.quantity,
            c.presence,
            c.confirmed_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
        if c.hidden {
            s += "            hidden by promua-sync (out of stock); shown again when stock returns\n";
        }
    }
    s += &format!(
        "at stock 0: {}\n",
        v.presence_when_out
            .as_deref()
            .map_or("push_stock's rules (auto)".to_string(), |p| format!(
                "{p} (product setting)"
            ))
    );
    s
}

pub(super) fn removed_text(r: &ProductRemoved) -> String {
    let p = &r.product;
    let mut s = format!("removed {} ({}, product {})\n", p.sku, p.name, p.id);
    if let Some(prom) = r.unlinked_prom_id {
        s += &format!("  unlinked from Prom product {prom}\n");
    }
    for e in &r.journalled {
        s += &format!(
            "  stock in {}: {} -> 0 (journalled)\n",
            e.warehouse, e.before
        );
    }
    if r.moves_kept > 0 {
        s += &format!(
            "  {} earlier stock move(s) kept in the journal (`stock journal {}`)\n",
            r.moves_kept, p.sku
        );
    }
    if !r.orders_unlinked.is_empty() {
        let ids: Vec<String> = r.orders_unlinked.iter().map(i64::to_string).collect();
        s += &format!("  order lines unlinked in order {}\n", ids.join(", "));
    }
    s
}

pub(super) fn journal_text(entries: &[StockMove]) -> String {
    let mut s = format!(
        "{:<20} {:<16} {:<10} {:>8} {:>8} {:>8}  {:<6} REASON\n",
        "WHEN (UTC)", "SKU", "WAREHOUSE", "BEFORE", "AFTER", "DELTA", "BY"
    );
    for e in entries {
        s += &format!(
            "{:<20} {:<16} {:<10} {:>8} {:>8} {:>+8}  {:<6} {}\n",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.sku,
            e.warehouse,
            e.before,
            e.after,
            e.delta,
            e.actor.to_string(),
            e.reason.clone().unwrap_or_default()
        );
    }
    s
}

/// A warning line on stderr for each product a write left short; the exit code stays 0.
pub(super) fn warn_shortfalls(warnings: &[Shortfall]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

pub(super) fn moved_text(e: &Option<StockMoved>) -> String {
    match e.as_ref().map(|m| &m.moved) {
        Some(e) => format!(
            "{} in {}: {} -> {} ({:+})\n",
            e.sku, e.warehouse, e.before, e.after, e.delta
        ),
        None => "nothing changed\n".to_string(),
    }
}

pub(super) fn staged_table(rows: &[StagedView]) -> String {
    let mut s = format!(
        "{:>12}  {:<20}  {:<40}  {:>10}  {:>6}  LINKED TO\n",
        "PROM ID", "SKU", "NAME", "PRICE", "QTY"
    );
    for r in rows {
        let p = &r.staged;
        s += &format!(
            "{:>12}  {:<20}  {:<40}  {:>10}  {:>6}  {}\n",
            p.prom_id,
            p.sku.as_deref().unwrap_or("-"),
            cut(&p.name, 40),
            or_dash(p.price),
            or_dash(p.quantity),
            r.linked_sku.as_deref().unwrap_or("-")
        );
    }
    s
}

pub(super) fn links_table(links: &[LinkView]) -> String {
    let mut s = format!("{:<20} {:<40} {:>12}\n", "SKU", "NAME", "PROM ID");
    for v in links {
        let gone = v.prom_gone_since.map_or(String::new(), |t| {
            format!("  deleted on Prom.ua (found {})", t.format("%Y-%m-%d"))
        });
        s += &format!(
            "{:<20} {:<40} {:>12}{gone}\n",
            v.sku,
            cut(&v.name, 40),
            or_dash(v.prom_id)
        );
    }
    s
}

pub(super) fn suggestions_table(rows: &[Suggestion]) -> String {
    let mut s = format!(
        "{:>12}  {:<36}  {:<16}  {:<36}  {:>5}  {:<9}  WHY\n",
        "PROM ID", "PROM NAME", "LOCAL SKU", "LOCAL NAME", "SCORE", "AMBIGUOUS"
    );
    for r in rows {
        s += &format!(
            "{:>12}  {:<36}  {:<16}  {:<36}  {:>5.3}  {:<9}  {}\n",
            r.prom_id,
            cut(&r.prom_name, 36),
            r.local_sku,
            cut(&r.local_name, 36),
            r.score,
            if r.ambiguous { "yes" } else { "-" },
            r.reason
        );
    }
    s
}

pub(super) fn status_table(rows: &[JobStatus]) -> String {
    let mut s = format!(
        "{:<16} {:<12} {:<16} {:<20} {:<10} {:>6} {:>9} {:>6}\n",
        "JOB", "KIND", "SCHEDULE", "LAST RUN (UTC)", "OUTCOME", "SENT", "CONFIRMED", "FAILED"
    );
    for j in rows {
        s += &status_row(j);
    }
    s += "\nNEXT RUNS\n";
    for j in rows {
        let next = match (&j.next_run, j.timezone.parse::<chrono_tz::Tz>()) {
            (Some(t), Ok(zone)) => {
                crate::config::ticks::in_zone_and_utc(t.with_timezone(&chrono::Utc), zone)
            }
            (Some(t), Err(_)) => t.to_rfc3339(),
            (None, _) => "never".into(),
        };
        s += &format!("{:<16} {next}\n", j.name);
    }
    s
}

fn status_row(j: &JobStatus) -> String {
    match &j.last_run {
        Some(r) => format!(
            "{:<16} {:<12} {:<16} {:<20} {:<10} {:>6} {:>9} {:>6}\n",
            j.name,
            j.kind,
            j.schedule,
            r.started_at.format("%Y-%m-%d %H:%M:%S"),
            r.outcome.to_string(),
            r.sent,
            r.confirmed,
            r.failed.len()
        ),
        None => format!(
            "{:<16} {:<12} {:<16} {:<20}\n",
            j.name, j.kind, j.schedule, "never"
        ),
    }
}
