//! `push_statuses`: local order status changes go to Prom.ua through the status map,
//! grouped by target status; an order counts as done only if Prom lists it in
//! `processed_ids`. A status the map lacks is skipped and reported, never guessed.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::JobError;
use super::runner::{Job, RunEnv};
use crate::config::{PushStatusesOptions, SyncConfig};
use crate::domain::MAX_BATCH;
use crate::prom::dto::{CancellationReason, OrderStatus, SetStatus};
use crate::report::{ItemFailure, ItemWarning, Outcome, RunRecord};
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

/// A `push_statuses` job with its options.
pub struct PushStatuses<'a>(pub &'a PushStatusesOptions);

impl Job for PushStatuses<'_> {
    const KIND: &'static str = KIND;
    type Plan = StatusPlan;

    fn lock<'c>(
        &self,
        ctx: &'c super::JobContext,
    ) -> Option<&'c std::sync::Arc<tokio::sync::Mutex<()>>> {
        Some(&ctx.orders_lock)
    }

    fn switch(&self, sync: &SyncConfig) -> Option<(&'static str, bool)> {
        Some(("update_statuses", sync.update_statuses))
    }

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<StatusPlan>, JobError> {
        let plan = plan(&env.ctx.blocking(|s| s.orders()).await?, self.0);
        r.considered = plan.changes.len() + plan.unmapped.values().map(Vec::len).sum::<usize>();
        r.planned = plan.changes.len();
        for (status, ids) in &plan.unmapped {
            r.notes.push(format!(
                "status `{status}` is not in status_map: {} order(s) not sent",
                ids.len()
            ));
            // Said every run until resolved: the order keeps what its status holds.
            r.warnings.extend(ids.iter().map(|id| ItemWarning {
                subject: format!("order {id}"),
                prom_id: *id,
                kind: "unsendable_status".into(),
                message: format!(
                    "order {id}: local status `{status}` cannot be sent (not in status_map); Prom.ua keeps its own status until the map has it, the local status changes, or a later change on Prom.ua supersedes it"
                ),
            }));
        }
        Ok(Some(plan))
    }

    fn guarded(plan: &StatusPlan) -> Option<String> {
        plan.guarded.clone()
    }

    async fn apply(
        &self,
        plan: StatusPlan,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        let (ctx, client) = (env.ctx, env.client()?);
        // A stop or a fatal error ends the whole run, not only the current target's group.
        'groups: for (target, changes) in groups(&plan, self.0) {
            for chunk in changes.chunks(MAX_BATCH) {
                if ctx.cancel.is_cancelled() {
                    r.outcome = Outcome::Cancelled;
                    break 'groups;
                }
                let planned: Vec<(i64, String)> = chunk
                    .iter()
                    .map(|c| (c.prom_id, c.local_status.clone()))
                    .collect();
                // Prom's status is unknown from here until it confirms. Only orders still
                // waiting with the planned status are sent: one changed since, or
                // superseded by a later change on Prom.ua, is not.
                let ids = ctx
                    .blocking(move |s| s.mark_statuses_unconfirmed(&planned))
                    .await?;
                ctx.store.flush().await?;
                let skipped = chunk.iter().filter(|c| !ids.contains(&c.prom_id));
                r.notes.extend(skipped.map(|c| {
                    format!(
                        "order {}: its local status is no longer `{}` waiting to be sent: not sent",
                        c.prom_id, c.local_status
                    )
                }));
                let chunk: Vec<&StatusChange> = chunk
                    .iter()
                    .copied()
                    .filter(|c| ids.contains(&c.prom_id))
                    .collect();
                if chunk.is_empty() {
                    continue;
                }
                r.sent += chunk.len();
                match client.set_order_status(&target.request(ids)).await {
                    Ok(res) => {
                        let done: Vec<(i64, String, String)> = chunk
                            .iter()
                            .filter(|c| res.processed.contains(&c.prom_id))
                            .map(|c| (c.prom_id, c.local_status.clone(), target.status.clone()))
                            .collect();
                        r.confirmed += done.len();
                        ctx.blocking(move |s| s.confirm_order_statuses(&done))
                            .await?;
                        ctx.store.flush().await?;
                        for c in chunk.iter().filter(|c| !res.processed.contains(&c.prom_id)) {
                            r.failed.push(failure(
                                c.prom_id,
                                res.warning.clone().unwrap_or_else(|| {
                                    format!("Prom.ua did not accept `{}`", target.status)
                                }),
                            ));
                        }
                    }
                    Err(e) => {
                        r.failed
                            .extend(chunk.iter().map(|c| failure(c.prom_id, e.to_string())));
                        if e.is_fatal_for_run() {
                            r.outcome = Outcome::Failed;
                            r.error = Some(e.to_string());
                            break 'groups;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// What one `set_status` call sends besides the order ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    status: String,
    reason: Option<String>,
    text: Option<String>,
}

impl Target {
    fn request(&self, ids: Vec<i64>) -> SetStatus {
        SetStatus {
            status: OrderStatus::from(self.status.as_str()),
            ids,
            cancellation_reason: self.reason.as_deref().map(CancellationReason::from),
            cancellation_text: self.text.clone(),
        }
    }
}

/// The plan's changes grouped by what Prom.ua is sent: one call per target, at most
/// [`MAX_BATCH`] orders each.
fn groups<'p>(
    plan: &'p StatusPlan,
    opts: &PushStatusesOptions,
) -> BTreeMap<Target, Vec<&'p StatusChange>> {
    let mut groups: BTreeMap<Target, Vec<&StatusChange>> = BTreeMap::new();
    for c in &plan.changes {
        let target = &opts.status_map[&c.local_status];
        groups
            .entry(Target {
                status: target.status().to_string(),
                reason: target.reason().map(str::to_string),
                text: target.text().map(str::to_string),
            })
            .or_default()
            .push(c);
    }
    groups
}

fn failure(order: i64, reason: String) -> ItemFailure {
    ItemFailure {
        sku: format!("order {order}"),
        prom_id: order,
        reason,
    }
}
