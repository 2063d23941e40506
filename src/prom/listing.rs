//! Decisions of a catalogue read, learnt from Prom's answers (pure; `catalogue.rs` does the
//! requests): how to page a listing, when it has ended, and which groups to read after the
//! default listing.

use std::collections::{BTreeMap, BTreeSet};

/// What one read has learnt of Prom's paging, shared by all its listings.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paging {
    /// `Some(true)` once a page held the very id sent as `last_id` (the bound is `<=`);
    /// `Some(false)` once a page below a cursor did not.
    inclusive: Option<bool>,
}

impl Paging {
    /// The `last_id` that asks for what lies below `min`, the smallest id read so far:
    /// `min - 1` once the bound is known inclusive, so no product is read twice.
    pub fn cursor_below(&self, min: i64) -> i64 {
        if self.inclusive == Some(true) {
            min.saturating_sub(1)
        } else {
            min
        }
    }

    /// Learns from a page answered to `sent` (the `last_id` sent, if any): `ids` the
    /// readable ids, `items` every item on the page (unreadable ones too).
    pub fn learn(&mut self, sent: Option<i64>, ids: &[i64]) {
        if let (None, Some(c), false) = (self.inclusive, sent, ids.is_empty()) {
            // A missing cursor id may also be a product deleted meanwhile: reading the
            // bound as exclusive then costs a re-read per page, never a skipped product.
            self.inclusive = Some(ids.contains(&c));
        }
    }

    /// Whether a page ends its listing: only a page with nothing new (empty, or only
    /// what was read already, whatever the bound's reading). Never a short one:
    /// prom-api.md section 2's client rule ("stop on an empty page, not on a short one"),
    /// as a listing may answer short pages midway (a server capping pages lower, products
    /// filtered out of a page). It costs one request per listing; a short page taken as
    /// the end could miss products for good.
    pub fn ends(&self, anything_new: bool) -> bool {
        !anything_new
    }
}

/// What the default listing showed of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GroupShown {
    pub count: usize,
    /// Its smallest id shown.
    pub min: i64,
}

/// Which groups to read after the default listing.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct GroupReads {
    /// Groups to walk whole.
    pub walk: Vec<i64>,
    /// Groups the default listing showed, with their smallest id shown: the first are
    /// probed below it (one request each while nothing turns up), the rest only if a
    /// probe finds products the listing did not show.
    pub probe: Vec<(i64, i64)>,
    pub probe_first: usize,
}

/// Plans the group reads. `answered` is the `group_id` the default listing answered
/// with (the root); `shown` what it showed by group (`None`: a product without a
/// readable group); `listed` the groups `groups/list` gave; `pages` the default
/// listing's pages.
///
/// - Every product shown in the root (or none at all): the default listing is the
///   root's, as one live account showed (prom-api.md section 3.1). Every other group is
///   walked whole; the root is probed once below its smallest id shown (a listing may
///   stop short: about 499 a group was seen).
/// - Products of other groups shown: the listing is the catalogue's. A group it showed
///   nothing of is walked (a listing may leave groups out); a group it showed is only
///   probed below its smallest id shown, one per 20 pages, those reaching lowest first: a
///   listing cut at some id misses what lies below it, so the groups whose shown ids come
///   down to the cut show it. Groups seen only on products (`groups/list` may leave groups
///   out) are probed too; one Prom refuses is noted and passed over.
pub(super) fn group_reads(
    answered: Option<i64>,
    shown: &BTreeMap<Option<i64>, GroupShown>,
    listed: &BTreeSet<i64>,
    pages: usize,
) -> GroupReads {
    let only_root = answered.is_some_and(|root| shown.keys().all(|g| *g == Some(root)));
    if shown.is_empty() || only_root {
        let walk = listed
            .iter()
            .copied()
            .filter(|g| Some(*g) != answered)
            .collect();
        let probe: Vec<(i64, i64)> = answered
            .and_then(|root| shown.get(&Some(root)).map(|s| (root, s.min)))
            .into_iter()
            .collect();
        return GroupReads {
            walk,
            probe_first: probe.len(),
            probe,
        };
    }
    let walk = listed
        .iter()
        .copied()
        .filter(|g| !shown.contains_key(&Some(*g)))
        .collect();
    let mut probe: Vec<(i64, i64, usize)> = shown
        .iter()
        .filter_map(|(g, s)| g.map(|g| (g, s.min, s.count)))
        .collect();
    probe.sort_by_key(|&(g, min, _)| (min, g));
    let probe_first = pages.div_ceil(20).max(1).min(probe.len());
    GroupReads {
        walk,
        probe: probe.into_iter().map(|(g, min, _)| (g, min)).collect(),
        probe_first,
    }
}

#[cfg(test)]
#[path = "listing_tests.rs"]
mod tests;
