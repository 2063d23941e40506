//! The candidate index of the link suggestions: which local products a Prom product is
//! compared with when comparing every pair would cost too much (more than
//! [`EXHAUSTIVE_UP_TO`] comparisons: 2,000 Prom products against 50,000 local ones took
//! 81 s in release).
//!
//! - **SKUs**: the local products with the same cleaned SKU or the same look-alike key,
//!   looked up in maps. Every SKU candidate is found.
//! - **Names**: prefix filtering on the names' character pairs (the very pairs whose Dice
//!   coefficient [`compare`](crate::backoffice::similarity::compare) scores). The pairs
//!   are ordered rarest first (by how many local names hold them). Two pair sets `x`, `y`
//!   with Dice ≥ `t` share at least `a(x) = ⌈t·|x|/(2−t)⌉` pairs (and `a(y)`), so their
//!   rarest common pair lies within the first `|x| − a(x) + 1` pairs of `x` and within
//!   the first `|y| − a(y) + 1` of `y`: the index keeps each local name under the pairs
//!   of its prefix only, and a Prom name looks up the pairs of its own prefix. Dice ≥ `t`
//!   also needs `|y|` within `[t/(2−t)·|x|, (2−t)/t·|x|]`. Every name (every language) of
//!   the Prom product looks up; the found local products are then scored exactly as the
//!   exhaustive pass scores them, in index order, skipping those a cheap bound (the Dice,
//!   capped when the numbers differ) keeps out of the [`KEPT`](super::KEPT) best; once
//!   those reach the cap, only names with the Prom product's numbers are looked at.
//!
//! `t` is the lowest score that can still matter: `max(min_score, FLOOR)`, less
//! [`NEAR_TIE`] (a rival within a tie) and the 3-decimal rounding. A contradiction only
//! lowers a score (to the cap), so a name scoring ≥ `t` has a Dice ≥ `t` and is found.
//! Hence every pair at or above `t` is made, scored, explained and marked ambiguous as by
//! the exhaustive pass (the pairing goes strongest first, so weaker pairs cannot change
//! it); what may differ lies below `max(min_score, FLOOR)`: there a Prom product may get
//! a weaker suggestion, another one, or none.

use std::collections::HashMap;

use super::{Local, NEAR_TIE};
use crate::backoffice::similarity::Name;

/// Up to this many comparisons (Prom products × local products) every pair is compared:
/// small shops, and every small test, get the exhaustive answer.
pub(super) const EXHAUSTIVE_UP_TO: usize = 2_000_000;
/// The lowest suggestion the index answers for as the exhaustive pass does (the export's
/// pre-fill); weaker ones are noise.
pub(super) const FLOOR: f64 = 0.5;

type Gram = (char, char);

/// The index of the local products, and what one look-up needs.
pub(super) struct Finder<'a> {
    by_sku: HashMap<&'a str, Vec<usize>>,
    by_key: HashMap<&'a str, Vec<usize>>,
    /// Per character pair, how many local names hold it.
    freq: HashMap<Gram, u32>,
    /// Per character pair, the local products holding it in their name's prefix.
    postings: HashMap<Gram, Vec<u32>>,
    /// Per local product, how many character pairs its name has.
    sizes: Vec<usize>,
    /// Per local product, its name's [`Name::numbers_key`].
    numbers: Vec<u64>,
    /// Per [`Name::numbers_key`], the local products with it, in index order.
    by_numbers: HashMap<u64, Vec<usize>>,
    /// The Dice coefficient a candidate's name must be able to reach.
    dice: f64,
    /// Per local product, the look-up that found it last (to find each once).
    seen: Vec<u32>,
    stamp: u32,
    /// The local products found by name in the current look-up, as bits: read out in
    /// index order without a sort.
    bits: Vec<u64>,
}

/// Of a set of `n` pairs, how many a set with Dice ≥ `t` shares at least (less a hair
/// for the floating point: a longer prefix is only slower).
fn overlap(n: usize, t: f64) -> usize {
    let a = (t * n as f64 / (2.0 - t) - 1e-9).ceil().max(1.0) as usize;
    a.min(n)
}

impl<'a> Finder<'a> {
    pub(super) fn new(locals: &'a [Local<'a>], min_score: f64) -> Self {
        // Not a number (`?min_score=NaN`) shows everything, as the exhaustive pass does.
        let floor = if min_score.is_nan() {
            FLOOR
        } else {
            min_score.clamp(FLOOR, 1.0)
        };
        let dice = floor - NEAR_TIE - 0.001;
        let mut freq: HashMap<Gram, u32> = HashMap::new();
        for l in locals {
            for g in l.name.grams() {
                *freq.entry(*g).or_default() += 1;
            }
        }
        let mut f = Self {
            by_sku: HashMap::new(),
            by_key: HashMap::new(),
            freq,
            postings: HashMap::new(),
            sizes: Vec::with_capacity(locals.len()),
            numbers: locals.iter().map(|l| l.name.numbers_key()).collect(),
            by_numbers: HashMap::new(),
            dice,
            seen: vec![0; locals.len()],
            stamp: 0,
            bits: vec![0; locals.len().div_ceil(64)],
        };
        for (li, l) in locals.iter().enumerate() {
            if let Some(s) = l.sku {
                f.by_sku.entry(s).or_default().push(li);
            }
            if !l.key.is_empty() {
                f.by_key.entry(l.key.as_str()).or_default().push(li);
            }
            let grams = f.rarest_first(&l.name);
            let keep = grams.len() - overlap(grams.len(), dice) + 1;
            for g in grams.iter().take(keep) {
                f.postings.entry(*g).or_default().push(li as u32);
            }
            f.sizes.push(grams.len());
            f.by_numbers.entry(f.numbers[li]).or_default().push(li);
        }
        f
    }

    /// Of the local products the last look-up found by name, those from `from` up (in
    /// index order) whose numbers may be those of a name with these keys; `None` when
    /// there would be no fewer than `left`.
    pub(super) fn same_numbers(
        &self,
        keys: &[u64],
        from: usize,
        left: usize,
    ) -> Option<Vec<usize>> {
        let buckets: Vec<&Vec<usize>> =
            keys.iter().filter_map(|k| self.by_numbers.get(k)).collect();
        if buckets.iter().map(|b| b.len()).sum::<usize>() >= left {
            return None;
        }
        let mut out: Vec<usize> = buckets
            .into_iter()
            .flatten()
            .copied()
            .filter(|li| *li >= from && self.seen[*li] == self.stamp)
            .collect();
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Whether the numbers of local product `li`'s name surely differ from those of every
    /// name with these [`Name::numbers_key`]s (its score is then at most the cap).
    pub(super) fn numbers_differ(&self, li: usize, keys: &[u64]) -> bool {
        !keys.contains(&self.numbers[li])
    }

    /// The name's pairs, rarest first (ties by the pair: one order for every name).
    fn rarest_first(&self, name: &Name) -> Vec<Gram> {
        let mut grams = name.grams().to_vec();
        grams.sort_by_key(|g| (self.freq.get(g).copied().unwrap_or(0), *g));
        grams
    }

    /// The local products to compare with a Prom product of this cleaned SKU, look-alike
    /// key and names: every one with its SKU or key, and every one whose name could
    /// reach the Dice floor with one of `names`: those found by SKU, then the others
    /// found by name, in index order. Each once.
    pub(super) fn find(
        &mut self,
        sku: Option<&str>,
        key: Option<&str>,
        names: &[Name],
    ) -> (Vec<usize>, Vec<usize>) {
        self.stamp += 1;
        let mut out = Vec::new();
        let by_sku = sku.and_then(|s| self.by_sku.get(s));
        let by_key = key.and_then(|k| self.by_key.get(k));
        for li in by_sku.into_iter().chain(by_key).flatten() {
            if self.seen[*li] != self.stamp {
                self.seen[*li] = self.stamp;
                out.push(*li);
            }
        }
        let by_sku = std::mem::take(&mut out);
        let t = self.dice;
        for name in names {
            let grams = self.rarest_first(name);
            let n = grams.len();
            if n == 0 {
                continue; // no pairs: a Dice of 0
            }
            let (lo, hi) = (
                t / (2.0 - t) * n as f64 - 1e-9,
                (2.0 - t) / t * n as f64 + 1e-9,
            );
            for g in grams.iter().take(n - overlap(n, t) + 1) {
                for li in self.postings.get(g).into_iter().flatten() {
                    let li = *li as usize;
                    let size = self.sizes[li] as f64;
                    if self.seen[li] != self.stamp && size >= lo && size <= hi {
                        self.seen[li] = self.stamp;
                        self.bits[li / 64] |= 1 << (li % 64);
                    }
                }
            }
        }
        for (w, word) in self.bits.iter_mut().enumerate() {
            while *word != 0 {
                out.push(w * 64 + word.trailing_zeros() as usize);
                *word &= *word - 1;
            }
        }
        (by_sku, out)
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
