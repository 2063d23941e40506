//! Read-back after a push (`verify_sample`): `processed_ids` proves Prom.ua accepted a
//! write, not that its shop shows it (prom-api.md §10: a field may be confirmed and
//! ignored). So after a run that sent items, a few confirmed products are read back with
//! `GET /products/{id}`; one that shows another value than it confirmed fails, and its
//! snapshot is marked unconfirmed so the next run sends it again.
//!
//! `spread` and the `ReadBack::differences` of each push are pure; `verify` does the
//! reads and writes what they showed.

use std::collections::HashSet;
use std::fmt;

use futures::StreamExt;

use super::edit_push::{Edit, Pushed, failure};
use super::{JobContext, JobError};
use crate::prom::PromClient;
use crate::prom::dto::Product;
use crate::report::RunRecord;

/// One field Prom.ua shows otherwise than a confirmed edit sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Prom's name of the field, e.g. `quantity_in_stock`.
    pub field: &'static str,
    pub sent: String,
    pub shown: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sent {}, Prom.ua shows {}",
            self.field, self.sent, self.shown
        )
    }
}

/// An edit that can be checked against what Prom.ua shows.
pub trait ReadBack: Edit {
    /// Pure: the fields where `shown` differs from what this edit sent.
    fn differences(&self, shown: &Product) -> Vec<Mismatch>;

    /// Pure: whether these mismatches of this edit show that the call it went through
    /// ignores a field it confirmed (the stock route's evidence, `stock_route.rs`).
    fn call_ignores_field(&self, _mismatches: &[Mismatch]) -> bool {
        false
    }

    /// Pure: the (product id, Prom id) whose hidden mark these mismatches take back (a
    /// hide Prom confirmed and did not take), if any: the next run hides it again.
    fn hide_not_taken(&self, _mismatches: &[Mismatch]) -> Option<(u64, i64)> {
        None
    }
}

/// Pure: up to `n` of `items`, spread evenly from the first to the last, in order, so
/// that every batch of a long push has a chance of being read. Deterministic.
pub fn spread<T>(items: &[T], n: usize) -> Vec<&T> {
    let len = items.len();
    match n {
        0 => Vec::new(),
        _ if n >= len => items.iter().collect(),
        1 => vec![&items[0]],
        // (len - 1) / (n - 1) ≥ 1 when n ≤ len: the indices are distinct.
        _ => (0..n).map(|i| &items[i * (len - 1) / (n - 1)]).collect(),
    }
}

/// What `products/edit` ignoring a field looked like in a read-back: the first product
/// that showed it, for the log and the store.
pub struct Evidence {
    pub sku: String,
    pub prom_id: i64,
    pub text: String,
}

/// Reads back up to `sample` of the edits `pushed` confirmed. A mismatch takes the
/// confirmation back (a failure of the run naming the product, the field, the values
/// sent and shown) and marks its snapshot unconfirmed, on disk before this returns.
/// External ids the reads show are kept. A read that fails is a note: it proves nothing
/// either way. Evidence that a call ignores a field goes to the stock route.
pub async fn verify<E: ReadBack>(
    edits: &[E],
    pushed: &mut Pushed,
    sample: usize,
    ctx: &JobContext,
    client: &PromClient,
    r: &mut RunRecord,
) -> Result<(), JobError> {
    // After an error that stopped the push, or a stop request, the reads would fail the
    // same way or hold up the stop: the next run sends and reads again.
    if sample == 0
        || pushed.confirmed.is_empty()
        || pushed.fatal.is_some()
        || ctx.cancel.is_cancelled()
    {
        return Ok(());
    }
    let confirmed: HashSet<u64> = pushed.confirmed.iter().copied().collect();
    let candidates: Vec<&E> = edits
        .iter()
        .filter(|e| confirmed.contains(&e.product_id()))
        .collect();
    let chosen: Vec<E> = spread(&candidates, sample)
        .into_iter()
        .map(|e| (*e).clone())
        .collect();
    let reads: Vec<(E, Result<Product, crate::prom::PromError>)> =
        futures::stream::iter(chosen.into_iter().map(|e| {
            let client = client.clone();
            async move {
                let shown = client.product(e.prom_id()).await;
                (e, shown)
            }
        }))
        .buffer_unordered(client.max_concurrency())
        .collect()
        .await;

    let mut external = Vec::new();
    let mut marks = Vec::new();
    let mut mismatched: Vec<(E, Vec<Mismatch>)> = Vec::new();
    let mut unread = Vec::new();
    for (edit, shown) in reads {
        match shown {
            Ok(p) => {
                external.push((p.id, p.external_id.clone()));
                marks.push((p.id, p.presence.clone(), p.status.clone()));
                let diff = edit.differences(&p);
                if !diff.is_empty() {
                    mismatched.push((edit, diff));
                }
            }
            Err(e) => unread.push(format!("{} (Prom id {}): {e}", edit.sku(), edit.prom_id())),
        }
    }
    let read = external.len();
    let not_hidden: Vec<(u64, i64)> = mismatched
        .iter()
        .filter_map(|(e, diff)| e.hide_not_taken(diff))
        .collect();
    let shown_other: Vec<E> = mismatched.iter().map(|(e, _)| e.clone()).collect();
    ctx.blocking(move |s| {
        let shown: Vec<(i64, Option<&str>)> =
            external.iter().map(|(id, x)| (*id, x.as_deref())).collect();
        s.record_external_ids(&shown)?;
        s.record_prom_shown(&marks)?;
        if !not_hidden.is_empty() {
            s.forget_hidden(&not_hidden)?;
        }
        E::mark_edits_unconfirmed(s, &shown_other)
    })
    .await?;
    ctx.store.flush().await?;

    r.notes.push(format!(
        "read back {read} of {} confirmed product(s): {}",
        confirmed.len(),
        match mismatched.len() {
            0 => "each shows what Prom.ua confirmed".to_string(),
            n => format!("{n} show(s) other values (failed; the next run sends them again)"),
        }
    ));
    if !unread.is_empty() {
        r.notes.push(format!(
            "read-back could not read {} product(s), so they are not checked: {}",
            unread.len(),
            unread.join("; ")
        ));
    }
    let mut evidence = None;
    let mut witnesses = 0;
    for (edit, diff) in mismatched {
        if edit.call_ignores_field(&diff) {
            witnesses += 1;
            evidence.get_or_insert_with(|| Evidence {
                sku: edit.sku().to_string(),
                prom_id: edit.prom_id(),
                text: describe(&diff),
            });
        }
        let reason = format!(
            "read back after Prom.ua confirmed it: {}; not kept as confirmed, the next run sends it again",
            describe(&diff)
        );
        pushed.unconfirm(edit.product_id(), failure(&edit, reason));
    }
    // One product can mislead (a sale in the cabinet between the write and the read): the
    // route changes only when two products say so, or every product read back.
    if let Some(evidence) = evidence.filter(|_| witnesses >= 2 || witnesses == read) {
        super::stock_route::learn(ctx, evidence, r).await?;
    }
    Ok(())
}

fn describe(diff: &[Mismatch]) -> String {
    diff.iter()
        .map(Mismatch::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_is_spread_over_the_whole_push() {
        let items: Vec<u32> = (0..10).collect();
        assert_eq!(spread(&items, 0), Vec::<&u32>::new());
        assert_eq!(spread(&items, 1), vec![&0]);
        assert_eq!(spread(&items, 2), vec![&0, &9]);
        assert_eq!(spread(&items, 5), vec![&0, &2, &4, &6, &9]);
        assert_eq!(spread(&items, 10).len(), 10);
        assert_eq!(spread(&items, 50).len(), 10);
        assert_eq!(spread(&items[..3], 2), vec![&0, &2]);
    }

    #[test]
    fn a_spread_never_repeats_an_item() {
        for len in 1..60usize {
            let items: Vec<usize> = (0..len).collect();
            for n in 0..70 {
                let s = spread(&items, n);
                assert_eq!(s.len(), n.min(len));
                assert!(s.windows(2).all(|w| w[0] < w[1]), "{len} {n}");
            }
        }
    }
}
