//! `push_statuses`: local order status changes go to Prom.ua through the status map,
//! grouped by target status; an order counts as done only if Prom lists it in
//! `processed_ids`. A status the map lacks is skipped and reported, never guessed.

use std::collections::BTreeMap;
use std::fmt;

use chrono::Utc;
use serde::Serialize;

use super::{JobContext, JobError, JobRun, Plan, skipped, started_record};
use crate::config::PushStatusesOptions;
use crate::prom::PromError;
use crate::prom::dto::{CancellationReason, OrderStatus, SetStatus};
use crate::report::{ItemFailure, Outcome};
use crate::store::LocalOrder;

pub const KIND: &str = "push_statuses";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub prom_id: i64,
    pub local_status: String,
    pub prom_status_before: Option<String>,
    pub send: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusPlan {
    pub changes: Vec<StatusChange>,
    /// Local status → orders waiting with it, for statuses the map lacks.
    pub unmapped: BTreeMap<String, Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
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
                writeln!(
                    f,
                    "{:>12}  {:<20}  {:<12}  {:<12}  {}",
                    c.prom_id,
                    c.local_status,
                    c.prom_status_before.as_deref().unwrap_or("-"),
                    c.send,
                    c.reason.as_ref().map_or_else(
                        || "status changed locally".to_string(),
                        |r| format!("cancelled: {r}")
                    )
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
        Ok(())
    }
}

/// Pure: what to send for the orders whose local status Prom has not confirmed.
pub fn plan(orders: &[LocalOrder], opts: &PushStatusesOptions) -> StatusPlan {
    let mut changes = Vec::new();
    let mut unmapped: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for o in orders.iter().filter(|o| o.status_pending) {
        match opts.status_map.get(&o.status) {
            Some(target) => changes.push(StatusChange {
                prom_id: o.prom_id,
                local_status: o.status.clone(),
                prom_status_before: o.prom_status.clone(),
                send: target.status().to_string(),
                reason: target.reason().map(str::to_string),
            }),
            None => unmapped
                .entry(o.status.clone())
                .or_default()
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
        guarded,
    }
}

pub async fn run(
    job: &str,
    opts: &PushStatusesOptions,
    ctx: &JobContext,
    dry_run: bool,
) -> Result<JobRun, JobError> {
    if !ctx.sync.update_statuses && !dry_run {
        return Ok(skipped(job, KIND, "update_statuses"));
    }
    let started = Utc::now();
    let plan = plan(&ctx.store.orders()?, opts);
    let mut r = started_record(job, KIND, dry_run, started);
    r.considered = plan.changes.len() + plan.unmapped.values().map(Vec::len).sum::<usize>();
    r.planned = plan.changes.len();
    for (status, ids) in &plan.unmapped {
        r.notes.push(format!(
            "status `{status}` is not in status_map: {} order(s) not sent",
            ids.len()
        ));
    }
    if dry_run {
        return Ok(JobRun {
            record: r,
            plan: Some(Plan::PushStatuses(plan)),
        });
    }
    if let Some(why) = plan.guarded.clone() {
        r.outcome = Outcome::Guarded;
        r.error = Some(why);
        return Ok(JobRun {
            record: r,
            plan: None,
        });
    }
    let client = ctx
        .prom
        .as_ref()
        .ok_or(PromError::NoToken)?
        .counted()
        .cancellable(ctx.cancel.clone());
    // One call per target (status, reason, text), at most 100 orders each.
    let sent_status: std::collections::HashMap<i64, String> = plan
        .changes
        .iter()
        .map(|c| (c.prom_id, c.local_status.clone()))
        .collect();
    let mut groups: BTreeMap<(String, Option<String>, Option<String>), Vec<i64>> = BTreeMap::new();
    for c in &plan.changes {
        let target = &opts.status_map[&c.local_status];
        groups
            .entry((
                target.status().to_string(),
                target.reason().map(str::to_string),
                target.text().map(str::to_string),
            ))
            .or_default()
            .push(c.prom_id);
    }
    // A stop or a fatal error ends the whole run, not only the current target's group.
    'groups: for ((status, reason, text), ids) in groups {
        for chunk in ids.chunks(100) {
            if ctx.cancel.is_cancelled() {
                r.outcome = Outcome::Cancelled;
                break 'groups;
            }
            let req = SetStatus {
                status: OrderStatus::from(status.as_str()),
                ids: chunk.to_vec(),
                cancellation_reason: reason.as_deref().map(CancellationReason::from),
                cancellation_text: text.clone(),
            };
            // Prom's status is unknown from here until it confirms.
            ctx.store.mark_statuses_unconfirmed(chunk)?;
            ctx.store.flush().await?;
            r.sent += chunk.len();
            match client.set_order_status(&req).await {
                Ok(res) => {
                    let done: Vec<(i64, String, String)> = res
                        .processed
                        .iter()
                        .filter_map(|id| Some((*id, sent_status.get(id)?.clone(), status.clone())))
                        .collect();
                    ctx.store.confirm_order_statuses(&done)?;
                    ctx.store.flush().await?;
                    r.confirmed += done.len();
                    for id in chunk.iter().filter(|id| !res.processed.contains(id)) {
                        r.failed.push(ItemFailure {
                            sku: format!("order {id}"),
                            prom_id: *id,
                            reason: res
                                .warning
                                .clone()
                                .unwrap_or_else(|| format!("Prom.ua did not accept `{status}`")),
                        });
                    }
                }
                Err(e) => {
                    let fatal = e.is_fatal_for_run();
                    r.failed.extend(chunk.iter().map(|id| ItemFailure {
                        sku: format!("order {id}"),
                        prom_id: *id,
                        reason: e.to_string(),
                    }));
                    if fatal {
                        r.outcome = Outcome::Failed;
                        r.error = Some(e.to_string());
                        break 'groups;
                    }
                }
            }
        }
    }
    if r.outcome == Outcome::Ok && !r.failed.is_empty() {
        r.outcome = Outcome::Partial;
    }
    r.requests = client.requests();
    r.retries = client.retries();
    ctx.store.flush().await?;
    r.finished_at = Utc::now();
    Ok(JobRun {
        record: r,
        plan: None,
    })
}
