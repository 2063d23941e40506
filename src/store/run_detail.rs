//! What a stored run record keeps: per-item detail for what went wrong, counts for the
//! rest. A run prints (and `job run --json` returns) its whole record; the store keeps, for
//! every run of every job for `keep_runs_days`, only what a later reader needs: failures
//! (`failed`), drift (repaired or not: `verify_drift_items` and the drift alert count
//! it, and a repairing verify sends at most `max_changes` a run), and the warnings and
//! notes that are not recurring items. Recurring items (an import's hard cases, orders
//! with unlinked lines: thousands a run on a large catalogue) stay as their count and the
//! command that lists them (`recurring`).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::report::RunRecord;

/// The record as the store keeps it (borrowed when there is nothing to leave out).
pub(super) fn kept(run: &RunRecord) -> Cow<'_, RunRecord> {
    let recurring: HashSet<&str> = run
        .recurring
        .iter()
        .flat_map(|r| r.items.iter().map(|i| i.message.as_str()))
        .collect();
    let per_item_note = |n: &String| recurring.contains(n.as_str());
    let trims = run.notes.iter().any(per_item_note)
        || run
            .warnings
            .iter()
            .any(|w| recurring.contains(w.message.as_str()));
    if !trims {
        return Cow::Borrowed(run);
    }
    let mut out = run.clone();
    out.notes.retain(|n| !per_item_note(n));
    out.warnings
        .retain(|w| !recurring.contains(w.message.as_str()));
    Cow::Owned(out)
}

#[cfg(test)]
#[path = "run_detail_tests.rs"]
mod tests;
