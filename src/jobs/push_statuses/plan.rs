//! The status push's plan, pure: which local statuses go to Prom.ua as what. A
//! `status_map` target is one of Prom.ua's statuses, a shop's own status by the name
//! Prom.ua lists it under (`custom-1001`), or by its title, which only the shop's list
//! (as `pull_orders` last read it) turns into a name and an id. A title the list lacks is
//! not sent, and said why. A local status no map entry names is sent only when it is one
//! of the shop's own statuses the list has (set with `orders set-status custom-1001`).

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
    /// No `status_map` entry names the local status: it is one of the shop's own
    /// statuses (by name or title, in the list kept), sent as itself.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub shop_own: bool,
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

/// Pure: a local status no `status_map` names that is one of the shop's own statuses
/// (by name or title in the list kept; Prom.ua's standard ones go through the map): Prom's
/// own status, not a guess, so it is sent as itself.
fn shop_own(status: &str, shop: Option<&ShopStatuses>) -> Option<Resolved> {
    let option = shop?.find(status).filter(|o| !o.is_standard())?;
    Some(Resolved {
        name: option.code()?,
        title: option.title.clone(),
        custom_status_id: option.custom_id(),
    })
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
            if let Some(r) = shop_own(&o.status, shop) {
                changes.push(StatusChange {
                    prom_id: o.prom_id,
                    local_status: o.status.clone(),
                    prom_status_before: o.prom_status.clone(),
                    send: r.name,
                    title: r.title,
                    custom_status_id: r.custom_status_id,
                    reason: None,
                    shop_own: true,
                });
                continue;
            }
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
                shop_own: false,
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
                    (None, t) if c.shop_own => format!(
                        "status changed locally; the shop's own status `{}` (no status_map entry)",
                        t.as_deref().unwrap_or(&c.send)
                    ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StatusTarget;
    use crate::domain::ShopStatus;

    #[test]
    fn a_shop_status_no_map_entry_names_is_sent_as_itself_and_nothing_else_is() {
        let order = |id: i64, status: &str| LocalOrder {
            prom_id: id,
            status: status.into(),
            prom_status: Some("pending".into()),
            status_pending: true,
            ..LocalOrder::default()
        };
        let orders = [
            order(1, "custom-1001"),
            order(2, "Відправлено"),
            order(3, "received"),
            order(4, "lost"),
            order(5, "shipped"),
        ];
        let opts = PushStatusesOptions {
            status_map: [(
                "shipped".to_string(),
                StatusTarget::Status("delivered".into()),
            )]
            .into_iter()
            .collect(),
            max_changes: None,
        };
        let o = |id, name: &str, title: &str| ShopStatus {
            id: Some(id),
            name: (!name.is_empty()).then(|| name.into()),
            title: Some(title.into()),
        };
        let shop = ShopStatuses::read(
            vec![
                o(1, "received", "Прийнято"),
                o(1001, "custom-1001", "Чекає на передоплату"),
                o(1002, "", "Відправлено"),
            ],
            chrono::Utc::now(),
        );
        let p = plan(&orders, &opts, Some(&shop));
        let sent: Vec<(i64, &str, Option<i64>, bool)> = p
            .changes
            .iter()
            .map(|c| (c.prom_id, c.send.as_str(), c.custom_status_id, c.shop_own))
            .collect();
        assert_eq!(
            sent,
            [
                (1, "custom-1001", Some(1001), true),
                (2, "custom-1002", Some(1002), true),
                (5, "delivered", None, false)
            ]
        );
        // Prom's standard statuses go through the map only; anything else is unmapped.
        assert_eq!(p.unmapped.keys().collect::<Vec<_>>(), ["lost", "received"]);
        let text = p.to_string();
        assert!(
            text.contains("the shop's own status `Чекає на передоплату` (no status_map entry)"),
            "{text}"
        );
        // Without the list kept, nothing is taken for the shop's.
        let p = plan(&orders, &opts, None);
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.unmapped.len(), 4);
    }
}
