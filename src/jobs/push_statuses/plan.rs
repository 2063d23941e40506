//! The status push's plan, pure: which local statuses go to Prom.ua as what. A
//! `status_map` target is one of Prom.ua's statuses, a shop's own status by the name
//! Prom.ua lists it under (`custom-1001`), or by its title, which only the shop's list
//! (as `pull_orders` last read it) turns into a name and an id. A title the list lacks is
//! not sent, and said why.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::config::PushStatusesOptions;
use crate::domain::{ShopStatuses, StatusWord, status_word};
use crate::store::LocalOrder;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub prom_id: i64,
    pub local_status: String,
    pub prom_status_before: Option<String>,
    /// What Prom.ua is sent and will show: a status's name (`received`, `custom-1001`).
    pub send: String,
    /// The shop's title for it, when the list has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A shop's own status: its id, for `set_status` by `custom_status_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_status_id: Option<i64>,
    pub reason: Option<String>,
}

/// Orders whose local status maps to a shop's status that cannot be named to Prom.ua.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    /// What the `status_map` says to send.
    pub target: String,
    /// Why it cannot be sent, and what to do.
    pub why: String,
    pub orders: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusPlan {
    pub changes: Vec<StatusChange>,
    /// Local status → orders waiting with it, for statuses the map lacks.
    pub unmapped: BTreeMap<String, Vec<i64>>,
    /// Local status → orders waiting with it, for map targets the shop's list cannot name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unresolved: BTreeMap<String, Unresolved>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
}

/// What a target is sent as: its name, title and custom id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub title: Option<String>,
    pub custom_status_id: Option<i64>,
}

/// Pure: what `word` (a `status_map` target) is sent as, or why it cannot be.
pub fn resolve(word: &str, shop: Option<&ShopStatuses>) -> Result<Resolved, String> {
    let kind = status_word(word);
    if kind == StatusWord::Standard {
        return Ok(Resolved {
            name: word.trim().to_string(),
            title: None,
            custom_status_id: None,
        });
    }
    if let Some(option) = shop.and_then(|s| s.find(word)) {
        let Some(name) = option.code() else {
            return Err(format!(
                "the shop lists `{word}` with no name or id, so it cannot be sent; name another status in status_map"
            ));
        };
        return Ok(Resolved {
            name,
            title: option.title.clone(),
            custom_status_id: option.custom_id(),
        });
    }
    match (kind, shop) {
        // A name Prom.ua writes: sendable whatever the list says; Prom.ua decides.
        (StatusWord::CustomName(id), _) => Ok(Resolved {
            name: word.trim().to_string(),
            title: None,
            custom_status_id: Some(id),
        }),
        (_, None) => Err(format!(
            "`{word}` is taken for the title of one of the shop's own statuses, but the shop's list was never read: run pull_orders (it reads the list) or `check-config --online`, or name the status as Prom.ua lists it (e.g. custom-172548)"
        )),
        (_, Some(shop)) => Err(format!(
            "`{word}` is not among the shop's order statuses ({}; read {}): correct status_map (`check-config --online` lists them), or add the status in the Prom.ua cabinet (pull_orders reads the list again within 15 minutes)",
            shop.listed(),
            shop.read_at.map_or("never".into(), |t| t
                .format("%Y-%m-%d %H:%M UTC")
                .to_string())
        )),
    }
}

/// Pure: what to send for the orders whose local status Prom has not confirmed.
pub fn plan(
    orders: &[LocalOrder],
    opts: &PushStatusesOptions,
    shop: Option<&ShopStatuses>,
) -> StatusPlan {
    let mut changes = Vec::new();
    let mut unmapped: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut unresolved: BTreeMap<String, Unresolved> = BTreeMap::new();
    for o in orders.iter().filter(|o| o.status_pending) {
        let Some(target) = opts.status_map.get(&o.status) else {
            unmapped
                .entry(o.status.clone())
                .or_default()
                .push(o.prom_id);
            continue;
        };
        match resolve(target.status(), shop) {
            Ok(r) => changes.push(StatusChange {
                prom_id: o.prom_id,
                local_status: o.status.clone(),
                prom_status_before: o.prom_status.clone(),
                send: r.name,
                title: r.title,
                custom_status_id: r.custom_status_id,
                reason: target.reason().map(str::to_string),
            }),
            Err(why) => unresolved
                .entry(o.status.clone())
                .or_insert_with(|| Unresolved {
                    target: target.status().to_string(),
                    why,
                    orders: Vec::new(),
                })
                .orders
                .push(o.prom_id),
        }
    }
    changes.sort_by_key(|c| c.prom_id);
    let guarded = opts
        .max_changes
        .filter(|max| changes.len() > *max)
        .map(|max| {
            format!(
                "would change {} orders, more than max_changes = {max}",
                changes.len()
            )
        });
    StatusPlan {
        changes,
        unmapped,
        unresolved,
        guarded,
    }
}

impl fmt::Display for StatusPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "push_statuses plan: {} order status(es) to send",
            self.changes.len()
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would send nothing")?;
        }
        if !self.changes.is_empty() {
            writeln!(
                f,
                "{:>12}  {:<20}  {:<12}  {:<12}  WHY",
                "ORDER", "LOCAL", "PROM NOW", "SEND"
            )?;
            for c in &self.changes {
                let why = match (&c.reason, &c.title) {
                    (Some(r), _) => format!("cancelled: {r}"),
                    (None, Some(t)) => format!("status changed locally (the shop's `{t}`)"),
                    (None, None) => "status changed locally".to_string(),
                };
                writeln!(
                    f,
                    "{:>12}  {:<20}  {:<12}  {:<12}  {why}",
                    c.prom_id,
                    c.local_status,
                    c.prom_status_before.as_deref().unwrap_or("-"),
                    c.send,
                )?;
            }
        }
        for (status, ids) in &self.unmapped {
            writeln!(
                f,
                "not sent: status `{status}` is not in status_map ({} order(s))",
                ids.len()
            )?;
        }
        for (status, u) in &self.unresolved {
            writeln!(
                f,
                "not sent: status `{status}` ({} order(s)): {}",
                u.orders.len(),
                u.why
            )?;
        }
        Ok(())
    }
}
