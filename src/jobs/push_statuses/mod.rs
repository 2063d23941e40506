//! `push_statuses`: local order status changes go to Prom.ua through the status map,
//! grouped by target status; an order counts as done only if Prom lists it in
//! `processed_ids`. A status the map lacks is skipped and reported, never guessed, unless
//! it is one of the shop's own statuses the list kept has (sent as itself); so is a
//! shop's own status named by a title the shop's list lacks. `plan.rs` decides what
//! each status is sent as; `send.rs` sends it, a shop's own status in both of the forms
//! Prom.ua may take.

mod plan;
mod send;

use super::JobError;
use super::runner::{Job, RunEnv};
use crate::config::{PushStatusesOptions, SyncConfig};
use crate::domain::{CustomStatusForm, MAX_BATCH};
use crate::report::{ItemWarning, Outcome, RunRecord};
pub use plan::{Resolved, StatusChange, StatusPlan, Unresolved, plan, resolve};
use send::{failure, groups, send};

pub const KIND: &str = "push_statuses";

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
        let (orders, shop) = env
            .ctx
            .blocking(|s| Ok((s.orders()?, s.shop_statuses()?)))
            .await?;
        let shop = shop.filter(|s| s.read_at.is_some());
        let plan = plan(&orders, self.0, shop.as_ref());
        r.considered = plan.changes.len()
            + plan.unmapped.values().map(Vec::len).sum::<usize>()
            + plan
                .unresolved
                .values()
                .map(|u| u.orders.len())
                .sum::<usize>();
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
                    "order {id}: local status `{status}` cannot be sent (not in status_map, nor one of the shop's own statuses); Prom.ua keeps its own status until the map has it, the local status changes, or a later change on Prom.ua supersedes it"
                ),
            }));
        }
        for (status, u) in &plan.unresolved {
            r.notes.push(format!(
                "status `{status}` is sent as `{}`, which cannot be named to Prom.ua: {} order(s) not sent",
                u.target,
                u.orders.len()
            ));
            r.warnings.extend(u.orders.iter().map(|id| ItemWarning {
                subject: format!("order {id}"),
                prom_id: *id,
                kind: "unsendable_status".into(),
                message: format!(
                    "order {id}: local status `{status}` cannot be sent: {}",
                    u.why
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
        // A shop's own status goes first in the form Prom.ua took last time.
        let mut form = ctx
            .blocking(|s| s.custom_status_form())
            .await?
            .unwrap_or(CustomStatusForm::Name);
        let first_form = form;
        // A stop or a fatal error ends the whole run, not only the current target's group.
        'groups: for (target, changes) in groups(&plan.changes, self.0) {
            for chunk in changes.chunks(MAX_BATCH) {
                if ctx.cancel.is_cancelled() {
                    r.outcome = Outcome::Cancelled;
                    break 'groups;
                }
                // What Prom.ua will show is the target's status, not the local word: a
                // reload changing the map between send and read-back changes nothing.
                let planned: Vec<(i64, String, String)> = chunk
                    .iter()
                    .map(|c| (c.prom_id, c.local_status.clone(), target.status.clone()))
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
                let sent = send(client, &target, ids, form).await;
                r.notes.extend(sent.notes);
                form = sent.form.unwrap_or(form);
                // What Prom.ua will show for them: the status's name.
                let done: Vec<(i64, String, String)> = chunk
                    .iter()
                    .filter(|c| sent.processed.contains(&c.prom_id))
                    .map(|c| (c.prom_id, c.local_status.clone(), target.status.clone()))
                    .collect();
                r.confirmed += done.len();
                if !done.is_empty() {
                    ctx.blocking(move |s| s.confirm_order_statuses(&done))
                        .await?;
                    ctx.store.flush().await?;
                }
                let refusal = sent
                    .refusal
                    .unwrap_or_else(|| format!("Prom.ua did not accept `{}`", target.status));
                r.failed.extend(
                    chunk
                        .iter()
                        .filter(|c| !sent.processed.contains(&c.prom_id))
                        .map(|c| failure(c.prom_id, refusal.clone())),
                );
                if let Some(e) = sent.fatal {
                    r.outcome = Outcome::Failed;
                    r.error = Some(e.to_string());
                    break 'groups;
                }
            }
        }
        if form != first_form {
            ctx.blocking(move |s| s.set_custom_status_form(form))
                .await?;
            ctx.store.flush().await?;
        }
        Ok(())
    }
}
