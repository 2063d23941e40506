//! How a verify tells what it found: the gone items, the notes, a drifted item as a
//! failed item of the run, and the plan as `--dry-run` prints it.

use std::collections::HashSet;
use std::fmt;

use super::compare::Rules;
use super::{VerifyPlan, Walk};
use crate::report::{DriftCause, DriftItem, ItemFailure};
use crate::store::{GoneLink, LinkedStock};

/// A gone item per linked product whose Prom product is deleted: found this run (404),
/// or flagged before and not listed again by this run's full walk.
pub fn gone_items(
    stock: &[LinkedStock],
    found: &[i64],
    known: &[GoneLink],
    listed: Option<&HashSet<i64>>,
) -> Vec<DriftItem> {
    let found: HashSet<i64> = found.iter().copied().collect();
    let new = stock
        .iter()
        .filter(|row| found.contains(&row.prom_id))
        .map(|row| (row.sku.as_str(), row.prom_id));
    let old = known
        .iter()
        .filter(|g| listed.is_none_or(|l| !l.contains(&g.prom_id)))
        .map(|g| (g.sku.as_str(), g.prom_id));
    new.chain(old)
        .map(|(sku, prom_id)| DriftItem {
            sku: sku.to_string(),
            prom_id,
            field: "product".into(),
            local: serde_json::Value::Null,
            prom: serde_json::Value::Null,
            snapshot: serde_json::Value::Null,
            cause: DriftCause::Gone,
            repaired: false,
        })
        .collect()
}

/// What the run says beyond its items: what it read and compared, and what it did not.
pub fn notes(
    walk: Walk,
    read: usize,
    compared: usize,
    pending: usize,
    rules: &Rules<'_>,
) -> Vec<String> {
    let mut notes = vec![format!(
        "{}: {read} Prom.ua product(s) read, {compared} linked product(s) compared",
        walk
    )];
    if pending > 0 {
        notes.push(format!(
            "{pending} field(s) changed in the back office since Prom.ua confirmed them, which Prom still shows: not drift, the push jobs send them"
        ));
    }
    if rules.stock.is_none() {
        notes.push("[sync] update_balances is off: stock not compared".into());
    }
    if rules.prices.is_none() {
        notes.push(
            "prices not compared: they are when [sync] update_prices is on and a push_prices job owns them"
                .into(),
        );
    }
    notes
}

/// A drifted item left drifted, as a failed item of the run (`why`: the send's error).
pub fn failure(item: &DriftItem, why: Option<&str>) -> ItemFailure {
    let reason = match item.cause {
        DriftCause::Gone => format!(
            "deleted on Prom.ua (products/{} answered 404): the link is kept, flagged gone, and the pushes skip it; link {} to another Prom product (`links link {} PROM_ID`) or unlink it (`links unlink {}`)",
            item.prom_id, item.sku, item.sku, item.sku
        ),
        cause => format!(
            "{} drifted ({cause}): back office {}, Prom.ua {}, last confirmed {}{}",
            item.field,
            item.local,
            item.prom,
            item.snapshot,
            why.map_or_else(String::new, |w| format!("; repair failed: {w}"))
        ),
    };
    ItemFailure {
        sku: item.sku.clone(),
        prom_id: item.prom_id,
        reason,
    }
}

impl fmt::Display for Walk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Walk::Full => f.write_str("full walk of the catalogue"),
            Walk::Incremental(t) => write!(
                f,
                "products of the default listing modified since {} (other groups and deletions wait for the next full walk)",
                t.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        }
    }
}

impl fmt::Display for VerifyPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "verify plan: {}; {} Prom.ua products read, {} of {} linked compared, {} drifted field(s)",
            self.walk,
            self.read,
            self.compared,
            self.linked,
            self.items.len()
        )?;
        if self.repair {
            writeln!(
                f,
                "repair: {} stock and {} price edit(s) to send",
                self.stock_repairs, self.price_repairs
            )?;
        }
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would send nothing")?;
        }
        if self.items.is_empty() {
            return Ok(());
        }
        let w = self
            .items
            .iter()
            .map(|i| i.sku.chars().count())
            .max()
            .unwrap_or(3)
            .max(3);
        writeln!(
            f,
            "{:<w$}  {:>12}  {:<17}  {:>14}  {:>14}  {:>14}  CAUSE",
            "SKU", "PROM ID", "FIELD", "LOCAL", "PROM", "CONFIRMED"
        )?;
        for i in &self.items {
            writeln!(
                f,
                "{:<w$}  {:>12}  {:<17}  {:>14}  {:>14}  {:>14}  {}",
                i.sku,
                i.prom_id,
                i.field,
                i.local.to_string(),
                i.prom.to_string(),
                i.snapshot.to_string(),
                i.cause
            )?;
        }
        Ok(())
    }
}
