//! The pull's plan, pure: which read orders are new or changed, what storing each does
//! (`store::merge_order` decides it, as the store will), and which are refused.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{ReservationPolicy, StatusClass};
use crate::report::ItemFailure;
use crate::store::{LocalLine, LocalOrder, Merged, Tracking, Winner, merge_order};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderImport {
    pub prom_id: i64,
    /// `new` or `changed`.
    pub action: &'static str,
    /// The local status once stored.
    pub status: String,
    pub before_status: Option<String>,
    /// What Prom.ua shows.
    pub prom_status: String,
    pub lines: usize,
    /// What storing it does beyond its status: a stock move of an order first seen
    /// delivered, history, a status conflict and who wins, a status nobody named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdersPlan {
    /// Orders read from Prom.ua.
    pub read: usize,
    pub imports: Vec<OrderImport>,
    /// Orders refused (e.g. a negative line quantity): not stored, a failure of the run.
    pub rejected: Vec<ItemFailure>,
    /// When order tracking started (or starts, with this run): an order created since and
    /// first seen delivered moves stock; one created before is history.
    pub tracked_since: DateTime<Utc>,
    /// With the orders open then that the first pull reported.
    #[serde(skip)]
    pub tracking: Tracking,
    /// The first run only: open orders last changed before its window, not imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub older_open: Option<OlderOpen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
    /// The orders to store (new or newer than the stored copy).
    #[serde(skip)]
    pub to_store: Vec<LocalOrder>,
    /// The newest change read: the cursor once stored.
    #[serde(skip)]
    pub newest: Option<DateTime<Utc>>,
}

/// Open orders the first run's window left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OlderOpen {
    pub ids: Vec<i64>,
    /// The oldest last change among them (UTC): `--since` this day imports them all.
    pub oldest: Option<DateTime<Utc>>,
    /// A read for them failed: they may exist without being listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl OlderOpen {
    /// The run's note: what was left out and the command that imports it.
    pub fn message(&self, job: &str) -> String {
        let unchecked = self
            .error
            .as_ref()
            .map(|e| format!("could not check for open orders older than the first window ({e})"));
        if self.ids.is_empty() {
            return unchecked.unwrap_or_default();
        }
        let shown: Vec<String> = self.ids.iter().take(20).map(i64::to_string).collect();
        let more = if self.ids.len() > 20 { ", …" } else { "" };
        let since = self
            .oldest
            .map_or_else(|| "YYYY-MM-DD".into(), |t| t.format("%Y-%m-%d").to_string());
        let mut m = format!(
            "{} open order(s) last changed before this first pull's window were not imported ({}{more}); their delivery will still move stock; to import them now (they will hold stock): promua-sync job run {job} --since {since}",
            self.ids.len(),
            shown.join(", ")
        );
        if let Some(u) = unchecked {
            m.push_str("; ");
            m.push_str(&u);
        }
        m
    }
}

impl fmt::Display for OrdersPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pull_orders plan: {} orders read, {} to store, {} refused",
            self.read,
            self.imports.len(),
            self.rejected.len(),
        )?;
        writeln!(
            f,
            "order tracking since {} (an order created since and first seen done moves stock)",
            self.tracked_since.format("%Y-%m-%d %H:%M:%S UTC")
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would store nothing")?;
        }
        if let Some(o) = &self.older_open {
            writeln!(f, "{}", o.message("NAME"))?;
        }
        for r in &self.rejected {
            writeln!(f, "refused {}: {}", r.sku, r.reason)?;
        }
        if self.imports.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "{:>12}  {:<8}  {:<12}  {:<12}  {:<12}  {:>5}  EFFECT",
            "ORDER", "ACTION", "BEFORE", "AFTER", "PROM", "LINES"
        )?;
        for i in &self.imports {
            writeln!(
                f,
                "{:>12}  {:<8}  {:<12}  {:<12}  {:<12}  {:>5}  {}",
                i.prom_id,
                i.action,
                i.before_status.as_deref().unwrap_or("-"),
                i.status,
                i.prom_status,
                i.lines,
                i.effect.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

/// Why an order read from Prom.ua cannot be stored, if it cannot.
fn refusal(o: &LocalOrder) -> Option<String> {
    let bad: Vec<String> = o
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.quantity.is_sign_negative() && !l.quantity.is_zero())
        .map(|(i, l)| format!("line {} ({}) has quantity {}", i + 1, l.name, l.quantity))
        .collect();
    (!bad.is_empty()).then(|| {
        format!(
            "{}: a negative quantity; the order is not stored (its stored copy, if any, stays)",
            bad.join(", ")
        )
    })
}

/// What storing an order does beyond its status, for the plan.
fn effect(old: Option<&LocalOrder>, merged: &Merged, policy: &ReservationPolicy) -> Option<String> {
    if let Some(c) = &merged.conflict {
        return Some(match c.winner {
            Winner::Prom => format!("conflict: Prom's `{}` is later and wins", c.prom),
            Winner::Local => format!("conflict: local `{}` is later and wins", c.local),
        });
    }
    let o = &merged.order;
    match policy.class(&o.status) {
        StatusClass::Done if merged.history => {
            Some("history: done before order tracking started, moves no stock".into())
        }
        StatusClass::Done if old.is_none_or(|old| !old.stock_moved) => {
            Some("ships its linked lines' stock".into())
        }
        StatusClass::Unknown => Some(format!(
            "status `{}` is named in no [sync] status list: {}",
            o.status,
            if o.holds == Some(true) {
                "keeps holding"
            } else {
                "keeps what it held or shipped"
            }
        )),
        _ => None,
    }
}

/// Whether Prom shows `read` otherwise than the stored copy shows it: its status, buyer,
/// details, total or lines as Prom sent them (not what the back office added: links,
/// local statuses, reservations).
fn shows_otherwise(old: &LocalOrder, read: &LocalOrder) -> bool {
    let line = |l: &LocalLine| {
        (
            l.prom_product_id,
            l.sku.clone(),
            l.name.clone(),
            l.quantity,
            l.price.clone(),
            l.external_id.clone(),
            l.measure_unit.clone(),
            l.total_price.clone(),
            l.image.clone(),
            l.url.clone(),
        )
    };
    old.prom_status != read.prom_status
        || old.details != read.details
        || (&old.client, &old.phone, &old.email, &old.total)
            != (&read.client, &read.phone, &read.email, &read.total)
        || !old.lines.iter().map(line).eq(read.lines.iter().map(line))
}

/// Pure: which read orders are new or changed against the store's copies, what storing
/// them does, and which are refused.
pub fn plan(
    read: &[LocalOrder],
    stored: impl Fn(i64) -> Option<LocalOrder>,
    tracking: &Tracking,
    policy: &ReservationPolicy,
) -> OrdersPlan {
    let mut imports = Vec::new();
    let mut to_store = Vec::new();
    let mut rejected = Vec::new();
    for o in read {
        let old = stored(o.prom_id);
        let action = match &old {
            None => "new",
            // Only a newer version replaces what is stored: a read that raced a later change
            // (or an overlap re-read) never rolls an order back.
            Some(old) if o.modified_at > old.modified_at => "changed",
            // The same change read again, yet Prom shows another status or other details
            // (or the stored copy predates keeping them): take what Prom shows.
            Some(old) if o.modified_at == old.modified_at && shows_otherwise(old, o) => "changed",
            Some(_) => continue,
        };
        if let Some(reason) = refusal(o) {
            rejected.push(ItemFailure {
                sku: format!("order {}", o.prom_id),
                prom_id: o.prom_id,
                reason,
            });
            continue;
        }
        let merged = merge_order(old.as_ref(), o, tracking, policy);
        imports.push(OrderImport {
            prom_id: o.prom_id,
            action,
            status: merged.order.status.clone(),
            before_status: old.as_ref().map(|o| o.status.clone()),
            prom_status: o.status.clone(),
            lines: o.lines.len(),
            effect: effect(old.as_ref(), &merged, policy),
        });
        to_store.push(o.clone());
    }
    imports.sort_by_key(|i| i.prom_id);
    OrdersPlan {
        read: read.len(),
        imports,
        rejected,
        tracked_since: tracking.since,
        tracking: tracking.clone(),
        older_open: None,
        guarded: None,
        to_store,
        newest: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_same_change_with_other_details_is_stored_and_an_identical_one_is_not() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let tracking = Tracking {
            since: at - chrono::Duration::days(1),
            open_at_start: Vec::new(),
        };
        let policy = ReservationPolicy {
            reserve_statuses: vec!["pending".into()],
            done_status: None,
            release_statuses: Vec::new(),
            shipped_statuses: Vec::new(),
            aliases: Vec::new(),
            warehouse: "main".into(),
        };
        // Stored before details were kept (or by a pull that read another comment).
        let stored = LocalOrder {
            prom_id: 1,
            status: "pending".into(),
            prom_status: Some("pending".into()),
            modified_at: Some(at.fixed_offset()),
            ..LocalOrder::default()
        };
        let mut read = stored.clone();
        read.details.buyer.notes = Some("після 18:00".into());
        let p = plan(
            &[read.clone()],
            |_| Some(stored.clone()),
            &tracking,
            &policy,
        );
        assert_eq!(p.imports.len(), 1);
        assert_eq!(p.imports[0].action, "changed");
        let p = plan(&[read.clone()], |_| Some(read.clone()), &tracking, &policy);
        assert!(p.imports.is_empty());
        // A phone, or a line's details, read otherwise at the same change: stored too.
        let mut line_read = read.clone();
        line_read.lines = vec![LocalLine {
            prom_product_id: Some(5),
            name: "Чайник".into(),
            quantity: rust_decimal::Decimal::ONE,
            ..LocalLine::default()
        }];
        let mut line_stored = line_read.clone();
        line_stored.lines[0].product_id = Some(9);
        line_stored.lines[0].hand_linked = true;
        let p = plan(
            &[line_read.clone()],
            |_| Some(line_stored.clone()),
            &tracking,
            &policy,
        );
        assert!(
            p.imports.is_empty(),
            "a link of ours is no change of Prom's"
        );
        let mut phone = line_read.clone();
        phone.phone = Some("+380671234567".into());
        line_read.lines[0].url = Some("https://prom.ua/p5.html".into());
        for changed in [phone, line_read] {
            let p = plan(
                &[changed],
                |_| Some(line_stored.clone()),
                &tracking,
                &policy,
            );
            assert_eq!(p.imports.len(), 1);
        }
    }
}
