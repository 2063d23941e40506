//! Before a hide is sent, Prom.ua is asked how the product stands now: the marks of a
//! product hidden by hand come from the daemon's reads (import walks, verify, read-backs),
//! and the seller may have hidden it since the last one. A product Prom shows not on
//! display (or as a draft) is the seller's: its status is left alone and never taken for
//! ours. A product that cannot be read is not hidden this run (the next run asks again).
//!
//! A few hides are read one `GET /products/{id}` each; more than [`read_one_by_one`]
//! allows (a mass sell-out, a first run with `hide_when_out`: 10,000 GETs would take
//! about an hour under `stock_lock`) are read by one walk of the catalogue listing, whose
//! pages carry status and presence. A product the walk does not list is not hidden.

use std::collections::HashMap;

use futures::StreamExt;

use super::super::presence_rules::{NOT_ON_DISPLAY, ON_DISPLAY};
use super::super::{JobContext, JobError};
use super::StockChange;
use crate::prom::PromClient;
use crate::prom::dto::Product;
use crate::report::RunRecord;

/// Pure: whether `hides` products running out are read one by one (else by one walk of
/// the listing): up to 50, or up to 1% of the `considered` products when that is more.
pub(crate) fn read_one_by_one(hides: usize, considered: usize) -> bool {
    hides <= 50.max(considered / 100)
}

/// Takes the status out of the hides Prom does not show on display now (and drops a
/// change left with nothing to send); records what the reads showed.
pub(crate) async fn check_hides(
    changes: &mut Vec<StockChange>,
    considered: usize,
    ctx: &JobContext,
    client: &PromClient,
    r: &mut RunRecord,
) -> Result<(), JobError> {
    let hides: Vec<i64> = changes
        .iter()
        .filter(|c| c.status == Some(NOT_ON_DISPLAY))
        .map(|c| c.prom_id)
        .collect();
    if hides.is_empty() {
        return Ok(());
    }
    let reads: Vec<(i64, Option<Product>)> = if read_one_by_one(hides.len(), considered) {
        futures::stream::iter(hides.into_iter().map(|id| {
            let client = client.clone();
            async move { (id, client.product(id).await.ok()) }
        }))
        .buffer_unordered(client.max_concurrency())
        .collect()
        .await
    } else {
        let listed = match client.all_products().await {
            Ok(all) => all,
            Err(e) => {
                r.notes.push(format!(
                    "the catalogue could not be read before hiding ({e}): nothing hidden this run"
                ));
                Vec::new()
            }
        };
        let mut by_id: HashMap<i64, Product> = listed.into_iter().map(|p| (p.id, p)).collect();
        hides
            .into_iter()
            .map(|id| (id, by_id.remove(&id)))
            .collect()
    };
    // A hide of ours sent before and never confirmed shows as hidden: ours, sent again.
    let pending: Vec<i64> = ctx
        .blocking(|s| s.prom_shown())
        .await?
        .into_iter()
        .filter(|(_, m)| m.hide_pending)
        .map(|(id, _)| id)
        .collect();
    let mut theirs = 0;
    let mut unread = 0;
    let mut marks = Vec::new();
    for (id, shown) in &reads {
        let keep_out = match shown {
            Some(p) => {
                marks.push((*id, p.presence.clone(), p.status.clone()));
                let ours = pending.contains(id) && p.status.as_deref() == Some(NOT_ON_DISPLAY);
                let by_hand = !ours && p.status.as_deref().is_some_and(|s| s != ON_DISPLAY);
                theirs += usize::from(by_hand);
                by_hand
            }
            None => {
                unread += 1;
                true
            }
        };
        if !keep_out {
            continue;
        }
        for c in changes.iter_mut().filter(|c| c.prom_id == *id) {
            c.status = None;
            c.status_reason = None;
            c.hidden = false;
        }
    }
    // A change that was only the hide has nothing left to send.
    changes.retain(|c| {
        c.status.is_some()
            || c.unconfirmed
            || c.before_quantity != Some(c.quantity)
            || c.before_presence.as_deref() != Some(c.presence)
    });
    ctx.blocking(move |s| s.record_prom_shown(&marks)).await?;
    if theirs > 0 {
        r.notes.push(format!(
            "{theirs} product(s) running out are already hidden on Prom.ua by the seller: left as they are, never shown by promua-sync"
        ));
    }
    if unread > 0 {
        r.notes.push(format!(
            "{unread} product(s) running out could not be read from Prom.ua before hiding: not hidden this run"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn more_hides_than_50_or_1_percent_are_read_by_a_walk() {
        use super::read_one_by_one;
        assert!(read_one_by_one(50, 300));
        assert!(!read_one_by_one(51, 300));
        assert!(read_one_by_one(100, 10_000));
        assert!(!read_one_by_one(101, 10_000));
    }
}
