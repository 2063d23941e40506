//! What `job run NAME --dry-run` prints of a push_stock plan: per item, the values before
//! and after, why it is sent, and why its presence (and status) were chosen.

use std::fmt;

use super::super::stock_route::Route;
use super::StockPlan;
use crate::domain::MAX_BATCH;

impl fmt::Display for StockPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "push_stock plan: {} linked products, {} to send in {} request(s)",
            self.considered,
            self.changes.len(),
            self.changes.len().div_ceil(MAX_BATCH)
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would send nothing")?;
        }
        if self.by_external_id {
            let without = self
                .changes
                .iter()
                .filter(|c| c.route == Route::PresenceOnly)
                .count();
            writeln!(
                f,
                "stock goes through products/edit_by_external_id; {without} product(s) without an external id: presence only, failing"
            )?;
        }
        if self.unrecorded > 0 {
            writeln!(
                f,
                "no stock recorded yet: {} linked product(s), not sent",
                self.unrecorded
            )?;
        }
        if self.changes.is_empty() {
            return Ok(());
        }
        let w = self
            .changes
            .iter()
            .map(|c| c.sku.chars().count())
            .max()
            .unwrap_or(3)
            .max(3);
        writeln!(
            f,
            "{:<w$}  {:>12}  {:<22}  {:<22}  WHY",
            "SKU", "PROM ID", "BEFORE", "AFTER"
        )?;
        for c in &self.changes {
            let before = match (c.before_quantity, &c.before_presence) {
                (Some(q), Some(p)) => format!("{q} {p}"),
                _ => "-".to_string(),
            };
            let mut after = format!("{} {}", c.quantity, c.presence);
            if let Some(s) = c.status {
                after.push_str(&format!(" {s}"));
            }
            let mut why = format!("{}; {}", c.why(), c.presence_reason);
            if let Some(r) = c.status_reason {
                why.push_str(&format!("; {r}"));
            }
            writeln!(
                f,
                "{:<w$}  {:>12}  {:<22}  {:<22}  {}",
                c.sku, c.prom_id, before, after, why
            )?;
        }
        Ok(())
    }
}
