//! A run's per-item report, as the console lists it: what the stored record keeps per
//! item (failures with Prom's or our reason, drift with the three values, warnings), in
//! one list to page through. Pure: the record in, rows out.

use crate::report::RunRecord;

use super::text::Text;

/// One row of the report.
#[derive(Debug, PartialEq, Eq)]
pub struct Item {
    /// The SKU (or, for a warning, what it is about: `order 900001`).
    pub subject: String,
    pub prom_id: i64,
    /// In the page's language: failed, drift, repaired, warning.
    pub outcome: &'static str,
    /// The field and values concerned, if the item names them.
    pub what: String,
    /// The reason in words.
    pub detail: String,
    /// A failure or an unrepaired drift: shown as bad.
    pub bad: bool,
}

/// How many rows the record has, without building them.
pub fn count(r: &RunRecord) -> usize {
    r.failed.len() + r.drift.len() + r.warnings.len()
}

/// Rows `from..from + n` of the report: failures first, then drift, then warnings.
pub fn page(r: &RunRecord, t: &Text, from: usize, n: usize) -> Vec<Item> {
    let failed = r.failed.iter().map(|f| Item {
        subject: f.sku.clone(),
        prom_id: f.prom_id,
        outcome: t.item_failed,
        what: String::new(),
        detail: f.reason.clone(),
        bad: true,
    });
    let drift = r.drift.iter().map(|d| Item {
        subject: d.sku.clone(),
        prom_id: d.prom_id,
        outcome: if d.repaired {
            t.item_repaired
        } else {
            t.item_drift
        },
        what: format!(
            "{}: {} / {} / {}",
            d.field,
            shown(&d.local),
            shown(&d.prom),
            shown(&d.snapshot)
        ),
        detail: d.cause.to_string(),
        bad: !d.repaired,
    });
    let warnings = r.warnings.iter().map(|w| Item {
        subject: w.subject.clone(),
        prom_id: w.prom_id,
        outcome: t.item_warning,
        what: w.kind.clone(),
        detail: w.message.clone(),
        bad: false,
    });
    failed
        .chain(drift)
        .chain(warnings)
        .skip(from)
        .take(n)
        .collect()
}

/// A value as a seller reads it: text without quotes, nothing as a dash.
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{DriftCause, DriftItem, ItemFailure, ItemWarning};

    #[test]
    fn failures_then_drift_then_warnings_paged() {
        let at = chrono::Utc::now();
        let mut r =
            crate::jobs::runner::started_record("v", "verify", crate::jobs::Mode::Apply, at);
        r.failed.push(ItemFailure {
            sku: "F-1".into(),
            prom_id: 7,
            reason: "Продукт не найден".into(),
        });
        r.drift.push(DriftItem {
            sku: "D-1".into(),
            prom_id: 8,
            field: "price".into(),
            local: "12.50".into(),
            prom: serde_json::Value::Null,
            snapshot: 10.into(),
            cause: DriftCause::ChangedOnProm,
            repaired: true,
        });
        r.warnings.push(ItemWarning {
            subject: "order 9".into(),
            prom_id: 9,
            kind: "unknown_status".into(),
            message: "status `x` is mapped to nothing".into(),
        });
        let t = super::super::text::Lang::En.text();
        assert_eq!(count(&r), 3);
        let all = page(&r, t, 0, 50);
        let subjects: Vec<&str> = all.iter().map(|i| i.subject.as_str()).collect();
        assert_eq!(subjects, ["F-1", "D-1", "order 9"]);
        assert_eq!((all[0].outcome, all[0].bad), ("failed", true));
        assert_eq!(all[1].what, "price: 12.50 / — / 10");
        assert_eq!((all[1].outcome, all[1].bad), ("repaired", false));
        assert_eq!(all[2].detail, "status `x` is mapped to nothing");
        assert_eq!(page(&r, t, 1, 1), vec![page(&r, t, 0, 2).remove(1)]);
        assert!(page(&r, t, 3, 50).is_empty());
    }
}
