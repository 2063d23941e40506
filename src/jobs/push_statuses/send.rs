//! One `set_status` call per target, and for a shop's own status the fallback: what is
//! not known to take one form is sent once more in the other (prom-api.md §4.3: a status
//! by name, `custom-1001`, or by `custom_status_id`; which one Prom.ua takes is not
//! certain). Only `processed_ids` confirm; each form that did is said in the run's notes.

use std::collections::BTreeMap;

use super::StatusChange;
use crate::domain::CustomStatusForm;
use crate::prom::dto::{CancellationReason, OrderStatus, SetCustomStatus, SetStatus};
use crate::prom::{PromClient, PromError};
use crate::report::ItemFailure;

/// What one `set_status` call sends besides the order ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Target {
    /// The name Prom.ua shows: what a confirmed order's Prom status becomes.
    pub status: String,
    pub custom_status_id: Option<i64>,
    pub reason: Option<String>,
    pub text: Option<String>,
}

impl Target {
    fn by_name(&self, ids: Vec<i64>) -> SetStatus {
        SetStatus {
            status: OrderStatus::from(self.status.as_str()),
            ids,
            cancellation_reason: self.reason.as_deref().map(CancellationReason::from),
            cancellation_text: self.text.clone(),
        }
    }

    /// Shown in notes: `custom-1001` (id 1001).
    fn shown(&self) -> String {
        match self.custom_status_id {
            Some(id) => format!("`{}` (id {id})", self.status),
            None => format!("`{}`", self.status),
        }
    }
}

/// The plan's changes grouped by what Prom.ua is sent: one call per target.
pub(super) fn groups<'p>(
    changes: &'p [StatusChange],
    opts: &crate::config::PushStatusesOptions,
) -> BTreeMap<Target, Vec<&'p StatusChange>> {
    let mut groups: BTreeMap<Target, Vec<&StatusChange>> = BTreeMap::new();
    for c in changes {
        // A shop's own status no map entry names carries no reason or text.
        let target = opts.status_map.get(&c.local_status);
        groups
            .entry(Target {
                status: c.send.clone(),
                custom_status_id: c.custom_status_id,
                reason: target.and_then(|t| t.reason()).map(str::to_string),
                text: target.and_then(|t| t.text()).map(str::to_string),
            })
            .or_default()
            .push(c);
    }
    groups
}

/// What sending one chunk came to.
#[derive(Debug, Default)]
pub(super) struct Sent {
    pub processed: Vec<i64>,
    /// Why the rest were not: Prom's `warning_message`, or the error of the last call.
    pub refusal: Option<String>,
    /// An error that stops the run (the token), after which nothing more is sent.
    pub fatal: Option<PromError>,
    /// The form that last confirmed something, for a shop's own status.
    pub form: Option<CustomStatusForm>,
    pub notes: Vec<String>,
}

/// An error after which the other form may still be taken: Prom.ua refused what it was
/// sent, not the token or the connection.
fn other_form_may_work(e: &PromError) -> bool {
    match e {
        PromError::Api { .. } => true,
        PromError::Status { status, .. } => {
            (400..500).contains(status) && ![401, 403, 408, 429].contains(status)
        }
        _ => false,
    }
}

async fn call(
    client: &PromClient,
    target: &Target,
    ids: Vec<i64>,
    form: CustomStatusForm,
) -> Result<crate::prom::dto::SetStatusResult, PromError> {
    match (form, target.custom_status_id) {
        (CustomStatusForm::Id, Some(id)) => {
            client
                .set_order_custom_status(&SetCustomStatus {
                    custom_status_id: id,
                    ids,
                })
                .await
        }
        _ => client.set_order_status(&target.by_name(ids)).await,
    }
}

/// Sends `ids` to `target`: a standard status once; a shop's own status first in the
/// form `first`, then what that did not confirm once in the other form.
pub(super) async fn send(
    client: &PromClient,
    target: &Target,
    ids: Vec<i64>,
    first: CustomStatusForm,
) -> Sent {
    let mut sent = Sent::default();
    let custom = target.custom_status_id.is_some();
    let forms: &[CustomStatusForm] = if custom {
        &[first, first.other()]
    } else {
        &[CustomStatusForm::Name]
    };
    let mut rest = ids;
    for (i, form) in forms.iter().enumerate() {
        let retry = i > 0;
        match call(client, target, rest.clone(), *form).await {
            Ok(res) => {
                let took: Vec<i64> = rest
                    .iter()
                    .copied()
                    .filter(|id| res.processed.contains(id))
                    .collect();
                if custom && !took.is_empty() {
                    sent.form = Some(*form);
                    sent.notes.push(format!(
                        "order status {}: Prom.ua took it {} for {} order(s){}",
                        target.shown(),
                        form.said(),
                        took.len(),
                        if retry {
                            " (the other form was refused)"
                        } else {
                            ""
                        }
                    ));
                }
                rest.retain(|id| !took.contains(id));
                sent.processed.extend(took);
                if !rest.is_empty() {
                    sent.refusal =
                        Some(res.warning.unwrap_or_else(|| {
                            format!("Prom.ua did not accept `{}`", target.status)
                        }));
                }
            }
            Err(e) => {
                let more = !retry && custom && other_form_may_work(&e);
                sent.refusal = Some(e.to_string());
                if e.is_fatal_for_run() {
                    sent.fatal = Some(e);
                    break;
                }
                if !more {
                    break;
                }
            }
        }
        if rest.is_empty() {
            break;
        }
        if custom && !retry {
            sent.notes.push(format!(
                "order status {}: {} order(s) not taken {}: sent again {}",
                target.shown(),
                rest.len(),
                form.said(),
                form.other().said()
            ));
        }
    }
    sent
}

pub(super) fn failure(order: i64, reason: String) -> ItemFailure {
    ItemFailure {
        sku: format!("order {order}"),
        prom_id: order,
        reason,
    }
}
